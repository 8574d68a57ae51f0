import Stripe from 'stripe';
import { createHash } from 'node:crypto';
import { withTransaction } from '../db/transaction.js';
import { AppError, invalidInput, notFound } from '../errors.js';
import { queueMail } from '../mail/mailer.js';
import { noticeMail } from '../mail/messages.js';
import { defaultPlan, findPlanBySlug } from './plans.js';
import { findOfferByCode, recordRedemption, redemptionCount, setOfferCoupon } from './offers.js';
import { offerRefusal, type Offer } from './offer-rules.js';
import { canTransition, fromStripeStatus, REPLACED_BY_PAID, type SubStatus } from './state.js';
import { attributedArticle, changeStatus, claimTrial, liveSubscription, recomputeMemberStatus, trialUsed, type BillingDeps, type SubRow } from './subscriptions.js';

export interface StripeDeps extends BillingDeps {
  stripe: Stripe;
  webhookSecret: string;
}

export interface StripeOptions { secretKey: string; apiUrl?: string | null }

/** The official SDK; `apiUrl` points it at a local stub in tests (or stripe-mock). */
export function makeStripe(o: StripeOptions): Stripe {
  if (!o.apiUrl) return new Stripe(o.secretKey, { maxNetworkRetries: 2, timeout: 20_000 });
  const u = new URL(o.apiUrl);
  return new Stripe(o.secretKey, { host: u.hostname, port: Number(u.port || (u.protocol === 'https:' ? 443 : 80)), protocol: u.protocol.replace(':', '') as 'http' | 'https', maxNetworkRetries: 0, timeout: 10_000 });
}

const unix = (s: number | null | undefined) => (s ? s * 1000 : null);

async function customerFor(d: StripeDeps, memberId: number): Promise<string> {
  const m = await d.db.selectFrom('members').select(['email', 'name', 'stripe_customer_id']).where('id', '=', memberId).executeTakeFirst();
  if (!m) throw notFound('member');
  if (m.stripe_customer_id) return m.stripe_customer_id;
  const c = await d.stripe.customers.create({ email: m.email, name: m.name || undefined, metadata: { member_id: String(memberId) } });
  await d.db.updateTable('members').set({ stripe_customer_id: c.id }).where('id', '=', memberId).execute();
  return c.id;
}

/**
 * The Stripe coupon for a discount offer, made through the SDK on first use and remembered. The
 * idempotency key (the offer and a hash of the coupon's terms) makes a retried or raced creation
 * return the same coupon, and an edited offer a new one. Its limit is what is left of the offer's: a coupon made
 * after an edit counts from nothing at Stripe.
 */
async function couponFor(d: StripeDeps, offer: Offer): Promise<string> {
  if (offer.stripeCouponId) return offer.stripeCouponId;
  const params = {
    name: offer.name,
    ...(offer.kind === 'percent' ? { percent_off: offer.amount } : { amount_off: offer.amount, currency: offer.currency! }),
    duration: offer.duration,
    ...(offer.duration === 'repeating' ? { duration_in_months: offer.durationMonths! } : {}),
    ...(offer.maxRedemptions !== null ? { max_redemptions: Math.max(1, offer.maxRedemptions - await redemptionCount(d.db, offer.id)) } : {}),
    ...(offer.expiresAt !== null ? { redeem_by: Math.floor(offer.expiresAt / 1000) } : {}),
    metadata: { offer_id: String(offer.id), code: offer.code },
  } satisfies Stripe.CouponCreateParams;
  const terms = createHash('sha256').update(JSON.stringify(params)).digest('hex').slice(0, 16);
  const c = await d.stripe.coupons.create(params, { idempotencyKey: `masthead-offer-coupon-${offer.id}-${terms}` });
  return setOfferCoupon(d.db, offer.id, c.id);
}

/**
 * Checkout for one plan's price (by slug); without one, the default plan's (what the wall offers).
 * With an offer code: its discount as a Stripe coupon on the subscription, or its longer trial.
 */
export async function createCheckout(d: StripeDeps, memberId: number, interval: 'month' | 'year', o: { plan?: string; offer?: string; withTrial: boolean; successUrl: string; cancelUrl: string; returnTo?: string }): Promise<string> {
  const chosen = o.plan ? await findPlanBySlug(d.db, o.plan) : await defaultPlan(d.db);
  const plan = chosen?.status === 'active' ? chosen : undefined;
  const price = plan?.prices.find((p) => p.interval === interval);
  if (!plan || !price) throw invalidInput(`there is no ${interval === 'month' ? 'monthly' : 'yearly'} price to subscribe to`);
  const member = await d.db.selectFrom('members').select(['email']).where('id', '=', memberId).executeTakeFirstOrThrow();
  const offer = o.offer ? await findOfferByCode(d.db, o.offer) : undefined;
  if (o.offer && !offer) throw invalidInput('there is no offer with that code');
  if (offer) {
    const refusal = offerRefusal(offer, d.clock.now(), await redemptionCount(d.db, offer.id), plan.id);
    if (refusal) throw new AppError('conflict', refusal);
    if (offer.kind === 'fixed' && offer.currency !== price.currency) throw new AppError('conflict', `this offer is for prices in ${offer.currency!.toUpperCase()}`);
  }
  const used = await trialUsed(d.db, member.email);
  if (offer?.kind === 'trial' && used) throw new AppError('conflict', 'you have had a free trial already, so this offer cannot be used');
  const trialDays = offer?.kind === 'trial' ? offer.amount : o.withTrial && plan.trialDays > 0 && !used ? plan.trialDays : undefined;
  const coupon = offer && offer.kind !== 'trial' ? await couponFor(d, offer) : undefined;
  const customer = await customerFor(d, memberId);
  // A card-up-front trial is attributed like a no-card one, to the article whose wall it began on.
  const trialArticle = trialDays ? await attributedArticle(d.db, o.returnTo) : null;
  const metadata = { member_id: String(memberId), plan_id: String(plan.id), price_id: String(price.id), ...(offer ? { offer_id: String(offer.id) } : {}), ...(trialArticle ? { trial_article_id: String(trialArticle) } : {}) };
  const session = await d.stripe.checkout.sessions.create({
    mode: 'subscription',
    customer,
    client_reference_id: String(memberId),
    line_items: [price.stripePriceId
      ? { price: price.stripePriceId, quantity: 1 }
      : { quantity: 1, price_data: { currency: price.currency, unit_amount: price.amount, recurring: { interval: price.interval }, product_data: { name: plan.name } } }],
    subscription_data: { metadata, ...(trialDays ? { trial_period_days: trialDays } : {}) },
    ...(coupon ? { discounts: [{ coupon }] } : {}),
    metadata,
    success_url: o.successUrl,
    cancel_url: o.cancelUrl,
  });
  if (!session.url) throw new Error('Stripe returned a Checkout Session without a URL');
  return session.url;
}

export async function createPortal(d: StripeDeps, memberId: number, returnUrl: string): Promise<string> {
  const m = await d.db.selectFrom('members').select(['stripe_customer_id']).where('id', '=', memberId).executeTakeFirst();
  if (!m?.stripe_customer_id) throw new AppError('conflict', 'there is no card on file to manage');
  const s = await d.stripe.billingPortal.sessions.create({ customer: m.stripe_customer_id, return_url: returnUrl });
  return s.url;
}

export async function setCancelAtPeriodEnd(d: StripeDeps, memberId: number, cancel: boolean): Promise<void> {
  const sub = await liveSubscription(d, memberId);
  if (!sub?.stripe_subscription_id) throw new AppError('conflict', 'there is no paid subscription to change');
  const fresh = await d.stripe.subscriptions.update(sub.stripe_subscription_id, { cancel_at_period_end: cancel });
  await withTransaction(d, (t) => reconcile(t, fresh, `member: ${cancel ? 'canceled at period end' : 'resumed'}`));
}

/** Signature check on the raw body; a bad one is a 400 and changes nothing. */
export function verifyWebhook(stripe: Stripe, raw: Buffer, signature: string | undefined, secret: string): Stripe.Event {
  if (!signature) throw invalidInput('missing Stripe-Signature header');
  try {
    return stripe.webhooks.constructEvent(raw, signature, secret);
  } catch {
    throw invalidInput('webhook signature verification failed');
  }
}

function subscriptionIdOf(event: Stripe.Event): string | null {
  const o = event.data.object as unknown as Record<string, unknown>;
  if (event.type.startsWith('customer.subscription.')) return o.id as string;
  if (event.type === 'checkout.session.completed') return typeof o.subscription === 'string' ? o.subscription : (o.subscription as { id?: string } | null)?.id ?? null;
  if (event.type.startsWith('invoice.')) {
    const direct = o.subscription as string | { id: string } | null | undefined;
    if (direct) return typeof direct === 'string' ? direct : direct.id;
    const nested = (o.parent as { subscription_details?: { subscription?: string | { id: string } } } | null)?.subscription_details?.subscription;
    return nested ? (typeof nested === 'string' ? nested : nested.id) : null;
  }
  return null;
}

export const HANDLED_EVENTS = new Set([
  'checkout.session.completed', 'customer.subscription.created', 'customer.subscription.updated', 'customer.subscription.deleted',
  'invoice.paid', 'invoice.payment_failed', 'customer.subscription.trial_will_end',
]);

/**
 * Stripe answered that an object the event names does not exist (deleted, or made in another
 * account or mode). Asking again will not change that, unlike an outage, a rate limit or a lost
 * connection, which must fail the delivery so that Stripe sends it again.
 */
export function isResourceMissing(err: unknown): err is Stripe.errors.StripeError {
  return err instanceof Stripe.errors.StripeError && (err.code === 'resource_missing' || err.statusCode === 404);
}

export type EventResult =
  | { outcome: 'processed' | 'duplicate' | 'ignored' }
  /** Recorded as done without a change: Stripe has no such object (its words in `stripeMessage`). */
  | { outcome: 'missing'; stripeMessage: string };

/**
 * Everything handling an event asks Stripe, asked in one place before the transaction, so that
 * every "no such object" is answered alike (see handleEvent).
 */
async function currentState(d: StripeDeps, event: Stripe.Event): Promise<Stripe.Subscription | null> {
  const subId = HANDLED_EVENTS.has(event.type) ? subscriptionIdOf(event) : null;
  return subId ? d.stripe.subscriptions.retrieve(subId) : null;
}

/**
 * Apply one verified event, exactly once. The subscription's current state is
 * fetched from Stripe (so events may arrive late, twice or out of order), then
 * the change and the event id are committed in one transaction: if the process
 * dies before the commit, Stripe's retry does the work; after it, a replay is a no-op.
 * An event about an object Stripe says does not exist is recorded the same way, with
 * nothing changed: answering with an error would have Stripe resend it for days.
 */
export async function handleEvent(d: StripeDeps, event: Stripe.Event): Promise<EventResult> {
  if (await d.db.selectFrom('stripe_events').select('id').where('id', '=', event.id).executeTakeFirst()) return { outcome: 'duplicate' };
  let fresh: Stripe.Subscription | null;
  let missing: string | null = null;
  try {
    fresh = await currentState(d, event);
  } catch (err) {
    if (!isResourceMissing(err)) throw err;
    fresh = null;
    missing = err.message;
  }
  return withTransaction(d, async (t): Promise<EventResult> => {
    const ins = await t.db.insertInto('stripe_events').values({ id: event.id, type: event.type, processed_at: t.clock.now() })
      .onConflict((oc) => oc.column('id').doNothing()).executeTakeFirst();
    if (!Number(ins.numInsertedOrUpdatedRows ?? 0)) return { outcome: 'duplicate' };
    if (missing !== null) return { outcome: 'missing', stripeMessage: missing };
    if (!fresh) return { outcome: 'ignored' };
    const sub = await reconcile(t, fresh, `stripe: ${event.type} ${event.id}`);
    if (event.type === 'checkout.session.completed') await countRedemption(t, event);
    if (sub && event.type === 'invoice.payment_failed') await mailMember(t, sub.member_id, 'We could not take your payment', ['Your latest payment did not go through. You keep full access for a few days while you update your card.'], 'Update your card', '/account');
    if (sub && event.type === 'customer.subscription.trial_will_end') await mailMember(t, sub.member_id, 'Your free trial ends in 3 days', ['Your trial ends in 3 days, and your subscription then starts with the card you gave. You can cancel any time before that from your account.'], 'Your account', '/account');
    return { outcome: 'processed' };
  });
}

/** A completed Checkout that carried an offer counts as one redemption of it (offer_redemptions is unique per session). */
async function countRedemption(d: StripeDeps, event: Stripe.Event): Promise<void> {
  const session = event.data.object as Stripe.Checkout.Session;
  const offerId = Number(session.metadata?.offer_id);
  if (!Number.isInteger(offerId) || offerId <= 0) return;
  if (!(await d.db.selectFrom('offers').select('id').where('id', '=', offerId).executeTakeFirst())) return;
  await recordRedemption(d.db, offerId, Number(session.metadata?.member_id) || null, session.id, d.clock.now());
}

async function mailMember(d: StripeDeps, memberId: number, subject: string, paragraphs: string[], label: string, path: string) {
  const m = await d.db.selectFrom('members').select(['email', 'deleted_at']).where('id', '=', memberId).executeTakeFirst();
  if (!m || m.deleted_at) return;
  const brand = await d.brand();
  await queueMail(d.db, noticeMail(brand, m.email, `${subject} — ${brand.settings.title}`, paragraphs, { label, href: `${d.siteUrl}${path}` }), d.clock.now());
}

/** Make our copy of a Stripe subscription match Stripe's, through the state machine. */
export async function reconcile(d: StripeDeps, s: Stripe.Subscription, cause: string): Promise<SubRow | null> {
  const target = fromStripeStatus(s.status);
  let local = await d.db.selectFrom('subscriptions').selectAll().where('stripe_subscription_id', '=', s.id).executeTakeFirst();
  const customerId = typeof s.customer === 'string' ? s.customer : s.customer.id;
  let memberId = local?.member_id ?? (Number(s.metadata?.member_id) || undefined);
  if (!memberId) memberId = (await d.db.selectFrom('members').select('id').where('stripe_customer_id', '=', customerId).executeTakeFirst())?.id;
  if (!memberId) return null;
  const item = s.items?.data?.[0] as (Stripe.SubscriptionItem & { current_period_end?: number }) | undefined;
  const fields = {
    trial_end: unix(s.trial_end),
    current_period_end: unix(item?.current_period_end ?? (s as unknown as { current_period_end?: number }).current_period_end),
    cancel_at_period_end: s.cancel_at_period_end ? 1 : 0,
  };
  if (!local) {
    if (!target || target === 'canceled') return null; // nothing to create for an abandoned checkout
    const planId = Number(s.metadata?.plan_id) || (await defaultPlan(d.db))?.id || null;
    const priceId = Number(s.metadata?.price_id) || null;
    const now = d.clock.now();
    local = await d.db.insertInto('subscriptions').values({
      member_id: memberId, plan_id: planId, price_id: priceId, status: target, ...fields, past_due_since: target === 'past_due' ? now : null, ended_at: null,
      stripe_subscription_id: s.id, created_at: now, updated_at: now,
      trial_article_id: target === 'trialing' ? Number(s.metadata?.trial_article_id) || null : null,
    }).returningAll().executeTakeFirstOrThrow();
    await d.db.insertInto('subscription_history').values({ subscription_id: local.id, at: now, from_status: null, to_status: target, cause, details: null }).execute();
    await d.db.updateTable('members').set({ stripe_customer_id: customerId }).where('id', '=', memberId).where('stripe_customer_id', 'is', null).execute();
  } else if (target && target !== local.status && canTransition(local.status as SubStatus, target)) {
    local = await changeStatus(d, local, target, cause, fields);
  } else {
    await d.db.updateTable('subscriptions').set({ ...fields, updated_at: d.clock.now() }).where('id', '=', local.id).execute();
    local = { ...local, ...fields };
  }
  if (s.status === 'trialing') {
    const m = await d.db.selectFrom('members').select('email').where('id', '=', memberId).executeTakeFirst();
    if (m) await claimTrial(d.db, m.email, memberId, d.clock.now());
  }
  // A paid subscription replaces a running no-card trial.
  if (target === 'active' || target === 'trialing') {
    const trials = await d.db.selectFrom('subscriptions').selectAll().where('member_id', '=', memberId).where('status', '=', 'trialing').where('stripe_subscription_id', 'is', null).execute();
    for (const tr of trials) await changeStatus(d, tr, 'canceled', REPLACED_BY_PAID);
  }
  await recomputeMemberStatus(d, memberId);
  return local;
}
