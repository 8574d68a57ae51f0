import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ParsedMail } from 'mailparser';
import { dialects } from '../helpers/db.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { makeArticle, makePlan, makeSection } from '../helpers/factories.js';
import { linkIn, startInbox, type Inbox } from '../helpers/smtp.js';
import { audienceCount, cancel, createNewsletter, sendStatus, startSend } from '../../src/newsletters/newsletters.service.js';
import { setSubscription, subscriptionHistory, suppress } from '../../src/newsletters/newsletters.queries.js';
import type { Newsletter } from '../../src/newsletters/newsletters.queries.js';

const CANARY = 'Gated-newsletter-canary-93af';
const HOOK = 'webhook-secret-for-tests-0123456789abcdef';
const addressOf = (m: ParsedMail) => (Array.isArray(m.to) ? m.to : m.to ? [m.to] : []).flatMap((a) => a.value.map((v) => v.address!.toLowerCase()));
/** A header as it was sent (mailparser folds the List-* headers into one structure). */
const rawHeader = (m: ParsedMail, name: string) => m.headerLines.find((l) => l.key === name)?.line.replace(/^[^:]+:\s*/, '').replace(/\r?\n\s+/g, ' ');
const pathOf = (link: string) => new URL(link).pathname + new URL(link).search;

/**
 * Issue 17: an article by email to a newsletter's members, through a real SMTP server. Each member
 * gets exactly one copy, the copy their access allows; the paywall holds in the inbox.
 */
describe.each(dialects())('newsletters on %s', (dialect) => {
  let t: TestApp;
  let inbox: Inbox;
  let briefing: Newsletter;
  let articleId: number;
  /** Who should get which copy, by address. */
  const expected = new Map<string, 'full' | 'preview'>();
  const notMailed = new Set<string>();

  beforeAll(async () => {
    inbox = await startInbox();
    t = await startTestApp(dialect, { smtpUrl: inbox.url, config: { mailWebhookSecret: HOOK } });
    await makePlan(t.app.ctx.content);
    const s = await makeSection(t.app.ctx.content, { slug: 'city', defaultAccess: 'metered' });
    articleId = (await makeArticle(t.app.ctx.content, { title: 'The harbour vote', section: s.slug, rest: `${CANARY} is in the gated part.` })).id;
    briefing = await createNewsletter(t.app.ctx.newsletters, { slug: 'morning-briefing', name: 'Morning briefing', senderName: 'The Ledger', senderEmail: 'briefing@news.example', replyTo: 'desk@news.example' });

    // 2,000 members: free and paying subscribers, some unsubscribed, suppressed, never confirmed, one not an address.
    const db = t.db.db;
    const now = t.clock.now();
    const rows = Array.from({ length: 2000 }, (_, i) => {
      const kind = i < 1200 ? 'free' : i < 1800 ? 'paid' : i < 1900 ? 'unsubscribed' : i < 1950 ? 'suppressed' : i < 1999 ? 'unconfirmed' : 'invalid';
      const email = kind === 'invalid' ? 'not-an-address' : `reader-${i}@example.com`;
      return { kind, email };
    });
    for (let i = 0; i < rows.length; i += 200) {
      const chunk = rows.slice(i, i + 200);
      const ids = await db.insertInto('members').values(chunk.map((r) => ({
        email: r.email, email_normalized: r.email, name: `Reader ${r.email.slice(7, 11)}`, status: r.kind === 'paid' ? 'paid' : 'free',
        email_verified: r.kind === 'unconfirmed' ? 0 : 1, password_hash: null, created_at: now, last_seen_at: null, deleted_at: null,
      }))).returning('id').execute();
      for (const [k, { id }] of ids.entries()) {
        const r = chunk[k]!;
        await setSubscription(db, id, briefing.id, r.kind !== 'unsubscribed', 'import', now);
        if (r.kind === 'suppressed') await suppress(db, r.email, 'hard_bounce', '550 mailbox unavailable', now);
        if (r.kind === 'free' || r.kind === 'paid') expected.set(r.email, r.kind === 'paid' ? 'full' : 'preview');
        else notMailed.add(r.email);
      }
    }
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    await inbox?.close();
  });

  /** Step the job worker (the app's own worker runs too) until the send is finished. */
  /**
   * Runs the worker until the send ends. With `passMs`, the fixed clock also moves on by that much
   * whenever a round found nothing due, as time would: a lane may record a recipient's pause after
   * the test last moved the clock, and that recipient is then due only later.
   */
  const deliverAll = async (sendId: number, passMs = 0) => {
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline) {
      await t.app.ctx.worker.drain();
      const s = await sendStatus(t.app.ctx.newsletters, sendId);
      if (s.send.status !== 'sending') return s;
      if (passMs) t.clock.set(t.clock.now() + passMs);
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('the send did not finish within 90 s');
  };

  it('counts the audience before sending, and refuses a newsletter without a sender address with the reason', async () => {
    expect(await audienceCount(t.app.ctx.newsletters, 'morning-briefing', 'all')).toBe(1800);
    expect(await audienceCount(t.app.ctx.newsletters, 'morning-briefing', 'subscribers')).toBe(600);
    expect(await audienceCount(t.app.ctx.newsletters, 'morning-briefing', 'free')).toBe(1200);
    await createNewsletter(t.app.ctx.newsletters, { slug: 'no-sender', name: 'No sender', senderName: 'The Ledger' });
    await expect(startSend(t.app.ctx.newsletters, { newsletter: 'no-sender', articleId, by: 'test' })).rejects.toThrow(/has no sender address, so it cannot send/);
  });

  it('mails a mixed audience of 2,000 exactly once each: subscribers the whole article, free members the preview and the offer', async () => {
    const before = inbox.messages.length;
    const started = await startSend(t.app.ctx.newsletters, { newsletter: 'morning-briefing', articleId, by: 'staff:1' });
    expect(started.created).toBe(true);
    // Started again (a double click): the same send, nothing more to mail.
    const again = await startSend(t.app.ctx.newsletters, { newsletter: 'morning-briefing', articleId, by: 'staff:1' });
    expect(again.created).toBe(false);
    expect(again.send.id).toBe(started.send.id);
    expect(started.counts).toMatchObject({ queued: 1800, skipped: 100, total: 1900 });

    const done = await deliverAll(started.send.id);
    expect(done.send.status).toBe('done');
    expect(done.counts).toMatchObject({ sent: 1800, skipped: 100, failed: 0, queued: 0, sending: 0 });

    const mails = inbox.messages.slice(before);
    const to = mails.flatMap(addressOf);
    expect(to).toHaveLength(1800);
    expect(new Set(to)).toEqual(new Set(expected.keys()));
    for (const m of mails) {
      const who = addressOf(m)[0]!;
      const html = String(m.html);
      const text = m.text ?? '';
      expect(m.subject).toBe('The harbour vote');
      expect(m.from?.text).toBe('"The Ledger" <briefing@news.example>');
      if (expected.get(who) === 'full') {
        expect(html, who).toContain(CANARY);
        expect(text).toContain(CANARY);
        expect(html).not.toContain('Subscribe to read the rest');
      } else {
        expect(html, `${who} is not entitled`).not.toContain(CANARY);
        expect(text).not.toContain(CANARY);
        expect(html).toContain('Subscribe to read the rest');
        expect(html).toMatch(/href="https?:\/\/[^"]+\/wall\/trial\?a=\d+&amp;r=newsletter&amp;return_to=%2Farticles%2F[^"]+"[^>]*>Try 14 days free</);
      }
      // Inlined styles, one-click unsubscribe headers (RFC 8058) and a list id.
      expect(html).toMatch(/<h1 style="[^"]+"/);
      expect(rawHeader(m, 'list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
      expect(rawHeader(m, 'list-unsubscribe')).toMatch(/^<https?:\/\/[^>]+\/newsletters\/unsubscribe\/\d+\/\d+\/[\w-]{32}>, <mailto:briefing@news\.example\?subject=Unsubscribe%20from%20Morning%20briefing>$/);
      expect(rawHeader(m, 'list-id')).toBe('Morning briefing <morning-briefing.newsletters.news.example>');
      expect(m.replyTo?.text).toBe('desk@news.example');
    }
    const reasons = await t.db.db.selectFrom('newsletter_recipients').select(['email', 'last_error']).where('send_id', '=', started.send.id).where('state', '=', 'skipped').execute();
    expect(reasons.find((r) => r.email === 'not-an-address')?.last_error).toBe('not an email address');
    expect(reasons.find((r) => r.email === 'reader-1900@example.com')?.last_error).toBe('suppressed: hard_bounce');
    expect(reasons.find((r) => r.email === 'reader-1950@example.com')?.last_error).toBe('address never confirmed');
  }, 120_000);

  it('unsubscribes with RFC 8058 one-click: a POST with no cookies and no form token, for that newsletter only', async () => {
    const m = inbox.messages.find((x) => addressOf(x)[0] === 'reader-5@example.com')!;
    const url = /<(https?:\/\/[^>]+)>/.exec(rawHeader(m, 'list-unsubscribe') ?? '')![1]!;
    // Opening the link (a scanner, a preview) changes nothing; the page asks.
    const page = await t.get(pathOf(url));
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Unsubscribe from Morning briefing?');
    const member = await t.db.db.selectFrom('members').select('id').where('email', '=', 'reader-5@example.com').executeTakeFirstOrThrow();
    expect((await subscriptionHistory(t.db.db, member.id, briefing.id)).at(-1)).toMatchObject({ subscribed: 1, cause: 'import' });

    const res = await t.app.server.inject({ method: 'POST', url: pathOf(url), headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'List-Unsubscribe=One-Click' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('You are unsubscribed from Morning briefing');
    expect((await subscriptionHistory(t.db.db, member.id, briefing.id)).at(-1)).toMatchObject({ subscribed: 0, cause: 'one-click' });
    expect(await audienceCount(t.app.ctx.newsletters, 'morning-briefing', 'all')).toBe(1799);

    // A link for another member, or with a forged token, does nothing.
    const forged = pathOf(url).replace(/\/[^/]+$/, '/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
    expect((await t.app.server.inject({ method: 'POST', url: forged })).statusCode).toBe(400);
    expect((await t.get(forged)).statusCode).toBe(400);
  });

  it('skips a member who unsubscribes while the send is under way, and a cancelled send mails no one more', async () => {
    const second = (await makeArticle(t.app.ctx.content, { title: 'Ferry timetable', section: 'city' })).id;
    const started = await startSend(t.app.ctx.newsletters, { newsletter: 'morning-briefing', articleId: second, segment: 'subscribers', by: 'staff:1' });
    expect(started.counts.queued).toBe(600);
    const leaver = await t.db.db.selectFrom('members').select('id').where('email', '=', 'reader-1200@example.com').executeTakeFirstOrThrow();
    await setSubscription(t.db.db, leaver.id, briefing.id, false, 'account', t.clock.now());
    const before = inbox.messages.length;
    const done = await deliverAll(started.send.id);
    expect(done.counts).toMatchObject({ sent: 599, skipped: 1 });
    expect(inbox.messages.slice(before).flatMap(addressOf)).not.toContain('reader-1200@example.com');

    const third = (await makeArticle(t.app.ctx.content, { title: 'Not sent after all', section: 'city' })).id;
    const s = await startSend(t.app.ctx.newsletters, { newsletter: 'morning-briefing', articleId: third, by: 'staff:1' });
    expect(await cancel(t.app.ctx.newsletters, s.send.id)).toBe(true);
    const n = inbox.messages.length;
    await t.app.ctx.worker.drain();
    expect(inbox.messages.length).toBe(n);
    expect((await sendStatus(t.app.ctx.newsletters, s.send.id)).send.status).toBe('cancelled');
  }, 120_000);

  it('suppresses addresses from providers\' bounce and complaint webhooks (Postmark, Mailgun, SES through SNS), and the next send skips them', async () => {
    const hook = (provider: string, body: unknown, token = HOOK, type = 'application/json') =>
      t.app.server.inject({ method: 'POST', url: `/newsletters/events/${provider}/${token}`, headers: { 'content-type': type }, payload: typeof body === 'string' ? body : JSON.stringify(body) });
    expect((await hook('postmark', { RecordType: 'Bounce', Type: 'HardBounce', Email: 'Reader-10@Example.com', Description: 'mailbox does not exist' })).json()).toEqual({ ok: true, suppressed: 1 });
    expect((await hook('postmark', { RecordType: 'Bounce', Type: 'SoftBounce', Email: 'reader-11@example.com' })).json()).toEqual({ ok: true, suppressed: 0 });
    expect((await hook('mailgun', { 'event-data': { event: 'complained', recipient: 'reader-12@example.com' } })).json()).toEqual({ ok: true, suppressed: 1 });
    expect((await hook('mailgun', { 'event-data': { event: 'failed', severity: 'temporary', recipient: 'reader-13@example.com' } })).json()).toEqual({ ok: true, suppressed: 0 });
    const sesBounce = { Type: 'Notification', Message: JSON.stringify({ notificationType: 'Bounce', bounce: { bounceType: 'Permanent', bouncedRecipients: [{ emailAddress: 'reader-14@example.com', diagnosticCode: 'smtp; 550 5.1.1 user unknown' }] } }) };
    expect((await hook('ses', JSON.stringify(sesBounce), HOOK, 'text/plain')).json()).toEqual({ ok: true, suppressed: 1 });
    expect((await hook('ses', { Type: 'SubscriptionConfirmation', SubscribeURL: 'https://sns.example/confirm' })).json()).toMatchObject({ ok: true });
    // Without the secret, or for an unknown provider, there is no such endpoint.
    expect((await hook('postmark', { RecordType: 'SpamComplaint', Email: 'reader-15@example.com' }, 'wrong-secret-wrong-secret-wrong-secret')).statusCode).toBe(404);
    expect((await hook('sendgrid', {})).statusCode).toBe(404);
    expect((await hook('ses', 'not json', HOOK, 'text/plain')).statusCode).toBe(400);

    const rows = await t.db.db.selectFrom('email_suppressions').select(['email_normalized', 'reason']).where('email_normalized', 'in', ['reader-10@example.com', 'reader-12@example.com', 'reader-14@example.com', 'reader-15@example.com']).orderBy('email_normalized').execute();
    expect(rows).toEqual([
      { email_normalized: 'reader-10@example.com', reason: 'hard_bounce' },
      { email_normalized: 'reader-12@example.com', reason: 'complaint' },
      { email_normalized: 'reader-14@example.com', reason: 'hard_bounce' },
    ]);
    const next = (await makeArticle(t.app.ctx.content, { title: 'After the bounces', section: 'city' })).id;
    const s = await startSend(t.app.ctx.newsletters, { newsletter: 'morning-briefing', articleId: next, segment: 'free', by: 'staff:1' });
    const skipped = await t.db.db.selectFrom('newsletter_recipients').select(['email', 'last_error']).where('send_id', '=', s.send.id).where('email', 'in', ['reader-10@example.com', 'reader-12@example.com', 'reader-14@example.com']).orderBy('email').execute();
    expect(skipped.map((r) => r.last_error)).toEqual(['suppressed: hard_bounce', 'suppressed: complaint', 'suppressed: hard_bounce']);
    expect(await cancel(t.app.ctx.newsletters, s.send.id)).toBe(true);
  });

  it('pauses a send while the SMTP server is down and resumes it when it is back, mailing each member once', async () => {
    const port = Number(new URL(inbox.url).port);
    const article = (await makeArticle(t.app.ctx.content, { title: 'While the mail server was down', section: 'city' })).id;
    await inbox.close();
    const s = await startSend(t.app.ctx.newsletters, { newsletter: 'morning-briefing', articleId: article, segment: 'subscribers', by: 'staff:1' });
    await t.app.ctx.worker.drain();
    // Nothing failed: the recipients wait, their attempts uncounted, and the send is still going.
    let status = await sendStatus(t.app.ctx.newsletters, s.send.id);
    expect(status.send.status).toBe('sending');
    expect(status.counts).toMatchObject({ sent: 0, failed: 0 });
    const waiting = await t.db.db.selectFrom('newsletter_recipients').select(['attempts', 'last_error']).where('send_id', '=', s.send.id).where('last_error', 'is not', null).execute();
    expect(waiting.length).toBeGreaterThan(0);
    expect(waiting.every((r) => r.attempts === 0)).toBe(true);

    inbox = await startInbox({ port });
    t.clock.set(t.clock.now() + 31_000);
    status = await deliverAll(s.send.id, 31_000);
    expect(status.counts).toMatchObject({ sent: 599, failed: 0, queued: 0 });
    const to = inbox.messages.flatMap(addressOf);
    expect(to).toHaveLength(599);
    expect(new Set(to).size).toBe(599);
  }, 120_000);

  it('lets a member choose newsletters on the account page, recorded with the cause', async () => {
    const a = t.agent();
    await a.get('/signin');
    const before = inbox.messages.length;
    await a.post('/signin', { email: 'chooser@example.com' });
    await a.get(pathOf(linkIn(await inbox.waitFor('chooser@example.com', { after: before }))));
    let page = await a.get('/account');
    // New members are put on a newsletter that subscribes at sign-up.
    expect(page.body).toMatch(/<input type="checkbox" name="newsletter" value="\d+" checked> Morning briefing/);
    const saved = await a.post('/account/newsletters', {});
    expect(saved.statusCode).toBe(303);
    page = await a.get(String(saved.headers.location));
    expect(page.body).toContain('Your newsletters are saved.');
    expect(page.body).toMatch(/<input type="checkbox" name="newsletter" value="\d+"> Morning briefing/);
    const member = await t.db.db.selectFrom('members').select('id').where('email', '=', 'chooser@example.com').executeTakeFirstOrThrow();
    expect((await subscriptionHistory(t.db.db, member.id, briefing.id)).map((h) => [h.subscribed, h.cause])).toEqual([[1, 'sign-up'], [0, 'account']]);
  });
});
