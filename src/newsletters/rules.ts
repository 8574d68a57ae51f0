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
