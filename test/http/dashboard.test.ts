import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/db.js';
import { startTestApp, type Agent, type TestApp } from '../helpers/app.js';
import { makeArticle, makePlan } from '../helpers/factories.js';
import { linkIn, startInbox, type Inbox } from '../helpers/smtp.js';
import { startStripeStub, type StripeStub } from '../helpers/stripe-stub.js';
import { createStaffUser, type StaffRole } from '../../src/members/staff.js';
import { setStaffPassword } from '../../src/members/staff-auth.service.js';
import type { ArticleDetail } from '../../src/content/articles.service.js';

/**
 * The newsroom dashboard over HTTP, on both databases: a scripted day of readers (metered reads,
 * walls, wall clicks, referrers, two trials from walls, one converted through Stripe) and the
 * page's figures for it; who may see it; periods; and that it answers from the daily roll-ups.
 */
const pathOf = (link: string) => new URL(link).pathname + new URL(link).search;

/** The text of each cell of a table row, tags stripped. */
function rowsOf(html: string, caption: string): string[][] {
  const start = html.indexOf(`<caption>${caption}</caption>`);
  if (start === -1) return [];
  const table = html.slice(start, html.indexOf('</table>', start));
  return [...table.matchAll(/<tr[^>]*>(.*?)<\/tr>/gs)].slice(1).map((m) => [...m[1]!.matchAll(/<t[hd][^>]*>(.*?)<\/t[hd]>/gs)].map((c) => c[1]!.replace(/<[^>]+>/g, '').trim()));
}

describe.each(dialects())('newsroom dashboard on %s', (dialect) => {
  let t: TestApp;
  let inbox: Inbox;
  let stub: StripeStub;
  const staff: Record<string, Agent> = {};
  let m1: ArticleDetail, m2: ArticleDetail, m3: ArticleDetail, paid: ArticleDetail;

  async function staffAgent(name: string, role: StaffRole) {
    const u = await createStaffUser(t.db.db, { email: `${name}@staff.example`, name, role, now: t.clock.now() });
    await setStaffPassword({ db: t.db.db, clock: t.clock }, u.email, `${name} password 123`, 'test');
    const agent = t.agent();
    await agent.get('/admin/signin');
    expect((await agent.post('/admin/signin', { email: u.email, password: `${name} password 123` })).statusCode).toBe(303);
    staff[name] = agent;
  }

  async function member(email: string): Promise<Agent> {
    const a = t.agent({ 'user-agent': `Reader ${email}` });
    await a.get('/signin');
    const before = inbox.messages.length;
    await a.post('/signup', { email });
    await a.get(pathOf(linkIn(await inbox.waitFor(email, { after: before }))));
    return a;
  }

  beforeAll(async () => {
    inbox = await startInbox();
    stub = await startStripeStub();
    t = await startTestApp(dialect, { smtpUrl: inbox.url, stripe: { secretKey: stub.secretKey, webhookSecret: stub.webhookSecret, apiUrl: stub.url } });
    await makePlan(t.app.ctx.content);
    const d = t.app.ctx.content;
    [m1, m2, m3] = [await makeArticle(d, { title: 'Harbour one', accessLevel: 'metered' }), await makeArticle(d, { title: 'Harbour two', accessLevel: 'metered' }), await makeArticle(d, { title: 'Harbour three', accessLevel: 'metered' })];
    paid = await makeArticle(d, { title: 'Harbour paid', accessLevel: 'paid' });
    expect((await t.api('PATCH', '/api/admin/meter', { anonymousAllowance: 2, memberAllowance: 2, period: 'calendar_day' })).statusCode).toBe(200);
    await staffAgent('eve', 'editor');
    await staffAgent('carl', 'contributor');
  });
  afterAll(async () => {
    await t?.close();
    await inbox?.close();
    await stub?.close();
  });

  it('is for signed-in editors and up, private, and linked from the newsroom', async () => {
    const anon = await t.get('/admin/dashboard');
    expect(anon.statusCode).toBe(303);
    expect(anon.headers.location).toBe('/admin/signin');
    const carl = await staff.carl!.get('/admin/dashboard');
    expect(carl.statusCode).toBe(403);
    expect(carl.body).toContain('does not allow reading the dashboard');
    const page = await staff.eve!.get('/admin/dashboard');
    expect(page.statusCode).toBe(200);
    expect(page.headers['cache-control']).toBe('private, no-store');
    expect(page.body).not.toContain('<script');
    expect((await staff.eve!.get('/admin/articles')).body).toContain('<a href="/admin/dashboard">Dashboard</a>');
  });

  it('counts a scripted day of readers: the funnel, walls by reason, wall clicks, top articles, referrers and money', async () => {
    // An anonymous reader from another site: two metered reads, a reread, then the wall.
    const r = t.agent({ 'user-agent': 'Funnel reader/1' });
    expect((await r.get(`/articles/${m1.slug}`, { referer: 'https://news.example.org/a-story?utm=x' })).statusCode).toBe(200);
    await r.get(`/articles/${m2.slug}`, { referer: 'https://www.news.example.org/other' });
    await r.get(`/articles/${m1.slug}`, { referer: `${t.app.ctx.config.siteUrl}/` });
    const walled = await r.get(`/articles/${m3.slug}`);
    expect(walled.body).toContain('data-reason="limit_reached"');
    // Another reader meets the subscribers-only wall; HEAD and prefetches count nothing.
    const s = t.agent({ 'user-agent': 'Funnel reader/2' });
    expect((await s.get(`/articles/${paid.slug}`, { referer: 'https://t.co/xyz' })).body).toContain('data-reason="paid_only"');
    await t.app.server.inject({ method: 'HEAD', url: `/articles/${m1.slug}`, headers: { 'user-agent': 'Funnel reader/3', referer: 'https://head.example/' } });
    // Two wall clicks.
    expect((await r.get(`/wall/trial?a=${m3.id}&r=limit_reached&return_to=/articles/${m3.slug}`)).statusCode).toBe(303);
    expect((await s.get(`/wall/subscribe?a=${paid.id}&r=paid_only&return_to=/articles/${paid.slug}`)).statusCode).toBe(303);

    // Two no-card trials, each begun on a wall (its return_to), and one converted through Stripe.
    const ann = await member('ann@example.com');
    await ann.get(`/subscribe?trial=1&return_to=/articles/${m3.slug}`);
    expect((await ann.post('/subscribe/trial', { return_to: `/articles/${m3.slug}` })).statusCode).toBe(303);
    const ben = await member('ben@example.com');
    await ben.get(`/subscribe?trial=1&return_to=/articles/${m2.slug}`);
    expect((await ben.post('/subscribe/trial', { return_to: `/articles/${m2.slug}` })).statusCode).toBe(303);
    await ann.get('/subscribe');
    expect((await ann.post('/subscribe/checkout', { interval: 'month' })).statusCode).toBe(303);
    const { event } = stub.completeCheckout([...stub.sessions.values()].at(-1)!.id as string);
    const payload = JSON.stringify(event);
    expect((await t.app.server.inject({ method: 'POST', url: '/webhooks/stripe', headers: { 'content-type': 'application/json', 'stripe-signature': stub.sign(payload) }, payload })).json().outcome).toBe('processed');
    await t.app.ctx.access.meter.flush();

    const attributed = await t.db.db.selectFrom('subscriptions').select(['trial_article_id', 'status']).where('stripe_subscription_id', 'is', null).orderBy('id').execute();
    expect(attributed).toEqual([{ trial_article_id: m3.id, status: 'canceled' }, { trial_article_id: m2.id, status: 'trialing' }]);

    const html = (await staff.eve!.get('/admin/dashboard?period=7d')).body;
    expect(rowsOf(html, 'The funnel, step by step')).toEqual([
      ['Metered reads', '2', '—'],
      ['Walls shown', '2', '100%'],
      ['Wall actions clicked', '2', '100%'],
      ['Trials started', '2', '100%'],
      ['Trials converted to paid', '1', '50%'],
    ]);
    expect(rowsOf(html, 'Walls shown, by reason')).toEqual([['Free articles used up', '1'], ['Subscribers only', '1']]);
    expect(rowsOf(html, 'Wall actions clicked').sort()).toEqual([['Start a free trial', '1'], ['Subscribe', '1']]);
    expect(rowsOf(html, 'Top articles by metered reads').sort()).toEqual([['Harbour one', '1'], ['Harbour two', '1']]);
    expect(rowsOf(html, 'Top articles by trials started').sort()).toEqual([['Harbour three', '1'], ['Harbour two', '1']]);
    expect(rowsOf(html, 'Referring sites')).toEqual([['news.example.org', '2'], ['t.co', '1']]);
    const money = Object.fromEntries([...html.matchAll(/<dt>(.*?)<\/dt><dd>(.*?)<\/dd>/g)].map((m) => [m[1], m[2]]));
    expect(money).toMatchObject({ 'Monthly recurring revenue': '£7.00', 'Paying subscribers': '1', Trialing: '1', Complimentary: '0', 'New free members in this period': '2' });
    // The day's chart, with its table for screen readers.
    const today = rowsOf(html, 'Metered reads, as a table').at(-1);
    expect(today).toEqual(['10 Mar', '2']);
    expect(html).toMatch(/<svg[^>]*role="img"[^>]*aria-labelledby="c-reads-title"/);

    // Where readers come from is counted by the hour with no identifier.
    const refs = await t.db.db.selectFrom('event_counts').selectAll().where('kind', '=', 'referrer').execute();
    expect(refs.map((x) => [x.reason, x.article_id, x.reader, Number(x.count)]).sort()).toEqual([['news.example.org', 0, '', 2], ['t.co', 0, '', 1]]);

    // The page reads the daily roll-ups, not the hourly rows.
    await t.db.db.deleteFrom('event_counts').execute();
    expect(rowsOf((await staff.eve!.get('/admin/dashboard?period=7d')).body, 'The funnel, step by step')[0]).toEqual(['Metered reads', '2', '—']);
  });

  it('shows other periods in the site’s days, and refuses a period it cannot use with a message', async () => {
    const last = rowsOf((await staff.eve!.get('/admin/dashboard?period=custom&from=2025-03-01&to=2025-03-31')).body, 'The funnel, step by step');
    expect(last.map((x) => x[1])).toEqual(['0', '0', '0', '0', '0']);
    const year = (await staff.eve!.get('/admin/dashboard?period=12m')).body;
    expect(year).toContain('Month by month');
    expect(rowsOf(year, 'Metered reads, as a table').map((x) => x[0])).toEqual(['Apr 2025', 'May 2025', 'Jun 2025', 'Jul 2025', 'Aug 2025', 'Sep 2025', 'Oct 2025', 'Nov 2025', 'Dec 2025', 'Jan 2026', 'Feb 2026', 'Mar 2026']);
    const bad = await staff.eve!.get('/admin/dashboard?period=custom&from=2026-03-09&to=2026-03-01');
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('The first day must come before the last.');
    expect(bad.body).toContain('value="2026-03-09"');
    const junk = await staff.eve!.get('/admin/dashboard?period=<script>&from=x');
    expect(junk.statusCode).toBe(200);
  });
});
