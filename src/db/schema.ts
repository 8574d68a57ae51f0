import type { Generated } from 'kysely';

/** Kysely's view of the tables. Times are epoch milliseconds (bigint), booleans 0/1, on both dialects. */
export interface DB {
  newsletters: {
    id: Generated<number>; slug: string; name: string; sender_name: string; sender_email: string | null; reply_to: string | null;
    audience: string; subscribe_on_signup: number; header: string; footer: string; created_at: number; updated_at: number;
  };
  newsletter_subscriptions: { member_id: number; newsletter_id: number; subscribed: number; cause: string; changed_at: number };
  newsletter_subscription_events: { id: Generated<number>; member_id: number; newsletter_id: number; subscribed: number; cause: string; at: number };
  email_suppressions: { email_normalized: string; reason: string; detail: string; at: number };
  newsletter_sends: {
    id: Generated<number>; newsletter_id: number; article_id: number; segment: string; status: string; dedupe_key: string;
    created_by: string; created_at: number; finished_at: number | null; cancelled_at: number | null;
    track_opens: Generated<number>; track_clicks: Generated<number>; opens: Generated<number>;
  };
  newsletter_recipients: {
    send_id: number; member_id: number; email: string; name: string; variant: string; state: string; attempts: number;
    next_attempt_at: number; locked_by: string | null; locked_until: number | null; last_error: string | null; sent_at: number | null;
    opened_at: Generated<number | null>;
  };
  newsletter_links: { id: Generated<number>; send_id: number; url: string; clicks: Generated<number> };
  newsletter_clicks: { link_id: number; member_id: number; at: number };
  settings: { key: string; value: string };
  authors: {
    id: Generated<number>;
    slug: string;
    name: string;
    bio: string;
    avatar_url: string | null;
    staff_user_id: number | null;
    created_at: number;
    updated_at: number;
  };
  sections: {
    id: Generated<number>;
    slug: string;
    name: string;
    description: string;
    default_access: string;
    position: number;
    created_at: number;
    updated_at: number;
  };
  tags: { id: Generated<number>; slug: string; name: string; created_at: number };
  articles: {
    id: Generated<number>;
    slug: string;
    title: string;
    dek: string;
    body_doc: string;
    body_html: string;
    preview_html: string;
    preview_text: string;
    has_break: number;
    feature_image_url: string | null;
    feature_image_alt: string | null;
    status: string;
    published_at: number | null;
    /** published_at when the article is not a draft, else null: one index serves "what is live now". */
    live_at: number | null;
    /** Sent by email, not listed on the site: live_at stays null, its own address still answers (016). */
    email_only: Generated<number>;
    access_level: string | null;
    effective_access: string;
    primary_section_id: number | null;
    featured: number;
    source_id: string | null;
    created_by_staff_id: number | null;
    comment_count: Generated<number>;
    created_at: number;
    updated_at: number;
    /** Counts every change; a save names the revision it was based on (009). */
    revision: Generated<number>;
    seo_title: string | null;
    seo_description: string | null;
    canonical_url: string | null;
  };
  preview_links: {
    id: Generated<number>;
    article_id: number;
    created_by: number | null;
    created_by_name: string;
    created_at: number;
    expires_at: number;
    revoked_at: number | null;
  };
  article_revisions: {
    id: Generated<number>;
    article_id: number;
    revision: number;
    staff_user_id: number | null;
    staff_name: string;
    title: string;
    body_doc: string;
    started_at: number;
    saved_at: number;
  };
  article_authors: { article_id: number; author_id: number; position: number; live_at: number | null };
  article_sections: { article_id: number; section_id: number; live_at: number | null };
  article_tags: { article_id: number; tag_id: number; live_at: number | null };
  redirects: { from_path: string; to_path: string; created_at: number };
  staff_users: {
    id: Generated<number>;
    email: string;
    email_normalized: string;
    name: string;
    role: string;
    password_hash: string | null;
    totp_secret: string | null;
    totp_enabled: number;
    /** The last TOTP time step accepted; a code is good once. */
    totp_last_step: number | null;
    created_at: number;
    /** Removed from the staff (014): the row stays for what it wrote; it can no longer sign in. */
    removed_at: Generated<number | null>;
  };
  api_tokens: {
    id: Generated<number>;
    user_id: number;
    name: string;
    token_hash: string;
    created_at: number;
    last_used_at: number | null;
    revoked_at: number | null;
  };
  /** PostgreSQL only; SQLite keeps an FTS5 virtual table of the same name. */
  article_search: { article_id: number; public_tsv: unknown; full_tsv: unknown };
  /** SQLite only (migration 022): FTS5 trigrams of articles.title, kept by triggers; PostgreSQL indexes lower(title) instead. */
  article_search_titles: { rowid: number; title: string };
  members: {
    id: Generated<number>;
    email: string;
    email_normalized: string;
    name: string;
    status: string;
    email_verified: number;
    password_hash: string | null;
    created_at: number;
    last_seen_at: number | null;
    deleted_at: number | null;
    stripe_customer_id: string | null;
    comment_emails: Generated<number>;
    /** The list's standing (billing/state memberStanding) and its subscription's plan, kept with status (013). */
    standing: Generated<string>;
    plan_id: Generated<number | null>;
    note: Generated<string>;
  };
  member_labels: { id: Generated<number>; name: string; slug: string; created_at: number };
  member_label_links: { label_id: number; member_id: number };
  member_imports: {
    id: Generated<number>; staff_user_id: number | null; file_name: string; format: string; state: string;
    rows_total: number; rows_done: number; created: number; updated: number;
    /** JSON array of { line, email, problem }. */
    problems: string; error: string | null; started_at: number; finished_at: number | null;
    /** The uploaded file until its job has run (020). */
    data: Buffer | null;
  };
  sessions: {
    id: string;
    member_id: number | null;
    staff_user_id: number | null;
    created_at: number;
    last_seen_at: number;
    idle_expires_at: number;
    expires_at: number;
    user_agent: string;
    revoked_at: number | null;
  };
  login_tokens: {
    id: Generated<number>;
    token_hash: string;
    purpose: string;
    email: string;
    name: string | null;
    member_id: number | null;
    staff_user_id: number | null;
    binding_hash: string | null;
    device_id: string | null;
    return_to: string | null;
    intent: string | null;
    /** Newsletter ids ticked at sign-up, JSON (016); null when the form offered no choice. */
    newsletters: string | null;
    created_at: number;
    expires_at: number;
    used_at: number | null;
    /** Wrong two-factor codes tried with this link; it dies at MAX_CODE_ATTEMPTS. */
    failed_attempts: Generated<number>;
  };
  audit_log: { id: Generated<number>; at: number; actor: string; action: string; target: string | null; ip: string | null; details: string | null };
  jobs: {
    id: Generated<number>;
    kind: string;
    payload: string;
    run_at: number;
    attempts: number;
    max_attempts: number;
    locked_until: number | null;
    locked_by: string | null;
    last_error: string | null;
    done_at: number | null;
    failed_at: number | null;
    dedupe_key: string | null;
    created_at: number;
    /** When the current holder claimed it; null until the first claim. */
    claimed_at: number | null;
  };
  /** The publication's generated signing secret, on PostgreSQL without MASTHEAD_SECRET (name 'signing'). */
  instance_secrets: { name: string; value: string; created_at: number };
  meter_reads: { subject: string; article_id: number; read_at: number };
  event_counts: { hour: number; kind: string; article_id: number; reason: string; reader: string; count: number };
  /** Daily roll-ups of event_counts (012): a day is the site's local midnight when counted. */
  event_days: { day: number; kind: string; reason: string; count: number };
  article_days: { kind: string; day: number; article_id: number; count: number };
  article_months: { kind: string; month: number; article_id: number; count: number };
  plans: { id: Generated<number>; slug: string; name: string; description: string; benefits: string; trial_days: number; status: string; is_default: number; created_at: number; updated_at: number };
  prices: { id: Generated<number>; plan_id: number; interval: string; currency: string; amount: number; stripe_price_id: string | null };
  subscriptions: {
    id: Generated<number>;
    member_id: number;
    plan_id: number | null;
    price_id: number | null;
    status: string;
    trial_end: number | null;
    current_period_end: number | null;
    cancel_at_period_end: number;
    past_due_since: number | null;
    ended_at: number | null;
    stripe_subscription_id: string | null;
    created_at: number;
    updated_at: number;
    /** The article whose wall the trial began on (012), when known. */
    trial_article_id: Generated<number | null>;
  };
  subscription_history: { id: Generated<number>; subscription_id: number; at: number; from_status: string | null; to_status: string; cause: string; details: string | null };
  trial_claims: { email_key: string; member_id: number | null; claimed_at: number };
  stripe_events: { id: string; type: string; processed_at: number };
  comments: {
    id: Generated<number>;
    article_id: number;
    member_id: number | null;
    staff_user_id: number | null;
    parent_id: number | null;
    depth: number;
    root_id: number | null;
    branch_id: number | null;
    body_text: string;
    body_html: string;
    status: string;
    like_count: number;
    edited_at: number | null;
    created_at: number;
    updated_at: number;
  };
  comment_likes: { comment_id: number; member_id: number };
  comment_reports: { id: Generated<number>; comment_id: number; reporter_member_id: number | null; reason: string; created_at: number; resolved_at: number | null };
  comment_bans: { member_id: number; banned_by: string; reason: string; created_at: number; expires_at: number | null };
  staff_invitations: {
    id: Generated<number>; email: string; email_normalized: string; role: string; token_hash: string; invited_by: number | null;
    created_at: number; expires_at: number; used_at: number | null; revoked_at: number | null;
  };
  offers: {
    id: Generated<number>; code: string; name: string; plan_id: number | null; kind: string; amount: number; currency: string | null;
    duration: string; duration_months: number | null; expires_at: number | null; max_redemptions: number | null; status: string;
    stripe_coupon_id: string | null; created_at: number; updated_at: number;
  };
  offer_redemptions: { id: Generated<number>; offer_id: number; member_id: number | null; checkout_session_id: string; created_at: number };
  import_items: {
    source_id: string;
    article_id: number;
    format: string;
    content_hash: string;
    flags: string;
    needs_review: number;
    imported_at: number;
    updated_at: number;
  };
  import_runs: {
    id: Generated<number>;
    name: string;
    format: string;
    status: string;
    data: Buffer | null;
    fetch_images: Generated<number>;
    created: Generated<number>;
    updated: Generated<number>;
    unchanged: Generated<number>;
    flagged: Generated<number>;
    failed: Generated<number>;
    flagged_ids: Generated<string>;
    failures: Generated<string>;
    error: string | null;
    staff_id: number | null;
    created_at: number;
    started_at: number | null;
    finished_at: number | null;
  };
  media: {
    id: Generated<number>;
    key: string;
    original_name: string;
    mime: string;
    width: number;
    height: number;
    bytes: number;
    alt: Generated<string>;
    uploaded_by: number | null;
    source_url: string | null;
    /** JSON array of MediaVariant (media/types.ts). */
    variants: string;
    created_at: number;
  };
}
