import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/db.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { linkIn, startInbox, type Inbox } from '../helpers/smtp.js';
import { safeReturnTo } from '../../src/members/members.service.js';
import { createSession } from '../../src/members/sessions.js';

/** Path and query of an absolute link from a mail, for inject. */
const pathOf = (link: string) => {
  const u = new URL(link);
  return u.pathname + u.search;
};

const FIREFOX_WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:127.0) Gecko/20100101 Firefox/127.0';
const CHROME_LINUX = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36';
const SAFARI_IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';
/** A page's text as a reader reads it: tags gone, spaces collapsed. */
const textOf = (html: string) => html.replace(/<[^>]+>/g, '').replace(/\s+/g, ' ');

describe.each(dialects())('reader accounts on %s', (dialect) => {
  let t: TestApp;
  let inbox: Inbox;

  beforeAll(async () => {
    inbox = await startInbox();
    t = await startTestApp(dialect, { smtpUrl: inbox.url });
  });
  afterAll(async () => {
    await t?.close();
    await inbox?.close();
  });

  async function signUp(email: string, name = 'New Reader') {
    const a = t.agent({ 'user-agent': 'TestBrowser/1.0' });
    await a.get('/signup');
    const before = inbox.messages.length;
    const res = await a.post('/signup', { email, name, return_to: '/section/news' });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/signin/check-email');
    const mail = await inbox.waitFor(email, { after: before });
    return { a, mail, link: linkIn(mail) };
  }

  it('signs up by magic link: real mail, single use, lands signed in where the reader was', async () => {
    const { a, mail, link } = await signUp('Reader.One@Example.com');
    expect(mail.subject).toMatch(/Confirm your email/);
    expect(mail.html).toContain(link.replace(/&/g, '&amp;'));
    expect(mail.from?.text).toMatch(/no-reply@news\.example/);
    const res = await a.get(pathOf(link));
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/section/news');
    const account = await a.get('/account');
    expect(account.statusCode).toBe(200);
    expect(account.body).toContain('Reader.One@Example.com');
    expect(account.body).toContain('New Reader');
    expect(account.headers['cache-control']).toBe('private, no-store');
    // Reuse: the same link again, in the same browser, changes nothing and says so.
    const again = await a.get(pathOf(link));
    expect(again.statusCode).toBe(400);
    expect(again.body).toContain('already been used');
    expect(again.body).toContain('Get a new link');
  });

  it('signs in an existing member; the email matches case-insensitively and keeps its spelling', async () => {
    const first = await signUp('casey@example.com');
    await first.a.get(pathOf(first.link));
    const { a, link } = await (async () => {
      const a = t.agent();
      await a.get('/signin');
      const before = inbox.messages.length;
      await a.post('/signin', { email: 'CASEY@example.com' });
      const mail = await inbox.waitFor('casey@example.com', { after: before });
      expect(mail.subject).toMatch(/Your sign-in link/);
      return { a, link: linkIn(mail) };
    })();
    await a.get(pathOf(link));
    expect((await a.get('/account')).body).toContain('casey@example.com');
  });

  it('asks for a click when the link opens in another browser, so a mail scanner cannot use it', async () => {
    const { link } = await signUp('elsewhere@example.com');
    const other = t.agent();
    const page = await other.get(pathOf(link));
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Sign in on this device');
    expect(await other.signedIn()).toBe(false);
    const res = await other.post('/signin/verify', { token: new URL(link).searchParams.get('token')! });
    expect(res.statusCode).toBe(303);
    expect(await other.signedIn()).toBe(true);
  });

  it('rejects an expired link and a forged one with a page that offers a new link; nothing changes', async () => {
    const { a, link } = await signUp('late@example.com');
    t.clock.advance(15 * 60_000 + 1);
    const res = await a.get(pathOf(link));
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('expired');
    expect(await a.signedIn()).toBe(false);
    const forged = await a.get('/signin/verify?token=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
    expect(forged.statusCode).toBe(400);
    expect(forged.body).toContain('not valid');
    expect(await t.db.db.selectFrom('members').select('id').where('email_normalized', '=', 'late@example.com').executeTakeFirst()).toBeUndefined();
  });

  it('still answers when the site cache went stale while a sign-in transaction composes mail', async () => {
    // Regression: mail composed inside a transaction once reloaded settings through the one SQLite connection the
    // transaction held, and the whole site hung.
    const a = t.agent();
    await a.get('/signup');
    t.clock.advance(5000);
    const before = inbox.messages.length;
    expect((await a.post('/signup', { email: 'stale-cache@example.com', intent: 'trial' })).statusCode).toBe(303);
    t.clock.advance(5000);
    const link = linkIn(await inbox.waitFor('stale-cache@example.com', { after: before }));
    expect((await a.get(pathOf(link))).statusCode).toBe(303);
    expect((await t.get('/')).statusCode).toBe(200);
  });

  it('answers known and unknown emails the same way', async () => {
    const k = await signUp('known@example.com');
    await k.a.get(pathOf(k.link));
    const a = t.agent();
    await a.get('/signin');
    const known = await a.post('/signin', { email: 'known@example.com' });
    const unknown = await a.post('/signin', { email: 'nobody-here@example.com' });
    expect(known.statusCode).toBe(unknown.statusCode);
    expect(known.headers.location).toBe(unknown.headers.location);
    expect(known.body).toBe(unknown.body);
  });

  it('refuses a malformed email with 400 and the reason, keeping the input', async () => {
    const a = t.agent();
    await a.get('/signin');
    const res = await a.post('/signin', { email: 'not-an-email' });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('not a valid email address');
    expect(res.body).toContain('value="not-an-email"');
  });

  it('rejects state-changing posts without a CSRF token with 403', async () => {
    const a = t.agent();
    for (const url of ['/signin', '/signup', '/signin/password', '/signout', '/account/name', '/account/delete', '/admin/signin']) {
      const res = await a.post(url, { email: 'x@example.com', _csrf: '' });
      expect(res.statusCode, url).toBe(403);
      expect(res.body, url).toContain('reload the page');
    }
    await a.get('/signin');
    const forged = await a.post('/signin', { email: 'x@example.com', _csrf: 'forged-token' });
    expect(forged.statusCode).toBe(403);
  });

  it('changes email only after the new address confirms it', async () => {
    const { a, link } = await signUp('old-address@example.com');
    await a.get(pathOf(link));
    await a.get('/account');
    const before = inbox.messages.length;
    const res = await a.post('/account/email', { email: 'new-address@example.com' });
    expect(res.statusCode).toBe(303);
    expect((await a.get('/account')).body).toContain('old-address@example.com');
    const mail = await inbox.waitFor('new-address@example.com', { after: before });
    expect(mail.subject).toMatch(/Confirm your new email/);
    const confirm = await a.get(pathOf(linkIn(mail)));
    expect(confirm.body).toContain('Confirm new email address');
    await a.post('/signin/verify', { token: new URL(linkIn(mail)).searchParams.get('token')! });
    const account = await a.get('/account');
    expect(account.body).toContain('new-address@example.com');
    expect(account.body).not.toContain('old-address@example.com');
  });

  it('answers an email change to a taken address exactly like any other, and tells that address’s owner instead', async () => {
    const owner = await signUp('taken-address@example.com');
    await owner.a.get(pathOf(owner.link));
    const { a, link } = await signUp('wants-taken@example.com');
    await a.get(pathOf(link));
    await a.get('/account');
    const before = inbox.messages.length;
    const taken = await a.post('/account/email', { email: 'Taken-Address@example.com' });
    await a.get('/account');
    const free = await a.post('/account/email', { email: 'nobody-has-this@example.com' });
    expect(taken.statusCode).toBe(303);
    expect(taken.headers.location).toBe(free.headers.location);
    expect((await a.get(String(taken.headers.location))).body).toContain('Check your new inbox');
    const notice = await inbox.waitFor('taken-address@example.com', { after: before });
    expect(notice.subject).toMatch(/Someone tried to use your address/);
    expect(notice.text).not.toContain('/signin/verify');
    await inbox.waitFor('nobody-has-this@example.com', { after: before });
    expect((await a.get('/account')).body).toContain('wants-taken@example.com');
  });

  it('shows only its own notices: text in ?notice= is never put on a page', async () => {
    const a = t.agent();
    for (const url of ['/subscribe?notice=Your%20account%20is%20suspended.%20Call%200800', '/subscribe?notice=constructor', '/subscribe?notice=__proto__',
      '/account?notice=constructor']) {
      const res = await a.get(url);
      expect(res.statusCode, url).toBeLessThan(400);
      expect(res.body, url).not.toContain('suspended');
      expect(res.body, url).not.toContain('form-notice" role="status"');
    }
    expect((await a.get('/subscribe?notice=trial_used')).body).toContain('Your trial has been used');
  });

  it('supports an optional password, sign out, sign out everywhere, export and delete', async () => {
    const { a, link } = await signUp('full-cycle@example.com', 'Full Cycle');
    await a.get(pathOf(link));
    await a.get('/account');
    expect((await a.post('/account/password', { password: 'short' })).statusCode).toBe(400);
    expect((await a.post('/account/password', { password: 'a long enough passphrase' })).statusCode).toBe(303);

    const b = t.agent({ 'user-agent': FIREFOX_WINDOWS });
    await b.get('/signin');
    expect((await b.post('/signin/password', { email: 'full-cycle@example.com', password: 'wrong password!' })).statusCode).toBe(401);
    const ok = await b.post('/signin/password', { email: 'full-cycle@example.com', password: 'a long enough passphrase', return_to: '/account' });
    expect(ok.statusCode).toBe(303);
    const listed = textOf((await a.get('/account')).body);
    expect(listed).toContain('Firefox on Windows, last active just now');
    expect(listed).toContain('Unknown browser (this browser), last active just now');

    const exported = await a.get('/account/export.json');
    expect(exported.json().account).toMatchObject({ email: 'full-cycle@example.com', name: 'Full Cycle', hasPassword: true });
    expect(exported.json().sessions).toHaveLength(2);

    await a.get('/account');
    await a.post('/account/signout-everywhere', {});
    expect(await a.signedIn()).toBe(false);
    expect(await b.signedIn()).toBe(false);

    const c = t.agent();
    await c.get('/signin');
    await c.post('/signin/password', { email: 'full-cycle@example.com', password: 'a long enough passphrase' });
    await c.get('/account');
    expect((await c.post('/account/delete', {})).statusCode).toBe(400);
    expect((await c.post('/account/delete', { confirm: 'yes' })).statusCode).toBe(303);
    expect(await c.signedIn()).toBe(false);
    const row = await t.db.db.selectFrom('members').selectAll().where('email', 'like', 'deleted-member-%').executeTakeFirstOrThrow();
    expect(row.name).toBe('');
    expect(row.password_hash).toBeNull();
    expect(JSON.stringify(row)).not.toContain('full-cycle');
  });

  it('lists sessions by browser and system and how long ago they were used, never as raw User-Agent strings', async () => {
    const { a, link } = await signUp('devices@example.com', 'Many Devices');
    await a.get(pathOf(link));
    const member = await t.db.db.selectFrom('members').select('id').where('email', '=', 'devices@example.com').executeTakeFirstOrThrow();
    const now = t.clock.now();
    await createSession(t.db.db, { memberId: member.id }, CHROME_LINUX, now - 2 * 3_600_000 - 5 * 60_000);
    await createSession(t.db.db, { memberId: member.id }, SAFARI_IPHONE, now - 3 * 86_400_000);
    await createSession(t.db.db, { memberId: member.id }, 'curl/8.5.0', now - 20 * 60_000);
    const page = (await a.get('/account')).body;
    const list = textOf(/<ul class="session-list">([\s\S]*?)<\/ul>/.exec(page)![1]!);
    expect(list).toContain('Chrome on Linux, last active 2 hours ago');
    expect(list).toContain('Safari on iPhone, last active 3 days ago');
    expect(list).toContain('Unknown browser, last active 20 minutes ago');
    expect(list).toContain('Unknown browser (this browser), last active just now');
    for (const raw of [CHROME_LINUX, SAFARI_IPHONE, 'curl/8.5.0', 'TestBrowser/1.0']) expect(page).not.toContain(raw);
  });

  it('ignores a session cookie that does not verify', async () => {
    const a = t.agent();
    a.cookies.set('mh_session', 'garbage');
    expect((await a.get('/')).statusCode).toBe(200);
    expect((await a.get('/account')).statusCode).toBe(303);
  });

  it('never redirects off-site after sign-in', async () => {
    const { a, link } = await (async () => {
      const a = t.agent();
      await a.get('/signin');
      const before = inbox.messages.length;
      await a.post('/signin', { email: 'redirect@example.com', return_to: '//evil.example/phish' });
      return { a, link: linkIn(await inbox.waitFor('redirect@example.com', { after: before })) };
    })();
    const res = await a.get(pathOf(link));
    expect(res.headers.location).toBe('/');
  });

  // Issue 12, defect 2: a TAB turned "/\t/evil.example" into "//evil.example" in the browser, and
  // \x0B, \x0C, \x00 or U+3000 made the redirect throw (500) after the link was used up.
  const HOSTILE = ['/\t/evil.example', '/\x0b/evil.example', '/\x0c/evil.example', '/\x00/evil.example', '/\u3000/evil.example', '/\n/evil.example', '/.//evil.example'];
  const onSite = (location: unknown) => new URL(String(location), 'https://news.example').origin === 'https://news.example';

  it.each(HOSTILE)('keeps a magic-link sign-up with return_to %j on the site, signed in', async (returnTo) => {
    const a = t.agent();
    await a.get('/signup');
    const email = `ctl-${Buffer.from(returnTo).toString('hex')}@example.com`;
    const before = inbox.messages.length;
    expect((await a.post('/signup', { email, return_to: returnTo })).statusCode).toBe(303);
    const res = await a.get(pathOf(linkIn(await inbox.waitFor(email, { after: before }))));
    expect(res.statusCode).toBe(303);
    expect(onSite(res.headers.location)).toBe(true);
    expect(await a.signedIn()).toBe(true);
  });

  it('keeps every other return_to redirect on the site: signed-in /signin, password sign-in, wall buttons', async () => {
    const { a, link } = await signUp('ctl-redirects@example.com');
    await a.get(pathOf(link));
    await a.post('/account/password', { _csrf: (await a.get('/account'), a.csrf()), password: 'a long enough passphrase' });
    for (const r of HOSTILE) {
      const signedIn = await a.get(`/signin?return_to=${encodeURIComponent(r)}`);
      expect(signedIn.statusCode, r).toBe(303);
      expect(onSite(signedIn.headers.location), r).toBe(true);
      const b = t.agent();
      await b.get('/signin');
      const pw = await b.post('/signin/password', { email: 'ctl-redirects@example.com', password: 'a long enough passphrase', return_to: r });
      expect(pw.statusCode, r).toBe(303);
      expect(onSite(pw.headers.location), r).toBe(true);
      const wall = await b.get(`/wall/subscribe?return_to=${encodeURIComponent(r)}`);
      expect(wall.statusCode, r).toBe(303);
      expect(onSite(wall.headers.location), r).toBe(true);
      expect(new URL(String(wall.headers.location), 'https://news.example').searchParams.get('return_to'), r).toBe(safeReturnTo(r));
    }
  });
});

describe.each(dialects())('sign-in rate limits on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect, { limits: { linkPerEmail: 3, linkPerIp: 6, passwordPerEmail: 3, passwordPerIp: 100 } });
  });
  afterAll(() => t?.close());

  it('limits magic links per email and per client address with 429 and Retry-After', async () => {
    const a = t.agent();
    await a.get('/signin');
    for (let i = 0; i < 3; i++) expect((await a.post('/signin', { email: 'spam@example.com' })).statusCode).toBe(303);
    const perEmail = await a.post('/signin', { email: 'spam@example.com' });
    expect(perEmail.statusCode).toBe(429);
    expect(Number(perEmail.headers['retry-after'])).toBeGreaterThan(0);
    expect(perEmail.body).toContain('Too many');
    expect((await a.post('/signin', { email: 'other1@example.com' })).statusCode).toBe(303);
    expect((await a.post('/signin', { email: 'other2@example.com' })).statusCode).toBe(303);
    const perIp = await a.post('/signin', { email: 'other3@example.com' });
    expect(perIp.statusCode).toBe(429);
    expect(perIp.headers['retry-after']).toBeDefined();
  });

  it('limits password attempts per email', async () => {
    const a = t.agent();
    await a.get('/signin');
    for (let i = 0; i < 3; i++) expect((await a.post('/signin/password', { email: 'victim@example.com', password: `guess number ${i}` })).statusCode).toBe(401);
    expect((await a.post('/signin/password', { email: 'victim@example.com', password: 'guess number 4' })).statusCode).toBe(429);
  });
});
