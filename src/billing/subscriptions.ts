import { articleSlugOf } from '../dashboard/rules.js';
import type { Selectable } from 'kysely';
import { withTransaction } from '../db/transaction.js';
import type { Clock } from '../clock.js';
import type { DB } from '../db/schema.js';
import { AppError, notFound } from '../errors.js';
import { enqueue } from '../jobs/queue.js';
import { queueMail } from '../mail/mailer.js';
import { noticeMail, type Brand } from '../mail/messages.js';
import { defaultPlan, getPlan, formatMoney } from './plans.js';
import { DEFAULT_GRACE_DAYS, grantsAccess, memberStanding, memberStatus, transition, type SubStatus } from './state.js';
import { trialKey } from './trial-key.js';
import { readBillingRules } from './rules.js';
import type { Q } from '../db/q.js';
import { DAY } from '../shared/time.js';
import { isEntitled } from '../access/entitlement.js';
import { normalizeEmail } from '../members/staff.js';

export interface BillingDeps {
  db: Q;
  clock: Clock;
  siteUrl: string;
  brand(): Promise<Brand>;
  graceDays?: number;
}

export type SubRow = Selectable<DB['subscriptions']>;

export const JOBS = {
  trialEnd: 'billing.trial_end',
  trialReminder: 'billing.trial_reminder',
  graceCheck: 'billing.grace_check',
} as const;

/** The grace period: fixed by the caller (tests), else the `billing.graceDays` setting. */
async function graceOf(d: Pick<BillingDeps, 'db' | 'graceDays'>): Promise<number> {
  return d.graceDays ?? (await readBillingRules(d.db)).graceDays ?? DEFAULT_GRACE_DAYS;
}

/** Keep members.status (what the paywall reads) in step with the member's subscriptions. */
export async function recomputeMemberStatus(d: BillingDeps, memberId: number): Promise<string> {
  const subs = await d.db.selectFrom('subscriptions').select(['status', 'trial_end', 'past_due_since', 'plan_id']).where('member_id', '=', memberId).orderBy('id').execute();
  const facts = subs.map((s) => ({ status: s.status as SubStatus, trialEnd: s.trial_end, pastDueSince: s.past_due_since, planId: s.plan_id }));
  const grace = await graceOf(d);
  const status = memberStatus(facts, d.clock.now(), grace);
  // The member list's standing and plan move with the status (members.standing, 013).
  const { standing, planId } = memberStanding(facts, d.clock.now(), grace);
  await d.db.updateTable('members').set({ status, standing, plan_id: planId }).where('id', '=', memberId).execute();
  return status;
}

/** Every change of state goes through here: checked by the machine, and written to the history with its cause. */
export async function changeStatus(d: BillingDeps, sub: SubRow, to: SubStatus, cause: string, extra: Partial<Omit<SubRow, 'id'>> = {}, details?: unknown): Promise<SubRow> {
  const from = sub.status as SubStatus;
  const next = transition(from, to);
  const now = d.clock.now();
  const patch: Partial<Omit<SubRow, 'id'>> = { ...extra, status: next, updated_at: now };
  if (next === 'past_due' && from !== 'past_due') patch.past_due_since = now;
  if (next !== 'past_due') patch.past_due_since = null;
  if (next === 'canceled' && from !== 'canceled') patch.ended_at = now;
  await d.db.updateTable('subscriptions').set(patch).where('id', '=', sub.id).execute();
  if (from !== next || details !== undefined) {
    await d.db.insertInto('subscription_history').values({ subscription_id: sub.id, at: now, from_status: from, to_status: next, cause, details: details === undefined ? null : JSON.stringify(details) }).execute();
  }
  if (next === 'past_due' && from !== 'past_due') {
    // Access lapses when the grace period runs out, without anyone having to look.
    await enqueue(d.db, JOBS.graceCheck, { memberId: sub.member_id }, { now, runAt: now + (await graceOf(d)) * DAY + 1000 });
  }
  await recomputeMemberStatus(d, sub.member_id);
  return { ...sub, ...patch } as SubRow;
}

async function createSub(d: BillingDeps, row: Omit<SubRow, 'id' | 'created_at' | 'updated_at' | 'cancel_at_period_end' | 'past_due_since' | 'ended_at' | 'trial_article_id'> & Partial<SubRow>, cause: string): Promise<SubRow> {
  const now = d.clock.now();
  const inserted = await d.db.insertInto('subscriptions').values({
    cancel_at_period_end: 0, past_due_since: null, ended_at: null, ...row, created_at: now, updated_at: now,
  }).returningAll().executeTakeFirstOrThrow();
  await d.db.insertInto('subscription_history').values({ subscription_id: inserted.id, at: now, from_status: null, to_status: inserted.status, cause, details: null }).execute();
  await recomputeMemberStatus(d, inserted.member_id);
  return inserted;
}

export async function liveSubscription(d: Pick<BillingDeps, 'db' | 'clock' | 'graceDays'>, memberId: number): Promise<SubRow | undefined> {
  const subs = await d.db.selectFrom('subscriptions').selectAll().where('member_id', '=', memberId).where('status', '!=', 'canceled').orderBy('id', 'desc').execute();
  const grace = await graceOf(d);
  return subs.find((s) => grantsAccess({ status: s.status as SubStatus, trialEnd: s.trial_end, pastDueSince: s.past_due_since }, d.clock.now(), grace));
}

export async function trialUsed(db: Q, email: string): Promise<boolean> {
  return !!(await db.selectFrom('trial_claims').select('email_key').where('email_key', '=', trialKey(email)).executeTakeFirst());
}

/**
 * The days of free trial a link for this address would start (the default plan's, as the wall
 * offers), or 0 when it would start none: no plan with a trial, the person's trial is used, or they
 * subscribe already. What the sign-in mail promises, so it never promises what the link will not do.
 */
export async function trialDaysOffered(db: Q, email: string): Promise<number> {
  const plan = await defaultPlan(db);
  if (!plan || plan.trialDays <= 0 || (await trialUsed(db, email))) return 0;
  const member = await db.selectFrom('members').select('status').where('email_normalized', '=', normalizeEmail(email)).where('deleted_at', 'is', null).executeTakeFirst();
  return member && isEntitled(member.status) ? 0 : plan.trialDays;
}

/** Claim the one trial this person gets; false when it was claimed before. */
export async function claimTrial(db: Q, email: string, memberId: number, now: number): Promise<boolean> {
  const r = await db.insertInto('trial_claims').values({ email_key: trialKey(email), member_id: memberId, claimed_at: now })
    .onConflict((oc) => oc.column('email_key').doNothing()).executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
}

/** Why a trial could not start, as a stable key: pages show their own sentence for it (never text from a URL). */
export const TRIAL_REFUSALS = {
  no_plan: 'there is no plan to try right now',
  no_trial: 'this plan has no free trial',
  subscribed: 'you already have a subscription',
  trial_used: 'your trial has been used',
} as const;
export type TrialRefusal = keyof typeof TRIAL_REFUSALS;
const trialRefused = (reason: TrialRefusal) => new AppError('conflict', TRIAL_REFUSALS[reason], { reason });

/** "Try N days free" without a card: the trial starts now and ends after N days unless the member subscribes. */
export async function startTrial(deps: BillingDeps, memberId: number, planId?: number, o: { returnTo?: string } = {}): Promise<SubRow> {
  return withTransaction(deps, async (d) => {
    const now = d.clock.now();
    const member = await d.db.selectFrom('members').select(['id', 'email']).where('id', '=', memberId).where('deleted_at', 'is', null).executeTakeFirst();
    if (!member) throw notFound('member');
    const plan = planId ? await getPlan(d.db, planId) : await defaultPlan(d.db);
    if (!plan || plan.status !== 'active') throw trialRefused('no_plan');
    if (plan.trialDays <= 0) throw trialRefused('no_trial');
    if (await liveSubscription(d, memberId)) throw trialRefused('subscribed');
    if (!(await claimTrial(d.db, member.email, memberId, now))) throw trialRefused('trial_used');
    const trialEnd = now + plan.trialDays * DAY;
    // The trial belongs to the article whose wall it began on: the return_to that travelled with the reader.
    const trialArticle = await attributedArticle(d.db, o.returnTo);
    const sub = await createSub(d, { member_id: memberId, plan_id: plan.id, price_id: null, status: 'trialing', trial_end: trialEnd, current_period_end: trialEnd, stripe_subscription_id: null, trial_article_id: trialArticle }, 'member: started a free trial');
    await enqueue(d.db, JOBS.trialEnd, { subscriptionId: sub.id }, { now, runAt: trialEnd, dedupeKey: `trial-end:${sub.id}` });
    if (trialEnd - 3 * DAY > now) await enqueue(d.db, JOBS.trialReminder, { subscriptionId: sub.id }, { now, runAt: trialEnd - 3 * DAY, dedupeKey: `trial-reminder:${sub.id}` });
    const brand = await d.brand();
    const s = brand.settings;
    const ends = new Intl.DateTimeFormat(s.locale, { timeZone: s.timezone, dateStyle: 'long' }).format(trialEnd);
    await queueMail(d.db, noticeMail(brand, member.email, `Your ${plan.trialDays}-day free trial of ${s.title} has started`, [
      `Welcome. You can read everything on ${s.title} until ${ends}.`,
      'No card needed: when the trial ends you go back to a free account unless you subscribe.',
    ], { label: 'Your account', href: `${d.siteUrl}/account` }), now);
    return sub;
  });
}

/** The article a path such as `/articles/slug?x#y` names, or null (another page, or no such article). */
export async function attributedArticle(db: Q, returnTo: string | undefined): Promise<number | null> {
  const slug = articleSlugOf(returnTo);
  if (!slug) return null;
  return (await db.selectFrom('articles').select('id').where('slug', '=', slug).executeTakeFirst())?.id ?? null;
}

/** Job: a no-card trial whose time is up ends, unless it became something else meanwhile. */
export async function endTrialIfDue(deps: BillingDeps, subscriptionId: number): Promise<void> {
  await withTransaction(deps, async (d) => {
    const sub = await d.db.selectFrom('subscriptions').selectAll().where('id', '=', subscriptionId).executeTakeFirst();
    if (!sub || sub.status !== 'trialing' || sub.stripe_subscription_id || (sub.trial_end ?? 0) > d.clock.now()) return;
    await changeStatus(d, sub, 'canceled', 'system: trial ended');
    const m = await d.db.selectFrom('members').select(['email', 'deleted_at']).where('id', '=', sub.member_id).executeTakeFirst();
    if (m && !m.deleted_at) {
      const brand = await d.brand();
      await queueMail(d.db, noticeMail(brand, m.email, `Your free trial of ${brand.settings.title} has ended`, [
        'Thank you for reading. Your trial has ended and your account is a free one again.',
        'Subscribe to keep reading everything.',
      ], { label: 'Subscribe', href: `${d.siteUrl}/subscribe` }), d.clock.now());
    }
  });
}

export async function remindTrialEnding(deps: BillingDeps, subscriptionId: number): Promise<void> {
  const sub = await deps.db.selectFrom('subscriptions').selectAll().where('id', '=', subscriptionId).executeTakeFirst();
  // A worker catching up after the end date must not send "ends in 3 days" after the fact.
  if (!sub || sub.status !== 'trialing' || (sub.trial_end ?? 0) <= deps.clock.now()) return;
  const m = await deps.db.selectFrom('members').select(['email', 'deleted_at']).where('id', '=', sub.member_id).executeTakeFirst();
  if (!m || m.deleted_at) return;
  const brand = await deps.brand();
  await queueMail(deps.db, noticeMail(brand, m.email, `Your free trial of ${brand.settings.title} ends in 3 days`, [
    'Your free trial ends in 3 days. Subscribe now to keep reading without a break.',
  ], { label: 'Subscribe', href: `${deps.siteUrl}/subscribe` }), deps.clock.now());
}

/** Complimentary access, granted by staff; `until` is optional (open-ended). */
export async function grantComp(deps: BillingDeps, memberId: number, cause: string, until?: number): Promise<SubRow> {
  return withTransaction(deps, async (d) => {
    if (!(await d.db.selectFrom('members').select('id').where('id', '=', memberId).where('deleted_at', 'is', null).executeTakeFirst())) throw notFound('member');
    const live = await liveSubscription(d, memberId);
    if (live?.status === 'comp') throw new AppError('conflict', 'this member already has complimentary access');
    const plan = await defaultPlan(d.db);
    const sub = await createSub(d, { member_id: memberId, plan_id: plan?.id ?? null, price_id: null, status: 'comp', trial_end: null, current_period_end: until ?? null, stripe_subscription_id: null }, cause);
    if (until) await enqueue(d.db, 'billing.comp_end', { subscriptionId: sub.id }, { now: d.clock.now(), runAt: until, dedupeKey: `comp-end:${sub.id}` });
    return sub;
  });
}

export async function revokeComp(deps: BillingDeps, memberId: number, cause: string): Promise<void> {
  await withTransaction(deps, async (d) => {
    const subs = await d.db.selectFrom('subscriptions').selectAll().where('member_id', '=', memberId).where('status', '=', 'comp').execute();
    if (!subs.length) throw notFound('complimentary subscription');
    for (const s of subs) await changeStatus(d, s, 'canceled', cause);
  });
}

export async function endCompIfDue(deps: BillingDeps, subscriptionId: number): Promise<void> {
  await withTransaction(deps, async (d) => {
    const sub = await d.db.selectFrom('subscriptions').selectAll().where('id', '=', subscriptionId).executeTakeFirst();
    if (sub?.status === 'comp' && sub.current_period_end !== null && sub.current_period_end <= d.clock.now()) await changeStatus(d, sub, 'canceled', 'system: complimentary access ended');
  });
}

/** Cancel a no-card trial now (the member chose to). */
export async function cancelLocalTrial(deps: BillingDeps, memberId: number): Promise<void> {
  await withTransaction(deps, async (d) => {
    const sub = await liveSubscription(d, memberId);
    if (!sub || sub.status !== 'trialing' || sub.stripe_subscription_id) throw new AppError('conflict', 'there is no free trial to cancel');
    await changeStatus(d, sub, 'canceled', 'member: canceled the free trial');
  });
}

export interface SubscriptionView {
  status: SubStatus;
  planName: string | null;
  trialDaysLeft: number | null;
  trialEnd: number | null;
  nextCharge: { at: number; amount: string } | null;
  cancelAtPeriodEnd: boolean;
  viaStripe: boolean;
}

/** What the account page shows. */
export async function subscriptionView(d: BillingDeps, memberId: number, locale: string): Promise<SubscriptionView | null> {
  const sub = await liveSubscription(d, memberId);
  if (!sub) return null;
  const plan = sub.plan_id ? await d.db.selectFrom('plans').select('name').where('id', '=', sub.plan_id).executeTakeFirst() : undefined;
  const price = sub.price_id ? await d.db.selectFrom('prices').selectAll().where('id', '=', sub.price_id).executeTakeFirst() : undefined;
  const now = d.clock.now();
  return {
    status: sub.status as SubStatus,
    planName: plan?.name ?? null,
    trialEnd: sub.trial_end,
    trialDaysLeft: sub.status === 'trialing' && sub.trial_end ? Math.max(0, Math.ceil((sub.trial_end - now) / DAY)) : null,
    nextCharge: sub.stripe_subscription_id && price && sub.current_period_end && !sub.cancel_at_period_end ? { at: sub.current_period_end, amount: formatMoney(Number(price.amount), price.currency, locale) } : null,
    cancelAtPeriodEnd: sub.cancel_at_period_end === 1,
    viaStripe: !!sub.stripe_subscription_id,
  };
}
