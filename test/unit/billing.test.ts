import { describe, expect, it } from 'vitest';
import { canTransition, fromStripeStatus, grantsAccess, memberStatus, SUB_STATUSES, transition, TransitionError, type SubStatus } from '../../src/billing/state.js';
import { trialKey } from '../../src/billing/trial-key.js';
import { formatMoney, planInputSchema } from '../../src/billing/plans.js';

const DAY = 86_400_000;
const NOW = Date.parse('2026-05-01T12:00:00Z');

describe('subscription state machine', () => {
  const allowed: Record<SubStatus, SubStatus[]> = {
    trialing: ['trialing', 'active', 'past_due', 'canceled'],
    active: ['active', 'past_due', 'canceled'],
    past_due: ['past_due', 'active', 'canceled'],
    comp: ['comp', 'canceled'],
    canceled: ['canceled'],
  };
  for (const from of SUB_STATUSES) {
    for (const to of SUB_STATUSES) {
      const ok = allowed[from].includes(to);
      it(`${from} → ${to} is ${ok ? 'allowed' : 'refused'}`, () => {
        expect(canTransition(from, to)).toBe(ok);
        if (ok) expect(transition(from, to)).toBe(to);
        else expect(() => transition(from, to)).toThrow(TransitionError);
      });
    }
  }

  it.each([
    ['trialing, before the end', { status: 'trialing', trialEnd: NOW + DAY, pastDueSince: null }, true],
    ['trialing, after the end', { status: 'trialing', trialEnd: NOW - 1, pastDueSince: null }, false],
    ['active', { status: 'active', trialEnd: null, pastDueSince: null }, true],
    ['comp', { status: 'comp', trialEnd: null, pastDueSince: null }, true],
    ['past due within the grace period', { status: 'past_due', trialEnd: null, pastDueSince: NOW - 6 * DAY }, true],
    ['past due beyond the grace period', { status: 'past_due', trialEnd: null, pastDueSince: NOW - 7 * DAY }, false],
    ['canceled', { status: 'canceled', trialEnd: null, pastDueSince: null }, false],
  ] as const)('%s → access %s', (_n, facts, expected) => {
    expect(grantsAccess(facts, NOW, 7)).toBe(expected);
  });

  it('derives the member status the paywall reads', () => {
    expect(memberStatus([], NOW)).toBe('free');
    expect(memberStatus([{ status: 'trialing', trialEnd: NOW + DAY, pastDueSince: null }], NOW)).toBe('trialing');
    expect(memberStatus([{ status: 'trialing', trialEnd: NOW + DAY, pastDueSince: null }, { status: 'active', trialEnd: null, pastDueSince: null }], NOW)).toBe('paid');
    expect(memberStatus([{ status: 'comp', trialEnd: null, pastDueSince: null }], NOW)).toBe('comp');
    expect(memberStatus([{ status: 'past_due', trialEnd: null, pastDueSince: NOW - 30 * DAY }], NOW)).toBe('free');
  });

  it('maps Stripe statuses onto the machine', () => {
    expect(['trialing', 'active', 'past_due', 'unpaid', 'canceled', 'incomplete_expired', 'incomplete', 'paused'].map(fromStripeStatus))
      .toEqual(['trialing', 'active', 'past_due', 'past_due', 'canceled', 'canceled', null, null]);
  });
});

describe('one trial per person', () => {
  it.each([
    ['John.Smith+news@Gmail.com', 'johnsmith@gmail.com'],
    ['j.o.h.n.smith@googlemail.com', 'johnsmith@gmail.com'],
    ['reader+tag@outlook.com', 'reader@outlook.com'],
    ['first.last@example.com', 'first.last@example.com'],
    ['first.last+x@example.com', 'first.last+x@example.com'],
    ['someone-news@yahoo.com', 'someone@yahoo.com'],
  ])('%s → %s', (email, key) => expect(trialKey(email)).toBe(key));
});

describe('money', () => {
  it('formats minor units without floats', () => {
    expect(formatMoney(700, 'gbp', 'en-GB')).toBe('£7.00');
    expect(formatMoney(123456789, 'usd', 'en-US')).toBe('$1,234,567.89');
    expect(formatMoney(500, 'jpy', 'en-US')).toBe('¥500');
    expect(formatMoney(1005, 'eur', 'de-DE')).toMatch(/^10,05\s€$/);
  });
  it.each([
    [{ interval: 'month', currency: 'gbp', amount: 7.5 }, /whole number/],
    [{ interval: 'month', currency: 'zzz', amount: 700 }, /ISO 4217/],
    [{ interval: 'week', currency: 'gbp', amount: 700 }, /interval/],
    [{ interval: 'month', currency: 'gbp', amount: -5 }, /at least/],
  ])('refuses a bad price %o', (price, msg) => {
    const r = planInputSchema.safeParse({ name: 'X', prices: [price] });
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error!.issues)).toMatch(msg);
  });
  it('refuses a fractional trial length', () => {
    expect(planInputSchema.safeParse({ name: 'X', trialDays: 1.5, prices: [{ interval: 'month', currency: 'gbp', amount: 700 }] }).success).toBe(false);
  });
});
