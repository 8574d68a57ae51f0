import { z } from 'zod';
import { enqueue } from '../jobs/queue.js';
import { findSummary, loadBody } from '../content/articles.queries.js';
import type { ArticleSummary } from '../content/types.js';
import { defaultPlan } from '../billing/plans.js';
import type { MailTransport } from '../mail/transport.js';
import { findStaffByEmail } from '../members/staff.js';
import { audit } from '../members/audit.js';
import { conflict, invalidInput, notFound } from '../errors.js';
import { findNewsletter, type Newsletter } from './newsletters.queries.js';
import { beginScheduledSend, cancelScheduledSend, deleteUnsentSends, insertSend, scheduledSendsOf, sendsOfArticle, type Send } from './sends.queries.js';
import { audienceCount, prepareSend, startSend, type NewsletterDeps } from './newsletters.service.js';
import { audienceChanged, emailPart, SEGMENTS, type Segment } from './rules.js';
import { withTransaction } from '../db/transaction.js';
import type { ContentDeps } from '../content/deps.js';
import { deleteArticle } from '../content/articles.service.js';
import { bulkChange, type BulkAction } from '../content/newsroom.service.js';
import { personalise, renderCopy } from './email.js';

/**
 * Sending from the publish flow: with the article when it goes live (now, or at its scheduled
 * time), a count before confirming, and a test to a staff address. Who may send is decided by
 * the caller with the publish permission (only who may publish may send).
 */

/** The job that starts a scheduled article's sends when it goes live. */
export const GOLIVE_JOB = 'newsletter.golive';

export const EMAIL_MODES = ['publish', 'publish-and-email', 'email-only'] as const;
export type EmailMode = (typeof EMAIL_MODES)[number];

export const emailChoice = z.object({ newsletter: z.coerce.number().int().positive(), segment: z.enum(SEGMENTS) });
export type EmailChoice = z.infer<typeof emailChoice>;

const isLive = (a: ArticleSummary, now: number) => a.status !== 'draft' && a.publishedAt !== null && a.publishedAt <= now;

async function sendingNewsletter(d: Pick<NewsletterDeps, 'db'>, id: number): Promise<Newsletter> {
  const n = await findNewsletter(d.db, { id });
  if (!n) throw notFound('newsletter');
  if (!n.senderEmail) throw invalidInput(`the newsletter "${n.name}" has no sender address, so it cannot send; set one on the newsletters page first`);
  return n;
}

/** What the confirmation step shows: the newsletter and how many members it would reach now. */
export async function confirmationFacts(d: Pick<NewsletterDeps, 'db'>, c: EmailChoice): Promise<{ newsletter: Newsletter; count: number }> {
  const newsletter = await sendingNewsletter(d, c.newsletter);
  return { newsletter, count: await audienceCount(d, newsletter.id, c.segment) };
}

/**
 * Send an article with its publication: at once when it is live, else stored with its schedule
 * (status `scheduled`, no recipients yet) and started by GOLIVE_JOB when it goes live. The
 * recipients are whoever is subscribed at that moment, not at the time of the click.
 */
export async function sendWithArticle(d: NewsletterDeps, articleId: number, c: EmailChoice, by: string): Promise<{ send: Send; created: boolean; scheduled: boolean }> {
  const n = await sendingNewsletter(d, c.newsletter);
  const article = await findSummary(d.db, { id: articleId });
  if (!article) throw notFound('article');
  const now = d.clock.now();
  if (isLive(article, now)) {
    const r = await startSend(d, { newsletter: n.id, articleId, segment: c.segment, by });
    if (r.created) await audit(d.db, { at: now, actor: by, action: 'newsletter.send', target: `send:${r.send.id}`, details: { newsletter: n.slug, article: articleId, segment: c.segment, recipients: r.counts.queued } });
    return { send: r.send, created: r.created, scheduled: false };
  }
  if (article.status !== 'scheduled' || article.publishedAt === null) throw invalidInput('publish or schedule the article to email it');
  const at = article.publishedAt;
  return withTransaction(d, async ({ db }) => {
    const { send, created } = await insertSend(db, { newsletterId: n.id, articleId, segment: c.segment, createdBy: by, status: 'scheduled' }, now);
    await enqueue(db, GOLIVE_JOB, { articleId }, { now, runAt: at, maxAttempts: 20, dedupeKey: `newsletter-golive:${articleId}:${at}` });
    if (created) await audit(db, { at: now, actor: by, action: 'newsletter.scheduled', target: `send:${send.id}`, details: { newsletter: n.slug, article: articleId, segment: c.segment, at } });
    return { send, created, scheduled: send.status === 'scheduled' };
  });
}

export type PublishAndEmail =
  | { done: true; send: Send | null; created: boolean; scheduled: boolean }
  /** The audience moved materially since the editor saw `shown`: nothing was done; show them `count`. */
  | { done: false; newsletter: Newsletter; shown: number; count: number };

/**
 * Publish (or schedule) an article and start (or store) its send as one step that cannot
 * half-happen: one transaction holds the publication, the send, its recipients, its lanes' jobs
 * and the audit entries, so a send that cannot start leaves the article as it was, and a
 * publication that fails sends nothing. `publish` makes the article's change (the editor's save
 * over its revision, or the CLI's); null emails an article already live or scheduled.
 *
 * `shownCount` is the count the editor confirmed: counted again in the transaction, and if it moved
 * materially (rules.ts audienceChanged) nothing is done, and the caller shows the new number.
 */
export async function publishAndEmail(
  d: { content: ContentDeps; newsletters: NewsletterDeps },
  o: { articleId: number; publish: ((content: ContentDeps) => Promise<unknown>) | null; email: (EmailChoice & { shownCount?: number }) | null; by: string },
): Promise<PublishAndEmail> {
  const out = await withTransaction({ ...d.content, changed: undefined }, async (content): Promise<PublishAndEmail> => {
    const newsletters: NewsletterDeps = { ...d.newsletters, db: content.db };
    if (o.email) {
      // Checked first: a newsletter that cannot send refuses the whole step.
      const newsletter = await sendingNewsletter(newsletters, o.email.newsletter);
      if (o.email.shownCount !== undefined) {
        const count = await audienceCount(newsletters, newsletter.id, o.email.segment);
        if (audienceChanged(o.email.shownCount, count)) return { done: false, newsletter, shown: o.email.shownCount, count };
      }
    }
    if (o.publish) await o.publish(content);
    const sent = o.email ? await sendWithArticle(newsletters, o.articleId, o.email, o.by) : null;
    // Sends stored with the article follow it: started, moved to its new time, or cancelled.
    await followArticle(newsletters, o.articleId);
    return { done: true, send: sent?.send ?? null, created: sent?.created ?? false, scheduled: sent?.scheduled ?? false };
  });
  // After the commit: caches forget the old article, and the worker learns of the lanes' jobs.
  if (out.done) {
    if (o.publish) d.content.changed?.();
    d.newsletters.queued();
  }
  return out;
}

/**
 * Bring an article's scheduled sends in step with its publication, after any change to it and
 * when GOLIVE_JOB runs: live now → they start; unpublished (or gone) → cancelled; moved to
 * another time → the job is queued for that time (a job for the old time finds nothing to do).
 */
export async function followArticle(d: NewsletterDeps, articleId: number): Promise<{ started: number; cancelled: number }> {
  const sends = await scheduledSendsOf(d.db, articleId);
  if (!sends.length) return { started: 0, cancelled: 0 };
  const article = await findSummary(d.db, { id: articleId });
  const now = d.clock.now();
  let started = 0;
  let cancelled = 0;
  if (!article || article.status === 'draft' || article.publishedAt === null) {
    for (const s of sends) if (await cancelScheduledSend(d.db, s.id, now)) cancelled++;
    return { started, cancelled };
  }
  if (!isLive(article, now)) {
    const at = article.publishedAt;
    await enqueue(d.db, GOLIVE_JOB, { articleId }, { now, runAt: at, maxAttempts: 20, dedupeKey: `newsletter-golive:${articleId}:${at}` });
    return { started, cancelled };
  }
  for (const s of sends) {
    const n = await findNewsletter(d.db, { id: s.newsletterId });
    const began = await withTransaction(d, async ({ db }) => {
      if (!n || !(await beginScheduledSend(db, s.id, now))) return false;
      await prepareSend(db, { ...s, status: 'sending' }, n, article.access, now);
      return true;
    });
    if (began) started++;
  }
  // Inside a caller's transaction, the caller wakes the worker once it has committed.
  if (started && !d.db.isTransaction) d.queued();
  return { started, cancelled };
}

/**
 * A test of the mail to a staff member's address: the subscriber's copy and, for a gated
 * article, the free member's copy, each marked as a test. Only a staff address is accepted, so
 * the form cannot mail the article (or its gated text) to anyone outside the newsroom.
 */
export async function testSend(d: NewsletterDeps & { transport: MailTransport }, articleId: number, newsletterId: number, to: string, by: string): Promise<number> {
  const staff = await findStaffByEmail(d.db, to);
  if (!staff) throw invalidInput('a test goes to a newsroom address only: enter the email address of a staff account');
  const n = await sendingNewsletter(d, newsletterId);
  const article = await findSummary(d.db, { id: articleId });
  if (!article) throw notFound('article');
  const brand = await d.brand();
  const trialDays = (await defaultPlan(d.db))?.trialDays ?? 0;
  const parts: ('full' | 'preview')[] = emailPart(article.access, 'free') === 'full' ? ['full'] : ['full', 'preview'];
  const from = `"${n.senderName.replace(/["\\\r\n]/g, '')}" <${n.senderEmail}>`;
  for (const part of parts) {
    const copy = await renderCopy({ brand, newsletter: n, article, body: await loadBody(d.db, article.id, part), part, trialDays });
    // A test has no subscription to leave: its unsubscribe link goes to the account page.
    const filled = personalise(copy, { unsubscribeUrl: new URL('/account', d.siteUrl).toString(), name: staff.name });
    const label = parts.length === 1 ? 'Test' : part === 'full' ? "Test, a subscriber's copy" : "Test, a free member's copy";
    await d.transport.send({ to: staff.email, from, subject: `[${label}] ${copy.subject}`, text: filled.text, html: filled.html, ...(n.replyTo ? { headers: { 'Reply-To': n.replyTo } } : {}) });
  }
  await audit(d.db, { at: d.clock.now(), actor: by, action: 'newsletter.test', target: `article:${articleId}`, details: { newsletter: n.slug, to: staff.email } });
  return parts.length;
}

export type { Segment };

/**
 * The article list's bulk change, with the sends stored with scheduled articles following them
 * (started by a bulk publish, cancelled by a bulk unpublish) in the same transaction.
 */
export async function bulkChangeWithSends(d: { content: ContentDeps; newsletters: NewsletterDeps }, ids: number[], action: BulkAction): Promise<void> {
  await withTransaction({ ...d.content, changed: undefined }, async (content) => {
    if (action.action === 'delete') for (const id of ids) await deleteArticleWithSends(content, id);
    else await bulkChange(content, ids, action);
    if (action.action === 'publish' || action.action === 'unpublish') for (const id of ids) await followArticle({ ...d.newsletters, db: content.db }, id);
  });
  d.content.changed?.();
  d.newsletters.queued();
}

/**
 * An article deleted, from the Admin API or the article list alike. Sends that never mailed anyone
 * (scheduled, or cancelled before the first message) go with it; an article that was mailed to
 * members is refused, with the way out, so the record of what went to whom stays (a send's counts,
 * opens and clicks hang on it). Runs in the caller's transaction.
 */
export async function deleteArticleWithSends(content: ContentDeps, articleId: number): Promise<void> {
  const sends = await sendsOfArticle(content.db, articleId);
  const refuse = async () => {
    const title = (await findSummary(content.db, { id: articleId }))?.title || 'This article';
    return conflict(`“${title}” was emailed to members, so it cannot be deleted: unpublish it instead, and the record of the send stays`);
  };
  if (sends.some((s) => s.mailed > 0 || s.status === 'sending')) throw await refuse();
  // A send that began since it was read is left, and so is the article.
  if ((await deleteUnsentSends(content.db, sends.map((s) => s.id))) < sends.length) throw await refuse();
  await deleteArticle(content, articleId);
}
