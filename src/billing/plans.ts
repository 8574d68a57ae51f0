import type { Kysely, Selectable, Transaction } from 'kysely';
import { z } from 'zod';
import type { DB } from '../db/schema.js';
import { conflict, notFound } from '../errors.js';
import { slugify } from '../content/slug.js';

type Q = Kysely<DB> | Transaction<DB>;

const CURRENCIES = new Set((Intl as unknown as { supportedValuesOf(k: string): string[] }).supportedValuesOf('currency').map((c) => c.toLowerCase()));

/** Amounts are whole minor units (pence, cents); a decimal or a float is refused, not rounded. */
export const priceSchema = z.object({
  interval: z.enum(['month', 'year']),
  currency: z.string().transform((c) => c.toLowerCase()).refine((c) => CURRENCIES.has(c), 'must be an ISO 4217 currency code such as gbp, eur or usd'),
  amount: z.number().int('must be a whole number of minor units (e.g. pence)').min(50, 'must be at least 50 minor units').max(100_000_000),
}).strict();

export const planInputSchema = z.object({
  name: z.string().trim().min(1).max(100),
  slug: z.string().regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/).max(60).optional(),
  description: z.string().max(2000).optional(),
  benefits: z.array(z.string().trim().min(1).max(200)).max(20).optional(),
  trialDays: z.number().int('trial length must be whole days').min(0).max(365).optional(),
  prices: z.array(priceSchema).min(1, 'a plan needs at least one price').max(2).refine((p) => new Set(p.map((x) => x.interval)).size === p.length, 'one price per interval'),
  default: z.boolean().optional(),
}).strict();
export type PlanInput = z.infer<typeof planInputSchema>;

export interface Price { id: number; interval: 'month' | 'year'; currency: string; amount: number; stripePriceId: string | null }
export interface Plan { id: number; slug: string; name: string; description: string; benefits: string[]; trialDays: number; status: 'active' | 'archived'; isDefault: boolean; prices: Price[] }

async function pricesFor(db: Q, planIds: number[]): Promise<Map<number, Price[]>> {
  const map = new Map<number, Price[]>();
  if (!planIds.length) return map;
  const rows = await db.selectFrom('prices').selectAll().where('plan_id', 'in', planIds).orderBy('interval').execute();
  for (const r of rows) {
    const list = map.get(r.plan_id) ?? [];
    list.push({ id: r.id, interval: r.interval as Price['interval'], currency: r.currency, amount: Number(r.amount), stripePriceId: r.stripe_price_id });
    map.set(r.plan_id, list);
  }
  return map;
}

type PlanRow = Selectable<DB['plans']>;
async function toPlans(db: Q, rows: PlanRow[]): Promise<Plan[]> {
  const prices = await pricesFor(db, rows.map((r) => r.id));
  return rows.map((r) => ({
    id: r.id, slug: r.slug, name: r.name, description: r.description, benefits: JSON.parse(r.benefits) as string[], trialDays: r.trial_days,
    status: r.status as Plan['status'], isDefault: r.is_default === 1, prices: prices.get(r.id) ?? [],
  }));
}

export async function createPlan(db: Q, input: PlanInput, now: number): Promise<Plan> {
  const slug = input.slug ?? slugify(input.name, 60);
  if (await db.selectFrom('plans').select('id').where('slug', '=', slug).executeTakeFirst()) throw conflict(`a plan with slug "${slug}" exists`);
  const first = !(await db.selectFrom('plans').select('id').where('status', '=', 'active').executeTakeFirst());
  const makeDefault = input.default ?? first;
  if (makeDefault) await db.updateTable('plans').set({ is_default: 0 }).execute();
  const row = await db.insertInto('plans').values({
    slug, name: input.name, description: input.description ?? '', benefits: JSON.stringify(input.benefits ?? []), trial_days: input.trialDays ?? 14,
    status: 'active', is_default: makeDefault ? 1 : 0, created_at: now, updated_at: now,
  }).returning('id').executeTakeFirstOrThrow();
  await db.insertInto('prices').values(input.prices.map((p) => ({ plan_id: row.id, interval: p.interval, currency: p.currency, amount: p.amount, stripe_price_id: null }))).execute();
  return getPlan(db, row.id);
}

export async function getPlan(db: Q, id: number): Promise<Plan> {
  const row = await db.selectFrom('plans').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound('plan');
  return (await toPlans(db, [row]))[0]!;
}

export async function findPlanBySlug(db: Q, slug: string): Promise<Plan | undefined> {
  const row = await db.selectFrom('plans').selectAll().where('slug', '=', slug).executeTakeFirst();
  return row ? (await toPlans(db, [row]))[0] : undefined;
}

export async function listPlans(db: Q): Promise<Plan[]> {
  return toPlans(db, await db.selectFrom('plans').selectAll().orderBy('id').execute());
}

/** What /subscribe offers: every active plan, the default first, then in the order they were made. */
export async function listActivePlans(db: Q): Promise<Plan[]> {
  return toPlans(db, await db.selectFrom('plans').selectAll().where('status', '=', 'active').orderBy('is_default', 'desc').orderBy('id').execute());
}

/** The plan the wall offers: the active default. */
export async function defaultPlan(db: Q): Promise<Plan | undefined> {
  const row = await db.selectFrom('plans').selectAll().where('status', '=', 'active').orderBy('is_default', 'desc').orderBy('id').limit(1).executeTakeFirst();
  return row ? (await toPlans(db, [row]))[0] : undefined;
}

/** Archiving stops new sign-ups to a plan; its subscribers stay on it. */
export async function archivePlan(db: Q, id: number, now: number): Promise<Plan> {
  const r = await db.updateTable('plans').set({ status: 'archived', is_default: 0, updated_at: now }).where('id', '=', id).executeTakeFirst();
  if (!Number(r.numUpdatedRows)) throw notFound('plan');
  return getPlan(db, id);
}

export async function setDefaultPlan(db: Q, id: number, now: number): Promise<Plan> {
  const plan = await getPlan(db, id);
  if (plan.status !== 'active') throw conflict('an archived plan cannot be the default');
  await db.updateTable('plans').set({ is_default: 0 }).execute();
  await db.updateTable('plans').set({ is_default: 1, updated_at: now }).where('id', '=', id).execute();
  return getPlan(db, id);
}

/** "£9.00" from 900 and "gbp", without ever making the amount a float. */
export function formatMoney(amount: number, currency: string, locale: string): string {
  const f = new Intl.NumberFormat(locale, { style: 'currency', currency: currency.toUpperCase() });
  const digits = f.resolvedOptions().maximumFractionDigits ?? 2;
  const sign = amount < 0 ? '-' : '';
  const abs = BigInt(Math.abs(amount));
  const scale = 10n ** BigInt(digits);
  const decimal = digits ? `${abs / scale}.${(abs % scale).toString().padStart(digits, '0')}` : `${abs}`;
  return f.format(`${sign}${decimal}` as unknown as number);
}

/** What the newsroom's plan form may change: everything but the slug (links and Checkout metadata use it). */
export const planUpdateSchema = planInputSchema.omit({ slug: true, default: true });
export type PlanUpdate = z.infer<typeof planUpdateSchema>;

/**
 * Edit a plan. A price whose amount or currency changes forgets its Stripe price, so new
 * Checkouts charge the new amount (price_data); members already subscribed keep what they pay.
 * A price cannot be taken away (subscriptions refer to it): archive the plan instead.
 */
export async function updatePlan(db: Q, id: number, input: PlanUpdate, now: number): Promise<Plan> {
  const plan = await getPlan(db, id);
  const gone = plan.prices.find((p) => !input.prices.some((x) => x.interval === p.interval));
  if (gone) throw new PriceRemoved(gone.interval);
  await db.updateTable('plans').set({
    name: input.name, description: input.description ?? '', benefits: JSON.stringify(input.benefits ?? []), trial_days: input.trialDays ?? plan.trialDays, updated_at: now,
  }).where('id', '=', id).execute();
  for (const p of input.prices) {
    const old = plan.prices.find((x) => x.interval === p.interval);
    if (!old) await db.insertInto('prices').values({ plan_id: id, interval: p.interval, currency: p.currency, amount: p.amount, stripe_price_id: null }).execute();
    else if (old.amount !== p.amount || old.currency !== p.currency) await db.updateTable('prices').set({ amount: p.amount, currency: p.currency, stripe_price_id: null }).where('id', '=', old.id).execute();
  }
  return getPlan(db, id);
}

/** Refused at the price's own field in the form. */
export class PriceRemoved extends Error {
  readonly field: string;
  constructor(interval: 'month' | 'year') {
    super(`the ${interval === 'month' ? 'monthly' : 'yearly'} price cannot be removed while the plan exists; archive the plan instead`);
    this.field = interval === 'month' ? 'monthly' : 'yearly';
  }
}

/**
 * Monthly recurring revenue per currency, in minor units, from the prices of the paying
 * subscriptions: a yearly price counts a twelfth, rounded down (never a float).
 */
export function monthlyRecurring(rows: { currency: string; interval: string; amount: number }[]): Record<string, number> {
  const mrr: Record<string, number> = {};
  for (const r of rows) {
    const monthly = r.interval === 'year' ? Math.floor(Number(r.amount) / 12) : Number(r.amount);
    mrr[r.currency] = (mrr[r.currency] ?? 0) + monthly;
  }
  return mrr;
}
