import { sql, type Kysely } from 'kysely';
import { ENTITLED_STATUSES } from '../billing/state.js';
import type { Dialect } from '../db/database.js';
import type { DB } from '../db/schema.js';
import type { Q } from '../db/q.js';
import type { Audience, Segment } from './rules.js';

/** `scheduled`: stored with a scheduled article, no recipients yet; it starts when the article goes live. */
export type SendStatus = 'scheduled' | 'sending' | 'done' | 'cancelled';
export interface Send {
  id: number; newsletterId: number; articleId: number; segment: Segment; status: SendStatus; createdAt: number; finishedAt: number | null;
  /** Whether its mail carries the open pixel and tracked links: the setting when the send began. */
  trackOpens: boolean; trackClicks: boolean;
  /** Members who opened it (each once), while open tracking was on. */
  opens: number;
}

type SendRow0 = { id: number; newsletter_id: number; article_id: number; segment: string; status: string; created_at: number; finished_at: number | null; track_opens: number; track_clicks: number; opens: number };
const toSend = (r: SendRow0): Send => ({
  id: r.id, newsletterId: r.newsletter_id, articleId: r.article_id, segment: r.segment as Segment, status: r.status as SendStatus, createdAt: Number(r.created_at), finishedAt: r.finished_at === null ? null : Number(r.finished_at),
  trackOpens: Number(r.track_opens) === 1, trackClicks: Number(r.track_clicks) === 1, opens: Number(r.opens),
});

/** The send for this newsletter and article, made if there is none: `created` says which. */
export async function insertSend(db: Q, s: { newsletterId: number; articleId: number; segment: Segment; createdBy: string; status?: 'sending' | 'scheduled' }, now: number): Promise<{ send: Send; created: boolean }> {
  const dedupe = `${s.newsletterId}:${s.articleId}`;
  const inserted = await db.insertInto('newsletter_sends').values({
    newsletter_id: s.newsletterId, article_id: s.articleId, segment: s.segment, status: s.status ?? 'sending', dedupe_key: dedupe,
    created_by: s.createdBy, created_at: now, finished_at: null, cancelled_at: null,
  }).onConflict((oc) => oc.column('dedupe_key').doNothing()).returningAll().executeTakeFirst();
  if (inserted) return { send: toSend(inserted), created: true };
  return { send: toSend(await db.selectFrom('newsletter_sends').selectAll().where('dedupe_key', '=', dedupe).executeTakeFirstOrThrow()), created: false };
}

export async function findSend(db: Q, id: number): Promise<Send | undefined> {
  const r = await db.selectFrom('newsletter_sends').selectAll().where('id', '=', id).executeTakeFirst();
  return r ? toSend(r) : undefined;
}

/** Not an address: something@something.something, without spaces. */
const INVALID = sql`(m.email not like '%_@_%._%' or m.email like '% %')`;

const entitled = () => sql.join(ENTITLED_STATUSES.map((s) => sql`${s}`));

/** Who is a subscriber, who is in the segment and who may receive the newsletter, as SQL over members `m` (the rule of rules.ts: receives). */
function audienceFilters(segment: Segment, audience: Audience) {
  const subscriber = sql`m.status in (${entitled()})`;
  return {
    subscriber,
    inSegment: segment === 'all' ? sql`1 = 1` : segment === 'subscribers' ? subscriber : sql`not (${subscriber})`,
    inAudience: audience === 'subscribers' ? subscriber : sql`1 = 1`,
  };
}

/**
 * One row per member the send is for, in one statement: the newsletter's subscribers in the
 * segment, each with the copy they get. Members who cannot be mailed get a row too, `skipped`,
 * with why (suppressed, an address that is not one, never confirmed), so the count adds up.
 */
export async function prepareRecipients(db: Q, p: { sendId: number; newsletterId: number; segment: Segment; audience: Audience; fullForAll: boolean; now: number }): Promise<number> {
  const { subscriber, inSegment, inAudience } = audienceFilters(p.segment, p.audience);
  const variant = p.fullForAll ? sql`'full'` : sql`case when ${subscriber} then 'full' else 'preview' end`;
  const invalid = INVALID;
  const r = await sql`
    insert into newsletter_recipients (send_id, member_id, email, name, variant, state, attempts, next_attempt_at, locked_by, locked_until, last_error, sent_at)
    select ${p.sendId}, m.id, m.email, m.name, ${variant},
      case when s.email_normalized is not null or ${invalid} or m.email_verified = 0 then 'skipped' else 'queued' end,
      0, ${p.now}, null, null,
      case when s.email_normalized is not null then 'suppressed: ' || s.reason when ${invalid} then 'not an email address' when m.email_verified = 0 then 'address never confirmed' else null end,
      null
    from newsletter_subscriptions ns
    join members m on m.id = ns.member_id
    left join email_suppressions s on s.email_normalized = m.email_normalized
    where ns.newsletter_id = ${p.newsletterId} and ns.subscribed = 1 and m.deleted_at is null and ${inSegment} and ${inAudience}
    on conflict do nothing`.execute(db);
  return Number(r.numAffectedRows ?? 0);
}

/** How many members a send to this segment would reach now: the publish dialog's count. */
export async function countAudience(db: Q, p: { newsletterId: number; segment: Segment; audience: Audience }): Promise<number> {
  const { inSegment, inAudience } = audienceFilters(p.segment, p.audience);
  const r = await sql<{ n: number | string }>`
    select count(*) as n from newsletter_subscriptions ns join members m on m.id = ns.member_id
    left join email_suppressions s on s.email_normalized = m.email_normalized
    where ns.newsletter_id = ${p.newsletterId} and ns.subscribed = 1 and m.deleted_at is null and m.email_verified = 1
      and s.email_normalized is null and not ${INVALID} and ${inSegment} and ${inAudience}`.execute(db);
  return Number(r.rows[0]!.n);
}

export interface Claimed { memberId: number; email: string; name: string; variant: 'full' | 'preview'; attempts: number }

/**
 * Up to `n` recipients due now, for `leaseMs`: queued ones, and ones whose sender stopped holding
 * them (an instance that died mid-send). PostgreSQL: SKIP LOCKED, so instances sharing a send
 * take disjoint rows; SQLite has one writer.
 */
export async function claimRecipients(db: Kysely<DB>, dialect: Dialect, sendId: number, n: number, workerId: string, leaseMs: number, now: number): Promise<Claimed[]> {
  const lock = dialect === 'postgres' ? sql`for update skip locked` : sql``;
  const r = await sql<{ member_id: number; email: string; name: string; variant: string; attempts: number }>`
    update newsletter_recipients set state = 'sending', locked_by = ${workerId}, locked_until = ${now + leaseMs}, attempts = attempts + 1
    where send_id = ${sendId} and member_id in (
      select member_id from newsletter_recipients
      where send_id = ${sendId} and next_attempt_at <= ${now}
        and (state = 'queued' or (state = 'sending' and locked_until < ${now}))
      order by member_id limit ${n} ${lock}
    )
    returning member_id, email, name, variant, attempts`.execute(db);
  return r.rows.map((x) => ({ memberId: x.member_id, email: x.email, name: x.name, variant: x.variant as 'full' | 'preview', attempts: x.attempts }));
}

/** Push on the lease of every recipient this sender holds in the send: only a stopped sender's rows run out. */
export async function renewRecipients(db: Q, sendId: number, workerId: string, until: number): Promise<void> {
  await db.updateTable('newsletter_recipients').set({ locked_until: until })
    .where('send_id', '=', sendId).where('locked_by', '=', workerId).where('state', '=', 'sending').execute();
}

/** Final states are written only by the holder of the row, so a sender that lost its lease cannot undo another's work. */
function held(db: Q, sendId: number, memberId: number, workerId: string) {
  return db.updateTable('newsletter_recipients').where('send_id', '=', sendId).where('member_id', '=', memberId).where('locked_by', '=', workerId).where('state', '=', 'sending');
}
export async function markSent(db: Q, sendId: number, memberId: number, workerId: string, now: number): Promise<void> {
  await held(db, sendId, memberId, workerId).set({ state: 'sent', sent_at: now, locked_until: null, last_error: null }).execute();
}
export async function markFailed(db: Q, sendId: number, memberId: number, workerId: string, reply: string): Promise<void> {
  await held(db, sendId, memberId, workerId).set({ state: 'failed', locked_until: null, last_error: reply }).execute();
}
export async function markSkipped(db: Q, sendId: number, memberId: number, workerId: string, why: string): Promise<void> {
  await held(db, sendId, memberId, workerId).set({ state: 'skipped', locked_until: null, last_error: why }).execute();
}
/** Back to the queue, not before `at`; `countAttempt: false` for a pause that was not the recipient's fault. */
export async function markRetry(db: Q, sendId: number, memberId: number, workerId: string, at: number, reply: string, countAttempt: boolean): Promise<void> {
  await held(db, sendId, memberId, workerId).set((eb) => ({
    state: 'queued', locked_until: null, next_attempt_at: at, last_error: reply,
    ...(countAttempt ? {} : { attempts: eb('attempts', '-', 1) }),
  })).execute();
}

export interface SendCounts { queued: number; sending: number; sent: number; failed: number; skipped: number; total: number; nextDueAt: number | null }

export async function sendCounts(db: Q, sendId: number): Promise<SendCounts> {
  const rows = await db.selectFrom('newsletter_recipients').select(['state', (eb) => eb.fn.countAll<number>().as('n'), (eb) => eb.fn.min('next_attempt_at').as('due')])
    .where('send_id', '=', sendId).groupBy('state').execute();
  const c: SendCounts = { queued: 0, sending: 0, sent: 0, failed: 0, skipped: 0, total: 0, nextDueAt: null };
  for (const r of rows) {
    const n = Number(r.n);
    if (r.state in c) (c as unknown as Record<string, number>)[r.state] = n;
    c.total += n;
    if (r.state === 'queued') c.nextDueAt = Number(r.due);
  }
  return c;
}

/** Done once nothing is left to send; a no-op if another lane got there first. */
export async function finishSend(db: Q, sendId: number, now: number): Promise<boolean> {
  const r = await db.updateTable('newsletter_sends').set({ status: 'done', finished_at: now }).where('id', '=', sendId).where('status', '=', 'sending').executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** The scheduled sends stored with an article. */
export async function scheduledSendsOf(db: Q, articleId: number): Promise<Send[]> {
  return (await db.selectFrom('newsletter_sends').selectAll().where('article_id', '=', articleId).where('status', '=', 'scheduled').orderBy('id').execute()).map(toSend);
}

/** What a send records, fixed when it begins (prepareSend). */
export async function setSendTracking(db: Q, sendId: number, t: { trackOpens: boolean; trackClicks: boolean }): Promise<void> {
  await db.updateTable('newsletter_sends').set({ track_opens: t.trackOpens ? 1 : 0, track_clicks: t.trackClicks ? 1 : 0 }).where('id', '=', sendId).execute();
}

/** A scheduled send begins: true for the one caller that moved it (another instance may race). */
export async function beginScheduledSend(db: Q, sendId: number, now: number): Promise<boolean> {
  const r = await db.updateTable('newsletter_sends').set({ status: 'sending', created_at: now }).where('id', '=', sendId).where('status', '=', 'scheduled').executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/**
 * A scheduled send that will not happen (the article was unpublished, or staff cancelled it). Its
 * dedupe key is let go, so the article can be sent to the newsletter later after all.
 */
export async function cancelScheduledSend(db: Q, sendId: number, now: number): Promise<boolean> {
  const r = await db.updateTable('newsletter_sends').set((eb) => ({ status: 'cancelled', cancelled_at: now, finished_at: now, dedupe_key: sql<string>`${eb.ref('dedupe_key')} || ${`:cancelled:${sendId}`}` }))
    .where('id', '=', sendId).where('status', '=', 'scheduled').executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export interface SendRow extends Send { newsletterName: string; articleTitle: string; articleSlug: string; createdBy: string }

/** The newest sends, for the newsroom's newsletters page. */
export async function recentSends(db: Q, limit: number): Promise<SendRow[]> {
  const rows = await db.selectFrom('newsletter_sends as ns').innerJoin('newsletters as n', 'n.id', 'ns.newsletter_id').innerJoin('articles as a', 'a.id', 'ns.article_id')
    .selectAll('ns').select(['n.name as newsletter_name', 'a.title as article_title', 'a.slug as article_slug'])
    .orderBy('ns.id', 'desc').limit(limit).execute();
  return rows.map((r) => ({ ...toSend(r), newsletterName: r.newsletter_name, articleTitle: r.article_title, articleSlug: r.article_slug, createdBy: r.created_by }));
}

/** Counts per state for several sends at once (one grouped query). */
export async function countsBySend(db: Q, sendIds: number[]): Promise<Map<number, Record<string, number>>> {
  const out = new Map<number, Record<string, number>>();
  if (!sendIds.length) return out;
  const rows = await db.selectFrom('newsletter_recipients').select(['send_id', 'state', (eb) => eb.fn.countAll<number>().as('n')])
    .where('send_id', 'in', sendIds).groupBy(['send_id', 'state']).execute();
  for (const r of rows) {
    const m = out.get(r.send_id) ?? {};
    m[r.state] = Number(r.n);
    out.set(r.send_id, m);
  }
  return out;
}

export async function cancelSend(db: Q, sendId: number, now: number): Promise<boolean> {
  const r = await db.updateTable('newsletter_sends').set({ status: 'cancelled', cancelled_at: now, finished_at: now }).where('id', '=', sendId).where('status', '=', 'sending').executeTakeFirst();
  if (!Number(r.numUpdatedRows)) return false;
  await db.updateTable('newsletter_recipients').set({ state: 'skipped', last_error: 'send cancelled' }).where('send_id', '=', sendId).where('state', '=', 'queued').execute();
  return true;
}

/** A member's rows in every send's recipient list, kept for the send's counts without their address or name (erasure). */
export async function anonymiseRecipient(db: Q, memberId: number): Promise<void> {
  // The last SMTP reply goes too: servers often repeat the address in it.
  await db.updateTable('newsletter_recipients').set({ email: `deleted-member-${memberId}@invalid`, name: '', last_error: null }).where('member_id', '=', memberId).execute();
}

/** Every send of an article, whatever its state, with how many it mailed (before the article is deleted). */
export async function sendsOfArticle(db: Q, articleId: number): Promise<{ id: number; status: string; mailed: number }[]> {
  const rows = await db.selectFrom('newsletter_sends as s')
    .select(['s.id', 's.status', (eb) => eb.selectFrom('newsletter_recipients as r').select((x) => x.fn.countAll<number>().as('n')).whereRef('r.send_id', '=', 's.id').where('r.state', 'in', ['sent', 'sending']).as('mailed')])
    .where('s.article_id', '=', articleId).orderBy('s.id').execute();
  return rows.map((r) => ({ id: r.id, status: r.status, mailed: Number(r.mailed ?? 0) }));
}

/**
 * Sends that never mailed anyone, deleted; how many were. Checked again in the statement itself: a
 * send that began in the meantime (a go-live on another instance) is not deleted.
 */
export async function deleteUnsentSends(db: Q, ids: number[]): Promise<number> {
  if (!ids.length) return 0;
  const r = await db.deleteFrom('newsletter_sends').where('id', 'in', ids).where('status', '!=', 'sending')
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('newsletter_recipients as r').select('r.send_id').whereRef('r.send_id', '=', 'newsletter_sends.id').where('r.state', 'in', ['sent', 'sending']))))
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}
