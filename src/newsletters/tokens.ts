import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The signed part of a newsletter's unsubscribe link: it names the member and the newsletter and
 * is the only thing the one-click POST (RFC 8058, no cookies, no form token) is trusted on.
 */
export function unsubscribeToken(secret: string, newsletterId: number, memberId: number): string {
  return createHmac('sha256', secret).update(`newsletter-unsubscribe:${newsletterId}:${memberId}`).digest('base64url').slice(0, 32);
}

/** Valid under any of `secrets` (current, then retiring), so mail sent before a key rotation keeps working. */
export function unsubscribeTokenValid(secrets: readonly (string | null)[], newsletterId: number, memberId: number, token: string): boolean {
  if (!Number.isSafeInteger(newsletterId) || !Number.isSafeInteger(memberId) || newsletterId <= 0 || memberId <= 0) return false;
  const actual = Buffer.from(token);
  return secrets.some((s) => {
    if (!s) return false;
    const expected = Buffer.from(unsubscribeToken(s, newsletterId, memberId));
    return expected.length === actual.length && timingSafeEqual(expected, actual);
  });
}

export const unsubscribePath = (secret: string, newsletterId: number, memberId: number) =>
  `/newsletters/unsubscribe/${newsletterId}/${memberId}/${unsubscribeToken(secret, newsletterId, memberId)}`;
