import { describe, expect, it } from 'vitest';
import { memberStanding, memberStatus, type PlannedSub } from '../../src/billing/state.js';
import { DAY } from '../../src/shared/time.js';

/** The member list's standing filter, as a table: each row a member's subscriptions and what the list calls them. */
const NOW = Date.parse('2026-03-10T12:00:00Z');
const sub = (status: PlannedSub['status'], o: Partial<PlannedSub> = {}): PlannedSub => ({ status, trialEnd: null, pastDueSince: null, planId: 1, ...o });

const CASES: [string, PlannedSub[], string, number | null][] = [
  ['no subscriptions', [], 'free', null],
  ['a running trial', [sub('trialing', { trialEnd: NOW + DAY, planId: 2 })], 'trialing', 2],
  ['a trial that ran out and was closed', [sub('canceled')], 'cancelled', null],
  ['paying', [sub('active', { planId: 3 })], 'paid', 3],
  ['paying after a trial', [sub('canceled', { planId: 1 }), sub('active', { planId: 3 })], 'paid', 3],
  ['past due, in grace', [sub('past_due', { pastDueSince: NOW - DAY, planId: 4 })], 'past_due', 4],
  ['past due, grace over, not yet cancelled', [sub('past_due', { pastDueSince: NOW - 30 * DAY, planId: 4 })], 'past_due', 4],
  ['past due on one, paying on another', [sub('past_due', { pastDueSince: NOW - DAY }), sub('active', { planId: 5 })], 'paid', 5],
  ['complimentary', [sub('comp', { planId: null })], 'comp', null],
  ['complimentary after a cancelled subscription', [sub('canceled'), sub('comp', { planId: 6 })], 'comp', 6],
  ['paying and complimentary', [sub('comp'), sub('active', { planId: 7 })], 'paid', 7],
  ['a subscription cancelled', [sub('canceled', { planId: 8 })], 'cancelled', null],
];

describe('memberStanding', () => {
  it.each(CASES)('%s', (_name, subs, standing, planId) => {
    expect(memberStanding(subs, NOW)).toEqual({ standing, planId });
  });

  it('agrees with the paywall: a standing reads everything exactly when memberStatus is not free', () => {
    for (const [, subs] of CASES) {
      const s = memberStanding(subs, NOW).standing;
      const reads = ['paid', 'comp', 'trialing'].includes(s) || (s === 'past_due' && memberStatus(subs, NOW) === 'paid');
      expect(reads, JSON.stringify(subs)).toBe(memberStatus(subs, NOW) !== 'free');
    }
  });
});
