import { decideWithoutMeter } from '../access/decision.js';
import { isEntitled } from '../access/entitlement.js';
import type { AccessLevel } from '../content/types.js';

/** Who a send goes to, within the newsletter's own subscribers. */
export const SEGMENTS = ['all', 'free', 'subscribers'] as const;
export type Segment = (typeof SEGMENTS)[number];

/** Who may receive a newsletter at all. */
export const AUDIENCES = ['members', 'subscribers'] as const;
export type Audience = (typeof AUDIENCES)[number];

/** Why a member's choice changed: kept with every change. */
export const SUBSCRIPTION_CAUSES = ['sign-up', 'account', 'one-click', 'bounce', 'complaint', 'staff', 'import'] as const;
export type SubscriptionCause = (typeof SUBSCRIPTION_CAUSES)[number];

/**
 * What a member's copy of an article holds. The web's own rules decide (`decideWithoutMeter`, the
 * one place their order is written), for a signed-in member or a subscriber; the inbox has no
 * meter, so a metered article is mailed as its preview, like a paid one, to anyone not entitled.
 */
export function emailPart(access: AccessLevel, memberStatus: string): 'full' | 'preview' {
  const kind = isEntitled(memberStatus) ? 'subscriber' : 'member';
  const d = decideWithoutMeter({ access }, { kind, hasDevice: false, prefetch: false, verifiedCrawler: false });
  return d?.full ? 'full' : 'preview';
}

/** Whether a member of this status is in the segment and may receive the newsletter. */
export function receives(segment: Segment, audience: Audience, memberStatus: string): boolean {
  const subscriber = isEntitled(memberStatus);
  if (audience === 'subscribers' && !subscriber) return false;
  return segment === 'all' || (segment === 'subscribers') === subscriber;
}

/** SMTP replies: 4xx is worth trying again later, 5xx is final. Connection failures are temporary. */
export function deliveryFailure(err: unknown): { temporary: boolean; connection: boolean; reply: string } {
  const e = err as { responseCode?: number; response?: string; code?: string; message?: string };
  const reply = (e.response ?? e.message ?? String(err)).slice(0, 500);
  if (typeof e.responseCode === 'number') return { temporary: e.responseCode < 500, connection: false, reply };
  const connection = ['ECONNECTION', 'ECONNREFUSED', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ECONNRESET'].includes(e.code ?? '') || /ECONNREFUSED|ECONNRESET|socket/i.test(reply);
  return { temporary: true, connection, reply };
}

/** Waits before a recipient's next try: 30 s, 1 min, 2 min … at most an hour. */
export const retryDelayMs = (attempts: number) => Math.min(3_600_000, 30_000 * 2 ** Math.max(0, attempts - 1));
export const MAX_ATTEMPTS = 8;

/**
 * A send's progress as the newsroom and the CLI show it: messages accepted per second since the
 * send began (until it finished), and when the rest should be done at that rate. No rate before
 * the first message, no finish once nothing is left.
 */
export function sendProgress(c: { queued: number; sending: number; sent: number; failed: number; skipped: number; total: number }, t: { startedAt: number; finishedAt: number | null; now: number }): {
  handled: number; remaining: number; fraction: number; perSecond: number | null; finishesAt: number | null;
} {
  const remaining = c.queued + c.sending;
  const handled = c.sent + c.failed + c.skipped;
  const elapsed = ((t.finishedAt ?? t.now) - t.startedAt) / 1000;
  const perSecond = elapsed > 0 && c.sent > 0 ? c.sent / elapsed : null;
  return {
    handled, remaining, fraction: c.total > 0 ? handled / c.total : 1, perSecond,
    finishesAt: perSecond && remaining && t.finishedAt === null ? t.now + Math.ceil((remaining / perSecond) * 1000) : null,
  };
}

/**
 * Whether the audience changed enough since the editor saw the count that they should see the new
 * one before the send starts: any change to a small list, else a change of more than 1%.
 */
export function audienceChanged(shown: number, now: number): boolean {
  return Math.abs(now - shown) > Math.max(0, Math.floor(shown / 100));
}
