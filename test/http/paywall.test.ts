import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/db.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { makeArticle, makePlan, makeSection } from '../helpers/factories.js';
import { linkIn, startInbox, type Inbox } from '../helpers/smtp.js';
import type { ArticleDetail } from '../../src/content/articles.service.js';
import type { Resolver } from '../../src/access/crawler.js';

const pathOf = (link: string) => new URL(link).pathname + new URL(link).search;
const FULL = 'The rest of the story';

/** DNS as Google publishes it for one crawler address, and a liar for another. */
const fakeDns: Resolver = {
  reverse: async (ip) => ({ '66.249.66.1': ['crawl-66-249-66-1.googlebot.com'], '10.9.9.9': ['crawl-fake.googlebot.com'] } as Record<string, string[]>)[ip] ?? [],
  lookup: async (host) => ({ 'crawl-66-249-66-1.googlebot.com': ['66.249.66.1'], 'crawl-fake.googlebot.com': ['66.249.66.99'] } as Record<string, string[]>)[host] ?? [],
};

describe.each(dialects())('the metered paywall on %s', (dialect) => {
  let t: TestApp;
  let inbox: Inbox;
  let articles: ArticleDetail[];

  beforeAll(async () => {
    inbox = await startInbox();
    t = await startTestApp(dialect, { smtpUrl: inbox.url });
    const s = await makeSection(t.app.ctx.content, { slug: 'news', defaultAccess: 'metered' });
    await makePlan(t.app.ctx.content);
    articles = [];
    for (let i = 0; i < 12; i++) articles.push(await makeArticle(t.app.ctx.content, { title: `Metered ${i}`, section: s.slug }));
  });
  afterAll(async () => {
    await t?.close();
    await inbox?.close();
  });

  const read = async (a: ReturnType<TestApp['agent']>, i: number) => {
    const res = await a.get(`/articles/${articles[i]!.slug}`);
    expect(res.statusCode).toBe(200);
    return res;
  };

  it('meters anonymously, rereads free, walls the 4th, carries the count into sign-in, walls again, and resets at the boundary', async () => {
    const a = t.agent({ 'user-agent': 'JourneyBrowser/1' });
    let res = await read(a, 0);
    expect(res.body).toContain(FULL);
    expect(res.body).toContain('2 free articles left today');
    expect(a.cookies.get('mh_device')).toBeTruthy();
    expect(res.headers['cache-control']).toBe('private, no-store');
    expect((await read(a, 1)).body).toContain('1 free article left today');
    expect((await read(a, 2)).body).toContain('This is your last free article today');
    res = await read(a, 0);
    expect(res.body, 'a reread is free').toContain(FULL);
    res = await read(a, 3);
    expect(res.body).not.toContain(FULL);
    // Issue 13: the wall says why it is there, with the allowance, when it comes back, and the real count an account adds.
    expect(res.body).toContain('You’ve read your 3 free articles today');
    expect(res.body).toContain('Your free articles come back at midnight.');
    expect(res.body).toContain('Create a free account to read 2 more articles today');
    expect(res.body).toContain('Try 14 days free');
    expect(res.body).toContain('Already a subscriber?');

    // Sign up from the wall's form: the device's 3 reads move to the member, who has 5.
    const before = inbox.messages.length;
    const signup = await a.post('/signup', { email: 'metered-reader@example.com', return_to: `/articles/${articles[3]!.slug}` });
    expect(signup.statusCode).toBe(303);
    const link = linkIn(await inbox.waitFor('metered-reader@example.com', { after: before }));
    const landed = await a.get(pathOf(link));
    expect(landed.headers.location).toBe(`/articles/${articles[3]!.slug}`);
    res = await read(a, 3);
    expect(res.body).toContain(FULL);
    expect(res.body).toContain('1 free article left today');
    expect((await read(a, 4)).body).toContain('This is your last free article today');
    res = await read(a, 5);
    expect(res.body).not.toContain(FULL);
    expect(res.body).toContain('You’ve read your 5 free articles today');
    // A signed-in member is offered the trial or a subscription, never a sign-in form.
    const wall = /<aside class="notice paywall"[\s\S]*?<\/aside>/.exec(res.body)![0];
    expect(wall).toContain('Try 14 days free');
    expect(wall).not.toMatch(/Already a subscriber|Log in|name="email"/);

    // Past local midnight in the site's time zone, the allowance is back.
    const tomorrow = new Date(t.clock.now() + 86_400_000).toISOString().slice(0, 10);
    t.clock.set(Date.parse(`${tomorrow}T00:00:01Z`));
    expect((await read(a, 5)).body).toContain(FULL);
  });

  it('merges a device into a member across devices: the member is metered by account', async () => {
    const phone = t.agent({ 'user-agent': 'Phone/1' });
    const laptop = t.agent({ 'user-agent': 'Laptop/1' });
    for (const agent of [phone, laptop]) {
      await agent.get('/signin');
      const before = inbox.messages.length;
      await agent.post('/signin', { email: 'two-devices@example.com' });
      await agent.get(pathOf(linkIn(await inbox.waitFor('two-devices@example.com', { after: before }))));
    }
    for (let i = 0; i < 5; i++) expect((await read(i % 2 ? phone : laptop, i)).body).toContain(FULL);
    expect((await read(phone, 6)).body).toContain('You’ve read your 5 free articles today');
    expect((await read(laptop, 7)).body).toContain('You’ve read your 5 free articles today');
  });

  it('does not count or unlock prefetches', async () => {
    const a = t.agent({ 'user-agent': 'Prefetcher/1' });
    for (let i = 0; i < 5; i++) {
      const res = await a.get(`/articles/${articles[i]!.slug}`, { 'sec-purpose': 'prefetch' });
      expect(res.body).not.toContain(FULL);
    }
    expect((await read(a, 0)).body).toContain('2 free articles left today');
  });

  it('treats a tampered device cookie as a new device, never an error', async () => {
    const a = t.agent({ 'user-agent': 'Tamper/1' });
    await read(a, 0);
    a.cookies.set('mh_device', a.cookies.get('mh_device')!.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')));
    const res = await read(a, 1);
    expect(res.body).toContain(FULL);
    expect(res.headers['set-cookie']).toBeDefined();
  });

  it('shares a page only between readers who would get the same bytes: wall forms carry each reader\'s own token', async () => {
    const tokenIn = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
    const [x, y] = [t.agent({ 'user-agent': 'SharedPageX/1' }), t.agent({ 'user-agent': 'SharedPageY/1' })];
    const [fx, fy] = [await read(x, 4), await read(y, 4)];
    expect(fx.body).toContain(FULL);
    expect(fx.body, 'two new readers of one article get the same page').toBe(fy.body);
    expect(tokenIn(fx.body)).toBeUndefined();
    for (const i of [5, 6]) for (const a of [x, y]) await read(a, i);
    const [wx, wy] = [await read(x, 7), await read(y, 7)];
    for (const w of [wx, wy]) expect(w.body).toContain('You’ve read your 3 free articles today');
    const [tx, ty] = [tokenIn(wx.body), tokenIn(wy.body)];
    expect(tx).toBeTruthy();
    expect(ty).toBeTruthy();
    expect(tx, 'one reader\'s form token never reaches another').not.toBe(ty);
  });

  it('limits a client that keeps no cookie by address and browser', async () => {
    const ua = { 'user-agent': 'NoCookies/1' };
    const pass = async () => {
      const out: boolean[] = [];
      for (const a of articles) out.push((await t.get(`/articles/${a.slug}`, ua)).body.includes(FULL));
      return out;
    };
    // 3 allowed × a factor of 3 for shared addresses: the first 9 distinct articles, then the wall.
    const first = await pass();
    expect(first).toEqual([...Array(9).fill(true), ...Array(3).fill(false)]);
    // Rereads of those 9 stay free; the rest stay walled.
    expect(await pass()).toEqual(first);
    // Another browser on the same address is another client.
    expect((await t.get(`/articles/${articles[11]!.slug}`, { 'user-agent': 'OtherBrowser/1' })).body).toContain(FULL);
  });

  it('changes rules through the Admin API and shows them on the wall', async () => {
    const res = await t.api('PATCH', '/api/admin/meter', { anonymousAllowance: 1, memberAllowance: 1, period: 'week' });
    expect(res.json().meter).toMatchObject({ anonymousAllowance: 1, period: 'week' });
    expect((await t.api('PATCH', '/api/admin/meter', { period: 'fortnight' })).statusCode).toBe(400);
    const a = t.agent({ 'user-agent': 'Weekly/1' });
    expect((await read(a, 0)).body).toContain('This is your last free article this week');
    expect((await read(a, 1)).body).toContain('You’ve read your 1 free article this week');
    expect((await read(a, 1)).body).toContain('Your free articles come back on Monday.');
    await t.api('PATCH', '/api/admin/meter', { anonymousAllowance: 3, memberAllowance: 5, period: 'calendar_day' });
  });

  it('records meter reads, walls shown and wall clicks as events', async () => {
    const a = t.agent({ 'user-agent': 'Events/1' });
    const click = await a.get(`/wall/trial?a=${articles[0]!.id}&r=limit_reached&return_to=/articles/${articles[0]!.slug}`);
    expect(click.statusCode).toBe(303);
    expect(click.headers.location).toBe(`/subscribe?trial=1&return_to=${encodeURIComponent(`/articles/${articles[0]!.slug}`)}`);
    expect((await a.get('/wall/signin?return_to=//evil.example')).headers.location).toBe('/signin?return_to=%2F');
    await t.app.ctx.access.meter.flush();
    const rows = await t.db.db.selectFrom('event_counts').select(['kind', 'reason', 'count']).execute();
    const total = (kind: string) => rows.filter((r) => r.kind === kind).reduce((n, r) => n + Number(r.count), 0);
    expect(total('meter_read')).toBeGreaterThan(10);
    expect(total('wall_shown')).toBeGreaterThan(3);
    expect(rows.some((r) => r.kind === 'wall_shown' && r.reason === 'registration_required')).toBe(true);
    expect(rows.find((r) => r.kind === 'wall_action')).toMatchObject({ reason: 'trial:limit_reached', count: 1 });
  });
});

describe.each(dialects())('verified crawlers on %s', (dialect) => {
  let t: TestApp;
  let paid: ArticleDetail;
  beforeAll(async () => {
    t = await startTestApp(dialect, { resolver: fakeDns, trustedProxies: [] });
    paid = await makeArticle(t.app.ctx.content, { title: 'Paid for crawlers', accessLevel: 'paid' });
  });
  afterAll(() => t?.close());

  const asCrawler = (ip: string) => t.app.server.inject({ method: 'GET', url: `/articles/${paid.slug}`, remoteAddress: ip, headers: { 'user-agent': 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)' } });

  it('is off by default: even real Googlebot gets the preview', async () => {
    expect((await asCrawler('66.249.66.1')).body).not.toContain(FULL);
  });

  it('when on, gives full text only to an address whose reverse and forward DNS agree', async () => {
    await t.api('PATCH', '/api/admin/meter', { verifiedCrawlers: true });
    expect((await asCrawler('66.249.66.1')).body).toContain(FULL);
    expect((await asCrawler('10.9.9.9')).body, 'reverse says googlebot, forward disagrees').not.toContain(FULL);
    expect((await asCrawler('192.0.2.7')).body, 'an ordinary address with a Googlebot user agent').not.toContain(FULL);
    const spoofed = await t.app.server.inject({ method: 'GET', url: `/articles/${paid.slug}`, remoteAddress: '192.0.2.7', headers: { 'user-agent': 'Googlebot/2.1', 'x-forwarded-for': '66.249.66.1' } });
    expect(spoofed.body, 'X-Forwarded-For is not trusted without TRUSTED_PROXIES').not.toContain(FULL);
  });
});

describe.each(dialects())('the meter across a restart on %s', (dialect) => {
  it('keeps counting a device after the server restarts', async () => {
    const { freshDatabase } = await import('../helpers/db.js');
    const { testConfig, makeAgent } = await import('../helpers/app.js');
    const { createApp } = await import('../../src/app.js');
    const { fixedClock } = await import('../../src/clock.js');
    const db = await freshDatabase(dialect);
    const clock = fixedClock(Date.parse('2026-03-10T12:00:00Z'));
    const config = testConfig({ databaseUrl: db.url, dialect });
    let app = await createApp({ config, database: db, clock, logger: false });
    const s = await makeSection(app.ctx.content, { slug: 'desk', defaultAccess: 'metered' });
    const list: ArticleDetail[] = [];
    for (let i = 0; i < 4; i++) list.push(await makeArticle(app.ctx.content, { title: `Restart ${i}`, section: s.slug }));
    const a = makeAgent(app, { 'user-agent': 'Restart/1' });
    for (let i = 0; i < 3; i++) expect((await a.get(`/articles/${list[i]!.slug}`)).body).toContain(FULL);
    await app.server.close();
    await app.ctx.access.meter.stop();
    await app.ctx.worker.stop();
    app = await createApp({ config, database: db, clock, logger: false });
    const b = makeAgent(app, { 'user-agent': 'Restart/1' });
    for (const [k, v] of a.cookies) b.cookies.set(k, v);
    expect((await b.get(`/articles/${list[0]!.slug}`)).body, 'a reread after the restart').toContain(FULL);
    expect((await b.get(`/articles/${list[3]!.slug}`)).body, 'the fourth is walled after the restart').not.toContain(FULL);
    await app.close();
    await db.destroy();
  });
});
