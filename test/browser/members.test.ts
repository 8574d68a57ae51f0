import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { App } from '../../src/app.js';
import type { TestDatabase } from '../helpers/db.js';
import { createStaffUser } from '../../src/members/staff.js';
import { setStaffPassword } from '../../src/members/staff-auth.service.js';
import { createSession, SESSION_COOKIE } from '../../src/members/sessions.js';
import { makeArticle, makePlan } from '../helpers/factories.js';
import { browserSuite, launchChromium, newWatch, openContext, openPage, requireBrowser, siteForBrowser, signInStaff } from '../helpers/browser.js';

/**
 * The members pages in Chromium with JavaScript off (staff pages need none), driven by labels,
 * roles and visible text: an administrator finds a member by email and grants complimentary access,
 * and the member then reads a paid article; a Ghost export of 1,000 rows with 3 bad rows is checked
 * (each bad row reported by its line) and imported, its progress page following it; axe on each page.
 */
interface Violation { id: string; impact: string | null; help: string; nodes: { target: unknown[] }[] }
async function seriousViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: createRequire(import.meta.url).resolve('axe-core/axe.min.js') });
  const vs = await page.evaluate<Violation[]>(`axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) })))`);
  return vs.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')}`);
}

const GATED = 'The gated paragraph only subscribers read.';

browserSuite('the members pages in Chromium', () => {
  let db: TestDatabase | undefined;
  let app: App | undefined;
  let browser: Browser | undefined;
  let base: string;
  let paidSlug: string;
  let readerToken: string;
  const everyPage = newWatch();
  const axeFindings: string[] = [];
  const email = 'admin@newsroom.example';
  const password = 'Ada has a long password';

  beforeAll(async () => {
    requireBrowser();
    const site = await siteForBrowser();
    ({ db, app, base } = site);
    await createStaffUser(db.db, { email, name: 'Ada', role: 'administrator', now: Date.now() });
    await setStaffPassword({ db: db.db, clock: app.ctx.clock }, email, password, 'test');
    await makePlan(app.ctx.content);
    paidSlug = (await makeArticle(app.ctx.content, { title: 'The harbour deal', accessLevel: 'paid', rest: GATED })).slug;
    for (let i = 0; i < 30; i++) {
      await db.db.insertInto('members').values({ email: `someone${i}@readers.example`, email_normalized: `someone${i}@readers.example`, name: `Someone ${i}`, status: 'free', email_verified: 1, password_hash: null, created_at: Date.now(), last_seen_at: null, deleted_at: null }).execute();
    }
    const reader = await db.db.insertInto('members').values({ email: 'rosa@readers.example', email_normalized: 'rosa@readers.example', name: 'Rosa Reader', status: 'free', email_verified: 1, password_hash: null, created_at: Date.now(), last_seen_at: null, deleted_at: null }).returning('id').executeTakeFirstOrThrow();
    readerToken = (await createSession(db.db, { memberId: reader.id }, 'Mozilla/5.0 (X11; Linux x86_64) Chrome/130.0 Safari/537.36', Date.now())).token;
    await site.listen();
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await db?.destroy();
  });

  async function signedIn(): Promise<{ context: BrowserContext; page: Page }> {
    const context = await openContext(browser!, { javaScriptEnabled: false, bypassCSP: true });
    const { page } = await openPage(context, everyPage);
    await signInStaff(page, base, email, password);
    return { context, page };
  }
  /** axe needs script in the page: the same URL again in a context with JavaScript on. */
  async function axe(context: BrowserContext, url: string, label: string) {
    const cookies = await context.cookies();
    const c = await openContext(browser!, { bypassCSP: true });
    await c.addCookies(cookies);
    const p = await c.newPage();
    await p.goto(url);
    axeFindings.push(...(await seriousViolations(p)).map((v) => `${label}: ${v}`));
    await c.close();
  }

  const readArticle = async () => {
    const context = await openContext(browser!);
    await context.addCookies([{ name: SESSION_COOKIE, value: readerToken, url: base }]);
    const page = await context.newPage();
    await page.goto(`${base}/articles/${paidSlug}`);
    const text = await page.locator('main').innerText();
    await context.close();
    return text;
  };

  it('an administrator finds a member by email, grants complimentary access, and the member then reads the paid article', async () => {
    expect(await readArticle()).not.toContain(GATED);
    const { context, page } = await signedIn();
    await page.goto(`${base}/admin/articles`);
    await page.getByRole('navigation', { name: 'Newsroom' }).getByRole('link', { name: 'Members' }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Members');
    await axe(context, page.url(), 'member list');
    await page.getByLabel('Email or name starts with').fill('rosa@readers');
    await page.getByRole('button', { name: 'Filter' }).click();
    const rows = page.getByRole('table', { name: 'Members' }).getByRole('row');
    await expect.poll(() => rows.count()).toBe(2);
    await page.getByRole('link', { name: 'rosa@readers.example' }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Rosa Reader');
    await axe(context, page.url(), 'member page');
    await page.getByRole('button', { name: 'Grant complimentary access' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toBe('Complimentary access granted.');
    expect(await page.locator('#member-status').textContent()).toBe('Complimentary');
    await expect.poll(() => page.getByRole('table', { name: 'Subscription history' }).innerText()).toMatch(/comp\s+staff:\d+: granted complimentary access/);
    await axe(context, page.url(), 'member page after the grant');
    await context.close();
    // The reader pages cache for a second.
    await expect.poll(readArticle, { timeout: 5000 }).toContain(GATED);
  }, 60_000);

  it('a Ghost member CSV of 1,000 rows imports, with its 3 bad rows reported by line', async () => {
    const header = 'id,email,name,note,subscribed_to_emails,complimentary_plan,stripe_customer_id,created_at,deleted_at,labels,tiers';
    const lines = [header];
    for (let i = 0; i < 1000; i++) {
      const line = i + 2;
      if (line === 10) lines.push(`g${i},not-an-email,Bad Address,,true,false,,2024-01-01T00:00:00.000Z,,,`);
      else if (line === 500) lines.push(`g${i},ghost3@import.example,Same Again,,true,false,,2024-01-01T00:00:00.000Z,,,`);
      else if (line === 900) lines.push(`g${i},short${i}@import.example,Too Short`);
      else lines.push(`g${i},ghost${i}@import.example,Ghost Member ${i},,true,${i % 100 === 0 ? 'true' : 'false'},${i % 10 === 0 ? `cus_ghost${i}` : ''},2024-01-01T00:00:00.000Z,,${i % 4 ? '' : '"Imported, Ghost"'},`);
    }
    const file = join(mkdtempSync(join(tmpdir(), 'masthead-members-')), 'ghost-members.csv');
    writeFileSync(file, lines.join('\n') + '\n');

    const { context, page } = await signedIn();
    await page.goto(`${base}/admin/members`);
    await page.getByRole('link', { name: 'Import members from a CSV file' }).click();
    await axe(context, page.url(), 'import page');
    await page.getByLabel('CSV file').setInputFiles(file);
    await page.getByRole('button', { name: 'Check the file (dry run)' }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Dry run: nothing was imported');
    expect(await page.locator('#dry-run-summary').textContent()).toContain('with 1000 rows: 997 new members would be created and 0 existing members updated; 3 rows would be left out');
    const problems = page.getByRole('table', { name: '3 rows with problems' });
    const cells = await problems.getByRole('row').allInnerTexts();
    expect(cells.slice(1).map((r) => r.split('\t')[0])).toEqual(['10', '500', '900']);
    expect(cells[2]).toContain('The same address as line 5');
    await page.getByRole('link', { name: 'Back to the import' }).click();
    await page.getByLabel('CSV file').setInputFiles(file);
    await page.getByRole('button', { name: 'Import members' }).click();
    // The progress page refreshes itself (a Refresh header) until the import is done.
    await page.getByRole('heading', { name: 'Import finished' }).waitFor({ timeout: 60_000 });
    expect(await page.locator('#import-summary').textContent()).toBe('997 of 997 rows written: 997 members created, 0 already here.');
    expect(await page.getByRole('table', { name: '3 rows with problems' }).getByRole('row').count()).toBe(4);
    await axe(context, page.url(), 'import status page');
    await page.goto(`${base}/admin/members?label=imported`);
    await expect.poll(() => page.getByRole('table', { name: 'Members' }).getByRole('row').count()).toBe(51);
    await context.close();
    expect(Number((await db!.db.selectFrom('members').select((eb) => eb.fn.countAll().as('n')).where('standing', '=', 'comp').where('email_normalized', 'like', '%@import.example').executeTakeFirstOrThrow()).n)).toBe(10);
  }, 90_000);

  it('has no serious or critical axe findings on the members pages, and no console errors', () => {
    expect(axeFindings).toEqual([]);
    expect(everyPage.consoleErrors).toEqual([]);
  });
});
