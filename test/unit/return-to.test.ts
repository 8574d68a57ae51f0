import { describe, expect, it } from 'vitest';
import { safeReturnTo } from '../../src/members/members.service.js';

const SITE = 'https://news.example';

/**
 * Issue 12, defect 2: a TAB in `return_to` slipped past the old prefix checks ("/\t/evil" is
 * "//evil" to a browser), and other control characters made the Location header throw.
 * Every target must resolve, as a browser resolves it, to our own origin, and be a header-safe string.
 */
const CONTROL = [...Array.from({ length: 0x21 }, (_, i) => String.fromCharCode(i)), '\x7f',
  ...Array.from({ length: 0x20 }, (_, i) => String.fromCharCode(0x80 + i)), '\u00a0', '\u2028', '\u2029', '\u3000', '\ufeff', '\u200b'];
const SLASHES = ['/', '\\', '%2f', '%2F', '%5c', '%5C', '/./', '/../', '/.%2e/', '\\/', '/\\'];
const HOSTS = ['evil.example', 'evil.example/path', '@evil.example', 'evil.example:443', '%65vil.example'];

function corpus(): string[] {
  const out = new Set<string>();
  for (const c of CONTROL) for (const s of SLASHES) for (const h of HOSTS) {
    out.add(`/${c}${s}${h}`);
    out.add(`${c}/${s}${h}`);
    out.add(`/${s}${c}${h}`);
    out.add(`/${c}${c}/${h}`);
  }
  for (const s of SLASHES) for (const h of HOSTS) out.add(`${s}${h}`).add(`/${s}${h}`).add(`/.${s}${h}`).add(`/.//${h}`);
  for (const scheme of ['javascript:alert(1)', 'data:text/html,x', 'https://evil.example/', 'HTTPS://evil.example', '\thttps://evil.example', 'http:evil.example', '/\\\\evil.example']) out.add(scheme);
  return [...out];
}

describe('safeReturnTo', () => {
  const inputs = corpus();

  it(`keeps every one of ${inputs.length} hostile targets on our origin, in header-safe bytes`, () => {
    for (const input of inputs) {
      const out = safeReturnTo(input);
      const resolved = new URL(out, SITE);
      expect(resolved.origin, JSON.stringify(input)).toBe(SITE);
      expect(out, JSON.stringify(input)).toMatch(/^\/(?![/\\])[\x21-\x7e]*$/);
    }
  });

  it.each([
    ['/articles/harbour-dues', '/articles/harbour-dues'],
    ['/articles/harbour-dues?comment=pending#comments', '/articles/harbour-dues?comment=pending#comments'],
    ['/subscribe?trial=1&return_to=%2Farticles%2Fx', '/subscribe?trial=1&return_to=%2Farticles%2Fx'],
    ['/search?q=café', '/search?q=caf%C3%A9'],
    ['/a/./b/../c', '/a/c'],
    ['/\t/evil.example', '/'],
    ['/%09/evil.example', '/%09/evil.example'],
    ['/.//evil.example', '/evil.example'],
    ['//evil.example', '/'],
    ['/\\evil.example', '/'],
    ['https://news.example/account', '/'],
    ['', '/'],
    [undefined, '/'],
    ['/' + 'a'.repeat(2000), '/'],
  ])('%j → %j', (input, expected) => {
    expect(safeReturnTo(input as string | undefined)).toBe(expected);
  });
});
