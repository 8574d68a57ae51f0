import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { DeviceCookieSigner } from '../../src/access/keyed-hash.js';
import { dialects } from '../helpers/db.js';
import { startTestApp, type Agent, type TestApp } from '../helpers/app.js';
import { makeArticle, makeAuthor, makeComment, makeSection } from '../helpers/factories.js';
import { ROUTES } from '../helpers/routes.js';
import { READER_MARK } from '../../src/web/reader-nav.js';
import { CSRF_MARK } from '../../src/web/pages/comments.js';
import { createSession } from '../../src/members/sessions.js';
import type { ArticleDetail } from '../../src/content/articles.service.js';

/**
 * The leak hunter. A unique canary sentence sits after the preview break of
 * metered, registered and paid articles. Every route the server exposes is
 * fetched as three readers who have no right to it (an anonymous reader over
 * the limit, a free member over the limit, a client that keeps no cookies),
 * each with every trick we know. The canary must never come back.
 */
const CANARY = 'Zebra-canary-7f3a';
const REGISTERED_CANARY = 'Quagga-canary-5d0c';
const COMMENT_CANARY = 'Narwhal-comment-canary-3e1f';
const NOBREAK_CANARY = 'Okapi-canary-91b2';
/** In short articles without a break (issue 12, defect 3): one paragraph, or two. */
const SHORT_CANARY = 'Tapir-canary-4c8e';
const SHORT_REGISTERED_CANARY = 'Kiwi-canary-6a1d';
const GOOGLEBOT = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';
const BROWSER = 'Mozilla/5.0 (X11; Linux x86_64) LeakHunter/1.0';

/** A value signed the way @fastify/cookie signs, but with a key we do not hold. */
const forgedSigned = (v: string) => `${v}.${createHmac('sha256', 'not-our-secret').update(v).digest('base64').replace(/=+$/, '')}`;
/** A device cookie in our own format, signed with a key we do not hold. */
const forgedDevice = (v: string) => new DeviceCookieSigner('not-our-secret-either-but-long-enough').sign(v);

interface Trick { name: string; headers?: Record<string, string>; cookies?: Record<string, string>; dropCookies?: boolean }

const TRICKS: Trick[] = [
  { name: 'plain' },
  { name: 'Googlebot user agent from an ordinary address', headers: { 'user-agent': GOOGLEBOT } },
  { name: 'search referer', headers: { referer: 'https://www.google.com/search?q=council' } },
  { name: 'social referer', headers: { referer: 'https://t.co/abc', 'user-agent': 'facebookexternalhit/1.1' } },
  { name: 'spoofed X-Forwarded-For', headers: { 'x-forwarded-for': '66.249.66.1', 'x-real-ip': '66.249.66.1' } },
  { name: 'prefetch', headers: { 'sec-purpose': 'prefetch;prerender', purpose: 'prefetch' } },
  { name: 'forged device cookie', cookies: { mh_device: 'AAAAAAAAAAAAAAAAAAAAAAAA' } },
  { name: 'device cookie signed with another key', cookies: { mh_device: forgedDevice('BBBBBBBBBBBBBBBBBBBBBBBB') } },
  { name: 'device cookie HMAC-signed with another key', cookies: { mh_device: forgedSigned('CCCCCCCCCCCCCCCCCCCCCCCC') } },
  { name: 'garbage session cookie', cookies: { mh_session: 'x'.repeat(43) } },
  { name: 'no cookies at all', dropCookies: true },
  // Compressed answers are decoded before the hunt looks at them: a canary must not hide in brotli or gzip.
  { name: 'brotli and gzip', headers: { 'accept-encoding': 'gzip, br' } },
  { name: 'gzip only', headers: { 'accept-encoding': 'gzip' } },
];

/** The response body as a reader's browser would see it, decompressed. */
function decoded(res: { rawPayload: Buffer; headers: Record<string, unknown> }): string {
  const e = res.headers['content-encoding'];
  if (e === 'br') return brotliDecompressSync(res.rawPayload).toString();
  if (e === 'gzip') return gunzipSync(res.rawPayload).toString();
  return res.rawPayload.toString();
}

describe.each(dialects())('leak hunter on %s', (dialect) => {
  let t: TestApp;
  const gated: ArticleDetail[] = [];
  let registered: ArticleDetail;
  const shortRegistered: ArticleDetail[] = [];
  const shortGated: ArticleDetail[] = [];
  /** Sent by email and listed nowhere (issue 17); no comments on them. */
  const emailOnly: ArticleDetail[] = [];
  let fillers: ArticleDetail[] = [];
  let comments: number[] = [];
  let urls: { method: string; url: string }[] = [];
  const readers: { name: string; agent: Agent; memberCanRead: boolean }[] = [];

  beforeAll(async () => {
    t = await startTestApp(dialect);
    const d = t.app.ctx.content;
    const section = await makeSection(d, { slug: 'news', defaultAccess: 'metered' });
    const author = await makeAuthor(d, { slug: 'reporter' });
    const common = { section: section.slug, authors: [author.slug], tags: ['council'] };
    // Short stories with no preview break, at every gated level: the preview rule must leave
    // the canary behind the wall whether it sits in the only paragraph or the second one.
    const filler = 'the harbour board met again and heard from the ferry operators about timetables';
    for (const level of ['metered', 'registered', 'paid'] as const) {
      const canary = level === 'registered' ? SHORT_REGISTERED_CANARY : SHORT_CANARY;
      const shapes = {
        'one paragraph': `Harbour ${level} brief: ${filler}, ${filler}, ${filler}, and ${canary} closed it.`,
        'a short lead and a second paragraph': `Harbour ${level} lead.\n\nThe second paragraph, where ${canary} and ${filler} sit.`,
        'two even paragraphs': `Harbour ${level} pair: ${filler} and ${canary} too.\n\nThe other half: ${filler} and more.`,
      };
      for (const [shape, markdown] of Object.entries(shapes)) {
        const a = await makeArticle(d, { ...common, title: `Short ${level} story, ${shape}`, accessLevel: level, body: { markdown } });
        if (level === 'registered') shortRegistered.push(a);
        else shortGated.push(a);
      }
    gated.push(await makeArticle(d, { ...common, title: 'Council metered story', accessLevel: 'metered', preview: 'The council met on metered day.', rest: `${CANARY} after the break.` }));
    gated.push(await makeArticle(d, { ...common, title: 'Council paid story', accessLevel: 'paid', preview: 'The council met on paid day.', rest: `${CANARY} after the break.` }));
    // Footnotes: the one referred to before the break is listed in the preview, the one after is not.
    gated.push(await makeArticle(d, { ...common, title: 'Council footnoted story', accessLevel: 'paid', body: { markdown: `The council met on footnote day.[^1]\n\n<!--more-->\n\nThe vote was close.[^2]\n\n[^1]: Minutes of the meeting.\n[^2]: ${CANARY} in a footnote.` } }));
    gated.push(await makeArticle(d, { ...common, title: 'Council story without a break', accessLevel: 'paid', body: { markdown: `First paragraph about the council.\n\nSecond paragraph.\n\n${NOBREAK_CANARY} third.` } }));
    // Email-only articles (issue 17): listed nowhere, their web view behind the same decision as any article page.
    emailOnly.push(await makeArticle(d, { ...common, title: 'Council email-only metered story', accessLevel: 'metered', emailOnly: true, preview: 'The council met on email day.', rest: `${CANARY} after the break.` }));
    emailOnly.push(await makeArticle(d, { ...common, title: 'Council email-only paid story', accessLevel: 'paid', emailOnly: true, preview: 'The council met on email paid day.', rest: `${CANARY} after the break.` }));
    registered = await makeArticle(d, { ...common, title: 'Council registered story', accessLevel: 'registered', preview: 'The council met on registered day.', rest: `${REGISTERED_CANARY} after the break.` });
    }
    for (let i = 0; i < 10; i++) fillers.push(await makeArticle(d, { ...common, title: `Filler ${i}`, accessLevel: 'metered' }));
    // A subscriber's comment on a gated article: only readers allowed to read comments may see it.
    const commenter = await t.db.db.insertInto('members').values({ email: 'sub@example.com', email_normalized: 'sub@example.com', name: 'Sub', status: 'paid', email_verified: 1, password_hash: null, created_at: t.clock.now(), last_seen_at: null, deleted_at: null }).returning('id').executeTakeFirstOrThrow();
    for (const a of [...gated, registered, ...shortGated, ...shortRegistered]) comments.push((await makeComment(t.app.ctx.comments, a.id, commenter.id, `${COMMENT_CANARY} on ${a.slug}`)).id);

    // An anonymous reader over the limit (device cookie, 3 reads).
    const anon = t.agent({ 'user-agent': BROWSER });
    for (const f of fillers.slice(0, 3)) expect((await anon.get(`/articles/${f.slug}`)).body).toContain('The rest of the story');
    readers.push({ name: 'anonymous over the limit', agent: anon, memberCanRead: false });

    // A free member over the limit (5 reads).
    const member = await t.db.db.insertInto('members').values({ email: 'm@example.com', email_normalized: 'm@example.com', name: 'M', status: 'free', email_verified: 1, password_hash: null, created_at: t.clock.now(), last_seen_at: null, deleted_at: null }).returning('id').executeTakeFirstOrThrow();
    const session = await createSession(t.db.db, { memberId: member.id }, BROWSER, t.clock.now());
    const mem = t.agent({ 'user-agent': BROWSER });
    mem.cookies.set('mh_session', session.token);
    for (const f of fillers.slice(0, 5)) expect((await mem.get(`/articles/${f.slug}`)).body).toContain('The rest of the story');
    readers.push({ name: 'free member over the limit', agent: mem, memberCanRead: true });

    // A client that keeps no cookies: its address + browser meter is spent (for every browser string the tricks use).
    for (const ua of [BROWSER, GOOGLEBOT, 'facebookexternalhit/1.1']) {
      for (const f of fillers) await t.get(`/articles/${f.slug}`, { 'user-agent': ua });
    }
    readers.push({ name: 'client without cookies', agent: t.agent({ 'user-agent': BROWSER }), memberCanRead: false });
    await t.app.ctx.access.meter.flush();

    const ids = [...gated, registered, ...shortGated, ...shortRegistered, ...emailOnly].map((a) => a.id);
    const slugs = [...gated, registered, ...shortGated, ...shortRegistered, ...emailOnly].map((a) => a.slug);
    for (const [key, urlsFor] of Object.entries(ROUTES)) {
      const method = key.split(' ')[0]!;
      for (const url of urlsFor({ slugs, section: section.slug, author: author.slug, tag: 'council', ids, commentIds: comments })) urls.push({ method, url });
    }
    urls.push({ method: 'GET', url: '/articles/no-such-article' }, { method: 'GET', url: '/definitely/not/here' }, { method: 'GET', url: '/section/news?page=oops' });
  });
  afterAll(() => t?.close());

  it('covers every registered route', () => {
    const registeredRoutes = t.app.server.routeTable.map((r) => `${r.method} ${r.url.replace(/\/assets\/(\w+)\.[0-9a-f]+\.(css|js)$/, '/assets/$1.:hash.$2')}`);
    expect(registeredRoutes.filter((r) => !(r in ROUTES)), 'routes missing from test/helpers/routes.ts').toEqual([]);
  });

  it('plants canaries that the server really holds (the hunt can fail)', async () => {
    expect((await t.api('GET', '/api/admin/comments?status=visible')).body).toContain(COMMENT_CANARY);
    const res = await t.api('GET', `/api/admin/articles/${gated[0]!.id}`);
    expect(res.body).toContain(CANARY);
    const fresh = await t.get(`/articles/${gated[0]!.slug}`, { 'user-agent': 'A brand new browser' });
    expect(fresh.body, 'a reader with allowance left reads the metered article').toContain(CANARY);
  });

  it('never sends gated text to a reader without access, whatever the trick', async () => {
    let requests = 0;
    let compressedSeen = 0;
    for (const reader of readers) {
      for (const trick of TRICKS) {
        for (const { method, url } of urls) {
          const cookie = trick.dropCookies ? '' : [...reader.agent.cookies, ...Object.entries(trick.cookies ?? {})].map(([k, v]) => `${k}=${v}`).join('; ');
          const res = await t.app.server.inject({
            method: method as 'GET',
            url,
            headers: { 'user-agent': BROWSER, ...trick.headers, ...(cookie ? { cookie } : {}), ...(method !== 'GET' ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
            ...(method !== 'GET' ? { payload: '' } : {}),
          });
          requests++;
          const where = `${reader.name} / ${trick.name} / ${method} ${url} → ${res.statusCode}`;
          const body = decoded(res);
          if (res.headers['content-encoding']) compressedSeen++;
          expect(res.statusCode, where).toBeLessThan(500);
          expect(body, where).not.toContain(CANARY);
          expect(body, where).not.toContain(NOBREAK_CANARY);
          expect(body, where).not.toContain(SHORT_CANARY);
          // The marks where per-reader bytes go never reach a reader, compressed or not.
          expect(body, where).not.toContain(READER_MARK);
          expect(body, where).not.toContain(CSRF_MARK);
          // With the default rules only subscribers read comments; none of these readers is one.
          expect(body, where).not.toContain('Narwhal-comment');
          // A signed-in member reads `registered` articles by definition; everyone else must not.
          const mayReadRegistered = reader.memberCanRead && !trick.dropCookies;
          if (!mayReadRegistered) {
            expect(body, where).not.toContain(REGISTERED_CANARY);
            expect(body, where).not.toContain(SHORT_REGISTERED_CANARY);
          }
        }
      }
    }
    expect(requests).toBeGreaterThan(1000);
    // The compressed tricks really were compressed, so the hunt above read decoded bytes.
    expect(compressedSeen).toBeGreaterThan(50);
    // Over a thousand requests: 7 to 14 s alone, past 30 s on a 2-core machine running other suites.
  }, 120_000);

  it('shows the wall, not an error, to each of them', async () => {
    for (const reader of readers) {
      const res = await reader.agent.get(`/articles/${gated[0]!.slug}`);
      expect(res.statusCode, reader.name).toBe(200);
      expect(res.body, reader.name).toMatch(/You’ve read your \d free articles/);
      expect(res.headers['cache-control'], reader.name).toBe('private, no-store');
    }
  });

  it('gives feeds, search, meta tags and JSON-LD only the dek and preview', async () => {
    const paid = gated[1]!;
    const page = (await t.get(`/articles/${paid.slug}`)).body;
    expect(page).toContain('The council met on paid day.');
    const ld = JSON.parse(/<script type="application\/ld\+json">(.*?)<\/script>/.exec(page)![1]!);
    expect(ld.isAccessibleForFree).toBe(false);
    expect(ld.hasPart).toMatchObject({ '@type': 'WebPageElement', isAccessibleForFree: false, cssSelector: '.article-gated' });
    expect(JSON.stringify(ld)).not.toContain('Zebra');
    const metas = page.match(/<meta [^>]*>/g)!.join('\n');
    expect(metas).toContain('A short standfirst.');
    const rss = (await t.get('/feed.xml')).body;
    expect(rss).toContain('The council met on paid day.');
    expect((await t.get('/search?q=paid+day')).body).toContain(paid.title);
    expect((await t.get('/search?q=zebra')).body).not.toContain(paid.title);
    // Public search must not match words past a short story's preview either.
    for (const q of ['tapir', 'kiwi', 'closed']) expect((await t.get(`/search?q=${q}`)).body, q).not.toMatch(/Short (metered|registered|paid) story/);
  });

  it('plants the short-story canaries where the server holds them, past every preview', async () => {
    const short = [...shortGated, ...shortRegistered];
    expect(short).toHaveLength(9);
    for (const a of short) {
      const detail = (await t.api('GET', `/api/admin/articles/${a.id}`)).json().article;
      expect(detail.html, a.title).toMatch(/Tapir-canary|Kiwi-canary/);
      expect(detail.previewHtml, a.title).not.toMatch(/Tapir-canary|Kiwi-canary/);
      // The editor is told the server chose the preview.
      expect(detail.warnings.map((w: { code: string }) => w.code), a.title).toContain('no_preview_break');
    }
  });
});
