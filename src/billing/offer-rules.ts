import { z } from 'zod';
import { formatMoney, type Plan, type Price } from './plans.js';

/**
 * Offers as pure rules (issue 16, part 3): what an offer does to a price, and whether it can be
 * used now. The service (offers.ts) stores them; Checkout (stripe.service.ts) applies them.
 */
export const OFFER_KINDS = ['percent', 'fixed', 'trial'] as const;
export const OFFER_DURATIONS = ['once', 'repeating', 'forever'] as const;
export type OfferKind = (typeof OFFER_KINDS)[number];
export type OfferDuration = (typeof OFFER_DURATIONS)[number];

export interface OfferTerms {
  kind: OfferKind;
  /** percent: 1–100; fixed: minor units off; trial: days of free trial. */
  amount: number;
  /** Fixed discounts only: the currency of `amount`. */
  currency: string | null;
  duration: OfferDuration;
  durationMonths: number | null;
}

export interface Offer extends OfferTerms {
  id: number;
  code: string;
  name: string;
  planId: number | null;
  expiresAt: number | null;
  maxRedemptions: number | null;
  status: 'active' | 'archived';
  stripeCouponId: string | null;
}

/** What Stripe's coupon holds of an offer: changing any of these needs a new coupon (Stripe's cannot be changed). */
export function couponTermsChanged(a: Omit<Offer, 'id' | 'status' | 'stripeCouponId' | 'code' | 'planId'>, b: typeof a): boolean {
  return a.name !== b.name || a.kind !== b.kind || a.amount !== b.amount || a.currency !== b.currency || a.duration !== b.duration
    || a.durationMonths !== b.durationMonths || a.expiresAt !== b.expiresAt || a.maxRedemptions !== b.maxRedemptions;
}

/** Offer codes are what a reader types or a link carries: letters, digits and hyphens, kept in capitals. */
export const offerCodeSchema = z.string().trim().toUpperCase()
  .regex(/^[A-Z0-9]+(?:-[A-Z0-9]+)*$/, 'use letters, digits and single hyphens only').min(3, 'must be at least 3 characters').max(40, 'must be at most 40 characters');

export const offerInputSchema = z.object({
  name: z.string().trim().min(1, 'give the offer a name').max(100),
  code: offerCodeSchema,
  planId: z.number().int().positive().nullable(),
  kind: z.enum(OFFER_KINDS, { message: 'choose a percentage off, an amount off or a longer trial' }),
  amount: z.number({ message: 'must be a whole number' }).int('must be a whole number').min(1, 'must be at least 1').max(100_000_000),
  currency: z.string().trim().toLowerCase().regex(/^[a-z]{3}$/, 'must be a three-letter currency code such as gbp').nullable(),
  duration: z.enum(OFFER_DURATIONS, { message: 'choose once, for some months or forever' }),
  durationMonths: z.number().int('must be a whole number of months').min(1, 'must be at least 1 month').max(36, 'must be at most 36 months').nullable(),
  expiresAt: z.number().int().nullable(),
  maxRedemptions: z.number().int('must be a whole number').min(1, 'must be at least 1').max(10_000_000).nullable(),
}).strict().superRefine((o, ctx) => {
  if (o.kind === 'percent' && o.amount > 100) ctx.addIssue({ code: 'custom', path: ['amount'], message: 'a percentage off must be between 1 and 100' });
  if (o.kind === 'trial' && o.amount > 365) ctx.addIssue({ code: 'custom', path: ['amount'], message: 'a trial can be at most 365 days' });
  if (o.kind === 'fixed' && !o.currency) ctx.addIssue({ code: 'custom', path: ['currency'], message: 'an amount off needs its currency' });
  if (o.kind !== 'trial' && o.duration === 'repeating' && !o.durationMonths) ctx.addIssue({ code: 'custom', path: ['durationMonths'], message: 'say for how many months the discount lasts' });
});
export type OfferInput = z.infer<typeof offerInputSchema>;

/** The price after the offer, in minor units; a trial leaves it as it is. May be negative: see offerPriceProblem. */
export function discountedAmount(amount: number, o: Pick<OfferTerms, 'kind' | 'amount'>): number {
  if (o.kind === 'percent') return amount - Math.round((amount * o.amount) / 100);
  if (o.kind === 'fixed') return amount - o.amount;
  return amount;
}

/** The prices an offer can apply to: its plan's (or every plan's), in its currency for a fixed amount. */
function pricesIn(plans: readonly Plan[], o: Pick<OfferTerms, 'kind' | 'currency'> & { planId: number | null }): { plan: Plan; price: Price }[] {
  return plans.filter((p) => o.planId === null || p.id === o.planId)
    .flatMap((plan) => plan.prices.map((price) => ({ plan, price })))
    .filter(({ price }) => o.kind !== 'fixed' || price.currency === o.currency);
}

/**
 * Why this offer cannot be made, as a sentence for the form (field `amount` or `planId`), or null.
 * A discount larger than any price it applies to would make that price negative; an amount off in a
 * currency no price is charged in would apply to nothing.
 */
export function offerPriceProblem(o: OfferTerms & { planId: number | null }, plans: readonly Plan[], locale = 'en-GB'): { field: 'amount' | 'planId' | 'currency'; message: string } | null {
  if (o.planId !== null && !plans.some((p) => p.id === o.planId)) return { field: 'planId', message: 'that plan does not exist' };
  if (o.kind === 'trial') return null;
  const targets = pricesIn(plans, o);
  if (!targets.length) return o.kind === 'fixed'
    ? { field: 'currency', message: `no price is charged in ${o.currency!.toUpperCase()}, so this amount off would apply to nothing` }
    : { field: 'planId', message: 'there is no price for this offer to apply to' };
  for (const { plan, price } of targets) {
    if (discountedAmount(price.amount, o) < 0) {
      return { field: 'amount', message: `this discount would make the ${plan.name} ${price.interval === 'month' ? 'monthly' : 'yearly'} price (${formatMoney(price.amount, price.currency, locale)}) negative` };
    }
  }
  return null;
}

/** May a reader use this offer now, on this plan? null when yes, else the reason in words. */
export function offerRefusal(o: Pick<Offer, 'status' | 'expiresAt' | 'maxRedemptions' | 'planId'>, now: number, redemptions: number, planId?: number): string | null {
  if (o.status !== 'active') return 'this offer has ended';
  if (o.expiresAt !== null && o.expiresAt <= now) return 'this offer has expired';
  if (o.maxRedemptions !== null && redemptions >= o.maxRedemptions) return 'this offer has been fully redeemed';
  if (planId !== undefined && o.planId !== null && o.planId !== planId) return 'this offer is for another plan';
  return null;
}

/** "20% off for 3 months", "£2.00 off once", "a 60-day free trial": the offer in words for /subscribe and the list. */
export function describeOffer(o: OfferTerms, locale = 'en-GB'): string {
  if (o.kind === 'trial') return `a ${o.amount}-day free trial`;
  const off = o.kind === 'percent' ? `${o.amount}% off` : `${formatMoney(o.amount, o.currency ?? 'gbp', locale)} off`;
  const span = o.duration === 'once' ? 'the first payment' : o.duration === 'forever' ? 'every payment' : `for ${o.durationMonths} month${o.durationMonths === 1 ? '' : 's'}`;
  return `${off} ${span}`;
}
