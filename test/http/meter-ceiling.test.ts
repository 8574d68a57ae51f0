import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/db.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { makeArticle, makeSection } from '../helpers/factories.js';
import { DEFAULT_RULES } from '../../src/access/rules.js';
import type { ArticleDetail } from '../../src/content/articles.service.js';

/**
 * Issue 12, defect 4: a client without cookies that sent a new User-Agent with every request
 * read 30 of 30 metered articles, since the cookieless meter was keyed by address + browser.
 * Every address now has a ceiling across all the browsers it names.
 */
describe.each(dialects())('the address ceiling for clients without cookies on %s', (dialect) => {
  let t: TestApp;
  const stories: ArticleDetail[] = [];

  beforeAll(async () => {
    t = await startTestApp(dialect, { trustedProxies: ['10.0.0.1'] });
    const section = await makeSection(t.app.ctx.content, { slug: 'news', defaultAccess: 'metered' });
    for (let i = 0; i < 30; i++) stories.push(await makeArticle(t.app.ctx.content, { section: section.slug, title: `Metered story ${i}`, rest: `Gated text ${i}.` }));
  });
  afterAll(() => t?.close());

  /** One request from a client that never sends a cookie back, with a User-Agent of its own. */
  const fetchAs = (i: number, slug: string, o: { remoteAddress?: string; headers?: Record<string, string> } = {}) =>
    t.app.server.inject({ method: 'GET', url: `/articles/${slug}`, remoteAddress: o.remoteAddress ?? '198.51.100.7', headers: { 'user-agent': `Rotating/${i}.${Math.random()}`, ...o.headers } });
  const fullCount = async (o: { remoteAddress?: string; headers?: Record<string, string> } = {}, from = 0) => {
    let full = 0;
    for (const [i, s] of stories.entries()) if (i >= from && (await fetchAs(i, s.slug, o)).body.includes(`Gated text ${i}.`)) full++;
    await t.app.ctx.access.meter.flush();
    return full;
  };

  it(`serves one address at most the ceiling (${DEFAULT_RULES.addressCeiling}) in full, however often it changes browser`, async () => {
    // A reader at the same address who keeps the cookie, and arrived before the ceiling filled.
    const keeper = { 'user-agent': 'KeepsCookies/1.0' };
    const first = await t.app.server.inject({ method: 'GET', url: `/articles/${stories[0]!.slug}`, remoteAddress: '198.51.100.7', headers: keeper });
    expect(first.body).toContain('Gated text 0.');
    const device = String(first.headers['set-cookie']).split(';')[0]!;

    expect(await fullCount()).toBe(DEFAULT_RULES.addressCeiling);
    // Once there, a further new browser from the address meets the wall…
    const walled = await fetchAs(999, stories.at(-1)!.slug);
    expect(walled.body).not.toContain('Gated text 29.');
    expect(walled.body).toMatch(/You’ve read your \d free articles/);
    // …while the reader who keeps the cookie still has the rest of their own allowance.
    const second = await t.app.server.inject({ method: 'GET', url: `/articles/${stories.at(-1)!.slug}`, remoteAddress: '198.51.100.7', headers: { ...keeper, cookie: device } });
    expect(second.body).toContain('Gated text 29.');
  });

  it('keeps the ceiling per client address as TRUSTED_PROXIES decides it: a forged X-Forwarded-For starts nothing afresh', async () => {
    // Not from the trusted proxy: the header is ignored, so this is the exhausted address again,
    // and the stories it was never served stay behind the wall.
    expect(await fullCount({ headers: { 'x-forwarded-for': '203.0.113.50' } }, DEFAULT_RULES.addressCeiling)).toBe(0);
    // Through the trusted proxy, the forwarded address is the client's, with a ceiling of its own.
    expect(await fullCount({ remoteAddress: '10.0.0.1', headers: { 'x-forwarded-for': '203.0.113.51' } })).toBe(DEFAULT_RULES.addressCeiling);
  });

  it('takes the ceiling from the meter settings', async () => {
    expect((await t.api('PATCH', '/api/admin/meter', { addressCeiling: 25 })).statusCode).toBe(200);
    t.app.ctx.invalidate();
    expect(await fullCount({ remoteAddress: '192.0.2.99' })).toBe(25);
    expect((await t.api('PATCH', '/api/admin/meter', { addressCeiling: 0 })).statusCode).toBe(400);
  });
});
