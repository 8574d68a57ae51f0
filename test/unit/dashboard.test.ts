import { describe, expect, it } from 'vitest';
import {
  addDays, articleSlugOf, wholeMonths, churnRate, dayStart, funnel, isConversion, percent, periodFor, rate, referrerDomain, type Period,
} from '../../src/dashboard/rules.js';
import { monthlyRecurring } from '../../src/billing/plans.js';
import { REPLACED_BY_PAID } from '../../src/billing/state.js';

const at = (iso: string) => Date.parse(iso);

describe('dashboard periods, in the site’s time zone', () => {
  const cases: [string, Parameters<typeof periodFor>, { from: string; to: string; buckets: number; grain: string; first?: string; last?: string }][] = [
    ['7 days in London (winter, UTC+0)', ['7d', at('2026-12-01T15:00:00Z'), 'Europe/London'], { from: '2026-11-25T00:00:00.000Z', to: '2026-12-02T00:00:00.000Z', buckets: 7, grain: 'day', first: '25 Nov', last: '1 Dec' }],
    ['7 days in New York: local midnights', ['7d', at('2026-12-01T03:00:00Z'), 'America/New_York'], { from: '2026-11-24T05:00:00.000Z', to: '2026-12-01T05:00:00.000Z', buckets: 7, grain: 'day', last: '30 Nov' }],
    ['30 days across the autumn clock change', ['30d', at('2026-11-10T12:00:00Z'), 'Europe/Berlin'], { from: '2026-10-11T22:00:00.000Z', to: '2026-11-10T23:00:00.000Z', buckets: 30, grain: 'day' }],
    ['12 months: this month and the eleven before', ['12m', at('2026-12-01T15:00:00Z'), 'UTC'], { from: '2026-01-01T00:00:00.000Z', to: '2026-12-02T00:00:00.000Z', buckets: 12, grain: 'month', first: 'Jan 2026', last: 'Dec 2026' }],
    ['custom, inclusive of the last day', ['custom', at('2026-12-01T15:00:00Z'), 'UTC', { from: '2026-02-27', to: '2026-03-02' }], { from: '2026-02-27T00:00:00.000Z', to: '2026-03-03T00:00:00.000Z', buckets: 4, grain: 'day', first: '27 Feb', last: '2 Mar' }],
    ['custom over 92 days is charted by month', ['custom', at('2026-12-01T15:00:00Z'), 'UTC', { from: '2026-01-15', to: '2026-06-10' }], { from: '2026-01-15T00:00:00.000Z', to: '2026-06-11T00:00:00.000Z', buckets: 6, grain: 'month', first: 'Jan 2026' }],
  ];
  for (const [name, args, want] of cases) {
    it(name, () => {
      const p = periodFor(...args) as Period;
      expect('error' in p).toBe(false);
      expect(new Date(p.from).toISOString()).toBe(want.from);
      expect(new Date(p.to).toISOString()).toBe(want.to);
      expect(p.buckets).toHaveLength(want.buckets);
      expect(p.grain).toBe(want.grain);
      if (want.first) expect(p.buckets[0]!.label).toBe(want.first);
      if (want.last) expect(p.buckets.at(-1)!.label).toBe(want.last);
      // Buckets tile the period with no gap.
      for (let i = 1; i < p.buckets.length; i++) expect(p.buckets[i]!.start).toBe(p.buckets[i - 1]!.end);
    });
  }

  const refused: [string, { from?: string; to?: string }, RegExp][] = [
    ['missing dates', {}, /first and last day/],
    ['not a date', { from: '2026-02-30', to: '2026-03-01' }, /first and last day/],
    ['backwards', { from: '2026-03-02', to: '2026-03-01' }, /before the last/],
    ['too long', { from: '2024-01-01', to: '2026-01-01' }, /at most 366 days/],
  ];
  for (const [name, custom, message] of refused) {
    it(`refuses a custom period: ${name}`, () => {
      const p = periodFor('custom', at('2026-12-01T15:00:00Z'), 'UTC', custom);
      expect('error' in p && p.error).toMatch(message);
    });
  }

  const months: [string, string, string, string, [string, string] | null][] = [
    ['a year from the first of a month', '2026-01-01T00:00:00Z', '2026-12-02T00:00:00Z', 'UTC', ['2026-01-01T00:00:00.000Z', '2026-12-01T00:00:00.000Z']],
    ['mid-month to mid-month', '2026-01-15T00:00:00Z', '2026-06-11T00:00:00Z', 'UTC', ['2026-02-01T00:00:00.000Z', '2026-06-01T00:00:00.000Z']],
    ['a week inside one month', '2026-03-03T00:00:00Z', '2026-03-10T00:00:00Z', 'UTC', null],
    ['local months in New York', '2026-01-01T05:00:00Z', '2026-03-05T05:00:00Z', 'America/New_York', ['2026-01-01T05:00:00.000Z', '2026-03-01T05:00:00.000Z']],
  ];
  for (const [name, from, to, tz, want] of months) {
    it(`whole months: ${name}`, () => {
      const m = wholeMonths(at(from), at(to), tz);
      if (!want) expect(m.start).toBe(m.end);
      else expect([new Date(m.start).toISOString(), new Date(m.end).toISOString()]).toEqual(want);
    });
  }

  it('day starts and date arithmetic', () => {
    expect(new Date(dayStart(at('2026-03-29T12:00:00Z'), 'Europe/London')).toISOString()).toBe('2026-03-29T00:00:00.000Z');
    expect(new Date(dayStart(at('2026-03-30T12:00:00Z'), 'Europe/London')).toISOString()).toBe('2026-03-29T23:00:00.000Z');
    expect(addDays('2026-02-28', 1)).toBe('2026-03-01');
    expect(addDays('2026-01-01', -1)).toBe('2025-12-31');
  });
});

describe('the funnel and its rates', () => {
  it('rates each step from the one before, none for the first or after a zero', () => {
    const steps = funnel({ reads: 1000, walls: 200, actions: 50, trials: 10, converted: 0 });
    expect(steps.map((s) => [s.key, s.count, s.rate])).toEqual([
      ['reads', 1000, null], ['walls', 200, 0.2], ['actions', 50, 0.25], ['trials', 10, 0.2], ['converted', 0, 0],
    ]);
    expect(funnel({ reads: 0, walls: 0, actions: 0, trials: 0, converted: 0 }).map((s) => s.rate)).toEqual([null, null, null, null, null]);
  });
  const shares: [number | null, string][] = [[null, '—'], [0, '0%'], [0.5, '50%'], [0.125, '12.5%'], [0.0123, '1.2%'], [1, '100%']];
  for (const [r, text] of shares) it(`shows ${r} as ${text}`, () => expect(percent(r)).toBe(text));
  it('rate and churn are null with nothing to divide', () => {
    expect(rate(1, 0)).toBeNull();
    expect(churnRate(0, 0)).toBeNull();
    expect(churnRate(3, 60)).toBe(0.05);
  });
});

describe('which trial endings are conversions', () => {
  const cases: [string | null, string, string, boolean][] = [
    ['trialing', 'active', 'stripe: customer.subscription.updated', true],
    ['trialing', 'past_due', 'stripe: invoice.payment_failed', true],
    ['trialing', 'canceled', REPLACED_BY_PAID, true],
    ['trialing', 'canceled', 'system: trial ended', false],
    ['trialing', 'canceled', 'member: canceled the trial', false],
    ['active', 'canceled', REPLACED_BY_PAID, false],
    [null, 'trialing', 'member: started a free trial', false],
  ];
  for (const [from, to, cause, want] of cases) it(`${from} → ${to} (${cause}): ${want}`, () => expect(isConversion(from, to, cause)).toBe(want));
});

describe('MRR from plans’ prices', () => {
  const cases: [string, Parameters<typeof monthlyRecurring>[0], Record<string, number>][] = [
    ['none', [], {}],
    ['monthly prices add up', [{ currency: 'gbp', interval: 'month', amount: 900 }, { currency: 'gbp', interval: 'month', amount: 500 }], { gbp: 1400 }],
    ['a yearly price counts a twelfth, rounded down', [{ currency: 'gbp', interval: 'year', amount: 9000 }, { currency: 'gbp', interval: 'year', amount: 1001 }], { gbp: 750 + 83 }],
    ['currencies stay apart', [{ currency: 'gbp', interval: 'month', amount: 900 }, { currency: 'eur', interval: 'year', amount: 12000 }], { gbp: 900, eur: 1000 }],
  ];
  for (const [name, rows, want] of cases) it(name, () => expect(monthlyRecurring(rows)).toEqual(want));
});

describe('the referrer kept: its domain only', () => {
  const cases: [string | undefined, string | null][] = [
    [undefined, null],
    ['', null],
    ['https://news.example.org/path/to?q=secret#frag', 'news.example.org'],
    ['https://WWW.Example.COM/', 'example.com'],
    ['http://user:pass@t.co:8080/x', 't.co'],
    ['https://masthead.test/articles/a', null],
    ['https://www.masthead.test/', null],
    ['android-app://com.google.android.gm/', null],
    ['javascript:alert(1)', null],
    ['https://exa mple.com/', null],
    [`https://${'a'.repeat(120)}.com/`, null],
    ['https://duckduckgo.com', 'duckduckgo.com'],
  ];
  for (const [header, want] of cases) it(`${header?.slice(0, 50)} → ${want}`, () => expect(referrerDomain(header, 'masthead.test')).toBe(want));
});

describe('the article a trial is attributed to', () => {
  const cases: [string | undefined, string | null][] = [
    ['/articles/the-story', 'the-story'],
    ['/articles/the-story?notice=x#comments', 'the-story'],
    ['/articles/the-story/', 'the-story'],
    ['/', null],
    ['/subscribe', null],
    ['/articles/', null],
    ['/articles/../admin', null],
    [undefined, null],
  ];
  for (const [path, want] of cases) it(`${path} → ${want}`, () => expect(articleSlugOf(path)).toBe(want));
});
