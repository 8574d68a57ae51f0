import type { AccessLevel } from '../content/types.js';
import { windowAt, type Period } from './periods.js';
import type { ReaderKind } from './reader-kind.js';

export type { ReaderKind };

/**
 * "May this reader see this article now?" A pure function of the article, the
 * reader, the meter state, the rules and the clock. The caller gathers the
 * inputs; the page loads the body only after this has answered.
 */
export type AccessReason =
  | 'free'
  | 'subscriber'
  | 'staff'
  | 'member' // a signed-in member reading a `registered` article
  | 'crawler' // a search-engine crawler verified by DNS (setting, off by default)
  | 'metered'
  | 'limit_reached'
  | 'registration_required'
  | 'paid_only'
  | 'prefetch'; // a prefetch or prerender: never counted, never given gated text


export interface Reader {
  kind: ReaderKind;
  /** An anonymous reader whose request carried a valid device cookie. */
  hasDevice: boolean;
  /** A speculative load (Sec-Purpose / Purpose: prefetch or prerender). */
  prefetch: boolean;
  verifiedCrawler: boolean;
}

/** A counted read: the article and when it was (last) counted. */
export interface Read { articleId: number; readAt: number }

export interface MeterState {
  /** Reads of the reader's own meter: the device's, or the member's. */
  reads: Read[];
  /** Reads of the cookieless meter (address + browser), for anonymous readers. */
  addressReads: Read[];
  /** Reads served without a device cookie from the reader's address, any browser (the ceiling). */
  ceilingReads?: Read[];
}

export interface Rules {
  anonymousAllowance: number;
  memberAllowance: number;
  period: Period;
  sharedAddressFactor: number;
  addressCeiling: number;
  timezone: string;
}

export interface AccessDecision {
  full: boolean;
  reason: AccessReason;
  /** Metered articles the reader may still open this period (null where the meter does not apply). */
  left: number | null;
  /** Record this view on the meter. */
  count: boolean;
  /** When the allowance is restored (calendar periods), for the wall's wording. */
  resetsAt: number | null;
}

const inWindow = (reads: Read[], start: number) => reads.filter((r) => r.readAt >= start);

/**
 * The rules that need no meter state, in their order: null when the meter decides. decide() is
 * this, then the meter; callers that can skip loading meter state ask this first, so the order
 * of the rules is written here once.
 */
export function decideWithoutMeter(article: { access: AccessLevel }, reader: Reader): AccessDecision | null {
  if (article.access === 'free') return FIXED.free;
  if (reader.kind === 'staff') return FIXED.staff;
  if (reader.kind === 'subscriber') return FIXED.subscriber;
  if (reader.prefetch) return FIXED.prefetch;
  if (reader.verifiedCrawler) return FIXED.crawler;
  if (article.access === 'paid') return FIXED.paid_only;
  if (article.access === 'registered') return reader.kind === 'member' ? FIXED.member : FIXED.registration_required;
  return null;
}

/** The answers that need no meter are the same every time: made once (they are on every view's path). */
const fixed = (full: boolean, reason: AccessReason): AccessDecision => Object.freeze({ full, reason, left: null, count: false, resetsAt: null });
const FIXED = {
  free: fixed(true, 'free'), staff: fixed(true, 'staff'), subscriber: fixed(true, 'subscriber'), prefetch: fixed(false, 'prefetch'),
  crawler: fixed(true, 'crawler'), paid_only: fixed(false, 'paid_only'), member: fixed(true, 'member'), registration_required: fixed(false, 'registration_required'),
} as const;

export function decide(article: { id: number; access: AccessLevel }, reader: Reader, meter: MeterState, rules: Rules, now: number): AccessDecision {
  return decideWithoutMeter(article, reader) ?? decideMetered(article, reader, meter, rules, now);
}

function decideMetered(article: { id: number; access: AccessLevel }, reader: Reader, meter: MeterState, rules: Rules, now: number): AccessDecision {
  const w = windowAt(rules.period, now, rules.timezone);
  const resetsAt = rules.period === 'rolling_24h' ? null : w.end;
  const reads = inWindow(meter.reads, w.start);
  const allowance = reader.kind === 'member' ? rules.memberAllowance : rules.anonymousAllowance;
  const used = reads.length;
  const reread = reads.some((r) => r.articleId === article.id);
  if (reread) return { full: true, reason: 'metered', left: Math.max(0, allowance - used), count: false, resetsAt };

  let allowed = used < allowance;
  if (allowed && reader.kind === 'anonymous' && !reader.hasDevice) {
    // No cookie kept: the address + browser meter decides, with room for shared addresses.
    const addr = inWindow(meter.addressReads, w.start);
    if (!addr.some((r) => r.articleId === article.id)) allowed = addr.length < rules.anonymousAllowance * rules.sharedAddressFactor;
    // Across every browser the address names: a new User-Agent per request is not a new reader.
    const ceiling = inWindow(meter.ceilingReads ?? [], w.start);
    if (allowed && !ceiling.some((r) => r.articleId === article.id)) allowed = ceiling.length < rules.addressCeiling;
  }
  if (allowed) return { full: true, reason: 'metered', left: allowance - used - 1, count: true, resetsAt };
  const registerForMore = reader.kind === 'anonymous' && rules.memberAllowance > rules.anonymousAllowance;
  return { full: false, reason: registerForMore ? 'registration_required' : 'limit_reached', left: 0, count: false, resetsAt };
}
