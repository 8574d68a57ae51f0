import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Clock } from '../clock.js';
import type { Dialect } from '../db/database.js';
import type { DB } from '../db/schema.js';
import { AppError, invalidInput, notFound } from '../errors.js';
import { withTransaction } from '../db/transaction.js';
import type { Q } from '../db/q.js';
import { enqueue } from '../jobs/queue.js';
import { findSummary } from '../content/articles.queries.js';
import type { AccessLevel } from '../content/types.js';
import type { Brand } from '../mail/messages.js';
import type { MailTransport } from '../mail/transport.js';
import { findNewsletter, insertNewsletter, listNewsletters, updateNewsletterRow, setSubscription, subscriptionsOf, type Newsletter } from './newsletters.queries.js';
import { cancelScheduledSend, cancelSend, countAudience, countsBySend, recentSends, findSend, insertSend, prepareRecipients, sendCounts, setSendTracking, type Send, type SendCounts } from './sends.queries.js';
import { readEmailTracking } from './tracking.js';
import { AUDIENCES, emailPart, SEGMENTS, sendProgress, type Segment, type SubscriptionCause } from './rules.js';
import { sendFigures, type SendFigures } from './tracking.service.js';
import { unsubscribeTokenValid } from './tokens.js';
import { suppressionEvents, type Provider } from './provider-events.js';
import { suppress } from './newsletters.queries.js';
import { normalizeEmail } from '../members/staff.js';

export const NEWSLETTER_JOB = 'newsletter.lane';
/** Lanes a send is split into: each a job, so that several instances share a send (and SKIP LOCKED keeps their rows apart). */
export const LANES = 2;

export interface NewsletterDeps {
  db: Kysely<DB>;
  dialect: Dialect;
  clock: Clock;
  siteUrl: string;
  /** The signing secret, then the one being retired (for links in mail sent before a rotation). */
  secrets: readonly (string | null)[];
  brand(): Promise<Brand>;
  /** Wake the job worker: there is mail to send. */
  queued(): void;
  /** For test sends from the publish form, which go out at once rather than through a send. */
  transport?: MailTransport;
}

export const newsletterInput = z.object({
  slug: z.string().regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'a slug is lower-case letters, digits and hyphens').max(80),
  name: z.string().trim().min(1).max(120),
  senderName: z.string().trim().min(1).max(120),
  senderEmail: z.email().max(254).nullable().default(null),
  replyTo: z.email().max(254).nullable().default(null),
  audience: z.enum(AUDIENCES).default('members'),
  subscribeOnSignup: z.boolean().default(true),
  header: z.string().max(2000).default(''),
  footer: z.string().max(2000).default(''),
});

export async function createNewsletter(d: NewsletterDeps, input: unknown): Promise<Newsletter> {
  const parsed = newsletterInput.safeParse(input);
  if (!parsed.success) throw invalidInput(parsed.error.issues.map((i) => `${i.path.join('.') || 'newsletter'}: ${i.message}`).join('; '));
  if (await findNewsletter(d.db, { slug: parsed.data.slug })) throw new AppError('conflict', `a newsletter with the slug "${parsed.data.slug}" exists already`);
  return insertNewsletter(d.db, parsed.data, d.clock.now());
}

/** Change a newsletter's settings; its slug stays unique. Sends already prepared keep the copy they were given. */
export async function updateNewsletter(d: Pick<NewsletterDeps, 'db' | 'clock'>, id: number, input: unknown): Promise<Newsletter> {
  const parsed = newsletterInput.safeParse(input);
  if (!parsed.success) throw invalidInput(parsed.error.issues.map((i) => `${i.path.join('.') || 'newsletter'}: ${i.message}`).join('; '));
  const clash = await findNewsletter(d.db, { slug: parsed.data.slug });
  if (clash && clash.id !== id) throw new AppError('conflict', `a newsletter with the slug "${parsed.data.slug}" exists already`);
  const n = await updateNewsletterRow(d.db, id, parsed.data, d.clock.now());
  if (!n) throw notFound('newsletter');
  return n;
}

export const newsletters = (d: Pick<NewsletterDeps, 'db'>) => listNewsletters(d.db);

export async function newsletterById(d: Pick<NewsletterDeps, 'db'>, id: number): Promise<Newsletter> {
  return newsletterBy(d, id);
}

/** The newsroom's view of sends: the newest, with counts per recipient state. */
export async function recentSendsWithCounts(d: Pick<NewsletterDeps, 'db'>, limit = 50) {
  const sends = await recentSends(d.db, limit);
  return { sends, counts: await countsBySend(d.db, sends.map((s) => s.id)) };
}

async function newsletterBy(d: Pick<NewsletterDeps, 'db'>, ref: number | string): Promise<Newsletter> {
  const n = await findNewsletter(d.db, typeof ref === 'number' ? { id: ref } : { slug: ref });
  if (!n) throw notFound('newsletter');
  return n;
}

/** A member's choices, every newsletter listed (unset means not subscribed). */
export async function memberNewsletters(d: Pick<NewsletterDeps, 'db'>, memberId: number): Promise<{ newsletter: Newsletter; subscribed: boolean }[]> {
  const mine = await subscriptionsOf(d.db, memberId);
  return (await listNewsletters(d.db)).map((n) => ({ newsletter: n, subscribed: mine.get(n.id) ?? false }));
}

/** Set the member's choice for each listed newsletter; only real changes are recorded. */
export async function chooseNewsletters(d: { db: Q; clock: Clock }, memberId: number, choices: Map<number, boolean>, cause: SubscriptionCause): Promise<void> {
  const now = d.clock.now();
  const mine = await subscriptionsOf(d.db, memberId);
  const known = new Set((await listNewsletters(d.db)).map((n) => n.id));
  await withTransaction(d, async (t) => {
    for (const [id, subscribed] of choices) {
      if (!known.has(id)) throw notFound('newsletter');
      if ((mine.get(id) ?? false) !== subscribed) await setSubscription(t.db, memberId, id, subscribed, cause, now);
    }
  });
}

/** RFC 8058 one-click (and the link's confirmation page): the signed token is the only credential. */
export async function unsubscribeByToken(d: Pick<NewsletterDeps, 'db' | 'clock' | 'secrets'>, newsletterId: number, memberId: number, token: string, cause: SubscriptionCause): Promise<Newsletter> {
  if (!unsubscribeTokenValid(d.secrets, newsletterId, memberId, token)) throw invalidInput('this unsubscribe link is not valid; sign in and choose your newsletters on your account page');
  const n = await newsletterBy(d, newsletterId);
  const mine = await subscriptionsOf(d.db, memberId);
  if (mine.get(newsletterId) !== false) await setSubscription(d.db, memberId, newsletterId, false, cause, d.clock.now());
  return n;
}

export const sendInput = z.object({
  newsletter: z.union([z.string(), z.number().int().positive()]),
  articleId: z.number().int().positive(),
  segment: z.enum(SEGMENTS).default('all'),
  by: z.string().min(1).max(200),
});

/**
 * Start sending an article to a newsletter's segment. Everything is decided here, in one
 * transaction: the recipients and the copy each gets. Started twice (a double click, two
 * instances), it is one send: the second call returns the first.
 */
export async function startSend(d: NewsletterDeps, input: z.input<typeof sendInput>): Promise<{ send: Send; created: boolean; counts: SendCounts }> {
  const i = sendInput.parse(input);
  const n = await newsletterBy(d, i.newsletter);
  if (!n.senderEmail) throw invalidInput(`the newsletter "${n.name}" has no sender address, so it cannot send; set one first`);
  const article = await findSummary(d.db, { id: i.articleId });
  if (!article) throw notFound('article');
  const now = d.clock.now();
  if (article.status !== 'published' || (article.publishedAt ?? Infinity) > now) throw invalidInput('only a published article can be emailed; schedule the send with the article instead');
  // Joins the caller's transaction when there is one (publishing and sending as one step):
  // the lanes' jobs are then queued only if the whole step commits.
  const out = await withTransaction(d, async (t) => {
    const { send, created } = await insertSend(t.db, { newsletterId: n.id, articleId: article.id, segment: i.segment, createdBy: i.by }, now);
    if (created) await prepareSend(t.db, send, n, article.access, now);
    return { send, created, counts: await sendCounts(t.db, send.id) };
  });
  if (out.created && !d.db.isTransaction) d.queued();
  return out;
}

/** A send's recipients, each with the copy their access allows, and its lanes: in the caller's transaction. */
export async function prepareSend(trx: Q, send: Send, n: Newsletter, access: AccessLevel, now: number): Promise<void> {
  // Tracked or not is decided now, once for the whole send: every lane and every restart agree.
  const tracking = await readEmailTracking(trx);
  if (tracking.trackOpens || tracking.trackClicks) await setSendTracking(trx, send.id, tracking);
  const fullForAll = emailPart(access, 'free') === 'full';
  await prepareRecipients(trx, { sendId: send.id, newsletterId: n.id, segment: send.segment, audience: n.audience, fullForAll, now });
  for (let lane = 0; lane < LANES; lane++) await enqueue(trx, NEWSLETTER_JOB, { sendId: send.id, lane }, { now, maxAttempts: 1000, dedupeKey: `newsletter:${send.id}:${lane}:start` });
}

/** The publish dialog's count: members a send would reach. */
export async function audienceCount(d: Pick<NewsletterDeps, 'db'>, newsletter: number | string, segment: Segment): Promise<number> {
  const n = await newsletterBy(d, newsletter);
  return countAudience(d.db, { newsletterId: n.id, segment, audience: n.audience });
}

export interface SendStatus extends ReturnType<typeof sendProgress> { send: Send; newsletter: Newsletter; article: { id: number; title: string } | null; counts: SendCounts; figures: SendFigures }

/** A send's counts, progress (rate, estimated finish) and, when it was tracked, its opens and clicks. */
export async function sendStatus(d: Pick<NewsletterDeps, 'db' | 'clock'>, sendId: number): Promise<SendStatus> {
  const send = await findSend(d.db, sendId);
  if (!send) throw notFound('send');
  const counts = await sendCounts(d.db, sendId);
  const progress = sendProgress(counts, { startedAt: send.createdAt, finishedAt: send.finishedAt, now: d.clock.now() });
  const article = await findSummary(d.db, { id: send.articleId });
  return {
    send, newsletter: await newsletterBy(d, send.newsletterId), article: article ? { id: article.id, title: article.title } : null,
    counts, ...progress, figures: await sendFigures(d, send),
  };
}

export async function cancel(d: Pick<NewsletterDeps, 'db' | 'clock'>, sendId: number): Promise<boolean> {
  const send = await findSend(d.db, sendId);
  if (!send) throw notFound('send');
  if (send.status === 'scheduled') return cancelScheduledSend(d.db, sendId, d.clock.now());
  return cancelSend(d.db, sendId, d.clock.now());
}

/** A provider's webhook: every permanent bounce and complaint in it suppresses the address. Returns how many. */
export async function recordProviderEvents(d: Pick<NewsletterDeps, 'db' | 'clock'>, provider: Provider, body: unknown): Promise<number> {
  const events = suppressionEvents(provider, body);
  const now = d.clock.now();
  for (const e of events) await suppress(d.db, normalizeEmail(e.email), e.reason, e.detail, now);
  return events.length;
}
