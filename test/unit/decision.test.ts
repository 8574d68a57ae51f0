import { describe, expect, it } from 'vitest';
import { decide, type AccessReason, type MeterState, type Reader, type ReaderKind, type Rules } from '../../src/access/decision.js';
import { windowAt, startOfLocalDay, localParts } from '../../src/access/periods.js';
import type { AccessLevel } from '../../src/content/types.js';

const RULES: Rules = { anonymousAllowance: 3, memberAllowance: 5, period: 'calendar_day', sharedAddressFactor: 3, addressCeiling: 30, timezone: 'Europe/London' };
const NOW = Date.parse('2026-06-15T12:00:00Z'); // 13:00 in London
const ARTICLE = 100;

const reader = (kind: ReaderKind, o: Partial<Reader> = {}): Reader => ({ kind, hasDevice: kind === 'anonymous', prefetch: false, verifiedCrawler: false, ...o });
const reads = (n: number, at = NOW - 3_600_000, start = 1) => Array.from({ length: n }, (_, i) => ({ articleId: start + i, readAt: at }));
const state = (n: number, o: Partial<MeterState> = {}): MeterState => ({ reads: reads(n), addressReads: [], ...o });

type Case = [AccessLevel, ReaderKind, number, { full: boolean; reason: AccessReason; left: number | null; count: boolean }];

// access level × reader kind × meter state (reads already counted this period)
const CASES: Case[] = [
  ['free', 'anonymous', 0, { full: true, reason: 'free', left: null, count: false }],
  ['free', 'anonymous', 9, { full: true, reason: 'free', left: null, count: false }],
  ['free', 'member', 9, { full: true, reason: 'free', left: null, count: false }],
  ['free', 'subscriber', 0, { full: true, reason: 'free', left: null, count: false }],
  ['free', 'staff', 0, { full: true, reason: 'free', left: null, count: false }],
  ['metered', 'anonymous', 0, { full: true, reason: 'metered', left: 2, count: true }],
  ['metered', 'anonymous', 2, { full: true, reason: 'metered', left: 0, count: true }],
  ['metered', 'anonymous', 3, { full: false, reason: 'registration_required', left: 0, count: false }],
  ['metered', 'anonymous', 7, { full: false, reason: 'registration_required', left: 0, count: false }],
  ['metered', 'member', 0, { full: true, reason: 'metered', left: 4, count: true }],
  ['metered', 'member', 3, { full: true, reason: 'metered', left: 1, count: true }],
  ['metered', 'member', 4, { full: true, reason: 'metered', left: 0, count: true }],
  ['metered', 'member', 5, { full: false, reason: 'limit_reached', left: 0, count: false }],
  ['metered', 'subscriber', 50, { full: true, reason: 'subscriber', left: null, count: false }],
  ['metered', 'staff', 50, { full: true, reason: 'staff', left: null, count: false }],
  ['registered', 'anonymous', 0, { full: false, reason: 'registration_required', left: null, count: false }],
  ['registered', 'member', 5, { full: true, reason: 'member', left: null, count: false }],
  ['registered', 'subscriber', 0, { full: true, reason: 'subscriber', left: null, count: false }],
  ['registered', 'staff', 0, { full: true, reason: 'staff', left: null, count: false }],
  ['paid', 'anonymous', 0, { full: false, reason: 'paid_only', left: null, count: false }],
  ['paid', 'member', 0, { full: false, reason: 'paid_only', left: null, count: false }],
  ['paid', 'subscriber', 0, { full: true, reason: 'subscriber', left: null, count: false }],
  ['paid', 'staff', 0, { full: true, reason: 'staff', left: null, count: false }],
];

describe('the access decision', () => {
  it.each(CASES)('%s article, %s reader with %i reads → %o', (access, kind, n, expected) => {
    const d = decide({ id: ARTICLE, access }, reader(kind), state(n), RULES, NOW);
    expect({ full: d.full, reason: d.reason, left: d.left, count: d.count }).toEqual(expected);
  });

  it('lets a reader reread an article counted this period without spending', () => {
    const s: MeterState = { reads: [...reads(2), { articleId: ARTICLE, readAt: NOW - 60_000 }], addressReads: [] };
    expect(decide({ id: ARTICLE, access: 'metered' }, reader('anonymous'), s, RULES, NOW)).toMatchObject({ full: true, reason: 'metered', count: false, left: 0 });
  });

  it('walls with "limit reached" when registering would not give more', () => {
    const rules = { ...RULES, memberAllowance: 3 };
    expect(decide({ id: ARTICLE, access: 'metered' }, reader('anonymous'), state(3), rules, NOW).reason).toBe('limit_reached');
  });

  it('binds clients without a cookie to the address meter, with room for shared addresses', () => {
    const noCookie = reader('anonymous', { hasDevice: false });
    expect(decide({ id: ARTICLE, access: 'metered' }, noCookie, { reads: [], addressReads: reads(8) }, RULES, NOW).full).toBe(true);
    expect(decide({ id: ARTICLE, access: 'metered' }, noCookie, { reads: [], addressReads: reads(9) }, RULES, NOW)).toMatchObject({ full: false, reason: 'registration_required' });
    // Rereading through the address meter is free too.
    expect(decide({ id: 1, access: 'metered' }, noCookie, { reads: [], addressReads: reads(9) }, RULES, NOW)).toMatchObject({ full: true, count: true });
    // A reader who keeps the cookie is not held to the shared address's count.
    expect(decide({ id: ARTICLE, access: 'metered' }, reader('anonymous'), { reads: [], addressReads: reads(50) }, RULES, NOW).full).toBe(true);
  });

  it('holds every cookieless client at one address to the ceiling, whatever browser it names (issue 12, defect 4)', () => {
    const noCookie = reader('anonymous', { hasDevice: false });
    const at = (ceiling: number, o: Partial<MeterState> = {}) => decide({ id: ARTICLE, access: 'metered' }, noCookie, { reads: [], addressReads: [], ceilingReads: reads(ceiling), ...o }, RULES, NOW);
    // A fresh User-Agent (empty address + browser meter) still meets the address's ceiling.
    expect(at(29)).toMatchObject({ full: true, count: true });
    expect(at(30)).toMatchObject({ full: false, reason: 'registration_required' });
    // An article already served to this address is a reread there.
    expect(decide({ id: 1, access: 'metered' }, noCookie, { reads: [], addressReads: [], ceilingReads: reads(30) }, RULES, NOW)).toMatchObject({ full: true });
    // Reads from an earlier period do not count, and the ceiling is a setting.
    expect(decide({ id: ARTICLE, access: 'metered' }, noCookie, { reads: [], addressReads: [], ceilingReads: reads(30, NOW - 2 * 86_400_000) }, RULES, NOW).full).toBe(true);
    expect(decide({ id: ARTICLE, access: 'metered' }, noCookie, { reads: [], addressReads: [], ceilingReads: reads(30) }, { ...RULES, addressCeiling: 500 }, NOW).full).toBe(true);
    // A reader who keeps the cookie, or is signed in, is not held to it.
    expect(decide({ id: ARTICLE, access: 'metered' }, reader('anonymous'), { reads: [], addressReads: [], ceilingReads: reads(500) }, RULES, NOW).full).toBe(true);
    expect(decide({ id: ARTICLE, access: 'metered' }, reader('member'), { reads: [], addressReads: [], ceilingReads: reads(500) }, RULES, NOW).full).toBe(true);
  });

  it('never counts or unlocks a prefetch, and trusts only a verified crawler', () => {
    for (const access of ['metered', 'registered', 'paid'] as const) {
      expect(decide({ id: ARTICLE, access }, reader('anonymous', { prefetch: true }), state(0), RULES, NOW)).toMatchObject({ full: false, reason: 'prefetch', count: false });
      expect(decide({ id: ARTICLE, access }, reader('anonymous', { verifiedCrawler: true }), state(9), RULES, NOW)).toMatchObject({ full: true, reason: 'crawler', count: false });
    }
    expect(decide({ id: ARTICLE, access: 'free' }, reader('anonymous', { prefetch: true }), state(0), RULES, NOW).full).toBe(true);
  });
});

describe('period boundaries', () => {
  const at = (iso: string) => Date.parse(iso);
  const meteredFor = (now: number, readAt: number, rules: Partial<Rules> = {}) =>
    decide({ id: ARTICLE, access: 'metered' }, reader('anonymous'), { reads: reads(3, readAt), addressReads: [] }, { ...RULES, ...rules }, now).full;

  it.each([
    // [rules, reads made at, now, allowance restored?]
    ['calendar day, London summer: 23:59 local reads, 00:01 local next day', { period: 'calendar_day' }, '2026-06-15T22:59:00Z', '2026-06-15T23:01:00Z', true],
    ['calendar day, London summer: same local day', { period: 'calendar_day' }, '2026-06-15T00:30:00Z', '2026-06-15T22:30:00Z', false],
    ['calendar day, UTC midnight is not London midnight in summer', { period: 'calendar_day' }, '2026-06-15T23:30:00Z', '2026-06-16T00:30:00Z', false],
    ['calendar day, New York: 23:00 local vs 01:00 local', { period: 'calendar_day', timezone: 'America/New_York' }, '2026-06-16T03:00:00Z', '2026-06-16T05:00:00Z', true],
    ['calendar day across the spring-forward night (London, 29 March 2026)', { period: 'calendar_day' }, '2026-03-28T23:30:00Z', '2026-03-29T00:30:00Z', true],
    ['calendar day across the fall-back night (London, 25 October 2026)', { period: 'calendar_day' }, '2026-10-24T22:30:00Z', '2026-10-24T23:30:00Z', true],
    ['calendar day where DST skips midnight (Santiago, 6 September 2026)', { period: 'calendar_day', timezone: 'America/Santiago' }, '2026-09-06T03:30:00Z', '2026-09-06T04:30:00Z', true],
    ['rolling 24 h: 23 h later still counts', { period: 'rolling_24h' }, '2026-06-15T12:00:00Z', '2026-06-16T11:00:00Z', false],
    ['rolling 24 h: 24 h later is restored', { period: 'rolling_24h' }, '2026-06-15T12:00:00Z', '2026-06-16T12:00:01Z', true],
    ['week: Sunday night to Monday morning (Monday starts the week)', { period: 'week' }, '2026-06-14T21:00:00Z', '2026-06-14T23:30:00Z', true],
    ['week: Monday to Sunday is one week', { period: 'week' }, '2026-06-15T08:00:00Z', '2026-06-21T20:00:00Z', false],
    ['month: 31 January to 1 February in Tokyo', { period: 'calendar_month', timezone: 'Asia/Tokyo' }, '2026-01-31T14:00:00Z', '2026-01-31T15:30:00Z', true],
    ['month: same month', { period: 'calendar_month' }, '2026-06-01T00:30:00Z', '2026-06-30T21:00:00Z', false],
  ] as const)('%s', (_name, rules, readIso, nowIso, restored) => {
    expect(meteredFor(at(nowIso), at(readIso), rules as Partial<Rules>)).toBe(restored);
  });

  it('starts the day at local midnight, or the first instant that exists', () => {
    expect(new Date(startOfLocalDay(2026, 3, 29, 'Europe/London')).toISOString()).toBe('2026-03-29T00:00:00.000Z');
    expect(new Date(startOfLocalDay(2026, 3, 30, 'Europe/London')).toISOString()).toBe('2026-03-29T23:00:00.000Z');
    const santiago = startOfLocalDay(2026, 9, 6, 'America/Santiago');
    expect(localParts(santiago, 'America/Santiago')).toMatchObject({ d: 6, hh: 1, mm: 0 });
    const w = windowAt('calendar_day', at('2026-03-29T12:00:00Z'), 'Europe/London');
    expect((w.end - w.start) / 3_600_000).toBe(23);
    const fall = windowAt('calendar_day', at('2026-10-25T12:00:00Z'), 'Europe/London');
    expect((fall.end - fall.start) / 3_600_000).toBe(25);
  });
});
