import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/db.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { makeArticle, makeAuthor, makeSection } from '../helpers/factories.js';
import type { ArticleDetail } from '../../src/content/articles.service.js';

/**
 * Gated text must appear in no response to a reader without access. Every
 * route the server registers must be listed here with concrete URLs to fetch;
 * a new route without an entry fails the "covers every route" test.
 */
const CANARY = 'Zebra-canary-7f3a the gated sentence nobody may read';
const NOBREAK_CANARY = 'Okapi-canary-91b2 third paragraph of an unbroken article';

type UrlsFor = (a: { slugs: string[]; section: string; author: string; tag: string }) => string[];

const ROUTES: Record<string, UrlsFor> = {
  'GET /healthz': () => ['/healthz'],
  'GET /assets/site.:hash.css': () => [],
  'GET /': () => ['/', '/?page=2', '/?amp=1'],
  'GET /articles/:slug': (a) => a.slugs.flatMap((s) => [`/articles/${s}`, `/articles/${s}?amp=1`, `/articles/${s}?print=1`, `/articles/${s}/`]),
  'GET /section/:slug': (a) => [`/section/${a.section}`],
  'GET /author/:slug': (a) => [`/author/${a.author}`],
  'GET /tag/:slug': (a) => [`/tag/${a.tag}`],
  'GET /search': () => ['/search?q=zebra', '/search?q=canary', '/search?q=gated+sentence', '/search?q=okapi', '/search?q=council'],
  'GET /feed.xml': () => ['/feed.xml'],
  'GET /atom.xml': () => ['/atom.xml'],
  'GET /section/:slug/feed.xml': (a) => [`/section/${a.section}/feed.xml`],
  'GET /section/:slug/atom.xml': (a) => [`/section/${a.section}/atom.xml`],
  'GET /sitemap.xml': () => ['/sitemap.xml'],
  'GET /sitemaps/pages.xml': () => ['/sitemaps/pages.xml'],
  'GET /sitemaps/articles-:n': () => ['/sitemaps/articles-1.xml'],
  'GET /robots.txt': () => ['/robots.txt'],
  'GET /api/admin/articles': () => ['/api/admin/articles'],
  'GET /api/admin/articles/:id': () => ['/api/admin/articles/1', '/api/admin/articles/2'],
  'POST /api/admin/articles': () => [],
  'PATCH /api/admin/articles/:id': () => [],
  'DELETE /api/admin/articles/:id': () => [],
  'GET /api/admin/authors': () => ['/api/admin/authors'],
  'POST /api/admin/authors': () => [],
  'GET /api/admin/authors/:id': () => [],
  'PATCH /api/admin/authors/:id': () => [],
  'DELETE /api/admin/authors/:id': () => [],
  'GET /api/admin/sections': () => [],
  'POST /api/admin/sections': () => [],
  'GET /api/admin/sections/:id': () => [],
  'PATCH /api/admin/sections/:id': () => [],
  'DELETE /api/admin/sections/:id': () => [],
  'GET /api/admin/tags': () => [],
  'POST /api/admin/tags': () => [],
  'GET /api/admin/tags/:id': () => [],
  'PATCH /api/admin/tags/:id': () => [],
  'DELETE /api/admin/tags/:id': () => [],
  'GET /api/admin/settings': () => [],
  'GET /signin': (a) => [`/signin?return_to=/articles/${a.slugs[0]}`],
  'GET /signup': () => ['/signup'],
  'POST /signin': () => [],
  'POST /signup': () => [],
  'GET /signin/check-email': () => ['/signin/check-email'],
  'GET /signin/verify': () => ['/signin/verify?token=forged-token-forged-token-forged-token-forged', '/signin/verify'],
  'POST /signin/verify': () => [],
  'POST /signin/password': () => [],
  'POST /signout': () => [],
  'GET /account': () => ['/account'],
  'POST /account/name': () => [],
  'POST /account/email': () => [],
  'POST /account/password': () => [],
  'POST /account/signout-everywhere': () => [],
  'POST /account/delete': () => [],
  'GET /account/export.json': () => ['/account/export.json'],
  'GET /admin/signin': () => ['/admin/signin'],
  'POST /admin/signin': () => [],
  'POST /admin/signin/link': () => [],
  'GET /admin': () => ['/admin'],
  'POST /admin/security/totp': () => [],
  'GET /api/admin/staff': () => ['/api/admin/staff'],
  'POST /api/admin/staff': () => [],
  'PATCH /api/admin/staff/:id': () => [],
  'POST /api/admin/tokens': () => [],
  'DELETE /api/admin/tokens/:id': () => [],
  'GET /api/admin/members': () => ['/api/admin/members'],
  'GET /api/admin/audit': () => ['/api/admin/audit'],
  'PATCH /api/admin/settings': () => [],
};

describe.each(dialects())('no gated text leaks on %s', (dialect) => {
  let t: TestApp;
  const gated: ArticleDetail[] = [];
  let urls: string[] = [];

  beforeAll(async () => {
    t = await startTestApp(dialect);
    const d = t.app.ctx.content;
    const section = await makeSection(d, { slug: 'news', defaultAccess: 'metered' });
    const author = await makeAuthor(d, { slug: 'reporter' });
    for (const accessLevel of ['metered', 'registered', 'paid'] as const) {
      gated.push(await makeArticle(d, { title: `Council ${accessLevel} story`, accessLevel, section: section.slug, authors: [author.slug], tags: ['council'], preview: `The council met on ${accessLevel} day.`, rest: `${CANARY}. More words.` }));
    }
    gated.push(await makeArticle(d, {
      title: 'Council story without a break', accessLevel: 'paid', section: section.slug, authors: [author.slug], tags: ['council'],
      body: { markdown: `First paragraph about the council.\n\nSecond paragraph.\n\n${NOBREAK_CANARY}.` },
    }));
    const slugs = gated.map((a) => a.slug);
    urls = Object.values(ROUTES).flatMap((f) => f({ slugs, section: section.slug, author: author.slug, tag: 'council' }));
    urls.push('/articles/no-such-article', '/definitely/not/here', '/section/news?page=oops');
  });
  afterAll(() => t?.close());

  it('lists every registered route', () => {
    const registered = t.app.server.routeTable.map((r) => `${r.method} ${r.url.replace(/\/assets\/site\.[0-9a-f]+\.css$/, '/assets/site.:hash.css')}`);
    const missing = registered.filter((r) => !(r in ROUTES));
    expect(missing, 'routes without a leak-test entry').toEqual([]);
  });

  it('the canary really is in the stored body (the test can fail)', async () => {
    const res = await t.api('GET', `/api/admin/articles/${gated[2]!.id}`);
    expect(res.body).toContain(CANARY);
  });

  it('no anonymous response carries text past the preview break', async () => {
    for (const url of urls) {
      for (const headers of [{} as Record<string, string>, { 'user-agent': 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)' }, { referer: 'https://www.google.com/' }, { 'x-forwarded-for': '66.249.66.1' }]) {
        const res = await t.get(url, headers);
        expect(res.statusCode, url).toBeLessThan(500);
        expect(res.body, `${url} ${JSON.stringify(headers)}`).not.toContain('Zebra-canary');
        expect(res.body, `${url} ${JSON.stringify(headers)}`).not.toContain('Okapi-canary');
      }
    }
  });

  it('feeds, search results, meta tags and JSON-LD carry the dek and preview of a paid article', async () => {
    const paid = gated[2]!;
    const page = (await t.get(`/articles/${paid.slug}`)).body;
    expect(page).toContain('The council met on paid day.');
    const ld = /<script type="application\/ld\+json">(.*?)<\/script>/.exec(page)![1]!;
    expect(ld).not.toContain('Zebra');
    expect(JSON.parse(ld).isAccessibleForFree).toBe(false);
    const metas = page.match(/<meta [^>]*>/g)!.join('\n');
    expect(metas).toContain('A short standfirst.');
    expect(metas).not.toContain('Zebra');
    const rss = (await t.get('/feed.xml')).body;
    expect(rss).toContain('The council met on paid day.');
    expect(rss).toContain('Continue reading');
    expect((await t.get('/search?q=paid+day')).body).toContain(paid.title);
    expect((await t.get('/search?q=zebra')).body).not.toContain(paid.title);
  });
});
