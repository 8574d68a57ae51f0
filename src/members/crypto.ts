import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const randomToken = (bytes = 32) => randomBytes(bytes).toString('base64url');
export const sha256hex = (s: string) => createHash('sha256').update(s).digest('hex');

/** Constant-time equality for hex digests of equal length. */
export function equalHex(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

/** The signed part of a link in mail (an opt-out, an unsubscribe): a keyed hash of what it names, 32 characters. */
export const linkTag = (secret: string, message: string): string => createHmac('sha256', secret).update(message).digest('base64url').slice(0, 32);

/**
 * Whether `token` is the tag of `message` under any of `secrets` (the current secret, then the one
 * being retired): links in mail sent before a key rotation keep working.
 */
export function linkTagValid(secrets: readonly (string | null)[], message: string, token: string): boolean {
  const actual = Buffer.from(token);
  return secrets.some((secret) => {
    if (!secret) return false;
    const expected = Buffer.from(linkTag(secret, message));
    return expected.length === actual.length && timingSafeEqual(expected, actual);
  });
}
