import { existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { createApp, type App } from '../../src/app.js';
import { loadDemo } from '../../src/content/demo/load.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { testConfig } from '../helpers/app.js';
import { linkIn, startInbox, type Inbox } from '../helpers/smtp.js';

const CHROMIUM = '/usr/bin/chromium';
const hasBrowser = existsSync(CHROMIUM);
const requireBrowser = process.env.REQUIRE_BROWSER === '1';
const RESULTS = fileURLToPath(new URL('../../test-results/', import.meta.url));

if (!hasBrowser && !requireBrowser) {
  console.warn(`\n!!! Browser suites SKIPPED: ${CHROMIUM} not found (apt-get install -y chromium)\n`);
}

/** A TCP port that was free a moment ago (the mail links need the site URL before the app listens). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close((err) => (err ? reject(err) : resolve(port)));
    });
  });
}

(hasBrowser || requireBrowser ? describe : describe.skip)('sign-up journey in Chromium', () => {
  let db: TestDatabase | undefined;
  let app: App | undefined;
  let inbox: Inbox | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext;
  let base: string;
  const consoleErrors: string[] = [];
  const foreignRequests: string[] = [];

  beforeAll(async () => {
    if (!hasBrowser) {
      throw new Error(`REQUIRE_BROWSER=1 but ${CHROMIUM} was not found: install it with apt-get install -y chromium`);
    }
    inbox = await startInbox();
    db = await freshDatabase('sqlite');
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const config = testConfig({ databaseUrl: db.url, dialect: 'sqlite', smtpUrl: inbox.url, siteUrl: base });
    app = await createApp({ config, database: db, logger: false, pollMs: 50 });
    await loadDemo(app.ctx.content);
    await app.server.listen({ port, host: '127.0.0.1' });

    mkdirSync(RESULTS, { recursive: true });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    });
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await inbox?.close();
    await db?.destroy();
  });

  /** A new page that records console errors, uncaught exceptions and requests leaving 127.0.0.1. */
  async function openPage(): Promise<Page> {
    const page = await context.newPage();
    page.on('console', (msg) => {
      if (msg.type() !== 'error') return;
      const source = msg.location().url;
      consoleErrors.push(`${page.url()}: ${msg.text()}${source ? ` [${source}]` : ''}`);
    });
    page.on('pageerror', (err) => consoleErrors.push(`${page.url()}: ${err.message}`));
    page.on('request', (req) => {
      const url = new URL(req.url());
      if (url.protocol === 'data:' || url.protocol === 'blob:') return;
      if (url.hostname !== '127.0.0.1') foreignRequests.push(req.url());
    });
    return page;
  }

  it('signs up, follows the emailed link in the same browser, sees the account and signs out', async () => {
    const email = `newcomer-${Date.now()}@example.com`;
    const page = await openPage();

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

    expect(consoleErrors).toEqual([]);
    expect(foreignRequests).toEqual([]);
  });
});
