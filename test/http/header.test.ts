import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/db.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { makeArticle, makePlan, makeSection } from '../helpers/factories.js';
import { createSession, SESSION_COOKIE } from '../../src/members/sessions.js';
import { createStaffUser } from '../../src/members/staff.js';
import type { ArticleDetail } from '../../src/content/articles.service.js';

/** The header's reader part as a reader sees it: its links' text and targets. */
function headerOf(body: string): { text: string; links: { text: string; href: string }[] } {
  const m = /<header class="site-header">([\s\S]*?)<\/header>/.exec(body);
  expect(m, 'the page has the site header').not.toBeNull();
  const part = /<div class="site-reader">([\s\S]*?)<\/div>/.exec(m![1]!)?.[1] ?? '';
  const text = (s: string) => s.replace(/<[^>]+>/g, '').replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/\s+/g, ' ').trim();
  const links = [...part.matchAll(/<a [^>]*href="([^"]*)"[^>]*>([\s\S]*?)<\/a>/g)].map((l) => ({ href: l[1]!.replace(/&amp;/g, '&'), text: text(l[2]!) }));
  return { text: text(part), links };
}

describe.each(dialects())('the header shows the reader\'s state on %s', (dialect) => {
  let t: TestApp;
  let free: ArticleDetail;
  let metered: ArticleDetail;
  const cookieFor = async (who: { memberId: number } | { staffUserId: number }) => `${SESSION_COOKIE}=${(await createSession(t.db.db, who, 'test', t.clock.now())).token}`;
  const member = async (email: string, name: string, status = 'free') => {
    const now = t.clock.now();
    const m = await t.db.db.insertInto('members').values({ email, email_normalized: email, name, status, email_verified: 1, password_hash: null, created_at: now, last_seen_at: null, deleted_at: null }).returning('id').executeTakeFirstOrThrow();
    return cookieFor({ memberId: m.id });
  };

  beforeAll(async () => {
    t = await startTestApp(dialect);
    const d = t.app.ctx.content;
    await makePlan(d);
    const news = await makeSection(d, { name: 'News', slug: 'news', defaultAccess: 'metered' });
    const culture = await makeSection(d, { name: 'Culture', slug: 'culture', defaultAccess: 'free' });
    free = await makeArticle(d, { title: 'Free piece', section: culture.slug });
    metered = await makeArticle(d, { title: 'Metered piece', section: news.slug });
  });
  afterAll(() => t?.close());

  const pages = () => ['/', '/section/news', `/articles/${free.slug}`, `/articles/${metered.slug}`, '/search?q=piece', '/subscribe'];

  it('offers Subscribe and Sign in to a signed-out reader, back to the page they were on', async () => {
    for (const url of pages()) {
      const res = await t.get(url);
      expect(res.statusCode, url).toBe(200);
      const header = headerOf(res.body);
      expect(header.links.map((l) => l.text), url).toEqual(['Subscribe', 'Sign in']);
    }
    const article = headerOf((await t.get(`/articles/${metered.slug}`)).body);
    expect(article.links).toEqual([
      { text: 'Subscribe', href: `/subscribe?return_to=${encodeURIComponent(`/articles/${metered.slug}`)}` },
      { text: 'Sign in', href: `/signin?return_to=${encodeURIComponent(`/articles/${metered.slug}`)}` },
    ]);
    expect(headerOf((await t.get('/')).body).links.map((l) => l.href)).toEqual(['/subscribe', '/signin']);
    // The signed-out home page may still be kept by caches, but only for requests with the same cookies.
    const home = await t.get('/');
    expect(home.headers['cache-control']).toBe('public, max-age=60');
    expect(home.headers.vary).toMatch(/\bCookie\b/);
  });

  it('names a signed-in member (or says "Account"), keeps Subscribe for free members and trials, and drops it for subscribers', async () => {
    const ada = await member('ada@example.com', 'Ada Lovelace');
    const nameless = await member('nameless@example.com', '');
    const paying = await member('payer@example.com', 'Pat Payer', 'paid');
    const trying = await member('trier@example.com', 'Tess Trial', 'trialing');
    for (const url of pages()) {
      const h = headerOf((await t.get(url, { cookie: ada })).body);
      expect(h.links, url).toEqual([expect.objectContaining({ text: 'Subscribe' }), { text: 'Signed in as Ada Lovelace', href: '/account' }]);
      expect(h.text, url).not.toContain('Sign in');
    }
    expect(headerOf((await t.get('/', { cookie: nameless })).body).links).toEqual([expect.objectContaining({ text: 'Subscribe' }), { text: 'Account (signed in)', href: '/account' }]);
    expect(headerOf((await t.get(`/articles/${metered.slug}`, { cookie: paying })).body).links).toEqual([{ text: 'Signed in as Pat Payer', href: '/account' }]);
    expect(headerOf((await t.get('/section/news', { cookie: trying })).body).links.map((l) => l.text)).toEqual(['Subscribe', 'Signed in as Tess Trial']);
  });

  it('never hands one reader\'s header to the next through the shared caches', async () => {
    const bo = await member('bo@example.com', 'Bo Reader');
    for (const url of pages()) {
      const mine = await t.get(url, { cookie: bo });
      expect(mine.body, url).toContain('Bo Reader');
      expect(mine.headers['cache-control'], url).toBe('private, no-store');
      // Within the same second, from the same caches.
      const theirs = await t.get(url);
      expect(theirs.body, url).not.toContain('Bo Reader');
      expect(headerOf(theirs.body).links.map((l) => l.text), url).toEqual(['Subscribe', 'Sign in']);
      const again = await t.get(url, { cookie: bo });
      expect(headerOf(again.body).links.map((l) => l.text), url).toEqual(['Subscribe', 'Signed in as Bo Reader']);
    }
  });

  it('escapes the name and copies it as it is', async () => {
    const odd = await member('odd@example.com', '<b>Bo & "Co"</b> $& $1');
    for (const url of ['/', `/articles/${metered.slug}`, '/account']) {
      const body = (await t.get(url, { cookie: odd })).body;
      expect(body, url).toContain('&lt;b&gt;Bo &amp; &quot;Co&quot;&lt;/b&gt; $&amp; $1');
      expect(body, url).not.toContain('<b>Bo');
    }
  });

  it('shows a staff member their name, linking to the newsroom, and no Subscribe', async () => {
    const staff = await createStaffUser(t.db.db, { email: 'ed@news.example', name: 'Ed Itor', role: 'editor', now: t.clock.now() });
    const cookie = await cookieFor({ staffUserId: staff.id });
    expect(headerOf((await t.get(`/articles/${free.slug}`, { cookie })).body).links).toEqual([{ text: 'Signed in as Ed Itor', href: '/admin' }]);
  });

  it('never sends the header mark, on any page, error pages included', async () => {
    const ada = await member('mark@example.com', 'Mark Watcher');
    for (const url of [...pages(), '/signin', '/signup', '/account', '/no/such/page', '/articles/missing-one', '/comments/999999', '/?page=abc']) {
      for (const cookie of [undefined, ada]) {
        const res = await t.get(url, cookie ? { cookie } : {});
        expect(res.body, `${url} ${cookie ? 'signed in' : 'signed out'}`).not.toContain('mh-reader-');
        if (/text\/html/.test(String(res.headers['content-type']))) expect(res.body, url).toContain('class="site-reader"');
      }
    }
  });
});
