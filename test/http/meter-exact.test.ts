import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/db.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { makeArticle, makeSection } from '../helpers/factories.js';
import { linkIn, startInbox, type Inbox } from '../helpers/smtp.js';
import type { ArticleDetail } from '../../src/content/articles.service.js';

const FULL = 'The rest of the story';
const pathOf = (link: string) => new URL(link).pathname + new URL(link).search;

/**
 * Issue 14: the meter holds exactly however fast the reads come. Twenty first reads of distinct
 * metered articles sent at once, with one cookie, spend the allowance and not one read more, on
 * both databases; the cluster tier shows the same across instances.
 */
describe.each(dialects())('the meter under parallel reads on %s', (dialect) => {
  let t: TestApp;
  let inbox: Inbox;
  let articles: ArticleDetail[];

  beforeAll(async () => {
    inbox = await startInbox();
    t = await startTestApp(dialect, { smtpUrl: inbox.url, trustedProxies: ['127.0.0.1'] });
    const s = await makeSection(t.app.ctx.content, { slug: 'parallel', defaultAccess: 'metered' });
    articles = [];
    for (let i = 0; i < 22; i++) articles.push(await makeArticle(t.app.ctx.content, { title: `Parallel ${i}`, section: s.slug }));
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await inbox?.close();
  });

  /** Reads articles [from, from + 20) all at once and says how many came in full. */
  const twentyAtOnce = async (get: (path: string) => Promise<{ statusCode: number; body: string }>, from = 1) => {
    const pages = await Promise.all(articles.slice(from, from + 20).map((a) => get(`/articles/${a.slug}`)));
    for (const p of pages) expect(p.statusCode).toBe(200);
    return pages.filter((p) => p.body.includes(FULL)).length;
  };

  it('gives a device with a fresh cookie exactly its allowance (3) in full', async () => {
    const a = t.agent({ 'user-agent': 'ParallelDevice/1' });
    expect((await a.get(`/articles/${articles[0]!.slug}`)).body).toContain(FULL);
    const device = a.cookies.get('mh_device');
    expect(device).toBeTruthy();
    expect(await twentyAtOnce((p) => a.get(p))).toBe(2);
    expect(a.cookies.get('mh_device'), 'the same device throughout').toBe(device);
    // The reads it was given stay rereadable; everything else stays walled.
    expect((await a.get(`/articles/${articles[0]!.slug}`)).body).toContain(FULL);
    expect(await twentyAtOnce((p) => a.get(p))).toBe(2);
  });

  it('gives a signed-in member exactly their allowance (5) in full', async () => {
    const a = t.agent({ 'user-agent': 'ParallelMember/1' });
    await a.get('/signin');
    const before = inbox.messages.length;
    expect((await a.post('/signin', { email: 'parallel-member@example.com' })).statusCode).toBe(303);
    await a.get(pathOf(linkIn(await inbox.waitFor('parallel-member@example.com', { after: before }))));
    expect(await twentyAtOnce((p) => a.get(p), 0)).toBe(5);
  });

  it('gives a client that keeps no cookie exactly its address allowance (3 × 3 for a shared address)', async () => {
    expect(await twentyAtOnce((p) => t.get(p, { 'user-agent': 'ParallelNoCookies/1' }), 0)).toBe(9);
    expect(await twentyAtOnce((p) => t.get(p, { 'user-agent': 'ParallelNoCookies/1' }), 0), 'and after them, the same nine').toBe(9);
  });

  it('holds the address ceiling exactly: twenty browsers without cookies behind one address, all at once', async () => {
    const pages = await Promise.all(articles.slice(0, 20).map((a, i) => t.get(`/articles/${a.slug}`, { 'user-agent': `CeilingBrowser/${i}`, 'x-forwarded-for': '10.88.0.1' })));
    // The address ceiling is 20 distinct articles; this address has read none.
    expect(pages.filter((p) => p.body.includes(FULL))).toHaveLength(20);
    const more = await Promise.all(articles.slice(0, 22).map((a, i) => t.get(`/articles/${a.slug}`, { 'user-agent': `CeilingBrowser/more-${i}`, 'x-forwarded-for': '10.88.0.1' })));
    // Rereads of those twenty still pass the ceiling; the two articles beyond it do not.
    expect(more.filter((p) => p.body.includes(FULL))).toHaveLength(20);
  });
});
