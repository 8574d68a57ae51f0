import { DAY } from '../shared/time.js';
/**
 * Meter periods, computed in the site's time zone. Pure: time and zone in,
 * window out. Calendar periods start at local midnight (or the first instant
 * of the day where a daylight-saving jump skips midnight).
 */
export const PERIODS = ['calendar_day', 'rolling_24h', 'week', 'calendar_month'] as const;
export type Period = (typeof PERIODS)[number];

export interface Window {
  /** Reads at or after this instant count in the current period. */
  start: number;
  /** When the allowance is next restored (for calendar periods; for rolling, when the oldest read expires is per read). */
  end: number;
  /** Stable name of the period, used to rotate the cookieless meter's salt. */
  key: string;
}

const partsCache = new Map<string, Intl.DateTimeFormat>();

function fmt(tz: string): Intl.DateTimeFormat {
  let f = partsCache.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    partsCache.set(tz, f);
  }
  return f;
}

/** Local calendar fields of an instant in a zone. */
export function localParts(ms: number, tz: string): { y: number; m: number; d: number; hh: number; mm: number; ss: number } {
  const p: Record<string, number> = {};
  for (const x of fmt(tz).formatToParts(ms)) if (x.type !== 'literal') p[x.type] = Number(x.value);
  return { y: p.year!, m: p.month!, d: p.day!, hh: p.hour!, mm: p.minute!, ss: p.second! };
}

/** Offset of the zone from UTC at an instant, in ms. */
function offsetAt(ms: number, tz: string): number {
  const p = localParts(ms, tz);
  const asUtc = Date.UTC(p.y, p.m - 1, p.d, p.hh, p.mm, p.ss);
  return asUtc - Math.floor(ms / 1000) * 1000;
}

/**
 * The first instant of a local calendar day. Usually midnight; where a DST jump
 * skips midnight (e.g. America/Santiago), the first instant that exists.
 */
export function startOfLocalDay(y: number, m: number, d: number, tz: string): number {
  const guessUtc = Date.UTC(y, m - 1, d);
  let t = guessUtc - offsetAt(guessUtc, tz);
  t = guessUtc - offsetAt(t, tz);
  const p = localParts(t, tz);
  if (p.y === y && p.m === m && p.d === d && p.hh === 0 && p.mm === 0) return t;
  // Midnight does not exist that day (or we overshot): walk to the first local instant of the date.
  const sameDay = (x: number) => {
    const q = localParts(x, tz);
    return q.y === y && q.m === m && q.d === d;
  };
  let lo = t - DAY;
  let hi = t + DAY;
  while (sameDay(lo)) lo -= DAY;
  while (!sameDay(hi) && hi > lo) hi -= 3_600_000;
  // Binary search for the first instant (to the minute) that is on the date.
  while (hi - lo > 60_000) {
    const mid = Math.floor((lo + hi) / 2 / 60_000) * 60_000;
    if (sameDay(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}

function addDays(y: number, m: number, d: number, n: number): { y: number; m: number; d: number } {
  const t = new Date(Date.UTC(y, m - 1, d + n));
  return { y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate() };
}

const pad = (n: number) => String(n).padStart(2, '0');

/**
 * Calendar windows change once a day at most, and computing one takes a dozen
 * Intl calls; every metered view needs one. So the last window per period and
 * zone is kept and reused while `now` is inside it.
 */
const memo = new Map<string, Window>();

export function windowAt(period: Period, now: number, tz: string): Window {
  if (period === 'rolling_24h') {
    const d = new Date(now);
    return { start: now - DAY, end: now, key: `r:${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}` };
  }
  const k = `${period}|${tz}`;
  const hit = memo.get(k);
  if (hit && now >= hit.start && now < hit.end) return hit;
  const w = computeWindow(period, now, tz);
  memo.set(k, w);
  return w;
}

function computeWindow(period: Exclude<Period, 'rolling_24h'>, now: number, tz: string): Window {
  const p = localParts(now, tz);
  if (period === 'calendar_day') {
    const next = addDays(p.y, p.m, p.d, 1);
    return { start: startOfLocalDay(p.y, p.m, p.d, tz), end: startOfLocalDay(next.y, next.m, next.d, tz), key: `d:${p.y}-${pad(p.m)}-${pad(p.d)}` };
  }
  if (period === 'week') {
    // Weeks start on Monday (ISO 8601).
    const weekday = (new Date(Date.UTC(p.y, p.m - 1, p.d)).getUTCDay() + 6) % 7;
    const mon = addDays(p.y, p.m, p.d, -weekday);
    const next = addDays(mon.y, mon.m, mon.d, 7);
    return { start: startOfLocalDay(mon.y, mon.m, mon.d, tz), end: startOfLocalDay(next.y, next.m, next.d, tz), key: `w:${mon.y}-${pad(mon.m)}-${pad(mon.d)}` };
  }
  const nm = p.m === 12 ? { y: p.y + 1, m: 1 } : { y: p.y, m: p.m + 1 };
  return { start: startOfLocalDay(p.y, p.m, 1, tz), end: startOfLocalDay(nm.y, nm.m, 1, tz), key: `m:${p.y}-${pad(p.m)}` };
}

/** Words for the wall: "daily", "weekly"… */
export const PERIOD_ADJECTIVE: Record<Period, string> = { calendar_day: 'daily', rolling_24h: '24-hour', week: 'weekly', calendar_month: 'monthly' };
export const PERIOD_NOUN: Record<Period, string> = { calendar_day: 'today', rolling_24h: 'in the last 24 hours', week: 'this week', calendar_month: 'this month' };
