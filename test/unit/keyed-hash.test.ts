import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DeviceCookieSigner } from '../../src/access/keyed-hash.js';
import { addressSubject, randomDeviceId } from '../../src/access/access.service.js';

const SECRET = 'a-site-secret-of-at-least-thirty-two-chars';

describe('device cookie signatures', () => {
  const signer = new DeviceCookieSigner(SECRET);
  const id = randomDeviceId();

  it('verify what they signed, as a cookie-safe value', () => {
    const value = signer.sign(id);
    expect(value).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{32}$/);
    expect(encodeURIComponent(value)).toBe(value);
    expect(signer.verify(value)).toBe(id);
    expect(new DeviceCookieSigner(SECRET).verify(value)).toBe(id);
  });

  it.each([
    ['another site secret', () => new DeviceCookieSigner(`${SECRET}!`).sign(id)],
    ['an edited id', () => signer.sign(id).replace(/^./, (c) => (c === 'a' ? 'b' : 'a'))],
    ['an edited tag', () => signer.sign(id).replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'))],
    ['a truncated tag', () => signer.sign(id).slice(0, -1)],
    ['a tag from another id', () => `${randomDeviceId()}.${signer.sign(id).split('.')[1]}`],
    ['no tag', () => id],
    ['an HMAC signature (the old format) with our secret', () => `${id}.${createHmac('sha256', SECRET).update(id).digest('base64').replace(/=+$/, '')}`],
    ['an id that is not a device id', () => signer.sign('not a device id!')],
    ['an empty value', () => ''],
  ])('reject %s', (_name, make) => {
    expect(signer.verify(make())).toBeNull();
  });
});

describe('address meter keys', () => {
  it('are stable within a period, differ across periods, addresses, browsers and secrets, and hide the address', () => {
    const a = addressSubject(SECRET, '2026-11-26', '203.0.113.7', 'Firefox');
    expect(addressSubject(SECRET, '2026-11-26', '203.0.113.7', 'Firefox')).toBe(a);
    expect(a).toMatch(/^a:[A-Za-z0-9_-]{22}$/);
    expect(a).not.toContain('203');
    const others = [
      addressSubject(SECRET, '2026-11-27', '203.0.113.7', 'Firefox'),
      addressSubject(SECRET, '2026-11-26', '203.0.113.8', 'Firefox'),
      addressSubject(SECRET, '2026-11-26', '203.0.113.7', 'Chrome'),
      addressSubject(`${SECRET}!`, '2026-11-26', '203.0.113.7', 'Firefox'),
      // The separator keeps (address, browser) pairs apart even when their concatenations agree.
      addressSubject(SECRET, '2026-11-26', '203.0.113.7F', 'irefox'),
    ];
    expect(new Set([a, ...others]).size).toBe(others.length + 1);
  });
});
