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

/*
 * Tracking links (off unless the newsroom turns tracking on). Each is an HMAC under the site secret
 * over what it names: a click over send, member and link (the link's id: the URL it goes to is
 * the stored one, so the redirect can only go where the mail went); an open over send and member.
 * A changed number fails the tag, and is refused like a link that never existed.
 */
const clickMessage = (sendId: number, memberId: number, linkId: number) => `newsletter-click:${sendId}:${memberId}:${linkId}`;
const openMessage = (sendId: number, memberId: number) => `newsletter-open:${sendId}:${memberId}`;
const ids = (...n: number[]) => n.every((x) => Number.isSafeInteger(x) && x > 0);

export const clickPath = (secret: string, sendId: number, memberId: number, linkId: number) =>
  `/newsletters/c/${sendId}/${memberId}/${linkId}/${linkTag(secret, clickMessage(sendId, memberId, linkId))}`;
export const openPath = (secret: string, sendId: number, memberId: number) =>
  `/newsletters/o/${sendId}/${memberId}/${linkTag(secret, openMessage(sendId, memberId))}`;

export function clickTokenValid(secrets: readonly (string | null)[], sendId: number, memberId: number, linkId: number, token: string): boolean {
  return ids(sendId, memberId, linkId) && linkTagValid(secrets, clickMessage(sendId, memberId, linkId), token);
}
export function openTokenValid(secrets: readonly (string | null)[], sendId: number, memberId: number, token: string): boolean {
  return ids(sendId, memberId) && linkTagValid(secrets, openMessage(sendId, memberId), token);
}
