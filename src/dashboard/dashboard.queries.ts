import { sql } from 'kysely';
import type { Q } from '../db/q.js';

/**
 * What the dashboard reads: the daily roll-ups (never the hourly event_counts), and billing's own
 * small tables. Every query is a range on an indexed time column.
 */

/** Funnel events per day, kind and reason, for [from, to). */
export async function funnelDays(db: Q, from: number, to: number) {
  return (await db.selectFrom('event_days').select(['day', 'kind', 'reason', 'count'])
    .where('day', '>=', from).where('day', '<', to).where('kind', 'in', ['meter_read', 'wall_shown', 'wall_action']).execute())
    .map((r) => ({ day: Number(r.day), kind: r.kind, reason: r.reason, count: Number(r.count) }));
}

/** The referrer domains that sent most readers in [from, to). */
export async function topReferrers(db: Q, from: number, to: number, limit: number) {
  return (await db.selectFrom('event_days').select(['reason as domain', (eb) => eb.fn.sum<number>('count').as('n')])
    .where('kind', '=', 'referrer').where('day', '>=', from).where('day', '<', to)
    .groupBy('reason').orderBy('n', 'desc').orderBy('reason').limit(limit).execute())
    .map((r) => ({ domain: r.domain, count: Number(r.n) }));
}

/**
 * Articles by metered reads in [from, to), with their titles: whole months (`months`, from
 * rules.wholeMonths) from the monthly rows, the days either side from the daily ones.
 */
export async function topArticlesByReads(db: Q, from: number, to: number, months: { start: number; end: number }, limit: number) {
  const r = await sql<{ article_id: number; n: number }>`select article_id, sum(n) as n from (
      select article_id, count as n from article_months where kind = 'meter_read' and month >= ${months.start} and month < ${months.end}
      union all
      select article_id, count as n from article_days where kind = 'meter_read' and day >= ${from} and day < ${months.start}
      union all
      select article_id, count as n from article_days where kind = 'meter_read' and day >= ${months.end} and day < ${to}
    ) as t group by article_id order by n desc, article_id limit ${limit}`.execute(db);
  return withTitles(db, r.rows.map((x) => ({ articleId: Number(x.article_id), count: Number(x.n) })));
}

/** Trials that began in [from, to): when, and the article they are attributed to. */
export async function trialsStarted(db: Q, from: number, to: number) {
  return (await db.selectFrom('subscription_history as h').innerJoin('subscriptions as s', 's.id', 'h.subscription_id')
    .select(['h.at', 's.trial_article_id']).where('h.at', '>=', from).where('h.at', '<', to)
    .where('h.from_status', 'is', null).where('h.to_status', '=', 'trialing').execute())
    .map((r) => ({ at: Number(r.at), articleId: r.trial_article_id }));
}

/** Every way a trial ended in [from, to): the caller tells conversions apart (rules.isConversion). */
export async function trialEndings(db: Q, from: number, to: number) {
  return (await db.selectFrom('subscription_history').select(['at', 'from_status', 'to_status', 'cause'])
    .where('at', '>=', from).where('at', '<', to).where('from_status', '=', 'trialing').execute())
    .map((r) => ({ at: Number(r.at), from: r.from_status, to: r.to_status, cause: r.cause }));
}

export async function withTitles<T extends { articleId: number }>(db: Q, rows: T[]): Promise<(T & { title: string; slug: string | null })[]> {
  if (!rows.length) return [];
  const found = await db.selectFrom('articles').select(['id', 'title', 'slug']).where('id', 'in', rows.map((r) => r.articleId)).execute();
  const by = new Map(found.map((a) => [a.id, a]));
  return rows.map((r) => ({ ...r, title: by.get(r.articleId)?.title || (by.has(r.articleId) ? 'Untitled' : 'A deleted article'), slug: by.get(r.articleId)?.slug ?? null }));
}

/** Subscriptions by status now. */
export async function subscriptionCounts(db: Q): Promise<Record<string, number>> {
  const rows = await db.selectFrom('subscriptions').select(['status', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('status').execute();
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}

/** The prices of the paying subscriptions (active or past due), for MRR. */
export async function payingPrices(db: Q) {
  return (await db.selectFrom('subscriptions as s').innerJoin('prices as p', 'p.id', 's.price_id')
    .select(['p.currency', 'p.interval', 'p.amount']).where('s.status', 'in', ['active', 'past_due']).execute())
    .map((r) => ({ currency: r.currency, interval: r.interval, amount: Number(r.amount) }));
}

/** Paid subscriptions that ended in [from, to), and those live when the period began. */
export async function churnFacts(db: Q, from: number, to: number): Promise<{ ended: number; liveAtStart: number }> {
  const ended = await db.selectFrom('subscription_history').select((eb) => eb.fn.countAll<number>().as('n'))
    .where('from_status', 'in', ['active', 'past_due']).where('to_status', '=', 'canceled').where('at', '>=', from).where('at', '<', to).executeTakeFirstOrThrow();
  const live = await db.selectFrom('subscriptions').select((eb) => eb.fn.countAll<number>().as('n'))
    .where('stripe_subscription_id', 'is not', null).where('created_at', '<', from)
    .where((eb) => eb.or([eb('ended_at', 'is', null), eb('ended_at', '>=', from)])).executeTakeFirstOrThrow();
  return { ended: Number(ended.n), liveAtStart: Number(live.n) };
}

/** Members who joined in [from, to) (every member starts free), erased ones included: they joined. */
export async function newMembers(db: Q, from: number, to: number): Promise<number> {
  const r = await sql<{ n: number }>`select count(*) as n from members where created_at >= ${from} and created_at < ${to}`.execute(db);
  return Number(r.rows[0]?.n ?? 0);
}
