import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/db.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { linkIn, startInbox, type Inbox } from '../helpers/smtp.js';
import { createStaffUser } from '../../src/members/staff.js';
import { setStaffPassword } from '../../src/members/staff-auth.service.js';
import { totpCode } from '../../src/members/totp.js';
import { MAX_CODE_ATTEMPTS } from '../../src/members/login-tokens.js';

/**
 * Issue 12, defect 1: the emailed staff link with a two-factor code was open to brute force
 * (no limit, a wrong code did not use up the link), and one code signed in two browsers.
 */
describe.each(dialects())('staff two-factor against guessing and replay on %s', (dialect) => {
  let t: TestApp;
  let inbox: Inbox;
  let n = 0;

  beforeAll(async () => {
    inbox = await startInbox();
    // Every injected request comes from one address: lift the per-address limits so the per-link
    // and per-staff-user bounds are what these tests meet.
    t = await startTestApp(dialect, { smtpUrl: inbox.url, limits: { passwordPerIp: 10_000, linkPerIp: 10_000 } });
  });
  afterAll(async () => {
    await t?.close();
    await inbox?.close();
  });

  /** A staff user with two-factor on; returns the email and the authenticator's secret. */
  async function staffWithTotp(): Promise<{ email: string; secret: string }> {
    const email = `twofa${++n}@staff.example`;
    await createStaffUser(t.db.db, { email, role: 'editor', now: t.clock.now() });
    await setStaffPassword({ db: t.db.db, clock: t.clock }, email, 'a long staff password', 'test');
    const a = t.agent();
    await a.get('/admin/signin');
    await a.post('/admin/signin', { email, password: 'a long staff password' });
    const secret = /class="totp-secret">([A-Z2-7]+)</.exec((await a.get('/admin')).body)![1]!;
    expect((await a.post('/admin/security/totp', { code: totpCode(secret, t.clock.now()) })).statusCode).toBe(303);
    t.clock.advance(30_000);
    return { email, secret };
  }

  async function emailedLink(email: string) {
    const a = t.agent();
    await a.get('/admin/signin');
    const before = inbox.messages.length;
    expect((await a.post('/admin/signin/link', { email })).statusCode).toBe(303);
    const url = new URL(linkIn(await inbox.waitFor(email, { after: before })));
    await a.get(url.pathname + url.search);
    return { agent: a, token: url.searchParams.get('token')! };
  }

  /** A code that is certainly wrong for this secret right now. */
  const wrongCode = (secret: string) => {
    const ok = new Set([-1, 0, 1].map((d) => totpCode(secret, t.clock.now() + d * 30_000)));
    let c = 100_000;
    while (ok.has(String(c))) c++;
    return String(c);
  };

  it(`uses up the link after ${MAX_CODE_ATTEMPTS} wrong codes, so even the right code then fails`, async () => {
    const { email, secret } = await staffWithTotp();
    const { agent, token } = await emailedLink(email);
    for (let i = 1; i < MAX_CODE_ATTEMPTS; i++) {
      const r = await agent.post('/signin/verify', { token, code: wrongCode(secret) });
      expect(r.statusCode).toBe(401);
      expect(r.body).toContain(`${MAX_CODE_ATTEMPTS - i} ${MAX_CODE_ATTEMPTS - i === 1 ? 'try' : 'tries'} left`);
    }
    const last = await agent.post('/signin/verify', { token, code: wrongCode(secret) });
    expect(last.statusCode).toBe(400);
    expect(last.body).toContain('Too many wrong authentication codes');
    const right = await agent.post('/signin/verify', { token, code: totpCode(secret, t.clock.now()) });
    expect(right.statusCode).toBe(400);
    expect((await agent.get('/admin')).headers.location).toBe('/admin/signin');
  });

  it('lets parallel guesses on one link try no more codes than the limit between them', async () => {
    const { email, secret } = await staffWithTotp();
    const { agent, token } = await emailedLink(email);
    const res = await Promise.all(Array.from({ length: 40 }, () => agent.post('/signin/verify', { token, code: wrongCode(secret) })));
    const judged = res.filter((r) => r.statusCode === 401).length + (res.some((r) => r.body.includes('Too many wrong authentication codes')) ? 1 : 0);
    expect(judged).toBeLessThanOrEqual(MAX_CODE_ATTEMPTS);
    expect(res.every((r) => r.statusCode !== 303)).toBe(true);
    expect((await agent.post('/signin/verify', { token, code: totpCode(secret, t.clock.now()) })).statusCode).toBe(400);
  });

  it('throttles code guesses per staff user across fresh links (429 with Retry-After)', async () => {
    const { email, secret } = await staffWithTotp();
    const statuses: number[] = [];
    let retryAfter: string | undefined;
    for (let l = 0; l < 3 && !retryAfter; l++) {
      const { agent, token } = await emailedLink(email);
      for (let i = 0; i < MAX_CODE_ATTEMPTS; i++) {
        const r = await agent.post('/signin/verify', { token, code: wrongCode(secret) });
        statuses.push(r.statusCode);
        if (r.statusCode === 429) {
          retryAfter = r.headers['retry-after'] as string;
          break;
        }
      }
    }
    // Ten guesses per staff user per window (DEFAULT_LIMITS.codePerStaff), then 429.
    expect(statuses.filter((s) => s !== 429)).toHaveLength(10);
    expect(statuses.at(-1)).toBe(429);
    expect(Number(retryAfter)).toBeGreaterThan(0);
  });

  it('accepts each code once: the same code cannot sign in a second browser', async () => {
    const { email, secret } = await staffWithTotp();
    const code = totpCode(secret, t.clock.now());
    const first = t.agent();
    await first.get('/admin/signin');
    expect((await first.post('/admin/signin', { email, password: 'a long staff password', code })).statusCode).toBe(303);
    const second = t.agent();
    await second.get('/admin/signin');
    expect((await second.post('/admin/signin', { email, password: 'a long staff password', code })).statusCode).toBe(401);
    // Nor through an emailed link, nor an older step's code.
    const { agent, token } = await emailedLink(email);
    expect((await agent.post('/signin/verify', { token, code })).statusCode).toBe(401);
    expect((await agent.post('/signin/verify', { token, code: totpCode(secret, t.clock.now() - 30_000) })).statusCode).toBe(401);
    t.clock.advance(30_000);
    expect((await agent.post('/signin/verify', { token, code: totpCode(secret, t.clock.now()) })).statusCode).toBe(303);
  });
});
