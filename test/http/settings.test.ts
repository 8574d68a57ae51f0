import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/db.js';
import { startTestApp, type Agent, type TestApp } from '../helpers/app.js';
import { makeArticle, makeSection } from '../helpers/factories.js';
import { createStaffUser, type StaffRole } from '../../src/members/staff.js';
import { setStaffPassword } from '../../src/members/staff-auth.service.js';
import { recentAudit } from '../../src/members/audit.js';
import { readMeterRules } from '../../src/access/rules.js';
import { readSiteSettings } from '../../src/content/settings.js';

/**
 * Settings in the newsroom app over HTTP, on both databases: administrators only, every change in
 * the audit log, a refused form re-shown as typed with the problem beside the field, a meter change
 * holding from the next article view, the export downloaded whole.
 */
describe.each(dialects())('settings pages on %s', (dialect) => {
  let t: TestApp;
  const staff = {} as Record<string, Agent>;

  async function signIn(name: string, role: StaffRole) {
    const u = await createStaffUser(t.db.db, { email: `${name}@staff.example`, name, role, now: t.clock.now() });
    await setStaffPassword({ db: t.db.db, clock: t.clock }, u.email, `${name} password 123`, 'test');
    const agent = t.agent();
    await agent.get('/admin/signin');
    expect((await agent.post('/admin/signin', { email: u.email, password: `${name} password 123` })).statusCode).toBe(303);
    staff[name] = agent;
  }
  const valueOf = (html: string, id: string) => new RegExp(`id="${id}"[^>]*value="([^"]*)"`).exec(html)?.[1];

  beforeAll(async () => {
    t = await startTestApp(dialect);
    await signIn('ada', 'administrator');
    await signIn('ed', 'editor');
  });
  afterAll(async () => t?.close());

  it('is for administrators and the owner: an editor is refused, a visitor sent to sign in', async () => {
    expect((await t.get('/admin/settings/meter')).headers.location).toBe('/admin/signin');
    expect((await staff.ed!.get('/admin/settings')).statusCode).toBe(403);
    expect((await staff.ed!.get('/admin/settings/meter')).statusCode).toBe(403);
    const page = await staff.ada!.get('/admin/settings');
    expect(page.statusCode).toBe(200);
    expect(page.headers['cache-control']).toBe('private, no-store');
    expect(page.body).toContain('href="/admin/settings/meter"');
    // The newsroom's navigation offers Settings to those who may use it.
    expect((await staff.ada!.get('/admin/articles')).body).toContain('href="/admin/settings"');
    expect((await staff.ed!.get('/admin/articles')).body).not.toContain('href="/admin/settings"');
    // An editor's post is refused before anything is read.
    await staff.ed!.get('/admin/articles');
    expect((await staff.ed!.post('/admin/settings/meter', { anonymousAllowance: '9' })).statusCode).toBe(403);
    expect((await readMeterRules(t.db.db)).anonymousAllowance).toBe(3);
  });

  it('explains the meter rules in words, and a change shows at once, logged with old and new values', async () => {
    const page = await staff.ada!.get('/admin/settings/meter');
    expect(page.body).toContain('Readers who are not signed in get 3 free articles a day; registering gives 5.');
    const r = await staff.ada!.post('/admin/settings/meter', { anonymousAllowance: '2', memberAllowance: '6', period: 'week', sharedAddressFactor: '3', addressCeiling: '20' });
    expect(r.statusCode).toBe(303);
    expect(r.headers.location).toBe('/admin/settings/meter?saved=1');
    const after = await staff.ada!.get('/admin/settings/meter?saved=1');
    expect(after.body).toContain('Saved.');
    expect(after.body).toContain('Readers who are not signed in get 2 free articles a week; registering gives 6.');
    expect(valueOf(after.body, 'set-anonymousAllowance')).toBe('2');
    const entry = (await recentAudit(t.db.db, 5)).find((e) => e.action === 'settings.change' && e.target === 'meter')!;
    expect(entry.actor).toMatch(/^staff:\d+$/);
    expect(JSON.parse(entry.details!)).toEqual({ anonymousAllowance: { from: 3, to: 2 }, memberAllowance: { from: 5, to: 6 }, period: { from: 'calendar_day', to: 'week' } });
    // The checkbox was left unticked: verifiedCrawlers stays off, and is not logged as a change.
    expect((await readMeterRules(t.db.db)).verifiedCrawlers).toBe(false);
  });

  it('shows rules in words as typed before they are saved: on the page without a script, and as JSON for the page\'s script', async () => {
    const before = await readMeterRules(t.db.db);
    const auditBefore = (await recentAudit(t.db.db, 100)).length;
    await staff.ada!.get('/admin/settings/meter');
    const typed = { anonymousAllowance: '4', memberAllowance: '10', period: 'calendar_month', sharedAddressFactor: '3', addressCeiling: '20' };
    // The "Show in words" button: the form again, as typed, with its sentences; nothing saved.
    const shown = await staff.ada!.post('/admin/settings/meter', { ...typed, preview: '1' });
    expect(shown.statusCode).toBe(200);
    expect(shown.body).toContain('Not saved yet: this is what readers would get. Save to apply it.');
    expect(shown.body).toContain('Readers who are not signed in get 4 free articles a month; registering gives 10.');
    expect(valueOf(shown.body, 'set-anonymousAllowance')).toBe('4');
    expect(await readMeterRules(t.db.db)).toEqual(before);
    // What the page's script asks: the same sentences.
    const json = await staff.ada!.post('/admin/api/settings/meter/explain', typed, { accept: 'application/json' });
    expect(json.statusCode).toBe(200);
    expect(json.headers['cache-control']).toBe('private, no-store');
    expect(json.json().sentences[0]).toBe('Readers who are not signed in get 4 free articles a month; registering gives 10.');
    // Rules that cannot be: the field named, in words; still nothing saved.
    const bad = await staff.ada!.post('/admin/api/settings/meter/explain', { ...typed, memberAllowance: 'ten' }, { accept: 'application/json' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toBe('Fix this field to see what readers would get: Free articles for registered readers.');
    const badPage = await staff.ada!.post('/admin/settings/meter', { ...typed, memberAllowance: 'ten', preview: '1' });
    expect(badPage.statusCode).toBe(400);
    expect(badPage.body).toContain('<span class="field-error" id="set-memberAllowance-error">Must be a whole number.</span>');
    expect(await readMeterRules(t.db.db)).toEqual(before);
    expect((await recentAudit(t.db.db, 100)).length).toBe(auditBefore);
    // The same guard as the form: no token, no answer; not staff, no answer.
    expect((await staff.ada!.post('/admin/api/settings/meter/explain', { ...typed, _csrf: 'forged' }, { accept: 'application/json' })).statusCode).toBe(403);
    await staff.ed!.get('/admin/articles');
    expect((await staff.ed!.post('/admin/api/settings/meter/explain', typed, { accept: 'application/json' })).statusCode).toBe(403);
    expect((await t.agent().post('/admin/api/settings/meter/explain', typed, { accept: 'application/json' })).statusCode).toBe(401);
  });

  it('re-shows what was typed, with the problem beside each field, and saves nothing', async () => {
    const before = await readMeterRules(t.db.db);
    const auditBefore = (await recentAudit(t.db.db, 100)).length;
    const r = await staff.ada!.post('/admin/settings/meter', { anonymousAllowance: 'three', memberAllowance: '5000', period: 'fortnight', sharedAddressFactor: '3', addressCeiling: '20' });
    expect(r.statusCode).toBe(400);
    expect(r.body).toContain('Nothing was saved: 3 fields need a change.');
    expect(valueOf(r.body, 'set-anonymousAllowance')).toBe('three');
    expect(valueOf(r.body, 'set-memberAllowance')).toBe('5000');
    expect(r.body).toMatch(/id="set-anonymousAllowance"[^>]*aria-invalid="true"/);
    expect(r.body).toContain('<span class="field-error" id="set-anonymousAllowance-error">Must be a whole number.</span>');
    expect(r.body).toContain('<span class="field-error" id="set-memberAllowance-error">Must be at most 1000.</span>');
    expect(r.body).toContain('<span class="field-error" id="set-period-error">Choose one of the options.</span>');
    expect(r.body).toMatch(/<option value="fortnight" selected/);
    expect(await readMeterRules(t.db.db)).toEqual(before);
    expect((await recentAudit(t.db.db, 100)).length).toBe(auditBefore);

    const site = await staff.ada!.post('/admin/settings/site', { title: '', description: 'D', logoUrl: 'javascript:alert(1)', accentColor: 'red', timezone: 'Mars/Olympus', locale: 'en' });
    expect(site.statusCode).toBe(400);
    expect(site.body).toContain('id="set-title-error">Must not be empty.');
    expect(site.body).toContain('id="set-logoUrl-error">Must be http(s) or site-relative.');
    expect(site.body).toContain('id="set-accentColor-error">Must be a colour like #b3261e.');
    expect(site.body).toContain('id="set-timezone-error">Must be an IANA time zone such as Europe/London.');
    expect(valueOf(site.body, 'set-logoUrl')).toBe('javascript:alert(1)');
  });

  it('changes the site identity, which every page shows at once', async () => {
    const r = await staff.ada!.post('/admin/settings/site', { title: 'The Harbour Ledger', description: 'News from the harbour.', logoUrl: '', accentColor: '#1a5e9a', timezone: 'Europe/London', locale: 'en-GB' });
    expect(r.statusCode).toBe(303);
    expect(await readSiteSettings(t.db.db)).toMatchObject({ title: 'The Harbour Ledger', logoUrl: null, timezone: 'Europe/London', locale: 'en-GB' });
    expect((await t.get('/')).body).toContain('The Harbour Ledger');
  });

  it('sets the header’s navigation: links of our own, sections shown or not, a bad line named', async () => {
    await staff.ada!.get('/admin/settings/nav');
    const bad = await staff.ada!.post('/admin/settings/nav', { showSections: 'on', links: 'About us | /about\nTips | javascript:alert(1)' });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('id="set-links-error">Line 2: must be an http(s) address or start with /.');
    expect(bad.body).toContain('About us | /about\nTips | javascript:alert(1)</textarea>');
    const noBar = await staff.ada!.post('/admin/settings/nav', { showSections: 'on', links: 'About us' });
    expect(noBar.body).toContain('Line 1 needs a label, a bar and an address');
    expect((await staff.ada!.post('/admin/settings/nav', { links: 'About us | /about\nTips | https://tips.example/' })).statusCode).toBe(303);
    const home = (await t.get('/')).body;
    expect(home).toContain('<li><a href="/about">About us</a></li><li><a href="https://tips.example/">Tips</a></li>');
    expect(home).not.toMatch(/href="\/section\//);
    expect((await staff.ada!.post('/admin/settings/nav', { showSections: 'on', links: '' })).statusCode).toBe(303);
  });

  it('saves comment rules with blocked words one a line', async () => {
    const r = await staff.ada!.post('/admin/settings/comments', { readers: 'members', posters: 'subscribers', blockedWords: 'spam\r\n  casino \n\nspam', premoderateFirst: 'on' });
    expect(r.statusCode).toBe(303);
    const page = await staff.ada!.get('/admin/settings/comments');
    expect(page.body).toContain('spam\ncasino</textarea>');
    expect(page.body).toMatch(/id="set-premoderateFirst"[^>]*checked/);
  });

  it('shows whether the Stripe keys are set, never a key', async () => {
    const page = await staff.ada!.get('/admin/settings/billing');
    expect(page.body).toContain('Secret key: <strong>not set</strong>');
    expect((await staff.ada!.post('/admin/settings/billing', { trialMode: 'card', graceDays: '3' })).statusCode).toBe(303);
    expect((await staff.ada!.get('/admin/settings/billing')).body).toMatch(/<option value="card" selected/);
  });

  it('a meter change made in settings applies to the next article view', async () => {
    const section = await makeSection(t.app.ctx.content, { defaultAccess: 'metered' });
    const articles = [];
    for (let i = 0; i < 3; i++) articles.push(await makeArticle(t.app.ctx.content, { section: section.slug, title: `Metered ${i}`, rest: `Gated text number ${i}.` }));
    await staff.ada!.get('/admin/settings/meter');
    expect((await staff.ada!.post('/admin/settings/meter', { anonymousAllowance: '1', memberAllowance: '6', period: 'calendar_day', sharedAddressFactor: '3', addressCeiling: '20' })).statusCode).toBe(303);
    const reader = t.agent();
    expect((await reader.get(`/articles/${articles[0]!.slug}`)).body).toContain('Gated text number 0.');
    expect((await reader.get(`/articles/${articles[1]!.slug}`)).body).not.toContain('Gated text number 1.');
    await staff.ada!.get('/admin/settings/meter');
    expect((await staff.ada!.post('/admin/settings/meter', { anonymousAllowance: '3', memberAllowance: '6', period: 'calendar_day', sharedAddressFactor: '3', addressCeiling: '20' })).statusCode).toBe(303);
    expect((await reader.get(`/articles/${articles[1]!.slug}`)).body).toContain('Gated text number 1.');
  });

  it('the wall says what the newsroom wrote, with the real figures, until it is reset', async () => {
    const section = await makeSection(t.app.ctx.content, { defaultAccess: 'paid' });
    const paid = await makeArticle(t.app.ctx.content, { section: section.slug, title: 'Paid one' });
    await staff.ada!.get('/admin/settings/wall');
    const bad = await staff.ada!.post('/admin/settings/wall', { paidTitle: 'Only for {subscribers}', paidText: '' });
    expect(bad.statusCode).toBe(400);
    expect(valueOf(bad.body, 'set-paidTitle')).toBe('Only for {subscribers}');
    expect(bad.body).toContain('id="set-paidTitle-error">Uses a placeholder we do not know');
    expect((await staff.ada!.post('/admin/settings/wall', { paidTitle: 'Members of the Ledger read this', paidText: 'Join for {trial_days} days free.' })).statusCode).toBe(303);
    const wall = (await t.get(`/articles/${paid.slug}`)).body;
    expect(wall).toContain('Members of the Ledger read this');
    expect(wall).toMatch(/Join for \d+ days free\./);
    await staff.ada!.get('/admin/settings/wall');
    expect((await staff.ada!.post('/admin/settings/wall', { reset: '1' })).statusCode).toBe(303);
    expect((await t.get(`/articles/${paid.slug}`)).body).toContain('This article is for subscribers');
    const entries = (await recentAudit(t.db.db, 20)).filter((e) => e.target === 'wall');
    expect(entries.map((e) => Object.keys(JSON.parse(e.details!)).sort())).toEqual([['paidText', 'paidTitle'], ['paidText', 'paidTitle']]);
  });

  it('sends a test message through the mail queue, and re-shows a bad address', async () => {
    const page = await staff.ada!.get('/admin/settings/mail');
    expect(page.body).toContain('no SMTP server');
    expect(valueOf(page.body, 'mail-to')).toBe('ada@staff.example');
    const bad = await staff.ada!.post('/admin/settings/mail/test', { to: 'not an address' });
    expect(bad.statusCode).toBe(400);
    expect(valueOf(bad.body, 'mail-to')).toBe('not an address');
    expect(bad.body).toContain('id="mail-to-error">Enter an email address');
    const ok = await staff.ada!.post('/admin/settings/mail/test', { to: 'desk@example.com' });
    expect(ok.headers.location).toBe('/admin/settings/mail?sent=1');
    const job = await t.db.db.selectFrom('jobs').select('payload').where('kind', '=', 'mail.send').orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(job.payload).toContain('desk@example.com');
    expect((await recentAudit(t.db.db, 5)).some((e) => e.action === 'settings.mail_test' && e.target === 'desk@example.com')).toBe(true);
  });

  it('downloads the export as one JSON file, after a CSRF-checked post, logged', async () => {
    const page = await staff.ada!.get('/admin/settings/export');
    expect(page.body).toContain('Download the export');
    expect((await staff.ada!.post('/admin/settings/export', { _csrf: 'wrong' })).statusCode).toBe(403);
    const r = await staff.ada!.post('/admin/settings/export', {});
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-disposition']).toMatch(/^attachment; filename="masthead-export-\d{4}-\d{2}-\d{2}\.json"$/);
    const file = JSON.parse(r.body) as { format: string; tables: Record<string, unknown[]> };
    expect(file.format).toBe('masthead-publication');
    expect(file.tables.articles!.length).toBeGreaterThanOrEqual(3);
    expect(r.body).not.toContain('"password_hash":');
    expect((await recentAudit(t.db.db, 5)).some((e) => e.action === 'publication.export')).toBe(true);
  });
});
