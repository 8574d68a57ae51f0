import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import type { TestDatabase } from '../helpers/db.js';
import type { Browser, BrowserContext } from 'playwright-core';
import { loadDemo } from '../../src/content/demo/load.js';
import { linkIn, startInbox, type Inbox } from '../helpers/smtp.js';
import { browserSuite, launchChromium, siteForBrowser, newWatch, openContext, openPage, requireBrowser, RESULTS } from '../helpers/browser.js';

browserSuite('sign-up journey in Chromium', () => {
  let db: TestDatabase | undefined;
  let app: App | undefined;
  let inbox: Inbox | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext;
  let base: string;
  /** Console errors, uncaught exceptions and requests leaving 127.0.0.1, from every page. */
  const everyPage = newWatch();

  beforeAll(async () => {
    requireBrowser();
    inbox = await startInbox();
    const site = await siteForBrowser({ smtpUrl: inbox.url, pollMs: 50 });
    ({ db, app, base } = site);
    await loadDemo(app.ctx.content);
    await site.listen();

    browser = await launchChromium();
    context = await openContext(browser);
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await inbox?.close();
    await db?.destroy();
  });

  it('signs up, follows the emailed link in the same browser, sees the account and signs out', async () => {
    const email = `newcomer-${Date.now()}@example.com`;
    const { page } = await openPage(context, everyPage);

    const signup = await page.goto(`${base}/signup`);
    expect(signup?.status()).toBe(200);
    expect((await page.locator('h1').textContent())?.trim()).toBe('Create your account');

    await page.getByLabel('Name').fill('Nora Newcomer');
    await page.getByLabel('Email address').fill(email);
    await Promise.all([
      page.waitForURL(`${base}/signin/check-email`),
      page.getByRole('button', { name: 'Create account' }).click(),
    ]);
    expect((await page.locator('h1').textContent())?.trim()).toBe('Check your email');

    const mail = await inbox!.waitFor(email);
    expect(mail.subject).toMatch(/finish signing up/i);
    const link = linkIn(mail);
    // The link points at this server: it was built from config.siteUrl.
    expect(link.startsWith(`${base}/signin/verify?token=`)).toBe(true);

    // Same browser context: the binding cookie matches, so the link signs in at once (no "Finish signing in"
    // button) and redirects to where the reader started; without a return_to that is the home page.
    const verified = await page.goto(link);
    expect(verified?.status()).toBe(200);
    expect(new URL(page.url()).pathname).toBe('/');
    expect(await page.getByRole('button', { name: 'Sign in on this device' }).count()).toBe(0);

    const account = await page.goto(`${base}/account`);
    expect(account?.status()).toBe(200);
    expect(new URL(page.url()).pathname).toBe('/account');
    expect((await page.locator('h1').textContent())?.trim()).toBe('Your account');
    const facts = page.locator('.account-facts');
    expect(await facts.innerText()).toContain(email);
    expect(await facts.innerText()).toContain('Nora Newcomer');
    await page.screenshot({ path: join(RESULTS, 'account.png'), fullPage: true });

    await Promise.all([
      page.waitForURL(`${base}/`),
      page.getByRole('button', { name: 'Sign out', exact: true }).click(),
    ]);
    expect(new URL(page.url()).pathname).toBe('/');

    // Signed out: the account page sends the reader to sign in.
    const after = await page.goto(`${base}/account`);
    expect(after?.status()).toBe(200);
    expect(new URL(page.url()).pathname).toBe('/signin');
    expect(new URL(page.url()).searchParams.get('return_to')).toBe('/account');
    expect((await page.locator('h1').textContent())?.trim()).toBe('Sign in');
    await page.close();

    expect(everyPage.consoleErrors).toEqual([]);
    expect(everyPage.foreignRequests).toEqual([]);
  });
});
