import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/db.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { linkIn, startInbox, type Inbox } from '../helpers/smtp.js';
import { createStaffUser, STAFF_ROLES, type StaffRole } from '../../src/members/staff.js';
import { createApiToken } from '../../src/members/tokens.js';
import { setStaffPassword } from '../../src/members/staff-auth.service.js';
import { totpCode } from '../../src/members/totp.js';

const formError = (html: string) => /class="form-error" role="alert">([^<]*)</.exec(html)?.[1];

describe.each(dialects())('staff sign-in and permissions on %s', (dialect) => {
  let t: TestApp;
  let inbox: Inbox;
  const tokens = {} as Record<StaffRole, string>;

  beforeAll(async () => {
    inbox = await startInbox();
    t = await startTestApp(dialect, { smtpUrl: inbox.url });
    const db = t.db.db;
    for (const role of STAFF_ROLES) {
      const u = await createStaffUser(db, { email: `${role}@staff.example`, role, now: t.clock.now() });
      await setStaffPassword({ db, clock: t.clock }, u.email, `${role} password 123`, 'test');
      tokens[role] = (await createApiToken(db, u.id, 'test', t.clock.now())).token;
    }
  });
  afterAll(async () => {
    await t?.close();
    await inbox?.close();
  });

  const as = (role: StaffRole, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, body?: unknown) =>
    t.api(method, url, body, { authorization: `Bearer ${tokens[role]}` });

  it('signs staff in with email and password; wrong passwords read the same and are audited', async () => {
    const a = t.agent();
    await a.get('/admin/signin');
    const wrong = await a.post('/admin/signin', { email: 'editor@staff.example', password: 'nope nope nope' });
    const unknown = await a.post('/admin/signin', { email: 'ghost@staff.example', password: 'nope nope nope' });
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(formError(wrong.body)).toMatch(/^Those sign-in details do not match/);
    expect(formError(unknown.body)).toBe(formError(wrong.body));
    const ok = await a.post('/admin/signin', { email: 'Editor@Staff.example', password: 'editor password 123' });
    expect(ok.statusCode).toBe(303);
    expect(ok.headers.location).toBe('/admin');
    const home = await a.get('/admin');
    expect(home.statusCode).toBe(200);
    expect(home.body).toContain('editor@staff.example');
    const log = (await as('owner', 'GET', '/api/admin/audit')).json().events.map((e: { action: string }) => e.action);
    expect(log).toContain('staff.signin');
    expect(log).toContain('staff.signin_failed');
  });

  it('enrols TOTP and then requires the code, for passwords and for magic links', async () => {
    const a = t.agent();
    await a.get('/admin/signin');
    await a.post('/admin/signin', { email: 'administrator@staff.example', password: 'administrator password 123' });
    const page = await a.get('/admin');
    const secret = /class="totp-secret">([A-Z2-7]+)</.exec(page.body)![1]!;
    expect((await a.post('/admin/security/totp', { code: '000000' })).statusCode).toBe(400);
    expect((await a.post('/admin/security/totp', { code: totpCode(secret, t.clock.now()) })).statusCode).toBe(303);

    const b = t.agent();
    await b.get('/admin/signin');
    // A missing code reads exactly like a wrong password: the wording must not confirm the password.
    const noCode = await b.post('/admin/signin', { email: 'administrator@staff.example', password: 'administrator password 123' });
    const badPassword = await b.post('/admin/signin', { email: 'administrator@staff.example', password: 'not the password at all' });
    expect(noCode.statusCode).toBe(401);
    expect(badPassword.statusCode).toBe(401);
    expect(formError(noCode.body)).toBe(formError(badPassword.body));
    expect(formError(noCode.body)).toMatch(/do not match/);
    // The code that enrolled the app was spent; the next 30-second step's code signs in.
    expect((await b.post('/admin/signin', { email: 'administrator@staff.example', password: 'administrator password 123', code: totpCode(secret, t.clock.now()) })).statusCode).toBe(401);
    t.clock.advance(30_000);
    const withCode = await b.post('/admin/signin', { email: 'administrator@staff.example', password: 'administrator password 123', code: totpCode(secret, t.clock.now()) });
    expect(withCode.statusCode).toBe(303);

    const c = t.agent();
    await c.get('/admin/signin');
    const before = inbox.messages.length;
    expect((await c.post('/admin/signin/link', { email: 'administrator@staff.example' })).statusCode).toBe(303);
    const link = new URL(linkIn(await inbox.waitFor('administrator@staff.example', { after: before })));
    const confirm = await c.get(link.pathname + link.search);
    expect(confirm.body).toContain('Authentication code');
    const token = link.searchParams.get('token')!;
    expect((await c.post('/signin/verify', { token, code: '123456' })).statusCode).toBe(401);
    t.clock.advance(30_000);
    expect((await c.post('/signin/verify', { token, code: totpCode(secret, t.clock.now()) })).statusCode).toBe(303);
    expect((await c.get('/admin')).statusCode).toBe(200);
  });

  it('does exactly what the role matrix allows through the Admin API', async () => {
    const draft = (role: StaffRole) => as(role, 'POST', '/api/admin/articles', { title: `Draft by ${role}` });
    const ownDraft: Record<string, number> = {};
    for (const role of STAFF_ROLES) {
      const r = await draft(role);
      expect(r.statusCode, role).toBe(201);
      ownDraft[role] = r.json().article.id;
    }
    const expectations: [string, (r: StaffRole) => Promise<{ statusCode: number }>, StaffRole[]][] = [
      ['create published', (r) => as(r, 'POST', '/api/admin/articles', { title: `Live by ${r}`, status: 'published' }), ['author', 'editor', 'administrator', 'owner']],
      ['edit own draft', (r) => as(r, 'PATCH', `/api/admin/articles/${ownDraft[r]}`, { dek: 'edited' }), ['contributor', 'author', 'editor', 'administrator', 'owner']],
      ['edit someone else’s draft', (r) => as(r, 'PATCH', `/api/admin/articles/${ownDraft[r === 'owner' ? 'contributor' : 'owner']}`, { dek: 'x' }), ['editor', 'administrator', 'owner']],
      ['publish own', (r) => as(r, 'PATCH', `/api/admin/articles/${ownDraft[r]}`, { status: 'published' }), ['author', 'editor', 'administrator', 'owner']],
      ['create a section', (r) => as(r, 'POST', '/api/admin/sections', { name: `Desk ${r}` }), ['editor', 'administrator', 'owner']],
      ['change settings', (r) => as(r, 'PATCH', '/api/admin/settings', { description: `by ${r}` }), ['administrator', 'owner']],
      ['list members', (r) => as(r, 'GET', '/api/admin/members'), ['administrator', 'owner']],
      ['read the audit log', (r) => as(r, 'GET', '/api/admin/audit'), ['administrator', 'owner']],
      ['create staff', (r) => as(r, 'POST', '/api/admin/staff', { email: `hire-by-${r}@staff.example`, role: 'contributor' }), ['owner']],
    ];
    for (const [what, call, allowed] of expectations) {
      for (const role of STAFF_ROLES) {
        const res = await call(role);
        const ok = res.statusCode < 300;
        expect(ok, `${role} ${what}: ${res.statusCode}`).toBe(allowed.includes(role));
        if (!ok) expect(res.statusCode, `${role} ${what}`).toBe(403);
      }
    }
    // A contributor cannot touch their article once an editor has published it.
    await as('editor', 'PATCH', `/api/admin/articles/${ownDraft.contributor}`, { status: 'published' });
    const late = await as('contributor', 'PATCH', `/api/admin/articles/${ownDraft.contributor}`, { dek: 'too late' });
    expect(late.statusCode).toBe(403);
    expect(late.json().error.message).toMatch(/contributor/);
  });

  it('audits role changes and keeps at least one owner', async () => {
    const hire = (await as('owner', 'POST', '/api/admin/staff', { email: 'newbie@staff.example', role: 'contributor' })).json().staff;
    expect((await as('owner', 'PATCH', `/api/admin/staff/${hire.id}`, { role: 'editor' })).json().staff.role).toBe('editor');
    const owners = (await as('owner', 'GET', '/api/admin/staff')).json().staff.filter((s: { role: string }) => s.role === 'owner');
    const me = owners.find((o: { email: string }) => o.email === 'owner@staff.example');
    for (const o of owners) if (o !== me) expect((await as('owner', 'PATCH', `/api/admin/staff/${o.id}`, { role: 'editor' })).statusCode).toBe(200);
    expect((await as('owner', 'PATCH', `/api/admin/staff/${me.id}`, { role: 'editor' })).statusCode).toBe(409);
    const events = (await as('owner', 'GET', '/api/admin/audit')).json().events;
    expect(events.some((e: { action: string; details: { to?: string } }) => e.action === 'staff.role_changed' && e.details.to === 'editor')).toBe(true);
  });

  it('lets staff create and revoke their own tokens', async () => {
    const created = await as('author', 'POST', '/api/admin/tokens', { name: 'laptop' });
    expect(created.statusCode).toBe(201);
    const { id, secret } = created.json().token;
    expect((await t.api('GET', '/api/admin/tags', undefined, { authorization: `Bearer ${secret}` })).statusCode).toBe(200);
    expect((await as('contributor', 'DELETE', `/api/admin/tokens/${id}`)).statusCode).toBe(403);
    expect((await as('author', 'DELETE', `/api/admin/tokens/${id}`)).statusCode).toBe(204);
    expect((await t.api('GET', '/api/admin/tags', undefined, { authorization: `Bearer ${secret}` })).statusCode).toBe(401);
  });
});
