import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AddressInfo } from 'node:net';
import { request } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { sql } from 'kysely';
import { dialects } from '../helpers/db.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { makeArticle, makeSection } from '../helpers/factories.js';
import { createSession } from '../../src/members/sessions.js';
import { updateArticle, type ArticleDetail } from '../../src/content/articles.service.js';

interface Got { status: number; headers: Record<string, string | string[] | undefined>; body: string; raw: Buffer }

/** A reader over a real socket, with a cookie jar: the reader lane (http/reader-lane.ts) only sees such requests. */
function socketReader(port: () => number, base: Record<string, string>) {
  const cookies = new Map<string, string>();
  const send = (method: string, path: string, headers: Record<string, string> = {}, body?: string) => new Promise<Got>((resolve, reject) => {
    const jar = [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const req = request({ host: '127.0.0.1', port: port(), method, path, headers: { ...base, ...(jar ? { cookie: jar } : {}), ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        for (const c of res.headers['set-cookie'] ?? []) {
          const [pair] = c.split(';');
          const at = pair!.indexOf('=');
          cookies.set(pair!.slice(0, at), pair!.slice(at + 1));
        }
        const raw = Buffer.concat(chunks);
        resolve({ status: res.statusCode!, headers: res.headers, raw, body: res.headers['content-encoding'] === 'gzip' ? gunzipSync(raw).toString() : raw.toString() });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
  return {
    cookies,
    get: (path: string, headers?: Record<string, string>) => send('GET', path, headers),
    head: (path: string) => send('HEAD', path),
    post: (path: string, form: Record<string, string>) => send('POST', path, { 'content-type': 'application/x-www-form-urlencoded' }, new URLSearchParams(form).toString()),
  };
}

const tokenIn = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
const GATED = 'LANE-CANARY gated ending';

/**
 * Article views over a socket are answered by the reader lane, in front of the router, with the
 * route's own articleReply (http/article-view.ts); inject goes to the router. A reader must not be
 * able to tell the two apart: the same pages, headers, cookies, counts and form tokens; and what the
 * lane hands back (redirects, missing articles, failures, anything but a plain GET) is the router's.
 */
describe.each(dialects())('the reader lane on %s', (dialect) => {
  let t: TestApp;
  let port = 0;
  const metered: ArticleDetail[] = [];
  let free: ArticleDetail;
  let n = 0;
  const served = () => t.app.server.readerLane!.served;
  const reader = (headers: Record<string, string> = {}) => socketReader(() => port, { 'user-agent': `LaneReader/${++n}`, ...headers });

  beforeAll(async () => {
    t = await startTestApp(dialect);
    const d = t.app.ctx.content;
    const news = await makeSection(d, { name: 'News', slug: 'news', defaultAccess: 'metered' });
    const culture = await makeSection(d, { name: 'Culture', slug: 'culture', defaultAccess: 'free' });
    for (let i = 0; i < 5; i++) metered.push(await makeArticle(d, { title: `Metered ${i}`, section: news.slug, rest: GATED }));
    free = await makeArticle(d, { title: 'Free piece', section: culture.slug, rest: 'The free ending.' });
    await t.app.server.listen({ port: 0, host: '127.0.0.1' });
    port = (t.app.server.server.address() as AddressInfo).port;
  });
  afterAll(() => t?.close());

  it('answers a metered view as the router does: the same page, headers and device cookie', async () => {
    const ua = { 'user-agent': 'SameAsRouter/1' };
    const before = served();
    const lane = await reader(ua).get(`/articles/${metered[0]!.slug}`);
    expect(served()).toBe(before + 1);
    // Another browser through the router (its own address meter), for comparison.
    const routed = await t.get(`/articles/${metered[0]!.slug}`, { 'user-agent': 'SameAsRouter/2' });
    expect(lane.status).toBe(200);
    expect(lane.body).toContain(GATED);
    expect(lane.body).toBe(routed.body);
    for (const h of ['content-type', 'content-security-policy', 'x-frame-options', 'x-content-type-options', 'referrer-policy', 'cache-control', 'vary', 'content-length']) {
      expect(lane.headers[h], h).toBe(routed.headers[h] === undefined ? undefined : String(routed.headers[h]));
    }
    const laneCookie = String(lane.headers['set-cookie']);
    const routedCookie = String(routed.headers['set-cookie']);
    expect(laneCookie).toMatch(/^mh_device=/);
    expect(laneCookie.replace(/^mh_device=[^;]+/, '')).toBe(routedCookie.replace(/^mh_device=[^;]+/, ''));
  });

  it('counts on the meter the router reads: three articles, then the wall, with a token the router accepts', async () => {
    const r = reader();
    for (let i = 0; i < 3; i++) expect((await r.get(`/articles/${metered[i]!.slug}`)).body).toContain(GATED);
    const wall = await r.get(`/articles/${metered[3]!.slug}`);
    expect(wall.status).toBe(200);
    expect(wall.body).toContain('You’ve read your 3 free articles today');
    expect(wall.body).not.toContain(GATED);
    expect(tokenIn(wall.body)).toBeTruthy();
    expect(String(wall.headers['set-cookie'])).toMatch(/mh_csrf=/);
    // The same device through the router: walled too, and a reread of a counted article is still free.
    const jar = [...r.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    expect((await t.get(`/articles/${metered[4]!.slug}`, { cookie: jar })).body).not.toContain(GATED);
    expect((await t.get(`/articles/${metered[0]!.slug}`, { cookie: jar })).body).toContain(GATED);
    // HEAD goes to the router and counts nothing.
    const before = served();
    expect((await r.head(`/articles/${metered[4]!.slug}`)).status).toBe(200);
    expect(served()).toBe(before);
  });

  it('gives a subscriber the full text and a comment form whose token the router\'s CSRF check accepts', async () => {
    const m = await t.db.db.insertInto('members').values({ email: 'lane@example.com', email_normalized: 'lane@example.com', name: 'Lane Subscriber', status: 'paid', email_verified: 1, password_hash: null, created_at: t.clock.now(), last_seen_at: null, deleted_at: null }).returning('id').executeTakeFirstOrThrow();
    const s = await createSession(t.db.db, { memberId: m.id }, 'test', t.clock.now());
    const r = reader();
    r.cookies.set('mh_session', s.token);
    const before = served();
    const page = await r.get(`/articles/${metered[4]!.slug}`, { 'accept-encoding': 'gzip' });
    expect(served()).toBe(before + 1);
    expect(page.headers['content-encoding']).toBe('gzip');
    expect(page.headers['cache-control']).toBe('private, no-store');
    expect(page.body).toContain(GATED);
    expect(page.body).toContain('Lane Subscriber');
    const token = tokenIn(page.body)!;
    expect(token).toBeTruthy();
    const refused = await r.post(`/articles/${metered[4]!.slug}/comments`, { body: 'Forged.', _csrf: token.replace(/.$/, (c) => (c === 'a' ? 'b' : 'a')) });
    expect(refused.status).toBe(403);
    const posted = await r.post(`/articles/${metered[4]!.slug}/comments`, { body: 'Posted through a lane page.', _csrf: token });
    expect(posted.status).toBe(303);
    // The secret cookie is kept: no new one is set, and the token made for it is remembered.
    const again = await r.get(`/articles/${metered[4]!.slug}`);
    expect(again.body).toContain('Posted through a lane page.');
    expect(again.headers['set-cookie']).toBeUndefined();
    const kept = tokenIn(again.body)!;
    expect(tokenIn((await r.get(`/articles/${metered[4]!.slug}`)).body)).toBe(kept);
    expect((await r.post(`/articles/${metered[4]!.slug}/comments`, { body: 'And again.', _csrf: kept })).status).toBe(303);
  });

  it('leaves redirects, missing articles, query strings and other spellings to the router', async () => {
    const r = reader();
    const before = served();
    const old = free.slug;
    await updateArticle(t.app.ctx.content, free.id, { slug: 'free-piece-renamed' });
    const moved = await r.get(`/articles/${old}`);
    expect(moved.status).toBe(301);
    expect(moved.headers.location).toBe('/articles/free-piece-renamed');
    const missing = await r.get('/articles/no-such-article');
    expect(missing.status).toBe(404);
    expect(missing.body).toContain('We could not find that page');
    expect(served()).toBe(before);
    expect((await r.get(`/articles/${metered[1]!.slug}?comments=newest`)).status).toBe(200);
    expect((await r.get(`/articles/${metered[1]!.slug}/`)).status).toBe(200);
    expect(served()).toBe(before);
    expect((await r.get('/articles/free-piece-renamed')).body).toContain('The free ending.');
    expect(served()).toBe(before + 1);
  });

  it('hands a failure to the router\'s error handler: a plain 500 page with a reference, no stack trace', async () => {
    const broken = await startTestApp(dialect);
    try {
      await broken.app.server.listen({ port: 0, host: '127.0.0.1' });
      const p = (broken.app.server.server.address() as AddressInfo).port;
      await sql`alter table articles rename to articles_gone`.execute(broken.db.db);
      const r = socketReader(() => p, { 'user-agent': 'Broken/1' });
      const res = await r.get('/articles/anything-at-all');
      expect(res.status).toBe(500);
      expect(res.body).toContain('Something went wrong');
      expect(res.body).toMatch(/Reference: <code>[\w-]+<\/code>/);
      expect(res.body).not.toMatch(/at \w+ \(|node_modules|SqliteError|no such table|does not exist/);
      expect(broken.app.server.readerLane!.served).toBe(0);
    } finally {
      await broken.close();
    }
  });
});
