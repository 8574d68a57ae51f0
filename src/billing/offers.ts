import type { Selectable } from 'kysely';
import type { DB } from '../db/schema.js';
import type { Q } from '../db/q.js';
import { conflict, notFound } from '../errors.js';
import { listPlans } from './plans.js';
import { couponTermsChanged, offerInputSchema, offerPriceProblem, type Offer, type OfferDuration, type OfferInput, type OfferKind } from './offer-rules.js';

/** Offers: stored, listed with their redemptions, archived. The rules are offer-rules.ts. */

const toOffer = (r: Selectable<DB['offers']>): Offer => ({
  id: r.id, code: r.code, name: r.name, planId: r.plan_id, kind: r.kind as OfferKind, amount: Number(r.amount), currency: r.currency,
  duration: r.duration as OfferDuration, durationMonths: r.duration_months, expiresAt: r.expires_at === null ? null : Number(r.expires_at),
  maxRedemptions: r.max_redemptions, status: r.status as Offer['status'], stripeCouponId: r.stripe_coupon_id,
});

/** A field the offer form should mark, with the reason (the form re-shows what was typed). */
export class OfferFieldError extends Error {
  constructor(readonly field: string, message: string) { super(message); }
}

export async function createOffer(db: Q, raw: unknown, now: number): Promise<Offer> {
  const input: OfferInput = offerInputSchema.parse(raw);
  const problem = offerPriceProblem(input, await listPlans(db));
  if (problem) throw new OfferFieldError(problem.field, problem.message);
  if (await db.selectFrom('offers').select('id').where('code', '=', input.code).executeTakeFirst()) throw new OfferFieldError('code', `an offer with the code ${input.code} exists`);
  const trial = input.kind === 'trial';
  const row = await db.insertInto('offers').values({
    code: input.code, name: input.name, plan_id: input.planId, kind: input.kind, amount: input.amount,
    currency: input.kind === 'fixed' ? input.currency : null,
    duration: trial ? 'once' : input.duration, duration_months: !trial && input.duration === 'repeating' ? input.durationMonths : null,
    expires_at: input.expiresAt, max_redemptions: input.maxRedemptions, status: 'active', stripe_coupon_id: null, created_at: now, updated_at: now,
  }).returningAll().executeTakeFirstOrThrow();
  return toOffer(row);
}

/**
 * An edit of an active offer. Its code stays (links with it are out in the world). A limit below the
 * redemptions made is refused. When what Stripe's coupon holds changes (terms, name, end, limit), the
 * remembered coupon is let go, so the next Checkout makes one with the new terms; discounts given
 * run on as they were.
 */
export async function updateOffer(db: Q, id: number, raw: Record<string, unknown>, now: number): Promise<{ before: Offer; after: Offer }> {
  const before = await getOffer(db, id);
  if (before.status !== 'active') throw conflict('an archived offer cannot be edited');
  const input: OfferInput = offerInputSchema.parse({ ...raw, code: before.code });
  const problem = offerPriceProblem(input, await listPlans(db));
  if (problem) throw new OfferFieldError(problem.field, problem.message);
  const used = await redemptionCount(db, id);
  if (input.maxRedemptions !== null && input.maxRedemptions < used) {
    throw new OfferFieldError('maxRedemptions', `this offer has been redeemed ${used} time${used === 1 ? '' : 's'} already, so its limit cannot be lower`);
  }
  const trial = input.kind === 'trial';
  const next = {
    name: input.name, kind: input.kind, amount: input.amount, currency: input.kind === 'fixed' ? input.currency : null,
    duration: trial ? 'once' as const : input.duration, durationMonths: !trial && input.duration === 'repeating' ? input.durationMonths : null,
    expiresAt: input.expiresAt, maxRedemptions: input.maxRedemptions,
  };
  const newCoupon = couponTermsChanged(before, next);
  await db.updateTable('offers').set({
    name: next.name, plan_id: input.planId, kind: next.kind, amount: next.amount, currency: next.currency, duration: next.duration,
    duration_months: next.durationMonths, expires_at: next.expiresAt, max_redemptions: next.maxRedemptions,
    ...(newCoupon ? { stripe_coupon_id: null } : {}), updated_at: now,
  }).where('id', '=', id).execute();
  return { before, after: await getOffer(db, id) };
}

export async function getOffer(db: Q, id: number): Promise<Offer> {
  const r = await db.selectFrom('offers').selectAll().where('id', '=', id).executeTakeFirst();
  if (!r) throw notFound('offer');
  return toOffer(r);
}

export async function findOfferByCode(db: Q, code: string): Promise<Offer | undefined> {
  const r = await db.selectFrom('offers').selectAll().where('code', '=', code.trim().toUpperCase()).executeTakeFirst();
  return r ? toOffer(r) : undefined;
}

/** Every offer, newest first, with how many completed Checkouts used it. */
export async function listOffers(db: Q): Promise<(Offer & { redemptions: number })[]> {
  const rows = await db.selectFrom('offers').selectAll().orderBy('id', 'desc').execute();
  const counts = await db.selectFrom('offer_redemptions').select(['offer_id', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('offer_id').execute();
  const by = new Map(counts.map((c) => [c.offer_id, Number(c.n)]));
  return rows.map((r) => ({ ...toOffer(r), redemptions: by.get(r.id) ?? 0 }));
}

export async function redemptionCount(db: Q, offerId: number): Promise<number> {
  const r = await db.selectFrom('offer_redemptions').select((eb) => eb.fn.countAll<number>().as('n')).where('offer_id', '=', offerId).executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Archiving ends an offer for new readers; a discount already given runs its course at Stripe. */
export async function archiveOffer(db: Q, id: number, now: number): Promise<Offer> {
  const r = await db.updateTable('offers').set({ status: 'archived', updated_at: now }).where('id', '=', id).where('status', '=', 'active').executeTakeFirst();
  if (!Number(r.numUpdatedRows)) {
    await getOffer(db, id);
    throw conflict('this offer is archived already');
  }
  return getOffer(db, id);
}

/** Remember the Stripe coupon made for an offer; the first one stored wins (another instance may have raced us). */
export async function setOfferCoupon(db: Q, id: number, couponId: string): Promise<string> {
  await db.updateTable('offers').set({ stripe_coupon_id: couponId }).where('id', '=', id).where('stripe_coupon_id', 'is', null).execute();
  return (await getOffer(db, id)).stripeCouponId!;
}

/** A completed Checkout that used an offer; once per session, however often Stripe tells us. */
export async function recordRedemption(db: Q, offerId: number, memberId: number | null, sessionId: string, now: number): Promise<void> {
  await db.insertInto('offer_redemptions').values({ offer_id: offerId, member_id: memberId, checkout_session_id: sessionId, created_at: now })
    .onConflict((oc) => oc.column('checkout_session_id').doNothing()).execute();
}
