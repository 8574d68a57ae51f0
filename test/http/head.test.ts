import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/db.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { makeArticle, makeAuthor, makeSection } from '../helpers/factories.js';
import { linkIn, startInbox, type Inbox } from '../helpers/smtp.js';
import { ROUTES } from '../helpers/routes.js';
import { DEVICE_COOKIE } from '../../src/access/access.service.js';
import type { ArticleDetail } from '../../src/content/articles.service.js';
import { unsubscribeToken } from '../../src/comments/comments.service.js';

/**
 * Issue 12, defect 8: a HEAD on a metered article set mh_device and spent a free read, though
 * no text was sent. Fastify answers HEAD with the GET handler, so every GET that changes
 * something is a sibling: a HEAD must change nothing anywhere.
 */
describe.each(dialects())('HEAD changes nothing on %s', (dialect) => {
  let t: TestApp;
  let inbox: Inbox;
  const stories: ArticleDetail[] = [];
  let section: string;
  let author: string;

  beforeAll(async () => {
    inbox = await startInbox();
    t = await startTestApp(dialect, { smtpUrl: inbox.url });
    const d = t.app.ctx.content;
    section = (await makeSection(d, { slug: 'news', defaultAccess: 'metered' })).slug;
    author = (await makeAuthor(d, { slug: 'reporter' })).slug;
    for (let i = 0; i < 4; i++) stories.push(await makeArticle(d, { section, authors: [author], tags: ['council'], title: `Metered ${i}`, rest: `Gated ${i}.` }));
  });
  afterAll(async () => {
    await t?.close();
    await inbox?.close();
  });

  /** Everything a GET might change: meter rows, event counts, used links, sessions, reply-mail opt-outs. */
  async function snapshot() {
    await t.app.ctx.access.meter.flush();
    const db = t.db.db;
    const count = async (table: 'meter_reads' | 'sessions') => Number((await db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    return {
      meterReads: await count('meter_reads'),
      sessions: await count('sessions'),
      events: Number((await db.selectFrom('event_counts').select((eb) => eb.fn.sum('count').as('n')).executeTakeFirst())?.n ?? 0),
      usedLinks: Number((await db.selectFrom('login_tokens').select((eb) => eb.fn.countAll().as('n')).where('used_at', 'is not', null).executeTakeFirstOrThrow()).n),
      replyMailsOff: Number((await db.selectFrom('members').select((eb) => eb.fn.countAll().as('n')).where('comment_emails', '=', 0).executeTakeFirstOrThrow()).n),
    };
  }

  it('spends no free read and sets no device cookie for a metered article', async () => {
    const before = await snapshot();
    for (let i = 0; i < 10; i++) {
      const res = await t.app.server.inject({ method: 'HEAD', url: `/articles/${stories[0]!.slug}`, headers: { 'user-agent': 'Checker/1.0' } });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.body).toBe('');
      expect(String(res.headers['set-cookie'] ?? '')).not.toContain(DEVICE_COOKIE);
    }
    expect(await snapshot()).toEqual(before);
  });

  it('keeps the allowance of a reader who HEADs before reading', async () => {
    const a = t.agent({ 'user-agent': 'Careful/1.0' });
    // The first GET gives the device; its HEADs of three more stories must not count.
    expect((await a.get(`/articles/${stories[0]!.slug}`)).body).toContain('Gated 0.');
    const cookie = [...a.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    for (const s of stories.slice(1)) await t.app.server.inject({ method: 'HEAD', url: `/articles/${s.slug}`, headers: { 'user-agent': 'Careful/1.0', cookie } });
    expect((await a.get(`/articles/${stories[1]!.slug}`)).body).toContain('Gated 1.');
    expect((await a.get(`/articles/${stories[2]!.slug}`)).body).toContain('Gated 2.');
    expect((await a.get(`/articles/${stories[3]!.slug}`)).body).not.toContain('Gated 3.');
  });

  it('neither signs in nor uses up a magic link opened with HEAD in the browser that asked for it', async () => {
    const a = t.agent();
    await a.get('/signin');
    const before = inbox.messages.length;
    await a.post('/signin', { email: 'head-reader@example.com' });
    const url = new URL(linkIn(await inbox.waitFor('head-reader@example.com', { after: before })));
    const s0 = await snapshot();
    const cookie = [...a.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const head = await t.app.server.inject({ method: 'HEAD', url: url.pathname + url.search, headers: { cookie } });
    expect(head.statusCode).toBe(200);
    expect(await snapshot()).toEqual(s0);
    const get = await a.get(url.pathname + url.search);
    expect(get.statusCode).toBe(303);
    expect(await a.signedIn()).toBe(true);
  });

  it('does not turn off reply emails when a mail scanner HEADs the unsubscribe link', async () => {
    const m = await t.db.db.insertInto('members').values({ email: 'replies@example.com', email_normalized: 'replies@example.com', name: 'R', status: 'paid', email_verified: 1, password_hash: null, created_at: t.clock.now(), last_seen_at: null, deleted_at: null }).returning('id').executeTakeFirstOrThrow();
    const url = `/comments/unsubscribe?m=${m.id}&t=${unsubscribeToken(t.app.ctx.config.secret, m.id)}`;
    const before = await snapshot();
    expect((await t.app.server.inject({ method: 'HEAD', url })).statusCode).toBe(200);
    expect(await snapshot()).toEqual(before);
    expect((await t.get(url)).statusCode).toBe(200);
    expect((await snapshot()).replyMailsOff).toBe(before.replyMailsOff + 1);
  });

  it('changes nothing for HEAD on any GET route the server has', async () => {
    const slugs = stories.map((s) => s.slug);
    const urls = Object.entries(ROUTES).filter(([k]) => k.startsWith('GET ')).flatMap(([, f]) => f({ slugs, section, author, tag: 'council', ids: stories.map((s) => s.id), commentIds: [1] }));
    expect(urls.length).toBeGreaterThan(50);
    const before = await snapshot();
    for (const url of urls) {
      const res = await t.app.server.inject({ method: 'HEAD', url, headers: { 'user-agent': `Sweep/${url}` } });
      expect(res.statusCode, url).toBeLessThan(500);
      expect(res.body, url).toBe('');
    }
    expect(await snapshot()).toEqual(before);
  });
});
