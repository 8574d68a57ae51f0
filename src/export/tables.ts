/**
 * What a publication export holds. Tables are listed in the order they are written and loaded
 * back (a row's references come before it). Every table of the schema is either here or in
 * LEFT_OUT with the reason; test/http/export.test.ts fails when a migration adds a table that is
 * in neither, so a new table is a decision, not an accident.
 */
export interface ExportedTable {
  name: string;
  /** Columns that identify a row, in order: rows are written sorted by them (so two exports compare). */
  key: string[];
  /** Columns never written (secrets), and what a loaded row gets instead. */
  omit?: Record<string, null | number>;
}

export const EXPORTED: readonly ExportedTable[] = [
  { name: 'settings', key: ['key'] },
  { name: 'sections', key: ['id'] },
  // Staff accounts come without their passwords and two-factor secrets: set them again after loading.
  { name: 'staff_users', key: ['id'], omit: { password_hash: null, totp_secret: null, totp_enabled: 0, totp_last_step: null } },
  { name: 'authors', key: ['id'] },
  { name: 'tags', key: ['id'] },
  { name: 'articles', key: ['id'] },
  { name: 'article_authors', key: ['article_id', 'author_id'] },
  { name: 'article_sections', key: ['article_id', 'section_id'] },
  { name: 'article_tags', key: ['article_id', 'tag_id'] },
  { name: 'article_revisions', key: ['id'] },
  { name: 'redirects', key: ['from_path'] },
  { name: 'import_items', key: ['source_id'] },
  // Members come without passwords: they sign in by emailed link, or set one again.
  { name: 'members', key: ['id'], omit: { password_hash: null } },
  { name: 'member_labels', key: ['id'] },
  { name: 'member_label_links', key: ['label_id', 'member_id'] },
  { name: 'plans', key: ['id'] },
  { name: 'prices', key: ['id'] },
  { name: 'offers', key: ['id'] },
  { name: 'offer_redemptions', key: ['id'] },
  { name: 'subscriptions', key: ['id'] },
  { name: 'subscription_history', key: ['id'] },
  { name: 'trial_claims', key: ['email_key'] },
  { name: 'comments', key: ['id'] },
  { name: 'comment_likes', key: ['comment_id', 'member_id'] },
  { name: 'comment_reports', key: ['id'] },
  { name: 'comment_bans', key: ['member_id'] },
  { name: 'newsletters', key: ['id'] },
  { name: 'newsletter_subscriptions', key: ['member_id', 'newsletter_id'] },
  { name: 'newsletter_subscription_events', key: ['id'] },
  { name: 'email_suppressions', key: ['email_normalized'] },
];

/** Tables an export leaves out, and why; the export file repeats this list so its reader knows. */
export const LEFT_OUT: Readonly<Record<string, string>> = {
  sessions: 'sign-in sessions (secret tokens): everyone signs in again',
  login_tokens: 'pending sign-in links (secret tokens)',
  api_tokens: 'Admin API tokens (secrets): create new ones with `masthead token create`',
  instance_secrets: 'the signing secret: the new installation makes its own',
  audit_log: 'this installation’s audit log',
  jobs: 'this installation’s job queue (mail waiting to go out)',
  meter_reads: 'readers’ meter counts, which reset within a period anyway',
  event_counts: 'traffic counts',
  stripe_events: 'Stripe webhook deliveries already processed',
  newsletter_sends: 'newsletter delivery logs',
  newsletter_recipients: 'newsletter delivery logs',
  newsletter_links: 'newsletter delivery logs (the links of each send, with its click counts)',
  newsletter_clicks: 'newsletter delivery logs (who followed a tracked link)',
  media: 'the media library (image files live in the data directory; copy it across, article images keep their URLs)',
  article_search: 'the search index, rebuilt from the articles on loading',
  article_search_titles: 'the newsroom’s title search index (SQLite; PostgreSQL indexes the titles in place), rebuilt from the articles on loading',
  event_days: 'traffic counts (the dashboard’s daily roll-ups)',
  article_days: 'traffic counts (the dashboard’s per-article roll-ups)',
  article_months: 'traffic counts (the dashboard’s per-article roll-ups)',
  member_imports: 'this installation’s member CSV imports and their progress',
  staff_invitations: 'pending staff invitations (secret links): invite again',
  preview_links: 'shareable draft preview links (secret links): share again',
  import_runs: 'this installation’s Settings → Import runs (their counts; the articles they brought in are exported)',
};

/** Columns left out of every export row, for the file's own description. */
export const OMITTED_COLUMNS = EXPORTED.flatMap((t) => Object.keys(t.omit ?? {}).map((c) => `${t.name}.${c}`));

export const EXPORT_FORMAT = 'masthead-publication';
export const EXPORT_VERSION = 1;
