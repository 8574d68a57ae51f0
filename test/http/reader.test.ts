import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/db.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { makeArticle, makeAuthor, makePlan, makeSection } from '../helpers/factories.js';
import type { ArticleDetail } from '../../src/content/articles.service.js';

describe.each(dialects())('reader site on %s', (dialect) => {
  let t: TestApp;
  let free: ArticleDetail;
  let paid: ArticleDetail;
  let sectionSlug: string;
  let authorSlug: string;

  beforeAll(async () => {
    t = await startTestApp(dialect);
    const d = t.app.ctx.content;
    await makePlan(d);
    const section = await makeSection(d, { name: 'City Hall', slug: 'city-hall', defaultAccess: 'metered' });
    const culture = await makeSection(d, { name: 'Culture', slug: 'culture', defaultAccess: 'free' });
    const author = await makeAuthor(d, { name: 'Ada Reporter', slug: 'ada-reporter' });
    sectionSlug = section.slug;
    authorSlug = author.slug;
    free = await makeArticle(d, { title: 'Lighthouse gets a new keeper', section: culture.slug, authors: [author.slug], tags: ['Harbour Life'], preview: 'The keeper arrived at dawn.', rest: 'She climbed the 212 steps twice.' });
    paid = await makeArticle(d, { title: 'Budget gap revealed', section: section.slug, authors: [author.slug], accessLevel: 'paid', preview: 'The council faces a shortfall.', rest: 'Documents show the gap is larger than admitted.' });
    for (let i = 0; i < 14; i++) await makeArticle(d, { title: `Council note ${i}`, section: section.slug, publishedAt: new Date(t.clock.now() - (i + 10) * 3_600_000).toISOString() });
  });
  afterAll(() => t?.close());

  it('serves the home page with the lead story, latest list, section rails and pagination', async () => {
    const res = await t.get('/');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.body).toContain('class="lead-story"');
    expect(res.body).toContain('Budget gap revealed');
    expect(res.body).toContain('href="/section/city-hall"');
    expect(res.body).toContain('rel="next" href="/?page=2"');
    const page2 = await t.get('/?page=2');
    expect(page2.statusCode).toBe(200);
    expect(page2.body).toContain('Council note');
    expect(page2.body).toContain('rel="prev"');
  });

  it('shows a free article in full', async () => {
    const res = await t.get(`/articles/${free.slug}`);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<h1 class="article__title">Lighthouse gets a new keeper</h1>');
    expect(res.body).toContain('She climbed the 212 steps twice.');
    expect(res.body).toContain('href="/tag/harbour-life"');
    expect(res.body).toContain('"isAccessibleForFree":true');
  });

  it('shows a paid article only to its preview break, then the subscriber wall', async () => {
    const res = await t.get(`/articles/${paid.slug}`);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('The council faces a shortfall.');
    expect(res.body).not.toContain('Documents show the gap');
    expect(res.body).toContain('This article is for subscribers');
    expect(res.body).toContain('Try 14 days free');
    expect(res.headers['cache-control']).toBe('private, no-store');
    expect(res.body).toContain('"isAccessibleForFree":false');
    expect(res.body).toContain('"cssSelector":".article-gated"');
  });

  it('serves section, author and tag pages, and 404s for unknown ones', async () => {
    for (const url of [`/section/${sectionSlug}`, `/author/${authorSlug}`, '/tag/harbour-life']) {
      const res = await t.get(url);
      expect(res.statusCode, url).toBe(200);
      expect(res.body, url).toContain('class="story-list');
    }
    expect((await t.get(`/section/${sectionSlug}`)).body).toContain('rel="next"');
    for (const url of ['/section/nope', '/author/nope', '/tag/nope', '/articles/nope', '/articles/Not_A_Slug', '/no/such/page']) {
      const res = await t.get(url);
      expect(res.statusCode, url).toBe(404);
      expect(res.headers['content-type'], url).toMatch(/text\/html/);
      expect(res.body, url).toContain('Page not found');
    }
  });

  it('shows an article\'s feature image on its listing card, with its alt text, a fixed box and lazy loading', async () => {
    const d = t.app.ctx.content;
    const pictured = await makeArticle(d, { title: 'Harbour at dawn', section: 'culture', featureImageUrl: '/images/harbour.jpg', featureImageAlt: 'Fishing boats at the quay "before" dawn' });
    for (const url of ['/section/culture', '/search?q=Harbour']) {
      const body = (await t.get(url)).body;
      const card = new RegExp(`<li class="story-card story-card--image">(?:(?!</li>).)*?/articles/${pictured.slug}"(?:(?!</li>).)*</li>`, 's').exec(body)?.[0];
      expect(card, url).toBeDefined();
      expect(card, url).toContain('<img class="story-card__image" src="/images/harbour.jpg" alt="Fishing boats at the quay &quot;before&quot; dawn" width="360" height="240" loading="lazy" decoding="async">');
    }
    // A card without an image has none, and no empty box.
    const culture = (await t.get('/section/culture')).body;
    const plain = new RegExp(`<li class="story-card">(?:(?!</li>).)*?/articles/${free.slug}"`, 's').exec(culture);
    expect(plain).not.toBeNull();
    expect(culture.match(/<img /g)).toHaveLength(1);
  });

  it('answers a malformed page number with 400 and what was wrong', async () => {
    for (const url of ['/?page=abc', '/?page=0', `/section/${sectionSlug}?page=-1`, '/search?q=x&page=1.5']) {
      const res = await t.get(url);
      expect(res.statusCode, url).toBe(400);
      expect(res.body, url).toMatch(/page must be/);
      expect(res.body, url).not.toMatch(/at .*\.ts:\d+/);
    }
  });

  it('searches free articles in full and gated ones only by title, dek and preview', async () => {
    const byFreeBody = await t.get('/search?q=climbed+steps');
    expect(byFreeBody.body).toContain('Lighthouse gets a new keeper');
    const byPreview = await t.get('/search?q=shortfall');
    expect(byPreview.body).toContain('Budget gap revealed');
    const byGated = await t.get('/search?q=documents+larger');
    expect(byGated.statusCode).toBe(200);
    expect(byGated.body).not.toContain('Budget gap revealed');
    expect(byGated.body).toContain('No articles match');
    const weird = await t.get('/search?q=%22%29%20OR%20title%3A*%20NEAR(');
    expect(weird.statusCode).toBe(200);
    const empty = await t.get('/search');
    expect(empty.statusCode).toBe(200);
    expect(empty.headers['cache-control']).toBe('no-store');
  });

  it('names the search page\'s two search landmarks apart', async () => {
    const body = (await t.get('/search?q=budget')).body;
    const names = [...body.matchAll(/<form [^>]*role="search"[^>]*>/g)].map((m) => /aria-label="([^"]*)"/.exec(m[0])?.[1]);
    expect(names).toEqual(['Site', 'Articles']);
  });

  it('redirects an old slug to the new one after an edit', async () => {
    const a = await makeArticle(t.app.ctx.content, { title: 'Old name' });
    const patched = await t.api('PATCH', `/api/admin/articles/${a.id}`, { slug: 'new-name' });
    expect(patched.statusCode).toBe(200);
    const res = await t.get(`/articles/${a.slug}`);
    expect(res.statusCode).toBe(301);
    expect(res.headers.location).toBe('/articles/new-name');
    expect((await t.get('/articles/new-name')).statusCode).toBe(200);
    await t.api('PATCH', `/api/admin/articles/${a.id}`, { slug: 'newer-name' });
    expect((await t.get(`/articles/${a.slug}`)).headers.location).toBe('/articles/newer-name');
  });

  it('publishes a scheduled article when its time comes, without a restart', async () => {
    const at = t.clock.now() + 3_600_000;
    const res = await t.api('POST', '/api/admin/articles', { title: 'Tomorrow’s news', status: 'scheduled', publishedAt: new Date(at).toISOString(), body: { markdown: 'Soon.' } });
    expect(res.statusCode).toBe(201);
    const slug = res.json().article.slug;
    expect(res.json().article.status).toBe('scheduled');
    expect((await t.get(`/articles/${slug}`)).statusCode).toBe(404);
    expect((await t.get('/feed.xml')).body).not.toContain(slug);
    t.clock.advance(3_600_001);
    expect((await t.get(`/articles/${slug}`)).statusCode).toBe(200);
    expect((await t.get('/feed.xml')).body).toContain(slug);
    expect((await t.api('GET', `/api/admin/articles/${res.json().article.id}`)).json().article.status).toBe('published');
  });

  it('never shows drafts', async () => {
    const d = await makeArticle(t.app.ctx.content, { title: 'Secret draft', status: 'draft' });
    expect((await t.get(`/articles/${d.slug}`)).statusCode).toBe(404);
    expect((await t.get('/')).body).not.toContain('Secret draft');
    expect((await t.get('/search?q=secret+draft')).body).not.toContain('Secret draft');
  });

  it('serves RSS and Atom for the site and each section', async () => {
    for (const [url, type, root] of [
      ['/feed.xml', 'application/rss+xml', '<rss'],
      ['/atom.xml', 'application/atom+xml', '<feed'],
      [`/section/${sectionSlug}/feed.xml`, 'application/rss+xml', '<rss'],
      [`/section/${sectionSlug}/atom.xml`, 'application/atom+xml', '<feed'],
    ] as const) {
      const res = await t.get(url);
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type'], url).toContain(type);
      expect(res.body, url).toContain(root);
      expect(res.body, url).toContain('https://news.example/articles/');
    }
    const rss = (await t.get('/feed.xml')).body;
    expect(rss).toContain('She climbed the 212 steps twice.');
    expect((await t.get('/section/nope/feed.xml')).statusCode).toBe(404);
  });

  it('serves a sitemap index, its sitemaps and robots.txt', async () => {
    const index = await t.get('/sitemap.xml');
    expect(index.statusCode).toBe(200);
    expect(index.body).toContain('<sitemapindex');
    expect(index.body).toContain('https://news.example/sitemaps/articles-1.xml');
    const arts = await t.get('/sitemaps/articles-1.xml');
    expect(arts.body).toContain(`https://news.example/articles/${free.slug}`);
    const pages = await t.get('/sitemaps/pages.xml');
    expect(pages.body).toContain('https://news.example/section/city-hall');
    expect(pages.body).toContain('https://news.example/author/ada-reporter');
    expect((await t.get('/sitemaps/articles-99.xml')).statusCode).toBe(404);
    const robots = await t.get('/robots.txt');
    expect(robots.body).toContain('Sitemap: https://news.example/sitemap.xml');
  });

  it('carries OpenGraph, Twitter and JSON-LD meta on article pages', async () => {
    const body = (await t.get(`/articles/${free.slug}`)).body;
    expect(body).toContain('<meta property="og:type" content="article">');
    expect(body).toContain(`<link rel="canonical" href="https://news.example/articles/${free.slug}">`);
    expect(body).toContain('<meta name="twitter:card"');
    const ld = JSON.parse(/<script type="application\/ld\+json">(.*?)<\/script>/.exec(body)![1]!);
    expect(ld['@type']).toBe('NewsArticle');
    expect(ld.headline).toBe('Lighthouse gets a new keeper');
    expect(ld.author[0].name).toBe('Ada Reporter');
  });

  it('answers /healthz and serves the stylesheet with long caching', async () => {
    expect((await t.get('/healthz')).json()).toEqual({ status: 'ok' });
    const home = (await t.get('/')).body;
    const css = /href="(\/assets\/site\.[0-9a-f]+\.css)"/.exec(home)![1]!;
    const res = await t.get(css);
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toContain('immutable');
    expect(res.body).toContain('prefers-color-scheme: dark');
  });
});

describe.each(dialects())('unexpected errors on %s', (dialect) => {
  it('answer 500 with a plain page and an error id, never a stack trace, and JSON for the API', async () => {
    const t = await startTestApp(dialect);
    try {
      // Break the database under the running app: every query now fails.
      await t.db.db.schema.dropTable('article_search').execute();
      const page = await t.get('/search?q=harbour');
      expect(page.statusCode).toBe(500);
      expect(page.headers['content-type']).toMatch(/text\/html/);
      expect(page.body).toContain('Something went wrong');
      expect(page.body).toMatch(/Reference: <code>[0-9a-f-]{36}<\/code>/);
      expect(page.body).not.toMatch(/article_search|at .*\.(ts|js):\d+|SqliteError|error:/i);
      await t.db.db.schema.dropTable('audit_log').execute();
      const api = await t.api('GET', '/api/admin/audit');
      expect(api.statusCode).toBe(500);
      expect(api.json()).toEqual({ error: { code: 'internal', message: 'Something went wrong on our side.', id: expect.stringMatching(/^[0-9a-f-]{36}$/) } });
    } finally {
      await t.close();
    }
  });
});
