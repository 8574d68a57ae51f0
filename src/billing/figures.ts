import { sql } from 'kysely';
import type { Q } from '../db/q.js';
import { DAY } from '../shared/time.js';
import { monthlyRecurring } from './plans.js';

export interface Figures {
  activeSubscribers: number;
  trialsRunning: number;
  comps: number;
  /** Of trials that ended in the last 30 days, the share that became paid (0–1), or null with none. */
  trialConversion30d: number | null;
  /** Monthly recurring revenue per currency, in minor units (yearly prices count a twelfth, rounded down). */
  mrr: Record<string, number>;
  /** Paid subscriptions canceled in the last 30 days ÷ paid subscriptions live 30 days ago. */
  churn30d: number | null;
}

export async function billingFigures(db: Q, now: number): Promise<Figures> {
  const since = now - 30 * DAY;
  const count = async (where: ReturnType<typeof sql>) => Number((await sql<{ n: number }>`select count(*) as n from subscriptions where ${where}`.execute(db)).rows[0]?.n ?? 0);
  const activeSubscribers = await count(sql`status in ('active', 'past_due')`);
  const trialsRunning = await count(sql`status = 'trialing'`);
  const comps = await count(sql`status = 'comp'`);

  // A trial converted if its history shows trialing → active, or the member has a paid subscription created after it.
  const ended = await db.selectFrom('subscription_history as h').innerJoin('subscriptions as s', 's.id', 'h.subscription_id')
    .select(['s.member_id', 'h.to_status']).where('h.from_status', '=', 'trialing').where('h.to_status', 'in', ['active', 'canceled']).where('h.at', '>=', since).execute();
  let converted = 0;
  for (const e of ended) {
    if (e.to_status === 'active') converted++;
    else {
      const paid = await db.selectFrom('subscriptions').select('id').where('member_id', '=', e.member_id).where('status', 'in', ['active', 'past_due']).executeTakeFirst();
      if (paid) converted++;
    }
  }
  const trialConversion30d = ended.length ? converted / ended.length : null;

  const rows = await db.selectFrom('subscriptions as s').innerJoin('prices as p', 'p.id', 's.price_id')
    .select(['p.currency', 'p.interval', 'p.amount']).where('s.status', 'in', ['active', 'past_due']).execute();
  const mrr = monthlyRecurring(rows);

  const canceled = await db.selectFrom('subscription_history').select((eb) => eb.fn.countAll<number>().as('n'))
    .where('from_status', 'in', ['active', 'past_due']).where('to_status', '=', 'canceled').where('at', '>=', since).executeTakeFirstOrThrow();
  const liveThen = await db.selectFrom('subscriptions').select((eb) => eb.fn.countAll<number>().as('n'))
    .where('stripe_subscription_id', 'is not', null).where('created_at', '<', since)
    .where((eb) => eb.or([eb('ended_at', 'is', null), eb('ended_at', '>=', since)])).executeTakeFirstOrThrow();
  const churn30d = Number(liveThen.n) ? Number(canceled.n) / Number(liveThen.n) : null;

  return { activeSubscribers, trialsRunning, comps, trialConversion30d, mrr, churn30d };
}
