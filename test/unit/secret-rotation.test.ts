import { describe, expect, it } from 'vitest';
import { DeviceCookieSigner } from '../../src/access/keyed-hash.js';
import { unsubscribeToken, unsubscribeTokenValid } from '../../src/comments/comments.service.js';

const OLD = 'the-secret-being-retired-0123456789abcdef';
const NEW = 'the-secret-taking-over-0123456789abcdefgh';
const OTHER = 'somebody-elses-secret-0123456789abcdefghij';
const id = 'lz3k9q0aBcDeFgHiJkLmNoPqRsTu';

describe('DeviceCookieSigner during a key rotation', () => {
  const rotated = new DeviceCookieSigner(NEW, OLD);

  it('verifies cookies signed under the current and the previous secret', () => {
    expect(rotated.verify(new DeviceCookieSigner(OLD).sign(id))).toBe(id);
    expect(rotated.verify(new DeviceCookieSigner(NEW).sign(id))).toBe(id);
  });

  it('signs with the current secret only', () => {
    const value = rotated.sign(id);
    expect(value).toBe(new DeviceCookieSigner(NEW).sign(id));
    expect(new DeviceCookieSigner(OLD).verify(value)).toBeNull();
  });

  it('refuses a cookie signed under any other key, or with its tag altered', () => {
    expect(rotated.verify(new DeviceCookieSigner(OTHER).sign(id))).toBeNull();
    const old = new DeviceCookieSigner(OLD).sign(id);
    expect(rotated.verify(old.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')))).toBeNull();
    expect(rotated.verify(`${id}X.${old.split('.')[1]}`)).toBeNull();
  });

  it('without a previous secret, the old cookie is no device', () => {
    expect(new DeviceCookieSigner(NEW).verify(new DeviceCookieSigner(OLD).sign(id))).toBeNull();
  });
});

describe('comment unsubscribe tokens during a key rotation', () => {
  it('accept a link made under either secret, for that member only', () => {
    expect(unsubscribeTokenValid([NEW, OLD], 7, unsubscribeToken(OLD, 7))).toBe(true);
    expect(unsubscribeTokenValid([NEW, OLD], 7, unsubscribeToken(NEW, 7))).toBe(true);
    expect(unsubscribeTokenValid([NEW, null], 7, unsubscribeToken(OLD, 7))).toBe(false);
    expect(unsubscribeTokenValid([NEW, OLD], 8, unsubscribeToken(OLD, 7))).toBe(false);
    expect(unsubscribeTokenValid([NEW, OLD], 7, unsubscribeToken(OTHER, 7))).toBe(false);
    expect(unsubscribeTokenValid([NEW, OLD], 0, '')).toBe(false);
    expect(unsubscribeTokenValid([NEW, OLD], 7, 'short')).toBe(false);
  });
});
