import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AddressInfo } from 'node:net';
import { request } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { dialects } from '../helpers/db.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { makeArticle, makeSection } from '../helpers/factories.js';
import { createSession, SESSION_COOKIE } from '../../src/members/sessions.js';
import { updateArticle, type ArticleDetail } from '../../src/content/articles.service.js';

/**
 * A free article, the front page and the listings are the same bytes for every reader without
 * cookies, so they are answered before routing (http/shared-replies.ts). These tests go over a real socket, where that happens (inject
 * goes straight to the router): what a reader gets must be exactly what the router would give,
 * current, and never a metered or paid article's page.
 */
describe.each(dialects())('replies shared by cookieless readers on %s', (dialect) => {
  let t: TestApp;
  let port: number;
  let free: ArticleDetail;
  let metered: ArticleDetail;

  const get = (path: string, headers: Record<string, string> = {}) => new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
  const hits = () => t.app.server.sharedReplies.hits;

  beforeAll(async () => {
    t = await startTestApp(dialect);
    const d = t.app.ctx.content;
    const culture = await makeSection(d, { name: 'Culture', slug: 'culture', defaultAccess: 'free' });
    const news = await makeSection(d, { name: 'News', slug: 'news', defaultAccess: 'metered' });
    free = await makeArticle(d, { title: 'Free piece', section: culture.slug, rest: 'The free ending.' });
    metered = await makeArticle(d, { title: 'Metered piece', section: news.slug, rest: 'METERED-CANARY after the break.' });
    await t.app.server.listen({ port: 0, host: '127.0.0.1' });
    port = (t.app.server.server.address() as AddressInfo).port;
  });
  afterAll(() => t?.close());

  it('answers a second cookieless view of a free article with the router\'s own bytes and headers', async () => {
    const url = `/articles/${free.slug}`;
    const before = hits();
    const first = await get(url);
    const second = await get(url);
    expect(hits()).toBe(before + 1);
    expect(second.status).toBe(200);
    expect(second.body.equals(first.body)).toBe(true);
    expect(second.body.toString()).toContain('The free ending.');
    for (const h of ['content-type', 'content-security-policy', 'x-frame-options', 'cache-control', 'vary', 'content-length']) expect(second.headers[h], h).toBe(first.headers[h]);
    expect(second.headers['set-cookie']).toBeUndefined();
    // The same page through the router, for comparison.
    expect((await t.get(url)).body).toBe(first.body.toString());
  });

  it('keeps each encoding apart', async () => {
    const url = `/articles/${free.slug}`;
    const plain = (await get(url)).body.toString();
    await get(url, { 'accept-encoding': 'gzip' });
    const before = hits();
    const gz = await get(url, { 'accept-encoding': 'gzip' });
    expect(hits()).toBe(before + 1);
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.body).toString()).toBe(plain);
    const again = await get(url);
    expect(again.headers['content-encoding']).toBeUndefined();
    expect(again.body.toString()).toBe(plain);
  });

  it('shows a change at once, and lets a page go after a second', async () => {
    const url = `/articles/${free.slug}`;
    await get(url);
    await get(url);
    await updateArticle(t.app.ctx.content, free.id, { title: 'Free piece, corrected' });
    expect((await get(url)).body.toString()).toContain('Free piece, corrected');
    await get(url);
    const before = hits();
    t.clock.advance(1000);
    expect((await get(url)).status).toBe(200);
    expect(hits()).toBe(before);
  });

  it('answers the front page and a section listing from here too, and shows a new article on them at once', async () => {
    for (const url of ['/', '/section/culture']) {
      const first = await get(url);
      const before = hits();
      const second = await get(url);
      expect(hits(), url).toBe(before + 1);
      expect(second.status).toBe(200);
      expect(second.body.equals(first.body), url).toBe(true);
      expect(second.headers['content-type']).toBe(first.headers['content-type']);
      expect(second.headers['cache-control']).toBe(first.headers['cache-control']);
      // The router's page, for comparison: the header is the signed-out reader's.
      expect((await t.get(url)).body).toBe(first.body.toString());
    }
    await makeArticle(t.app.ctx.content, { title: 'Fresh on the front page', section: 'culture', rest: 'More.' });
    expect((await get('/')).body.toString()).toContain('Fresh on the front page');
    expect((await get('/section/culture')).body.toString()).toContain('Fresh on the front page');
    // Only the canonical spelling is kept: other spellings of the page are the router's, every time.
    for (const other of ['/section/culture/', '/section/%63ulture', '/section/Culture']) {
      await get(other);
      const n = hits();
      await get(other);
      expect(hits(), other).toBe(n);
    }
    // A listing that does not exist is never kept: each view asks the router again.
    const before = hits();
    expect((await get('/section/nowhere')).status).toBe(404);
    expect((await get('/section/nowhere')).status).toBe(404);
    expect(hits()).toBe(before);
  });

  it('never answers a metered article from here: every view is decided, and the wall comes after the allowance', async () => {
    const d = t.app.ctx.content;
    const more = [metered];
    for (let i = 0; i < 11; i++) more.push(await makeArticle(d, { title: `Metered ${i}`, section: 'news', rest: 'METERED-CANARY after the break.' }));
    const before = hits();
    const ua = { 'user-agent': 'Shared-replies test' };
    // Each one twice: a reread is free, and must still be decided, not answered from here.
    const full: boolean[] = [];
    for (const a of more) {
      full.push((await get(`/articles/${a.slug}`, ua)).body.toString().includes('METERED-CANARY'));
      await get(`/articles/${a.slug}`, ua);
    }
    expect(hits()).toBe(before);
    // The same reads through the router, from another browser behind another address, meet the same wall.
    const routed: boolean[] = [];
    for (const a of more) routed.push((await t.get(`/articles/${a.slug}`, { 'user-agent': 'Router reference', 'x-forwarded-for': '203.0.113.9' })).body.includes('METERED-CANARY'));
    expect(full).toEqual(routed);
    expect(full.at(-1)).toBe(false);
  });

  it('sends a reader with a cookie, a query or a prefetch hint to the router', async () => {
    const url = `/articles/${free.slug}`;
    await get(url);
    const m = await t.db.db.insertInto('members').values({ email: 'ada@example.com', email_normalized: 'ada@example.com', name: 'Ada Lovelace', status: 'free', email_verified: 1, password_hash: null, created_at: t.clock.now(), last_seen_at: null, deleted_at: null }).returning('id').executeTakeFirstOrThrow();
    const cookie = `${SESSION_COOKIE}=${(await createSession(t.db.db, { memberId: m.id }, 'test', t.clock.now())).token}`;
    const before = hits();
    expect((await get(url, { cookie })).body.toString()).toContain('<span class="site-reader__name">Ada Lovelace</span>');
    expect((await get(`${url}?comments=newest`)).status).toBe(200);
    expect((await get(url, { 'sec-purpose': 'prefetch' })).status).toBe(200);
    // A view from another site is counted by its referrer's domain (the dashboard): the router's work.
    expect((await get(url, { referer: 'https://search.example/?q=free' })).status).toBe(200);
    expect(hits()).toBe(before);
    // A reader moving around the site itself brings nothing to count.
    await get(url, { referer: 'https://news.example/' });
    expect(hits()).toBe(before + 1);
  });
});
