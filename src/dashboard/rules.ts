import { fromLocalInput, toLocalInput } from '../shared/zoned-time.js';
import { REPLACED_BY_PAID } from '../billing/state.js';

/**
 * The dashboard's rules, pure: the periods it shows (in the site's time zone), the funnel's
 * rates, what counts as a trial converted, churn, and the one thing kept of a referrer (its domain).
 */

export const PERIODS = ['7d', '30d', '12m', 'custom'] as const;
export type PeriodChoice = (typeof PERIODS)[number];

export interface Bucket { start: number; end: number; label: string }
export interface Period { choice: PeriodChoice; from: number; to: number; fromDate: string; toDate: string; buckets: Bucket[]; grain: 'day' | 'month' }

/** A custom period may span at most this many days; a longer one is charted by month. */
export const MAX_CUSTOM_DAYS = 366;
const DAILY_UP_TO = 92;

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `YYYY-MM-DD` of an instant in `tz`. */
export function localDate(ms: number, tz: string): string {
  return toLocalInput(ms, tz).slice(0, 10);
}

/** The instant local midnight of `date` (YYYY-MM-DD) begins in `tz`. */
export function midnight(date: string, tz: string): number {
  return fromLocalInput(`${date}T00:00`, tz)!;
}

/** The local midnight that begins the day `ms` falls in. */
export function dayStart(ms: number, tz: string): number {
  return midnight(localDate(ms, tz), tz);
}

/** The local midnight that begins the month `ms` falls in. */
export function monthStart(ms: number, tz: string): number {
  return midnight(`${localDate(ms, tz).slice(0, 8)}01`, tz);
}

/**
 * The whole local months inside [from, to), as [start, end) (start === end when there are none):
 * a period is read from monthly rows there and from daily rows at its ends.
 */
export function wholeMonths(from: number, to: number, tz: string): { start: number; end: number } {
  const first = monthStart(from, tz);
  const start = first === from ? from : midnight(nextMonth(localDate(first, tz)), tz);
  const end = monthStart(to, tz);
  return start < end ? { start, end } : { start: from, end: from };
}

/** A calendar date `n` days after `date` (negative goes back); pure date arithmetic, no zone. */
export function addDays(date: string, n: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

function validDate(s: string | undefined): string | null {
  if (!s) return null;
  const m = DATE.exec(s);
  if (!m) return null;
  return addDays(s, 0) === s ? s : null; // 2026-02-30 reads back as March: refused
}

const dayLabel = (date: string) => `${Number(date.slice(8, 10))} ${MONTHS[Number(date.slice(5, 7)) - 1]}`;

/**
 * The period chosen, as instants [from, to) with its chart buckets. 7 and 30 days end with today;
 * 12 months are this month and the eleven before it. A custom period names its first and last
 * days (inclusive); an unusable one is an error message for the form, not a guess.
 */
export function periodFor(choice: PeriodChoice, now: number, tz: string, custom: { from?: string; to?: string } = {}): Period | { error: string } {
  const today = localDate(now, tz);
  let first: string, last: string;
  if (choice === '7d' || choice === '30d') {
    last = today;
    first = addDays(today, choice === '7d' ? -6 : -29);
  } else if (choice === '12m') {
    const y = Number(today.slice(0, 4)), m = Number(today.slice(5, 7));
    const back = new Date(Date.UTC(y, m - 1 - 11, 1)).toISOString().slice(0, 10);
    first = back;
    last = today;
  } else {
    const f = validDate(custom.from), t = validDate(custom.to);
    if (!f || !t) return { error: 'Give the first and last day of the period as dates.' };
    if (f > t) return { error: 'The first day must come before the last.' };
    if (Date.parse(t) - Date.parse(f) >= MAX_CUSTOM_DAYS * 86_400_000) return { error: `A period may be at most ${MAX_CUSTOM_DAYS} days long.` };
    first = f;
    last = t;
  }
  const days = Math.round((Date.parse(last) - Date.parse(first)) / 86_400_000) + 1;
  const grain = choice === '12m' || days > DAILY_UP_TO ? 'month' : 'day';
  const buckets: Bucket[] = [];
  let cursor = first;
  while (cursor <= last) {
    const next = grain === 'day' ? addDays(cursor, 1) : nextMonth(cursor);
    const end = next > last ? addDays(last, 1) : next;
    buckets.push({ start: midnight(cursor, tz), end: midnight(end, tz), label: grain === 'day' ? dayLabel(cursor) : `${MONTHS[Number(cursor.slice(5, 7)) - 1]} ${cursor.slice(0, 4)}` });
    cursor = end;
  }
  return { choice, from: buckets[0]!.start, to: buckets.at(-1)!.end, fromDate: first, toDate: last, buckets, grain };
}

function nextMonth(date: string): string {
  const y = Number(date.slice(0, 4)), m = Number(date.slice(5, 7));
  return new Date(Date.UTC(y, m, 1)).toISOString().slice(0, 10);
}

/** n ÷ of as a share (0–1), or null when there was nothing to take a share of. */
export function rate(n: number, of: number): number | null {
  return of > 0 ? n / of : null;
}

export interface FunnelCounts { reads: number; walls: number; actions: number; trials: number; converted: number }
export interface FunnelStep { key: keyof FunnelCounts; label: string; count: number; rate: number | null }

const STEPS: [keyof FunnelCounts, string][] = [
  ['reads', 'Metered reads'], ['walls', 'Walls shown'], ['actions', 'Wall actions clicked'], ['trials', 'Trials started'], ['converted', 'Trials converted to paid'],
];

/** The funnel's steps, each with its rate from the step before (the first has none). */
export function funnel(c: FunnelCounts): FunnelStep[] {
  return STEPS.map(([key, label], i) => ({ key, label, count: c[key], rate: i === 0 ? null : rate(c[key], c[STEPS[i - 1]![0]]) }));
}

/** "12.5%" (one decimal at most), or "—" when there is no rate. */
export function percent(r: number | null): string {
  if (r === null) return '—';
  return `${Math.round(r * 1000) / 10}%`;
}

/** Does this history row end a trial by making it paid? */
export function isConversion(from: string | null, to: string, cause: string): boolean {
  if (from !== 'trialing') return false;
  return to === 'active' || to === 'past_due' || (to === 'canceled' && cause === REPLACED_BY_PAID);
}

/** Paid subscriptions that ended in the period ÷ those live when it began; null with none live. */
export function churnRate(endedInPeriod: number, liveAtStart: number): number | null {
  return rate(endedInPeriod, liveAtStart);
}

/**
 * The referrer as the dashboard keeps it: its domain, lower-case, without `www.`, port or
 * anything else of the URL; null for none, our own site, or anything that is not an http(s) URL.
 */
export function referrerDomain(header: string | undefined, ownHost: string): string | null {
  if (!header || header.length > 2000) return null;
  const scheme = header.startsWith('https://') ? 8 : header.startsWith('http://') ? 7 : 0;
  if (!scheme) return null;
  let end = header.length;
  for (const c of ['/', '?', '#']) {
    const i = header.indexOf(c, scheme);
    if (i !== -1 && i < end) end = i;
  }
  let host = header.slice(scheme, end).toLowerCase();
  const at = host.lastIndexOf('@');
  if (at !== -1) host = host.slice(at + 1);
  const colon = host.indexOf(':');
  if (colon !== -1) host = host.slice(0, colon);
  if (host.endsWith('.')) host = host.slice(0, -1);
  if (host.startsWith('www.')) host = host.slice(4);
  if (!host || host.length > 100 || !/^[a-z0-9.-]+$/.test(host)) return null;
  const own = ownHost.toLowerCase().replace(/^www\./, '');
  return host === own ? null : host;
}

/** At most this many referrer domains per flush; the rest are counted as one "other". */
export const REFERRERS_PER_FLUSH = 500;
export const OTHER_REFERRER = '(other)';

/** The article slug a site path names (`/articles/<slug>`, query and fragment ignored), or null. */
export function articleSlugOf(path: string | undefined): string | null {
  if (!path) return null;
  const m = /^\/articles\/([a-z0-9]+(?:-[a-z0-9]+)*)\/?(?:[?#].*)?$/.exec(path);
  return m ? m[1]! : null;
}
