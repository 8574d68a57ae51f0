import { suppress } from '../../src/newsletters/newsletters.queries.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/db.js';
import { startTestApp, type Agent, type TestApp } from '../helpers/app.js';
import { makeArticle, makeComment, makePlan } from '../helpers/factories.js';
import { createStaffUser, type StaffRole } from '../../src/members/staff.js';
import { setStaffPassword } from '../../src/members/staff-auth.service.js';
import { createSession, SESSION_COOKIE } from '../../src/members/sessions.js';
import { recomputeMemberStatus } from '../../src/billing/subscriptions.js';
import { DAY } from '../../src/shared/time.js';
import { MAIL_JOB } from '../../src/mail/mailer.js';
import { checkFile, createImport, importStatus, MEMBER_IMPORT_JOB, memberImportHandler, runImport } from '../../src/members/member-import.js';

/**
 * The newsroom's members pages over HTTP, on both databases: who may see them, each filter and
 * keyset pages, a member's page and every action on it (with its audit entry), the streamed CSV
 * export, and the CSV import (dry run with bad rows by line, the import, idempotence, Ghost's
 * complimentary and Stripe columns, a file that cannot be read).
 */
describe.each(dialects())('members pages on %s', (dialect) => {
  let t: TestApp;
  let admin: Agent;
  let editor: Agent;
  let planId: number;

  async function signIn(name: string, role: StaffRole) {
    const u = await createStaffUser(t.db.db, { email: `${name}@staff.example`, name, role, now: t.clock.now() });
    await setStaffPassword({ db: t.db.db, clock: t.clock }, u.email, `${name} password 123`, 'test');
    const agent = t.agent();
    await agent.get('/admin/signin');
    expect((await agent.post('/admin/signin', { email: u.email, password: `${name} password 123` })).statusCode).toBe(303);
    return agent;
  }
  async function member(email: string, o: { name?: string; createdAt?: number; lastSeenAt?: number | null } = {}) {
    const r = await t.db.db.insertInto('members').values({
      email, email_normalized: email.toLowerCase(), name: o.name ?? '', status: 'free', email_verified: 1, password_hash: null,
      created_at: o.createdAt ?? t.clock.now(), last_seen_at: o.lastSeenAt ?? null, deleted_at: null,
    }).returning('id').executeTakeFirstOrThrow();
    return r.id;
  }
  async function subscribe(memberId: number, status: string, o: { pastDueSince?: number } = {}) {
    const now = t.clock.now();
    await t.db.db.insertInto('subscriptions').values({ member_id: memberId, plan_id: planId, price_id: null, status, trial_end: status === 'trialing' ? now + 5 * DAY : null, current_period_end: null, cancel_at_period_end: 0, past_due_since: o.pastDueSince ?? null, ended_at: null, stripe_subscription_id: null, created_at: now, updated_at: now }).execute();
    await recomputeMemberStatus(t.app.ctx.billing, memberId);
  }
  const emailsIn = (html: string) => [...html.matchAll(/<td><a href="\/admin\/members\/\d+">([^<]*)<\/a><\/td>/g)].map((m) => m[1]!);
  const list = async (q: string) => emailsIn((await admin.get(`/admin/members?${q}`)).body);
  const auditActions = async (target: string) => (await t.db.db.selectFrom('audit_log').select('action').where('target', '=', target).orderBy('id').execute()).map((r) => r.action);

  beforeAll(async () => {
    t = await startTestApp(dialect);
    planId = (await makePlan(t.app.ctx.content)).id;
    admin = await signIn('ada', 'administrator');
    editor = await signIn('ed', 'editor');
  });
  afterAll(async () => t?.close());

  it('is for staff who manage members only, and private', async () => {
    expect((await t.get('/admin/members')).headers.location).toBe('/admin/signin');
    expect((await editor.get('/admin/members')).statusCode).toBe(403);
    expect((await editor.get('/admin/members/export.csv')).statusCode).toBe(403);
    const page = await admin.get('/admin/members');
    expect(page.statusCode).toBe(200);
    expect(page.headers['cache-control']).toBe('private, no-store');
    // A write without the form's CSRF token changes nothing.
    const id = await member('csrf@perm.example');
    expect((await admin.post(`/admin/members/${id}/comp`, { _csrf: 'forged' })).statusCode).toBe(403);
    expect((await editor.post(`/admin/members/${id}/comp`, {})).statusCode).toBe(403);
    expect((await t.db.db.selectFrom('members').select('standing').where('id', '=', id).executeTakeFirstOrThrow()).standing).toBe('free');
  });

  it('filters by status, plan, sign-up dates, last seen, label, comments, suppression and search, and pages by key', async () => {
    const now = t.clock.now();
    const free = await member('f-free@filters.example', { name: 'Fay Free', createdAt: now - 400 * DAY, lastSeenAt: now - DAY });
    const trial = await member('f-trial@filters.example', { name: 'Tom Trial', createdAt: now - 100 * DAY });
    const paid = await member('f-paid@filters.example', { name: 'Pat Paid', createdAt: now - 10 * DAY, lastSeenAt: now - 200 * DAY });
    const late = await member('f-late@filters.example', { name: 'Lee Late' });
    const gone = await member('f-gone@filters.example', { name: 'Gil Gone' });
    const comp = await member('f-comp@filters.example', { name: 'Cam Comp' });
    await subscribe(trial, 'trialing');
    await subscribe(paid, 'active');
    await subscribe(late, 'past_due', { pastDueSince: now - DAY });
    await subscribe(gone, 'canceled');
    expect((await admin.post(`/admin/members/${comp}/comp`, { until: '' })).statusCode).toBe(303);
    const article = await makeArticle(t.app.ctx.content, { accessLevel: 'free' });
    await makeComment(t.app.ctx.comments, article.id, paid, 'A fair point.');
    await admin.get(`/admin/members/${free}`);
    expect((await admin.post(`/admin/members/${free}/labels`, { labels: 'VIP, Print reader' })).statusCode).toBe(303);

    const f = 'q=f-';
    expect(await list(`${f}&status=free`)).toEqual(['f-free@filters.example']);
    expect(await list(`${f}&status=trialing`)).toEqual(['f-trial@filters.example']);
    expect(await list(`${f}&status=paid`)).toEqual(['f-paid@filters.example']);
    expect(await list(`${f}&status=past_due`)).toEqual(['f-late@filters.example']);
    expect(await list(`${f}&status=cancelled`)).toEqual(['f-gone@filters.example']);
    expect(await list(`${f}&status=comp`)).toEqual(['f-comp@filters.example']);
    expect((await list(`${f}&plan=${planId}`)).sort()).toEqual(['f-comp@filters.example', 'f-late@filters.example', 'f-paid@filters.example', 'f-trial@filters.example']);
    expect(await list(`${f}&label=vip`)).toEqual(['f-free@filters.example']);
    expect(await list(`${f}&commented=yes`)).toEqual(['f-paid@filters.example']);
    expect(await list(`${f}&commented=no`)).not.toContain('f-paid@filters.example');
    // The newsletters' suppression list (a hard bounce here): filtered, and said on the member's page.
    await suppress(t.db.db, 'f-late@filters.example', 'hard_bounce', '550 5.1.1 mailbox unavailable', now);
    expect(await list(`${f}&suppressed=yes`)).toEqual(['f-late@filters.example']);
    expect(await list(`${f}&suppressed=no`)).not.toContain('f-late@filters.example');
    expect((await list(`${f}&suppressed=no`)).length).toBe(5);
    expect((await admin.get(`/admin/members/${late}`)).body).toMatch(/id="member-suppression">Suppressed since [^<]*: the address bounced \(550 5\.1\.1 mailbox unavailable\)\. No newsletter goes to this address\./);
    expect((await admin.get(`/admin/members/${paid}`)).body).toContain('id="member-suppression">Delivered');
    expect(await list(`${f}&seen=7d`)).toEqual(['f-free@filters.example']);
    expect(await list(`${f}&seen=over90d`)).toEqual(['f-paid@filters.example']);
    const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
    expect(await list(`${f}&from=${day(now - 150 * DAY)}&to=${day(now - 5 * DAY)}`)).toEqual(['f-paid@filters.example', 'f-trial@filters.example']);
    // Search: a prefix of the address, or of the name, in any case.
    expect(await list('q=F-PAID@')).toEqual(['f-paid@filters.example']);
    expect(await list('q=cam')).toEqual(['f-comp@filters.example']);
    expect(await list('q=100%25')).toEqual([]);

    // A date that is not one comes back as typed, with the error beside its field.
    const bad = await admin.get('/admin/members?from=31%2F02%2F2026');
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('value="31/02/2026"');
    expect(bad.body).toMatch(/id="m-from-error">Enter a date/);

    for (let i = 0; i < 60; i++) await member(`page-${String(i).padStart(2, '0')}@paging.example`);
    const first = await admin.get('/admin/members?q=page-');
    const one = emailsIn(first.body);
    expect(one).toHaveLength(50);
    expect(one[0]).toBe('page-59@paging.example');
    const next = /rel="next" href="([^"]+)"/.exec(first.body)![1]!.replace(/&amp;/g, '&');
    const two = emailsIn((await admin.get(next)).body);
    expect(two).toEqual(Array.from({ length: 10 }, (_, i) => `page-${String(9 - i).padStart(2, '0')}@paging.example`));
  });

  it('grants complimentary access, after which the member reads a paid article; revokes it; every change audited with its cause', async () => {
    const id = await member('reader@comp.example', { name: 'Rosa Reader' });
    const article = await makeArticle(t.app.ctx.content, { accessLevel: 'paid', rest: 'The gated paragraph about the harbour.' });
    const session = await createSession(t.db.db, { memberId: id }, 'test', t.clock.now());
    const read = async () => (await t.get(`/articles/${article.slug}`, { cookie: `${SESSION_COOKIE}=${session.token}` })).body;
    expect(await read()).not.toContain('The gated paragraph');

    const found = await list('q=reader@comp');
    expect(found).toEqual(['reader@comp.example']);
    await admin.get(`/admin/members/${id}`);
    // A past date is refused, and what was typed is kept beside the error.
    const refused = await admin.post(`/admin/members/${id}/comp`, { until: '2001-01-01' });
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toContain('value="2001-01-01"');
    expect(refused.body).toMatch(/id="c-until-error">The end date must be in the future/);
    const granted = await admin.post(`/admin/members/${id}/comp`, { until: '' });
    expect(granted.statusCode).toBe(303);
    t.app.ctx.invalidate();
    expect(await read()).toContain('The gated paragraph about the harbour.');
    const page = await admin.get(`/admin/members/${id}?done=comp`);
    expect(page.body).toContain('<dd id="member-status">Complimentary</dd>');
    expect(page.body).toMatch(/granted complimentary access/);

    expect((await admin.post(`/admin/members/${id}/comp/revoke`, {})).statusCode).toBe(303);
    t.app.ctx.invalidate();
    expect(await read()).not.toContain('The gated paragraph');
    expect(await auditActions(`member:${id}`)).toEqual(['member.comp_granted', 'member.comp_revoked']);
  });

  it('edits labels (a refused list kept as typed), sends a sign-in link, revokes a session and erases, each audited', async () => {
    const id = await member('lab@actions.example', { name: 'Lab Member' });
    const s = await createSession(t.db.db, { memberId: id }, 'Mozilla/5.0 (X11; Linux x86_64) Chrome/130.0 Safari/537.36', t.clock.now());
    await admin.get(`/admin/members/${id}`);
    const tooLong = `Fine, ${'x'.repeat(120)}`;
    const refused = await admin.post(`/admin/members/${id}/labels`, { labels: tooLong });
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toContain(`value="${tooLong}"`);
    expect(refused.body).toMatch(/id="l-labels-error">The label/);
    expect((await admin.post(`/admin/members/${id}/labels`, { labels: 'Donor, donor , Events' })).statusCode).toBe(303);
    expect((await admin.get(`/admin/members/${id}`)).body).toContain('value="Donor, Events"');

    const mails = async () => Number((await t.db.db.selectFrom('jobs').select((eb) => eb.fn.countAll().as('n')).where('kind', '=', MAIL_JOB).where('payload', 'like', '%lab@actions.example%').where('payload', 'like', '%/signin/verify?token=%').executeTakeFirstOrThrow()).n);
    expect(await mails()).toBe(0);
    expect((await admin.post(`/admin/members/${id}/signin-link`, {})).statusCode).toBe(303);
    expect(await mails()).toBe(1);

    const page = await admin.get(`/admin/members/${id}`);
    expect(page.body).toContain('Chrome on Linux');
    const sid = /name="session" value="([^"]+)"/.exec(page.body)![1]!;
    expect((await admin.post(`/admin/members/${id}/sessions/revoke`, { session: sid })).statusCode).toBe(303);
    expect((await t.get('/account', { cookie: `${SESSION_COOKIE}=${s.token}` })).statusCode).not.toBe(200);

    const unconfirmed = await admin.post(`/admin/members/${id}/erase`, {});
    expect(unconfirmed.statusCode).toBe(400);
    expect(unconfirmed.body).toMatch(/id="e-confirm-error">Tick the box/);
    expect((await admin.post(`/admin/members/${id}/erase`, { confirm: 'yes' })).headers.location).toBe('/admin/members?done=erased');
    const row = await t.db.db.selectFrom('members').select(['email', 'name', 'deleted_at']).where('id', '=', id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ email: `deleted-member-${id}@invalid`, name: '' });
    expect((await admin.get(`/admin/members/${id}`)).statusCode).toBe(404);
    expect(await auditActions(`member:${id}`)).toEqual(['member.labels', 'member.signin_link_sent', 'member.session_revoked', 'member.erased']);
  });

  it('exports the filtered list as CSV, streamed, with spreadsheet formulas made text', async () => {
    await member('=cmd@export.example', { name: '=HYPERLINK("http://evil")' });
    await member('x1@export.example', { name: 'Ex, One' });
    const res = await admin.get('/admin/members/export.csv?q=x1@export');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="members-/);
    const lines = res.body.trim().split('\r\n');
    expect(lines[0]).toBe('email,name,note,status,plan,labels,stripe_customer_id,created_at,last_seen_at');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^x1@export\.example,"Ex, One",,Free,,,,/);
    const evil = await admin.get('/admin/members/export.csv?q=%3Dcmd');
    expect(evil.body).toContain(`'=cmd@export.example,"'=HYPERLINK(""http://evil"")"`);
    const all = (await admin.get('/admin/members/export.csv')).body.trim().split('\r\n');
    expect(all.length).toBeGreaterThan(60);
    expect((await t.db.db.selectFrom('audit_log').select('action').where('action', '=', 'members.exported').execute()).length).toBe(3);
  });

  it('pages every filter to its end with each member once: matches far below the newest, sign-up windows in sign-up order, a label alone', async () => {
    // Follows "Next page" to the end, collecting every address.
    const everyPage = async (q: string) => {
      const seen: string[] = [];
      let url: string | undefined = `/admin/members?${q}`;
      while (url) {
        const body: string = (await admin.get(url)).body;
        seen.push(...emailsIn(body));
        url = /rel="next" href="([^"]+)"/.exec(body)?.[1]?.replace(/&amp;/g, '&');
      }
      return seen;
    };
    const now = t.clock.now();
    const article = await makeArticle(t.app.ctx.content, { accessLevel: 'free' });
    // 55 members in order, then one far above them in id: the page's first walk finds that one alone and the
    // rest must come from below it, in id order.
    const low: string[] = [];
    for (let i = 0; i < 55; i++) {
      const email = `gap-${String(i).padStart(2, '0')}@gap.example`;
      const id = await member(email, { createdAt: now - ((i * 17) % 55) * DAY });
      if (i % 2 === 0) await makeComment(t.app.ctx.comments, article.id, id, `Comment ${i}.`);
      low.push(email);
    }
    await t.db.db.insertInto('members').values({
      id: 900_000, email: 'gap-top@gap.example', email_normalized: 'gap-top@gap.example', name: '', status: 'free', email_verified: 1, password_hash: null,
      created_at: now - 3 * DAY, last_seen_at: null, deleted_at: null,
    }).execute();
    await makeComment(t.app.ctx.comments, article.id, 900_000, 'From the top.');
    const newestFirst = ['gap-top@gap.example', ...[...low].reverse()];
    expect(await everyPage('q=gap-')).toEqual(newestFirst);
    expect(await everyPage('q=gap-&commented=yes')).toEqual(newestFirst.filter((e) => e === 'gap-top@gap.example' || Number(e.slice(4, 6)) % 2 === 0));

    // A sign-up window lists by sign-up date, newest first (ties by id), across pages.
    const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
    const rows = await t.db.db.selectFrom('members').select(['email', 'created_at', 'id']).where('email', 'like', 'gap-%').execute();
    const from = now - 52 * DAY;
    const inWindow = rows.filter((r) => Number(r.created_at) >= new Date(`${day(from)}T00:00:00Z`).getTime())
      .sort((a, b) => Number(b.created_at) - Number(a.created_at) || b.id - a.id).map((r) => r.email);
    expect(inWindow.length).toBeGreaterThan(50);
    const windowed = await admin.get(`/admin/members?q=gap-&from=${day(from)}`);
    expect(windowed.body).toContain('by sign-up date, newest first');
    expect(await everyPage(`q=gap-&from=${day(from)}`)).toEqual(inWindow);

    // A label alone walks its links: every labelled member once, newest first.
    const label = await t.db.db.insertInto('member_labels').values({ name: 'Gap', slug: 'gap', created_at: now }).returning('id').executeTakeFirstOrThrow();
    for (const e of low.slice(0, 53)) {
      const id = (await t.db.db.selectFrom('members').select('id').where('email', '=', e).executeTakeFirstOrThrow()).id;
      await t.db.db.insertInto('member_label_links').values({ label_id: label.id, member_id: id }).execute();
    }
    expect(await everyPage('label=gap')).toEqual(low.slice(0, 53).reverse());
    expect(await everyPage('label=no-such-label')).toEqual([]);
  });

  function upload(agent: Agent, csv: string | Buffer, mode: 'dry' | 'import') {
    const boundary = '----masthead-test-boundary';
    const head = (name: string, extra = '') => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"${extra}\r\n`;
    const payload = Buffer.concat([
      Buffer.from(`${head('_csrf')}\r\n${agent.csrf()}\r\n${head('mode')}\r\n${mode}\r\n${head('file', '; filename="members.csv"')}Content-Type: text/csv\r\n\r\n`),
      typeof csv === 'string' ? Buffer.from(csv) : csv, Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    return t.app.server.inject({ method: 'POST', url: '/admin/members/import', payload, headers: { cookie: [...agent.cookies].map(([k, v]) => `${k}=${v}`).join('; '), 'content-type': `multipart/form-data; boundary=${boundary}` } });
  }
  async function finished(location: string) {
    for (let i = 0; i < 200; i++) {
      const r = await admin.get(location);
      if (!r.headers.refresh) return r.body;
      await new Promise((res) => setTimeout(res, 25));
    }
    throw new Error('the import did not finish');
  }

  const GHOST = [
    'id,email,name,note,subscribed_to_emails,complimentary_plan,stripe_customer_id,created_at,deleted_at,labels,tiers',
    'g1,ann@ghost.example,Ann Archer,Met at the fair,true,false,,2024-02-01T10:00:00.000Z,,"Print, VIP",',
    'g2,not-an-address,Bad Row,,true,false,,2024-02-01T10:00:00.000Z,,,',
    'g3,ben@ghost.example,Ben Bold,,false,true,,2024-03-01 09:00:00,,,',
    'g4,ANN@ghost.example,Ann Again,,true,false,,,,,',
    'g5,cy@ghost.example,Cy Stripe,,true,false,cus_Q1w2E3r4,2023-05-05T00:00:00Z,,Donor,Supporter',
    'g6,short@ghost.example,Too Few',
  ].join('\r\n') + '\r\n';

  it('imports a Ghost export: a dry run reports bad rows by line, the import writes the rest, a second import changes nothing', async () => {
    await admin.get('/admin/members/import');
    const dry = await upload(admin, GHOST, 'dry');
    expect(dry.statusCode).toBe(200);
    expect(dry.body).toMatch(/a Ghost member export with 6 rows: 3 new members would be created and 0 existing members updated; 3 rows would be left out/);
    const problems = [...dry.body.matchAll(/<tr><td>(\d+)<\/td><td>[^<]*<\/td><td>([^<]*)<\/td><\/tr>/g)].map((m) => [Number(m[1]), m[2]]);
    expect(problems).toEqual([
      [3, '&quot;not-an-address&quot; is not a valid email address'],
      [5, 'The same address as line 2'],
      [7, 'Has 3 values where the first row names 11 columns'],
    ]);
    expect(await list('q=ann@ghost')).toEqual([]);

    const started = await upload(admin, GHOST, 'import');
    expect(started.statusCode).toBe(303);
    const done = await finished(started.headers.location as string);
    expect(done).toContain('Import finished');
    expect(done).toMatch(/3 of 3 rows written: 3 members created, 0 already here/);
    const ann = await t.db.db.selectFrom('members').selectAll().where('email_normalized', '=', 'ann@ghost.example').executeTakeFirstOrThrow();
    expect(ann).toMatchObject({ name: 'Ann Archer', note: 'Met at the fair', created_at: Date.parse('2024-02-01T10:00:00.000Z'), email_verified: 1 });
    expect(await list('label=print')).toEqual(['ann@ghost.example']);
    const ben = await t.db.db.selectFrom('members').select(['standing', 'status']).where('email_normalized', '=', 'ben@ghost.example').executeTakeFirstOrThrow();
    expect(ben).toEqual({ standing: 'comp', status: 'comp' });
    expect((await t.db.db.selectFrom('members').select('stripe_customer_id').where('email_normalized', '=', 'cy@ghost.example').executeTakeFirstOrThrow()).stripe_customer_id).toBe('cus_Q1w2E3r4');

    const again = await upload(admin, GHOST, 'import');
    expect(await finished(again.headers.location as string)).toMatch(/3 of 3 rows written: 0 members created, 3 already here/);
    expect(Number((await t.db.db.selectFrom('members').select((eb) => eb.fn.countAll().as('n')).where('email_normalized', 'like', '%@ghost.example').executeTakeFirstOrThrow()).n)).toBe(3);
    expect(Number((await t.db.db.selectFrom('subscriptions as s').innerJoin('members as m', 'm.id', 's.member_id').select((eb) => eb.fn.countAll().as('n')).where('m.email_normalized', '=', 'ben@ghost.example').executeTakeFirstOrThrow()).n)).toBe(1);
    expect((await t.db.db.selectFrom('audit_log').select('action').where('action', '=', 'members.import').execute()).length).toBe(2);
    // Each ran as a job, and the stored file was let go once written.
    expect((await t.db.db.selectFrom('jobs').select(['done_at']).where('kind', '=', MEMBER_IMPORT_JOB).execute()).map((j) => j.done_at !== null)).toEqual([true, true]);
    expect((await t.db.db.selectFrom('member_imports').select('data').execute()).every((r) => r.data === null)).toBe(true);
  });

  it('runs an import again when its job is taken over (its instance died mid-run): the rows it wrote are not written twice', async () => {
    const csv = ['email,name', ...Array.from({ length: 1500 }, (_, i) => `over${i}@takeover.example,Over ${i}`)].join('\n') + '\n';
    const checked = await checkFile(Buffer.from(csv));
    if ('fileProblem' in checked) throw new Error(checked.fileProblem);
    const deps = { db: t.db.db, dialect: t.db.dialect, clock: t.clock, billing: t.app.ctx.billing };
    // Its row and file as startImport stores them (without the job: this test is the worker).
    const id = await createImport(deps, checked, 'takeover.csv', 1, Buffer.from(csv));
    // The first run wrote its first batch of 1,000 and stopped there, its file and state as a dead instance leaves them.
    await runImport(deps, id, { ...checked, records: checked.records.slice(0, 1000) }, 1);
    await t.db.db.updateTable('member_imports').set({ state: 'running', finished_at: null }).where('id', '=', id).execute();
    await memberImportHandler(deps)({ importId: id });
    const s = (await importStatus(t.db.db, id))!;
    expect(s).toMatchObject({ state: 'done', total: 1500, done: 1500, created: 500, updated: 1000 });
    const n = await t.db.db.selectFrom('members').select((eb) => eb.fn.countAll().as('n')).where('email_normalized', 'like', '%@takeover.example').executeTakeFirstOrThrow();
    expect(Number(n.n)).toBe(1500);
    // Finished: a late second delivery of the job does nothing.
    await memberImportHandler(deps)({ importId: id });
    expect((await importStatus(t.db.db, id))!.created).toBe(500);
  });

  it('reads a Substack export, reports a row in the wrong encoding by its line, and refuses files it cannot use with the error beside the field', async () => {
    const substack = Buffer.concat([
      Buffer.from('email,active_subscription,expiry,plan,email_disabled,created_at\r\nsu@substack.example,true,2027-01-01,comp,false,2024-01-01T00:00:00Z\r\nzo'),
      Buffer.from([0xeb]), Buffer.from('@substack.example,false,,,false,2024-01-01T00:00:00Z\r\n'),
    ]);
    await admin.get('/admin/members/import');
    const dry = await upload(admin, substack, 'dry');
    expect(dry.body).toMatch(/a Substack subscriber export with 2 rows: 1 new member would be created/);
    expect(dry.body).toMatch(/<td>3<\/td><td>—<\/td><td>This row is not valid UTF-8 text/);

    const noEmail = await upload(admin, 'name,note\r\nAnn,x\r\n', 'dry');
    expect(noEmail.statusCode).toBe(400);
    expect(noEmail.body).toMatch(/id="i-file-error">The first row has no &quot;email&quot; column/);
    const utf16 = await upload(admin, Buffer.from('\ufeffemail\r\na@b.example\r\n', 'utf16le'), 'dry');
    expect(utf16.statusCode).toBe(400);
    expect(utf16.body).toMatch(/id="i-file-error">The file is UTF-16 text/);
  });
});
