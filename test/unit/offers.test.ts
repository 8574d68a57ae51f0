import { describe, expect, it } from 'vitest';
import { couponTermsChanged, describeOffer, discountedAmount, offerInputSchema, offerPriceProblem, offerRefusal, type OfferTerms } from '../../src/billing/offer-rules.js';
import type { Plan } from '../../src/billing/plans.js';

const NOW = Date.parse('2026-05-01T12:00:00Z');
const plan = (id: number, name: string, prices: [('month' | 'year'), string, number][]): Plan => ({
  id, slug: name.toLowerCase(), name, description: '', benefits: [], trialDays: 14, status: 'active', isDefault: id === 1,
  prices: prices.map(([interval, currency, amount], i) => ({ id: id * 10 + i, interval, currency, amount, stripePriceId: null })),
});
const PLANS = [plan(1, 'Supporter', [['month', 'gbp', 700], ['year', 'gbp', 7000]]), plan(2, 'Patron', [['month', 'gbp', 2000]])];
const terms = (o: Partial<OfferTerms> & { planId?: number | null }): OfferTerms & { planId: number | null } =>
  ({ kind: 'percent', amount: 20, currency: null, duration: 'once', durationMonths: null, planId: null, ...o });

describe('what an offer does to a price (minor units, no floats)', () => {
  it.each([
    [700, { kind: 'percent', amount: 20 }, 560],
    [700, { kind: 'percent', amount: 100 }, 0],
    [999, { kind: 'percent', amount: 33 }, 669],
    [700, { kind: 'fixed', amount: 200 }, 500],
    [700, { kind: 'fixed', amount: 700 }, 0],
    [700, { kind: 'fixed', amount: 800 }, -100],
    [700, { kind: 'trial', amount: 60 }, 700],
  ] as const)('%i with %o is %i', (amount, o, expected) => {
    expect(discountedAmount(amount, o)).toBe(expected);
  });
});

describe('an offer that would make a price negative is refused with the reason', () => {
  it.each([
    ['20% off any plan', terms({}), null],
    ['£7 off the Supporter plan (its monthly price becomes 0)', terms({ kind: 'fixed', amount: 700, currency: 'gbp', planId: 1 }), null],
    ['£8 off the Supporter plan', terms({ kind: 'fixed', amount: 800, currency: 'gbp', planId: 1 }), /Supporter monthly price \(£7\.00\) negative/],
    ['£8 off any plan (the Supporter monthly is £7)', terms({ kind: 'fixed', amount: 800, currency: 'gbp' }), /negative/],
    ['£8 off the Patron plan', terms({ kind: 'fixed', amount: 800, currency: 'gbp', planId: 2 }), null],
    ['€1 off when nothing is charged in euros', terms({ kind: 'fixed', amount: 100, currency: 'eur' }), /no price is charged in EUR/],
    ['a plan that does not exist', terms({ planId: 9 }), /does not exist/],
    ['a 60-day trial', terms({ kind: 'trial', amount: 60 }), null],
  ] as const)('%s', (_n, o, expected) => {
    const p = offerPriceProblem(o, PLANS);
    if (expected === null) expect(p).toBeNull();
    else expect(p?.message).toMatch(expected);
  });
});

describe('whether an offer can be used now', () => {
  const live = { status: 'active' as const, expiresAt: null, maxRedemptions: null, planId: null };
  it.each([
    ['open, no limits', live, 0, undefined, null],
    ['archived', { ...live, status: 'archived' as const }, 0, undefined, /ended/],
    ['before its expiry', { ...live, expiresAt: NOW + 1 }, 0, undefined, null],
    ['at its expiry', { ...live, expiresAt: NOW }, 0, undefined, /expired/],
    ['under its limit', { ...live, maxRedemptions: 3 }, 2, undefined, null],
    ['at its limit', { ...live, maxRedemptions: 3 }, 3, undefined, /fully redeemed/],
    ['for this plan', { ...live, planId: 1 }, 0, 1, null],
    ['for another plan', { ...live, planId: 1 }, 0, 2, /another plan/],
  ] as const)('%s', (_n, o, redemptions, planId, expected) => {
    const r = offerRefusal(o, NOW, redemptions, planId);
    if (expected === null) expect(r).toBeNull();
    else expect(r).toMatch(expected);
  });
});

describe('offer input', () => {
  const ok = { name: 'Spring', code: 'spring-26', planId: null, kind: 'percent', amount: 20, currency: null, duration: 'repeating', durationMonths: 3, expiresAt: null, maxRedemptions: null };
  it('keeps codes in capitals', () => expect(offerInputSchema.parse(ok).code).toBe('SPRING-26'));
  it.each([
    ['a percentage over 100', { amount: 120 }, 'amount'],
    ['an amount off without a currency', { kind: 'fixed', amount: 100 }, 'currency'],
    ['some months without saying how many', { durationMonths: null }, 'durationMonths'],
    ['a code with spaces', { code: 'two words' }, 'code'],
    ['a trial over a year', { kind: 'trial', amount: 400 }, 'amount'],
  ] as const)('refuses %s, naming the field', (_n, over, field) => {
    const r = offerInputSchema.safeParse({ ...ok, ...over });
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.path[0])).toContain(field);
  });
  it('says what an offer gives', () => {
    expect(describeOffer(terms({ duration: 'repeating', durationMonths: 3 }))).toBe('20% off for 3 months');
    expect(describeOffer(terms({ kind: 'fixed', amount: 200, currency: 'gbp' }))).toBe('£2.00 off the first payment');
    expect(describeOffer(terms({ kind: 'trial', amount: 60 }))).toBe('a 60-day free trial');
  });
});

describe('which edits need a new Stripe coupon (Stripe cannot change one)', () => {
  const was = { name: 'Spring', kind: 'percent' as const, amount: 20, currency: null, duration: 'repeating' as const, durationMonths: 3, expiresAt: NOW, maxRedemptions: 10 };
  it.each([
    ['nothing changed', {}, false],
    ['the name (the coupon carries it)', { name: 'Spring sale' }, true],
    ['the amount', { amount: 25 }, true],
    ['the kind', { kind: 'fixed' as const, currency: 'gbp' }, true],
    ['the duration', { duration: 'forever' as const, durationMonths: null }, true],
    ['the months', { durationMonths: 6 }, true],
    ['the end date', { expiresAt: NOW + 86_400_000 }, true],
    ['no end date', { expiresAt: null }, true],
    ['the limit', { maxRedemptions: 20 }, true],
  ] as const)('%s: %o → %s', (_, change, expected) => {
    expect(couponTermsChanged(was, { ...was, ...change })).toBe(expected);
  });
});
