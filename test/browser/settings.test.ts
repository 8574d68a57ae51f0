import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { makeArticle, makeComment, makeSection } from '../helpers/factories.js';
import { loadDemo } from '../../src/content/demo/load.js';
import { createStaffUser } from '../../src/members/staff.js';
import { setStaffPassword } from '../../src/members/staff-auth.service.js';
import { exportToString } from '../../src/export/export.js';
import { loadPublication } from '../../src/export/load.js';
import { browserSuite, launchChromium, siteForBrowser, newWatch, openContext, openPage, requireBrowser, RESULTS, signInStaff } from '../helpers/browser.js';

const withoutTime = (s: string) => s.replace(/"exportedAt":"[^"]+"/, '"exportedAt":""');

/**
 * Settings in Chromium without JavaScript, driven by accessible names: an administrator changes the
 * meter and the next article view follows it; the export downloaded from the page loads into an
 * empty database and exports again with no differences.
 */
browserSuite('settings in Chromium without JavaScript', () => {
  let db: TestDatabase | undefined;
  let app: App | undefined;
  let browser: Browser | undefined;
  let admin: Page;
  let adminContext: BrowserContext;
  let base: string;
  const slugs: string[] = [];
  const everyPage = newWatch();

  beforeAll(async () => {
    requireBrowser();
    const site = await siteForBrowser();
    ({ db, app, base } = site);
    await loadDemo(app.ctx.content);
    const section = await makeSection(app.ctx.content, { name: 'Meter desk', slug: 'meter-desk', defaultAccess: 'metered' });
    for (let n = 1; n <= 3; n++) {
      const a = await makeArticle(app.ctx.content, { title: `Meter story ${n}`, slug: `meter-story-${n}`, section: section.slug, rest: `CANARY-${n} the gated part.` });
      slugs.push(a.slug);
    }
    const m = await db.db.insertInto('members').values({ email: 'rita@example.com', email_normalized: 'rita@example.com', name: 'Rita', status: 'paid', email_verified: 1, password_hash: null, created_at: app.ctx.clock.now(), last_seen_at: null, deleted_at: null }).returning('id').executeTakeFirstOrThrow();
    const talk = await makeArticle(app.ctx.content, { title: 'Talk', accessLevel: 'free' });
    await makeComment(app.ctx.comments, talk.id, m.id, 'A comment to carry across.');
    const u = await createStaffUser(db.db, { email: 'ada@news.example', name: 'Ada', role: 'administrator', now: app.ctx.clock.now() });
    await setStaffPassword({ db: db.db, clock: app.ctx.clock }, u.email, 'ada password 123', 'test');
    await site.listen();
    browser = await launchChromium();
    adminContext = await openContext(browser, { javaScriptEnabled: false, acceptDownloads: true });
    ({ page: admin } = await openPage(adminContext, everyPage));
    await signInStaff(admin, base, 'ada@news.example', 'ada password 123');
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await db?.destroy();
  });

  async function setMeter(anonymous: string) {
    await admin.goto(`${base}/admin/articles`);
    await admin.getByRole('navigation', { name: 'Newsroom' }).getByRole('link', { name: 'Settings' }).click();
    await admin.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Meter rules' }).click();
    await admin.getByLabel('Free articles for readers not signed in').fill(anonymous);
    await admin.getByRole('button', { name: 'Save meter rules' }).click();
    await expect.poll(() => admin.getByRole('status').textContent()).toBe('Saved.');
  }

  it('a meter change made in settings takes effect on the next article view', async () => {
    await setMeter('1');
    const explainer = admin.getByRole('region', { name: 'What readers get' });
    expect(await explainer.textContent()).toContain('Readers who are not signed in get 1 free article a day; registering gives 5.');

    const reader = await openContext(browser!, { javaScriptEnabled: false });
    const { page } = await openPage(reader, everyPage);
    await page.goto(`${base}/articles/${slugs[0]}`);
    expect(await page.content()).toContain('CANARY-1');
    await page.goto(`${base}/articles/${slugs[1]}`);
    expect(await page.content()).not.toContain('CANARY-2');
    expect(await page.getByRole('heading', { level: 2, name: /You’ve read your 1 free article today/ }).count()).toBe(1);

    await setMeter('3');
    expect(await admin.getByRole('region', { name: 'What readers get' }).textContent()).toContain('get 3 free articles a day');
    await page.goto(`${base}/articles/${slugs[1]}`);
    expect(await page.content()).toContain('CANARY-2');
    await page.screenshot({ path: join(RESULTS, 'settings-meter-reader.png') });
    await reader.close();
  });

  it('a bad meter value comes back as typed, with the error beside the field', async () => {
    await admin.goto(`${base}/admin/settings/meter`);
    await admin.getByLabel('Free articles for registered readers').fill('lots');
    await admin.getByRole('button', { name: 'Save meter rules' }).click();
    expect(await admin.getByRole('alert').textContent()).toBe('Nothing was saved: one field needs a change.');
    const field = admin.getByLabel('Free articles for registered readers');
    expect(await field.inputValue()).toBe('lots');
    expect(await field.getAttribute('aria-invalid')).toBe('true');
    expect(await admin.locator('#set-memberAllowance-error').textContent()).toBe('Must be a whole number.');
  });

  it('puts meter rules in words before they are saved: "Show in words" without a script, as typed with one', async () => {
    await admin.goto(`${base}/admin/settings/meter`);
    await admin.getByLabel('Free articles for readers not signed in').fill('6');
    await admin.getByLabel('Free articles for registered readers').fill('9');
    await admin.getByRole('button', { name: 'Show in words' }).click();
    expect(await admin.getByRole('status').textContent()).toBe('Not saved yet: this is what readers would get. Save to apply it.');
    expect(await admin.getByRole('region', { name: 'What readers get' }).textContent()).toContain('Readers who are not signed in get 6 free articles a day; registering gives 9.');
    expect(await admin.getByLabel('Free articles for readers not signed in').inputValue()).toBe('6');

    // With JavaScript, the sentences follow the form while it is typed; still nothing is saved.
    const withScript = await openContext(browser!, { javaScriptEnabled: true });
    const { page } = await openPage(withScript, everyPage);
    await signInStaff(page, base, 'ada@news.example', 'ada password 123');
    await page.goto(`${base}/admin/settings/meter`);
    const words = page.getByRole('region', { name: 'What readers get' });
    await page.getByLabel('Free articles for readers not signed in').fill('2');
    await expect.poll(() => words.textContent()).toContain('Readers who are not signed in get 2 free articles a day; registering gives 5.');
    expect(await words.textContent()).toContain('not saved yet');
    await page.getByLabel('Period').selectOption({ label: 'Calendar week (from Monday)' });
    await expect.poll(() => words.textContent()).toContain('get 2 free articles a week');
    await page.getByLabel('Free articles for registered readers').fill('many');
    await expect.poll(() => words.textContent()).toContain('Fix this field to see what readers would get: Free articles for registered readers.');
    await withScript.close();
    const saved = await admin.goto(`${base}/admin/settings/meter`);
    expect(saved!.status()).toBe(200);
    expect(await admin.getByRole('region', { name: 'What readers get' }).textContent()).toContain('get 3 free articles a day');
  });

  it('a full export downloaded from settings imports into an empty database with no differences', async () => {
    await admin.goto(`${base}/admin/settings`);
    await admin.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Export' }).click();
    const [download] = await Promise.all([admin.waitForEvent('download'), admin.getByRole('button', { name: 'Download the export' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^masthead-export-\d{4}-\d{2}-\d{2}\.json$/);
    const file = join(RESULTS, 'settings-export.json');
    await download.saveAs(file);
    const first = readFileSync(file, 'utf8');
    const target = await freshDatabase('sqlite');
    try {
      const counts = await loadPublication(target.db, 'sqlite', JSON.parse(first));
      expect(counts.comments).toBe(1);
      expect(counts.members).toBe(1);
      const second = await exportToString(target.db, 'sqlite', { now: Date.now() });
      expect(withoutTime(second)).toBe(withoutTime(first));
    } finally {
      await target.destroy();
    }
    // The refused form is answered 400 on purpose; Chromium logs that status, and nothing else may show.
    expect(everyPage.consoleErrors.filter((e) => !/\/admin\/(api\/)?settings\/meter(\/explain)?: Failed to load resource: .* 400 /.test(e))).toEqual([]);
    expect(everyPage.foreignRequests).toEqual([]);
  });
});
