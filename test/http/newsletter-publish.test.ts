import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import type { ParsedMail } from 'mailparser';
import { dialects } from '../helpers/db.js';
import { startTestApp, type Agent, type TestApp } from '../helpers/app.js';
import { makeArticle, makePlan, makeSection } from '../helpers/factories.js';
import { startInbox, type Inbox } from '../helpers/smtp.js';
import { createStaffUser, type StaffRole } from '../../src/members/staff.js';
import { setStaffPassword } from '../../src/members/staff-auth.service.js';
import { createNewsletter } from '../../src/newsletters/newsletters.service.js';
import { setSubscription, type Newsletter } from '../../src/newsletters/newsletters.queries.js';
import { getArticle } from '../../src/content/articles.service.js';

const CANARY = 'Publish-flow-canary-51bd';
const HOUR = 3_600_000;
const addressOf = (m: ParsedMail) => (Array.isArray(m.to) ? m.to : m.to ? [m.to] : []).flatMap((a) => a.value.map((v) => v.address!.toLowerCase()));

/**
 * Issue 17, sending from the publish flow: "Publish and email", "Email only" and "Publish only"
 * on the editor's form, a count before anything is sent, sends stored with a scheduled article,
 * a test to a staff address, and only who may publish may send. Mail goes to a real SMTP server.
 */
describe.each(dialects())('sending from the publish flow on %s', (dialect) => {
  let t: TestApp;
  let inbox: Inbox;
  let briefing: Newsletter;
  let sectionSlug: string;
  const staff = {} as Record<string, { id: number; agent: Agent; email: string }>;
  /** Members by kind: the free ones get the preview, the subscriber the whole article. */
  const FREE = ['free-1@readers.example', 'free-2@readers.example'];
  const PAID = 'paid-1@readers.example';

  async function signIn(name: string, role: StaffRole) {
    const email = `${name}@staff.example`;
    const u = await createStaffUser(t.db.db, { email, name: name[0]!.toUpperCase() + name.slice(1), role, now: t.clock.now() });
    await setStaffPassword({ db: t.db.db, clock: t.clock }, email, `${name} password 123`, 'test');
    const agent = t.agent();
    await agent.get('/admin/signin');
    expect((await agent.post('/admin/signin', { email, password: `${name} password 123` })).statusCode).toBe(303);
    staff[name] = { id: u.id, agent, email };
  }

  const draft = async (title: string, accessLevel?: 'paid') => {
    const a = await makeArticle(t.app.ctx.content, { title, status: 'draft', section: sectionSlug, rest: `${CANARY} ${title} is in the gated part.`, ...(accessLevel ? { accessLevel } : {}) });
    return getArticle(t.app.ctx.content, { id: a.id });
  };
  const revision = async (id: number) => (await getArticle(t.app.ctx.content, { id })).revision;
  const sendsOf = (articleId: number) => t.db.db.selectFrom('newsletter_sends').selectAll().where('article_id', '=', articleId).execute();
  const mailFor = (title: string) => inbox.messages.filter((m) => m.subject?.includes(title));
  /** Step the worker until `n` messages about `title` have arrived (or fail after 20 s). */
  const delivered = async (title: string, n: number) => {
    const deadline = Date.now() + 20_000;
    while (mailFor(title).length < n) {
      if (Date.now() > deadline) throw new Error(`only ${mailFor(title).length} of ${n} messages about "${title}" arrived`);
      await t.app.ctx.worker.drain();
      await new Promise((r) => setTimeout(r, 50));
    }
    return mailFor(title);
  };

  beforeAll(async () => {
    inbox = await startInbox();
    t = await startTestApp(dialect, { smtpUrl: inbox.url });
    await makePlan(t.app.ctx.content);
    sectionSlug = (await makeSection(t.app.ctx.content, { slug: 'harbour', defaultAccess: 'metered' })).slug;
    briefing = await createNewsletter(t.app.ctx.newsletters, { slug: 'briefing', name: 'The briefing', senderName: 'The Ledger', senderEmail: 'briefing@news.example' });
    await createNewsletter(t.app.ctx.newsletters, { slug: 'silent', name: 'No sender yet', senderName: 'The Ledger' });
    const now = t.clock.now();
    for (const email of [...FREE, PAID, 'left@readers.example']) {
      const m = await t.db.db.insertInto('members').values({
        email, email_normalized: email, name: email.split('@')[0]!, status: email === PAID ? 'paid' : 'free',
        email_verified: 1, password_hash: null, created_at: now, last_seen_at: null, deleted_at: null,
      }).returning('id').executeTakeFirstOrThrow();
      await setSubscription(t.db.db, m.id, briefing.id, !email.startsWith('left'), 'import', now);
    }
    await signIn('eve', 'editor');
    await signIn('carl', 'contributor');
    await signIn('ada', 'administrator');
  });
  afterAll(async () => {
    await t?.close();
    await inbox?.close();
  });

  it('shows the email choices on the publish form to who may publish, and refuses a contributor', async () => {
    const a = await draft('Form story');
    const page = (await staff.eve!.agent.get(`/admin/articles/${a.id}`)).body;
    for (const label of ['Publish only', 'Publish and email', 'Email only', 'Newsletter', 'Segment', 'Send a test']) expect(page).toContain(label);
    expect(page).toContain('>The briefing</option>');
    expect(page, 'a newsletter without a sender is not offered').not.toContain('>No sender yet</option>');

    const mine = await makeArticle(t.app.ctx.content, { title: 'Carl draft', status: 'draft' });
    await t.db.db.updateTable('articles').set({ created_by_staff_id: staff.carl!.id }).where('id', '=', mine.id).execute();
    const carlPage = (await staff.carl!.agent.get(`/admin/articles/${mine.id}`)).body;
    expect(carlPage).not.toContain('Publish and email');
    const refused = await staff.carl!.agent.post(`/admin/articles/${mine.id}/publish`, { action: 'publish', mode: 'publish-and-email', newsletter: String(briefing.id), segment: 'all', confirm: '1', baseRevision: String(await revision(mine.id)) });
    expect(refused.statusCode).toBe(403);
    expect(await sendsOf(mine.id)).toEqual([]);
  });

  it('"Publish and email": the count first, nothing sent; confirmed, free members get the preview and the offer, the subscriber the whole text', async () => {
    const a = await draft('Harbour vote');
    const form = { action: 'publish', mode: 'publish-and-email', newsletter: String(briefing.id), segment: 'all', baseRevision: String(a.revision) };
    const confirm = await staff.eve!.agent.post(`/admin/articles/${a.id}/publish`, form);
    expect(confirm.statusCode).toBe(200);
    expect(confirm.body).toMatch(/<strong>3 members<\/strong> would get it/);
    expect(confirm.body).toContain('Publish and email 3 members');
    expect((await getArticle(t.app.ctx.content, { id: a.id })).status, 'not published before confirming').toBe('draft');
    expect(await sendsOf(a.id)).toEqual([]);

    const free = await staff.eve!.agent.post(`/admin/articles/${a.id}/publish`, { ...form, segment: 'free' });
    expect(free.body).toMatch(/<strong>2 members<\/strong>/);

    const done = await staff.eve!.agent.post(`/admin/articles/${a.id}/publish`, { ...form, confirm: '1' });
    expect(done.statusCode).toBe(303);
    expect((await getArticle(t.app.ctx.content, { id: a.id })).status).toBe('published');
    expect((await t.get('/')).body, 'published on the site too').toContain('Harbour vote');

    const mail = await delivered('Harbour vote', 3);
    expect(mail.flatMap(addressOf).sort()).toEqual([...FREE, PAID].sort());
    for (const m of mail) {
      const to = addressOf(m)[0]!;
      if (to === PAID) {
        expect(m.text).toContain(CANARY);
        expect(m.html).toContain(CANARY);
      } else {
        expect(m.text).toContain('Subscribe to read the rest');
        expect(`${m.text}${m.html}`).not.toContain(CANARY);
      }
    }
    // Confirmed twice (a double click): still one send.
    await staff.eve!.agent.post(`/admin/articles/${a.id}/publish`, { ...form, confirm: '1', baseRevision: String(await revision(a.id)) });
    expect(await sendsOf(a.id)).toHaveLength(1);
    const audit = await t.db.db.selectFrom('audit_log').selectAll().where('action', '=', 'newsletter.send').execute();
    expect(audit.some((r) => r.actor === `staff:${staff.eve!.id}`)).toBe(true);
  });

  it('"Email only": mailed, listed nowhere on the site, and its web view keeps the paywall', async () => {
    const a = await draft('Quiet memo', 'paid');
    const form = { action: 'publish', mode: 'email-only', newsletter: String(briefing.id), segment: 'subscribers', baseRevision: String(a.revision) };
    const confirm = await staff.eve!.agent.post(`/admin/articles/${a.id}/publish`, form);
    expect(confirm.body).toMatch(/<strong>1 member<\/strong>/);
    expect(confirm.body).toContain('not be listed on the site');
    expect((await staff.eve!.agent.post(`/admin/articles/${a.id}/publish`, { ...form, confirm: '1' })).statusCode).toBe(303);
    const [m] = await delivered('Quiet memo', 1);
    expect(addressOf(m!)).toEqual([PAID]);

    for (const url of ['/', '/feed.xml', `/section/${sectionSlug}`, '/sitemaps/articles-1.xml', '/search?q=quiet']) {
      const r = await t.get(url);
      expect(r.body, `${url} does not list it`).not.toContain('Quiet memo');
      expect(r.body).not.toContain(a.slug);
    }
    const web = await t.get(`/articles/${a.slug}`);
    expect(web.statusCode, 'the web view answers').toBe(200);
    expect(web.body).toContain('Quiet memo');
    expect(web.body, 'a reader without access gets the preview, as on any article page').not.toContain(CANARY);
    expect(web.body).toContain('Opening paragraph');
    // Publishing it normally afterwards lists it.
    expect((await staff.eve!.agent.post(`/admin/articles/${a.id}/publish`, { action: 'publish', mode: 'publish', baseRevision: String(await revision(a.id)) })).statusCode).toBe(303);
    t.app.ctx.invalidate();
    expect((await t.get('/')).body).toContain('Quiet memo');
  });

  it('a scheduled article sends when it goes live; rescheduling moves the send, unpublishing cancels it', async () => {
    const at = (ms: number) => new Date(t.clock.now() + ms).toISOString().slice(0, 16); // the site's zone is UTC
    const a = await draft('Budget night');
    const form = { action: 'schedule', at: at(2 * HOUR), mode: 'publish-and-email', newsletter: String(briefing.id), segment: 'all' };
    const confirm = await staff.eve!.agent.post(`/admin/articles/${a.id}/publish`, { ...form, baseRevision: String(a.revision) });
    expect(confirm.body).toContain('when it goes live');
    expect((await staff.eve!.agent.post(`/admin/articles/${a.id}/publish`, { ...form, confirm: '1', baseRevision: String(a.revision) })).statusCode).toBe(303);
    expect((await sendsOf(a.id)).map((s) => s.status)).toEqual(['scheduled']);
    await t.app.ctx.worker.drain();
    expect(mailFor('Budget night')).toEqual([]);

    // Moved one hour earlier: it goes out at the new time.
    const moved = await staff.eve!.agent.post(`/admin/articles/${a.id}/publish`, { action: 'schedule', at: at(HOUR), mode: 'publish', baseRevision: String(await revision(a.id)) });
    expect(moved.statusCode).toBe(303);
    t.clock.advance(HOUR + 60_000);
    expect(await delivered('Budget night', 3)).toHaveLength(3);
    expect((await sendsOf(a.id))[0]!.status).not.toBe('scheduled');

    const b = await draft('Pier closure');
    const formB = { action: 'schedule', at: at(HOUR), mode: 'publish-and-email', newsletter: String(briefing.id), segment: 'all', confirm: '1', baseRevision: String(b.revision) };
    expect((await staff.eve!.agent.post(`/admin/articles/${b.id}/publish`, formB)).statusCode).toBe(303);
    expect((await staff.eve!.agent.post(`/admin/articles/${b.id}/publish`, { action: 'unpublish', baseRevision: String(await revision(b.id)) })).statusCode).toBe(303);
    expect((await sendsOf(b.id)).map((s) => s.status)).toEqual(['cancelled']);
    t.clock.advance(2 * HOUR);
    await t.app.ctx.worker.drain();
    await new Promise((r) => setTimeout(r, 300));
    expect(mailFor('Pier closure'), 'an unpublished article is not mailed').toEqual([]);
  });

  it('sends a test to a staff address only, with both copies of a gated article', async () => {
    const a = await draft('Test run');
    const test = (to: string) => staff.eve!.agent.post(`/admin/articles/${a.id}/publish`, { action: 'test', newsletter: String(briefing.id), segment: 'all', testTo: to, baseRevision: String(a.revision) });
    const outside = await test('someone@elsewhere.example');
    expect(outside.statusCode).toBe(400);
    expect(outside.body).toContain('a newsroom address only');
    expect((await test('eve@staff.example')).statusCode).toBe(303);
    const mail = await delivered('Test run', 2);
    expect(mail.map((m) => m.subject).sort()).toEqual(["[Test, a free member's copy] Test run", "[Test, a subscriber's copy] Test run"]);
    expect(mail.every((m) => addressOf(m)[0] === 'eve@staff.example')).toBe(true);
    expect(mail.find((m) => m.subject!.includes('free member'))!.text).not.toContain(CANARY);
    expect((await getArticle(t.app.ctx.content, { id: a.id })).status, 'a test publishes nothing').toBe('draft');
    expect(await sendsOf(a.id)).toEqual([]);
  });

  it('refuses a newsletter that cannot send with the reason, and publishes nothing', async () => {
    const a = await draft('No sender story');
    const silent = (await t.db.db.selectFrom('newsletters').select('id').where('slug', '=', 'silent').executeTakeFirstOrThrow()).id;
    const r = await staff.eve!.agent.post(`/admin/articles/${a.id}/publish`, { action: 'publish', mode: 'publish-and-email', newsletter: String(silent), segment: 'all', confirm: '1', baseRevision: String(a.revision) });
    expect(r.statusCode).toBe(400);
    expect(r.body).toContain('has no sender address');
    expect((await getArticle(t.app.ctx.content, { id: a.id })).status).toBe('draft');
  });

  it('counts the audience again when the send is confirmed: a material change is shown, and nothing happens until it is confirmed again', async () => {
    const a = await draft('Recount story');
    const form = { action: 'publish', mode: 'publish-and-email', newsletter: String(briefing.id), segment: 'all', baseRevision: String(a.revision) };
    const confirm = await staff.eve!.agent.post(`/admin/articles/${a.id}/publish`, form);
    expect(confirm.body).toContain('name="count" value="3"');
    // Two more members join before the editor clicks.
    for (const email of ['late-1@readers.example', 'late-2@readers.example']) {
      const m = await t.db.db.insertInto('members').values({
        email, email_normalized: email, name: 'late', status: 'free', email_verified: 1, password_hash: null, created_at: t.clock.now(), last_seen_at: null, deleted_at: null,
      }).returning('id').executeTakeFirstOrThrow();
      await setSubscription(t.db.db, m.id, briefing.id, true, 'import', t.clock.now());
    }
    const stale = await staff.eve!.agent.post(`/admin/articles/${a.id}/publish`, { ...form, confirm: '1', count: '3' });
    expect(stale.statusCode).toBe(409);
    expect(stale.body).toMatch(/The audience changed since you looked: <strong>5 members<\/strong> now, not 3/);
    expect(stale.body).toContain('Publish and email 5 members');
    expect(stale.body).toContain('name="count" value="5"');
    expect((await getArticle(t.app.ctx.content, { id: a.id })).status, 'nothing published').toBe('draft');
    expect(await sendsOf(a.id)).toEqual([]);

    const ok = await staff.eve!.agent.post(`/admin/articles/${a.id}/publish`, { ...form, confirm: '1', count: '5' });
    expect(ok.statusCode).toBe(303);
    expect((await getArticle(t.app.ctx.content, { id: a.id })).status).toBe('published');
    expect(await delivered('Recount story', 5)).toHaveLength(5);
    // Those two leave again: the later tests count the audience they began with.
    for (const email of ['late-1@readers.example', 'late-2@readers.example']) {
      const m = await t.db.db.selectFrom('members').select('id').where('email', '=', email).executeTakeFirstOrThrow();
      await setSubscription(t.db.db, m.id, briefing.id, false, 'staff', t.clock.now());
    }
  });

  it('publishes and starts the send as one step: a send that fails part way leaves the article unpublished and nothing queued', async () => {
    const a = await draft('Half-way story');
    const fail = dialect === 'postgres'
      ? [sql`create function masthead_fail_recipients() returns trigger language plpgsql as $$ begin raise exception 'the disk is full (injected)'; end $$`,
        sql`create trigger masthead_fail_recipients before insert on newsletter_recipients for each row execute function masthead_fail_recipients()`]
      : [sql`create trigger masthead_fail_recipients before insert on newsletter_recipients begin select raise(abort, 'the disk is full (injected)'); end`];
    for (const q of fail) await q.execute(t.db.db);
    const jobsBefore = (await t.db.db.selectFrom('jobs').select('id').execute()).length;
    try {
      const r = await staff.eve!.agent.post(`/admin/articles/${a.id}/publish`, { action: 'publish', mode: 'publish-and-email', newsletter: String(briefing.id), segment: 'all', confirm: '1', count: '3', baseRevision: String(a.revision) });
      expect(r.statusCode).toBe(500);
      expect(r.body).not.toContain('disk is full');
    } finally {
      await sql`drop trigger masthead_fail_recipients${dialect === 'postgres' ? sql` on newsletter_recipients` : sql``}`.execute(t.db.db);
      if (dialect === 'postgres') await sql`drop function masthead_fail_recipients()`.execute(t.db.db);
    }
    const after = await getArticle(t.app.ctx.content, { id: a.id });
    expect(after.status, 'the article is not published when its send could not start').toBe('draft');
    expect(after.revision, 'nor saved').toBe(a.revision);
    expect(await sendsOf(a.id)).toEqual([]);
    expect((await t.db.db.selectFrom('jobs').select('id').execute()).length, 'no lane was queued').toBe(jobsBefore);
    expect((await t.db.db.selectFrom('audit_log').select('id').where('target', 'like', 'send:%').where('details', 'like', `%"article":${a.id},%`).execute())).toEqual([]);
    // With the fault gone, the same form publishes and sends.
    const again = await staff.eve!.agent.post(`/admin/articles/${a.id}/publish`, { action: 'publish', mode: 'publish-and-email', newsletter: String(briefing.id), segment: 'all', confirm: '1', count: '3', baseRevision: String(a.revision) });
    expect(again.statusCode).toBe(303);
    expect(await delivered('Half-way story', 3)).toHaveLength(3);
  });

  /** Drafts scheduled six hours on through the editor's form, each with a send to the briefing stored with it. */
  const scheduledWithSends = async (titles: string[]) => {
    const at = new Date(t.clock.now() + 6 * HOUR).toISOString().slice(0, 16);
    const ids: number[] = [];
    for (const title of titles) {
      const a = await draft(title);
      expect((await staff.eve!.agent.post(`/admin/articles/${a.id}/publish`, { action: 'schedule', at, mode: 'publish-and-email', newsletter: String(briefing.id), segment: 'all', confirm: '1', baseRevision: String(a.revision) })).statusCode).toBe(303);
      ids.push(a.id);
    }
    return ids;
  };

  it("the article list's bulk publish starts a scheduled article's send with it, and bulk unpublish cancels one", async () => {
    const ids = await scheduledWithSends(['Bulk live story', 'Bulk pulled story']);
    await staff.eve!.agent.get('/admin/articles');
    expect((await staff.eve!.agent.post('/admin/articles/bulk', { action: 'publish', ids: String(ids[0]) })).statusCode).toBe(303);
    expect((await sendsOf(ids[0]!))[0]!.status).not.toBe('scheduled');
    expect(await delivered('Bulk live story', 3)).toHaveLength(3);
    expect((await staff.eve!.agent.post('/admin/articles/bulk', { action: 'unpublish', ids: String(ids[1]) })).statusCode).toBe(303);
    expect((await sendsOf(ids[1]!)).map((x) => x.status)).toEqual(['cancelled']);
  });

  it('the Admin API is the same step: a scheduled article published early through it sends now; deleting takes an unsent send along and refuses an emailed article', async () => {
    const ids = await scheduledWithSends(['API early story', 'API deleted story']);
    const live = await t.api('PATCH', `/api/admin/articles/${ids[0]}`, { status: 'published', publishedAt: new Date(t.clock.now()).toISOString() });
    expect(live.statusCode).toBe(200);
    expect(live.json().article.status).toBe('published');
    expect((await sendsOf(ids[0]!))[0]!.status).not.toBe('scheduled');
    expect(await delivered('API early story', 3)).toHaveLength(3);
    // Deleting: a send that never mailed anyone goes with its article; one that went out is kept, and the article with it.
    expect((await t.api('DELETE', `/api/admin/articles/${ids[1]}`)).statusCode).toBe(204);
    expect(await sendsOf(ids[1]!)).toEqual([]);
    const refused = await t.api('DELETE', `/api/admin/articles/${ids[0]}`);
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.message).toBe('“API early story” was emailed to members, so it cannot be deleted: unpublish it instead, and the record of the send stays');
    expect((await t.api('GET', `/api/admin/articles/${ids[0]}`)).statusCode).toBe(200);
    // The article list's bulk delete says the same.
    await staff.eve!.agent.get('/admin/articles');
    const bulk = await staff.eve!.agent.post('/admin/articles/bulk', { action: 'delete', ids: String(ids[0]), confirm: '1' });
    expect(bulk.statusCode).toBe(409);
    expect(bulk.body).toContain('was emailed to members, so it cannot be deleted');
    expect((await t.api('GET', `/api/admin/articles/${ids[0]}`)).statusCode).toBe(200);
  });

  it('/admin/newsletters: an administrator creates and edits newsletters; editors see sends with counts per state and cancel one', async () => {
    const ada = staff.ada!.agent;
    expect((await ada.get('/admin/newsletters/new')).statusCode).toBe(200);
    const bad = await ada.post('/admin/newsletters', { name: 'Evening', senderEmail: 'not an address', audience: 'members', subscribeOnSignup: '1' });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('senderEmail');
    expect(bad.body, 'what was typed comes back').toContain('value="Evening"');
    const made = await ada.post('/admin/newsletters', { name: 'Evening edition', senderName: 'The Ledger at night', senderEmail: 'evening@news.example', replyTo: 'desk@news.example', audience: 'subscribers', header: 'Tonight', footer: 'Goodnight' });
    expect(made.statusCode).toBe(303);
    const row = await t.db.db.selectFrom('newsletters').selectAll().where('slug', '=', 'evening-edition').executeTakeFirstOrThrow();
    expect([row.sender_name, row.sender_email, row.reply_to, row.audience, row.subscribe_on_signup, row.header, row.footer]).toEqual(['The Ledger at night', 'evening@news.example', 'desk@news.example', 'subscribers', 0, 'Tonight', 'Goodnight']);
    const edit = await ada.get(`/admin/newsletters/${row.id}`);
    expect(edit.body).toContain('value="evening@news.example"');
    expect((await ada.post(`/admin/newsletters/${row.id}`, { name: 'Evening edition', slug: 'evening-edition', senderEmail: 'night@news.example', audience: 'members', subscribeOnSignup: '1' })).statusCode).toBe(303);
    const after = await t.db.db.selectFrom('newsletters').selectAll().where('id', '=', row.id).executeTakeFirstOrThrow();
    expect([after.sender_email, after.audience, after.subscribe_on_signup]).toEqual(['night@news.example', 'members', 1]);

    const eve = staff.eve!.agent;
    expect((await eve.post('/admin/newsletters', { name: 'Editor made' })).statusCode, 'an editor does not manage newsletters').toBe(403);
    expect((await staff.carl!.agent.get('/admin/newsletters')).statusCode, 'a contributor does not see sends').toBe(403);
    const list = await eve.get('/admin/newsletters');
    expect(list.statusCode).toBe(200);
    expect(list.body).toContain('Evening edition');
    // The Harbour vote send: 3 sent, and the member who left the newsletter was never a recipient.
    expect(list.body).toMatch(/Harbour vote<\/a><\/td><td>The briefing<\/td><td>All members<\/td><td>Done<br>.*?<\/td><td>0<\/td><td>0<\/td><td>3<\/td><td>0<\/td><td>0<\/td>/);

    const a = await draft('Cancel me');
    const at = new Date(t.clock.now() + HOUR).toISOString().slice(0, 16);
    await eve.post(`/admin/articles/${a.id}/publish`, { action: 'schedule', at, mode: 'publish-and-email', newsletter: String(briefing.id), segment: 'free', confirm: '1', baseRevision: String(a.revision) });
    const [send] = await sendsOf(a.id);
    const page = await eve.get('/admin/newsletters');
    expect(page.body).toContain('Scheduled with the article');
    expect(page.body).toContain(`Cancel send ${send!.id}`);
    const scheduledPage = await eve.get(`/admin/newsletters/sends/${send!.id}`);
    expect(scheduledPage.body).toContain('It goes out when the article goes live');
    expect(scheduledPage.headers.refresh, 'nothing to follow yet').toBeUndefined();
    const cancelled = await eve.post(`/admin/newsletters/sends/${send!.id}/cancel`, {});
    expect(cancelled.headers.location).toBe('/admin/newsletters?done=cancelled');
    expect((await sendsOf(a.id))[0]!.status).toBe('cancelled');
    t.clock.advance(2 * HOUR);
    await t.app.ctx.worker.drain();
    await new Promise((r) => setTimeout(r, 300));
    expect(mailFor('Cancel me')).toEqual([]);
  });
});
