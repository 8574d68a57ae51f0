import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ParsedMail } from 'mailparser';
import { dialects } from '../helpers/db.js';
import { startTestApp, type Agent, type TestApp } from '../helpers/app.js';
import { makeArticle, makePlan, makeSection } from '../helpers/factories.js';
import { startInbox, type Inbox } from '../helpers/smtp.js';
import { createStaffUser } from '../../src/members/staff.js';
import { setStaffPassword } from '../../src/members/staff-auth.service.js';
import { createNewsletter, sendStatus, startSend } from '../../src/newsletters/newsletters.service.js';
import { setSubscription, type Newsletter } from '../../src/newsletters/newsletters.queries.js';
import { statusLines } from '../../src/cli/newsletter.js';

const GATED_URL = 'https://gated.example/after-the-break-canary-7c21';
const FREE_URL = 'https://elsewhere.example/before-the-break?x=1&y=2';
const addressOf = (m: ParsedMail) => (Array.isArray(m.to) ? m.to : m.to ? [m.to] : []).flatMap((a) => a.value.map((v) => v.address!.toLowerCase()));
const hrefs = (html: string) => [...html.matchAll(/href="([^"]+)"/g)].map((x) => x[1]!.replace(/&amp;/g, '&'));
const pathOf = (u: string) => new URL(u).pathname;

/**
 * Issue 17, figures with privacy by default: open and click tracking are off until an
 * administrator turns them on; then each recipient's mail carries an open pixel and links through
 * a signed redirect, events are counted once per member, and the send's page and
 * `masthead newsletter status` show the totals. Mail through a real SMTP server.
 */
describe.each(dialects())('newsletter tracking on %s', (dialect) => {
  let t: TestApp;
  let inbox: Inbox;
  let briefing: Newsletter;
  let ada: Agent;
  let section: string;
  const FREE = ['free-a@readers.example', 'free-b@readers.example'];
  const PAID = 'paid@readers.example';

  const article = (title: string) => makeArticle(t.app.ctx.content, {
    title, section, preview: `Before the break, [a free link](${FREE_URL}).`, rest: `After the break, [a gated link](${GATED_URL}).`,
  });
  const deliver = async (sendId: number) => {
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      await t.app.ctx.worker.drain();
      if ((await sendStatus(t.app.ctx.newsletters, sendId)).send.status !== 'sending') return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('the send did not finish');
  };
  const mailFor = (title: string) => inbox.messages.filter((m) => m.subject === title);
  const byAddress = (title: string) => new Map(mailFor(title).map((m) => [addressOf(m)[0]!, m]));

  beforeAll(async () => {
    inbox = await startInbox();
    t = await startTestApp(dialect, { smtpUrl: inbox.url });
    await makePlan(t.app.ctx.content);
    section = (await makeSection(t.app.ctx.content, { slug: 'tracked', defaultAccess: 'metered' })).slug;
    briefing = await createNewsletter(t.app.ctx.newsletters, { slug: 'tracked', name: 'Tracked briefing', senderName: 'The Ledger', senderEmail: 'briefing@news.example' });
    const now = t.clock.now();
    for (const email of [...FREE, PAID]) {
      const m = await t.db.db.insertInto('members').values({
        email, email_normalized: email, name: email.split('@')[0]!, status: email === PAID ? 'paid' : 'free',
        email_verified: 1, password_hash: null, created_at: now, last_seen_at: null, deleted_at: null,
      }).returning('id').executeTakeFirstOrThrow();
      await setSubscription(t.db.db, m.id, briefing.id, true, 'import', now);
    }
    await createStaffUser(t.db.db, { email: 'ada@staff.example', name: 'Ada', role: 'administrator', now });
    await setStaffPassword({ db: t.db.db, clock: t.clock }, 'ada@staff.example', 'ada password 123', 'test');
    ada = t.agent();
    await ada.get('/admin/signin');
    expect((await ada.post('/admin/signin', { email: 'ada@staff.example', password: 'ada password 123' })).statusCode).toBe(303);
  });
  afterAll(async () => {
    await t?.close();
    await inbox?.close();
  });

  it('is off by default: the setting says so and what it would record, and the mail has no pixel and no rewritten links', async () => {
    const page = await ada.get('/admin/settings/email');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('off unless you turn them on');
    expect(page.body).toContain('member id');
    expect(page.body).not.toMatch(/name="trackOpens"[^>]*checked/);
    expect(page.body).not.toMatch(/name="trackClicks"[^>]*checked/);

    const a = await article('Untracked story');
    const s = await startSend(t.app.ctx.newsletters, { newsletter: briefing.id, articleId: a.id, by: 'test' });
    await deliver(s.send.id);
    const mail = mailFor('Untracked story');
    expect(mail).toHaveLength(3);
    for (const m of mail) {
      const html = String(m.html);
      expect(html).not.toContain('/newsletters/o/');
      expect(html).not.toContain('/newsletters/c/');
      expect(m.text).not.toContain('/newsletters/c/');
      expect(hrefs(html)).toContain(FREE_URL);
    }
    const report = await ada.get(`/admin/newsletters/sends/${s.send.id}`);
    expect(report.body).toContain('Not tracked: tracking was off when this send began');
    expect(await t.db.db.selectFrom('newsletter_links').selectAll().where('send_id', '=', s.send.id).execute()).toEqual([]);
  });

  it('when turned on: a pixel and signed redirects per recipient, events counted once per member, totals on the send page and in the CLI status', async () => {
    expect((await ada.post('/admin/settings/email', { trackOpens: 'on', trackClicks: 'on' })).statusCode).toBe(303);
    const settings = await ada.get('/admin/settings/email');
    expect(settings.body).toMatch(/name="trackOpens"[^>]*checked/);

    const a = await article('Tracked story');
    const s = await startSend(t.app.ctx.newsletters, { newsletter: briefing.id, articleId: a.id, by: 'test' });
    await deliver(s.send.id);
    const mail = byAddress('Tracked story');
    expect(mail.size).toBe(3);
    const links = await t.db.db.selectFrom('newsletter_links').select(['id', 'url']).where('send_id', '=', s.send.id).execute();
    const urls = links.map((l) => l.url);
    expect(urls).toContain(FREE_URL);
    expect(urls, 'the subscriber copy held the gated link').toContain(GATED_URL);
    expect(urls.some((u) => u.includes('/newsletters/unsubscribe/')), 'the unsubscribe link is never rewritten').toBe(false);

    for (const [who, m] of mail) {
      const html = String(m.html);
      const all = hrefs(html).filter((h) => h.startsWith('http'));
      // Every web link goes through the redirect, named for this member; only the unsubscribe link does not.
      for (const h of all) expect(h, `${who}: ${h}`).toMatch(/\/newsletters\/(c\/\d+\/\d+\/\d+\/[\w-]{32}|unsubscribe\/)/);
      expect(html).toMatch(/<img src="https:\/\/news\.example\/newsletters\/o\/\d+\/\d+\/[\w-]{32}" width="1" height="1"/);
      expect(m.text).toMatch(/https:\/\/news\.example\/newsletters\/c\/\d+\/\d+\/\d+\/[\w-]{32}/);
      expect(`${html}${m.text}`).not.toContain(FREE_URL.replace('&', '&amp;'));
    }
    // Different members get different tags for the same link.
    const clickOf = (who: string) => hrefs(String(mail.get(who)!.html)).filter((h) => h.includes('/newsletters/c/'));
    expect(clickOf(FREE[0]!)[0]).not.toBe(clickOf(FREE[1]!)[0]);

    // The free member's first link is the article's title link; find the one that goes to FREE_URL.
    const freeLinkId = links.find((l) => l.url === FREE_URL)!.id;
    const gatedLinkId = links.find((l) => l.url === GATED_URL)!.id;
    const freeClick = clickOf(FREE[0]!).find((h) => h.split('/')[7] === String(freeLinkId))!;
    expect(freeClick).toBeDefined();
    expect(clickOf(FREE[0]!).some((h) => h.split('/')[7] === String(gatedLinkId)), 'a free member is never given the gated link').toBe(false);

    // Following it: the stored URL, no cookies read or set, and a second click is not a second count.
    const staffCookie = { cookie: 'mh_session=made-up; other=1' };
    const first = await t.get(pathOf(freeClick), staffCookie);
    expect(first.statusCode).toBe(302);
    expect(first.headers.location).toBe(FREE_URL);
    expect(first.headers['set-cookie']).toBeUndefined();
    expect(first.headers['cache-control']).toBe('private, no-store');
    expect((await t.get(pathOf(freeClick))).statusCode).toBe(302);
    const paidFree = hrefs(String(mail.get(PAID)!.html)).find((h) => h.split('/')[7] === String(freeLinkId))!;
    expect((await t.get(pathOf(paidFree))).headers.location).toBe(FREE_URL);

    // The pixel: a GIF, twice for one member and once for another, counted as two members.
    const pixelOf = (who: string) => pathOf(/<img src="([^"]+\/newsletters\/o\/[^"]+)"/.exec(String(mail.get(who)!.html))![1]!);
    const px = await t.get(pixelOf(FREE[1]!), staffCookie);
    expect(px.statusCode).toBe(200);
    expect(px.headers['content-type']).toBe('image/gif');
    expect(px.headers['set-cookie']).toBeUndefined();
    expect(px.rawPayload.subarray(0, 6).toString()).toBe('GIF89a');
    await t.get(pixelOf(FREE[1]!));
    await t.get(pixelOf(PAID));

    const status = await sendStatus(t.app.ctx.newsletters, s.send.id);
    // FREE[1] and PAID loaded the pixel; FREE[0] clicked, which shows an open too.
    expect(status.figures.opens).toBe(3);
    expect(status.figures.links.find((l) => l.url === FREE_URL)!.clicks).toBe(2);
    expect(status.figures.links.find((l) => l.url === GATED_URL)!.clicks).toBe(0);
    const clicks = await t.db.db.selectFrom('newsletter_clicks').selectAll().where('link_id', '=', freeLinkId).execute();
    expect(clicks).toHaveLength(2);

    const report = await ada.get(`/admin/newsletters/sends/${s.send.id}`);
    expect(report.statusCode).toBe(200);
    expect(report.body).toMatch(/Opened by <strong>3<\/strong> members \(100% of those sent\)/);
    expect(report.body).toContain(`<td><code>${FREE_URL.replace('&', '&amp;')}</code></td><td>2</td>`);
    const cli = statusLines(status, 100).join('\n');
    expect(cli).toContain('opened by 3 members (100% of those sent)');
    expect(cli).toMatch(new RegExp(`\\n\\s+2  ${FREE_URL.replace(/[?&.]/g, '\\$&')}`));
    expect(cli).toContain('[########################################] 100% 3 of 3');
  });

  it('refuses a tampered or made-up link with a 404 and never redirects where the mail did not go', async () => {
    const s = (await t.db.db.selectFrom('newsletter_sends').select('id').orderBy('id', 'desc').executeTakeFirstOrThrow()).id;
    const mail = byAddress('Tracked story');
    const link = hrefs(String(mail.get(FREE[0]!)!.html)).find((h) => h.includes('/newsletters/c/'))!;
    const [, , , , , send, member, linkId, tag] = link.split('/');
    const paidId = (await t.db.db.selectFrom('members').select('id').where('email', '=', PAID).executeTakeFirstOrThrow()).id;
    const gated = (await t.db.db.selectFrom('newsletter_links').select('id').where('send_id', '=', s).where('url', '=', GATED_URL).executeTakeFirstOrThrow()).id;
    // A destination in the query is ignored: the redirect goes only to the stored URL.
    const withQuery = await t.get(`${pathOf(link)}?url=https://evil.example/&to=https://evil.example/`);
    expect(withQuery.statusCode).toBe(302);
    expect(withQuery.headers.location).not.toContain('evil.example');
    const before = await sendStatus(t.app.ctx.newsletters, s);
    const tampered = [
      `/newsletters/c/${send}/${paidId}/${linkId}/${tag}`, // another member
      `/newsletters/c/${send}/${member}/${gated}/${tag}`, // another link: the gated one
      `/newsletters/c/${Number(send) - 1}/${member}/${linkId}/${tag}`, // another send
      `/newsletters/c/${send}/${member}/${linkId}/${tag!.slice(0, -1)}${tag!.endsWith('A') ? 'B' : 'A'}`, // a changed tag
      `/newsletters/c/${send}/${member}/${linkId}/${tag}x`,
      `/newsletters/c/${send}/${member}/99999/${tag}`,
      `/newsletters/c/x/${member}/${linkId}/${tag}`,
      `/newsletters/o/${send}/${paidId}/${tag}`,
      `/newsletters/o/${send}/${member}/not-a-tag`,
    ];
    for (const url of tampered) {
      const r = await t.get(url);
      expect(r.statusCode, url).toBe(404);
      expect(r.headers.location, url).toBeUndefined();
      expect(r.body).toContain('This link does not work');
      expect(r.body).not.toContain('gated.example');
    }
    // A HEAD (a link checker) gets the same answers and counts nothing.
    const head = await t.app.server.inject({ method: 'HEAD', url: pathOf(hrefs(String(mail.get(FREE[1]!)!.html)).find((h) => h.includes('/newsletters/c/'))!) });
    expect(head.statusCode).toBe(302);
    const after = await sendStatus(t.app.ctx.newsletters, s);
    expect(after.figures.opens).toBe(before.figures.opens);
    expect(after.figures.links).toEqual(before.figures.links);
  });

  it('turned off again: links still work, nothing more is counted, and new sends carry neither pixel nor redirects', async () => {
    expect((await ada.post('/admin/settings/email', {})).statusCode).toBe(303);
    const s = (await t.db.db.selectFrom('newsletter_sends').select('id').orderBy('id', 'desc').executeTakeFirstOrThrow()).id;
    const before = await sendStatus(t.app.ctx.newsletters, s);
    const mail = byAddress('Tracked story');
    const link = hrefs(String(mail.get(FREE[1]!)!.html)).find((h) => h.includes('/newsletters/c/'))!;
    expect((await t.get(pathOf(link))).statusCode).toBe(302);
    const px = /<img src="([^"]+\/newsletters\/o\/[^"]+)"/.exec(String(mail.get(FREE[0]!)!.html))![1]!;
    expect((await t.get(pathOf(px))).statusCode).toBe(200);
    const after = await sendStatus(t.app.ctx.newsletters, s);
    expect(after.figures).toEqual(before.figures);

    const a = await article('After tracking story');
    const next = await startSend(t.app.ctx.newsletters, { newsletter: briefing.id, articleId: a.id, by: 'test' });
    await deliver(next.send.id);
    for (const m of mailFor('After tracking story')) {
      expect(String(m.html)).not.toMatch(/\/newsletters\/(o|c)\//);
      expect(m.text).not.toContain('/newsletters/c/');
    }
  });

  it("shows a send's progress without JavaScript: sent, failed, remaining, rate and an estimated finish, reloading while it goes", async () => {
    const a = await article('Progress story');
    // Started with its recipients due only in an hour, in one transaction, so the app's own
    // worker (it runs beside the test) has sent nothing yet when the page is read.
    const s = await t.db.db.transaction().execute(async (trx) => {
      const started = await startSend({ ...t.app.ctx.newsletters, db: trx }, { newsletter: briefing.id, articleId: a.id, by: 'test' });
      await trx.updateTable('newsletter_recipients').set({ next_attempt_at: t.clock.now() + 3_600_000 }).where('send_id', '=', started.send.id).execute();
      return started;
    });
    const going = await ada.get(`/admin/newsletters/sends/${s.send.id}`);
    expect(going.statusCode).toBe(200);
    expect(going.headers.refresh).toBe('5');
    expect(going.body).toContain('Stop reloading');
    expect(going.body).toMatch(/<dt>Remaining<\/dt><dd>3<\/dd>/);
    expect(going.body).toMatch(/<progress id="send-progress" max="3" value="0">/);
    const stopped = await ada.get(`/admin/newsletters/sends/${s.send.id}?refresh=off`);
    expect(stopped.headers.refresh).toBeUndefined();
    expect(stopped.body).toContain('Check again');

    // One message out, five seconds in: 0.2 a second, the other two ten seconds on.
    await t.db.db.updateTable('newsletter_recipients').set({ state: 'sent', sent_at: t.clock.now() })
      .where('send_id', '=', s.send.id).where('member_id', '=', (await t.db.db.selectFrom('members').select('id').where('email', '=', PAID).executeTakeFirstOrThrow()).id).execute();
    t.clock.advance(5000);
    const mid = await ada.get(`/admin/newsletters/sends/${s.send.id}`);
    expect(mid.body).toMatch(/<dt>Sent<\/dt><dd>1<\/dd><dt>Failed<\/dt><dd>0<\/dd><dt>Skipped<\/dt><dd>0<\/dd><dt>Remaining<\/dt><dd>2<\/dd><dt>Rate<\/dt><dd>0.2 messages a second<\/dd>/);
    expect(mid.body).toMatch(/<dt>Estimated finish<\/dt><dd>[^<]*\d\d:\d\d[^<]*<\/dd>/);
    const cli = statusLines(await sendStatus(t.app.ctx.newsletters, s.send.id), 100);
    expect(cli[0]).toMatch(/: sending; 1 sent, 0 failed, 0 skipped, 2 to go; 0\.2 messages\/s; done about \d\d:\d\d:\d\d UTC$/);
    expect(cli[1]).toMatch(/^\[#{13}\.{27}\] 33\.3% 1 of 3$/);

    await t.db.db.updateTable('newsletter_recipients').set({ next_attempt_at: t.clock.now() }).where('send_id', '=', s.send.id).execute();
    t.clock.advance(61_000); // past the lane's lease: it looks again
    await deliver(s.send.id);
    const done = await ada.get(`/admin/newsletters/sends/${s.send.id}`);
    expect(done.headers.refresh).toBeUndefined();
    expect(done.body).toMatch(/<dt>Remaining<\/dt><dd>0<\/dd>/);
    const list = await ada.get('/admin/newsletters');
    expect(list.body).toContain(`href="/admin/newsletters/sends/${s.send.id}"`);
  });
});
