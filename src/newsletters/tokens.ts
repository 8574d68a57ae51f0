import { linkTag, linkTagValid } from '../members/crypto.js';

/**
 * The signed part of a newsletter's unsubscribe link: it names the member and the newsletter and
 * is the only thing the one-click POST (RFC 8058, no cookies, no form token) is trusted on.
 */
export function unsubscribeToken(secret: string, newsletterId: number, memberId: number): string {
  return linkTag(secret, `newsletter-unsubscribe:${newsletterId}:${memberId}`);
}

/** Valid under any of `secrets` (current, then retiring), so mail sent before a key rotation keeps working. */
export function unsubscribeTokenValid(secrets: readonly (string | null)[], newsletterId: number, memberId: number, token: string): boolean {
  if (!Number.isSafeInteger(newsletterId) || !Number.isSafeInteger(memberId) || newsletterId <= 0 || memberId <= 0) return false;
  return linkTagValid(secrets, `newsletter-unsubscribe:${newsletterId}:${memberId}`, token);
}

export const unsubscribePath = (secret: string, newsletterId: number, memberId: number) =>
  `/newsletters/unsubscribe/${newsletterId}/${memberId}/${unsubscribeToken(secret, newsletterId, memberId)}`;
