import { describe, expect, it } from 'vitest';
import { previewLinkState, type PreviewLinkState } from '../../src/content/preview-links.js';

/** Whether a shared preview link opens: the one rule (content/preview-links.ts), as a table. */
const NOW = 1_000_000;
const cases: [string, { expiresAt: number; revokedAt: number | null } | undefined, boolean, PreviewLinkState][] = [
  ['a live link with its tag', { expiresAt: NOW + 1, revokedAt: null }, true, 'open'],
  ['the moment it expires', { expiresAt: NOW, revokedAt: null }, true, 'expired'],
  ['after it expired', { expiresAt: NOW - 1, revokedAt: null }, true, 'expired'],
  ['revoked before it expired', { expiresAt: NOW + 1, revokedAt: NOW - 5 }, true, 'revoked'],
  ['revoked and expired: revoked is what staff did', { expiresAt: NOW - 1, revokedAt: NOW - 5 }, true, 'revoked'],
  ['a wrong tag on a live link', { expiresAt: NOW + 1, revokedAt: null }, false, 'invalid'],
  ['a wrong tag on a revoked link tells nothing of it', { expiresAt: NOW + 1, revokedAt: NOW - 5 }, false, 'invalid'],
  ['no such link', undefined, false, 'invalid'],
];

describe('previewLinkState', () => {
  it.each(cases)('%s', (_label, link, tagValid, expected) => {
    expect(previewLinkState(link, tagValid, NOW)).toBe(expected);
  });
});
