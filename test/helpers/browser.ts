import { existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import type { Clock } from '../../src/clock.js';
import { freshDatabase, type TestDatabase } from './db.js';
import { testConfig } from './app.js';
import type { Config } from '../../src/config.js';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';

/**
 * What the browser suites (test/browser) share: where Chromium is, whether the suites run or are skipped,
 * launching it, and pages that record what went wrong in them.
 */

/** The system Chromium; MASTHEAD_CHROMIUM points elsewhere (e.g. at a missing path, to see the skip). */
export const CHROMIUM = process.env.MASTHEAD_CHROMIUM || '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];
/** Screenshots go here. */
export const RESULTS = fileURLToPath(new URL('../../test-results/', import.meta.url));
export const VIEWPORT = { width: 1280, height: 800 };

const hasBrowser = existsSync(CHROMIUM);
/** REQUIRE_BROWSER=1 (CI): a missing Chromium fails the suites instead of skipping them. */
const mustRun = process.env.REQUIRE_BROWSER === '1';

/**
 * `describe` when Chromium is there or REQUIRE_BROWSER=1, else `describe.skip`. The one loud line saying
 * why is printed once per run, by the global setup (browserSkipReason).
 */
export function browserSuite(name: string, fn: () => void): void {
  (hasBrowser || mustRun ? describe : describe.skip)(name, fn);
}

/** Why the browser suites will be skipped, or null when they run. */
export function browserSkipReason(): string | null {
  return hasBrowser || mustRun ? null : `Browser suites SKIPPED: ${CHROMIUM} not found (apt-get install -y chromium)`;
}

/** First thing in a browser suite's beforeAll: with REQUIRE_BROWSER=1 and no Chromium, fail the suite. */
export function requireBrowser(): void {
  if (!hasBrowser) {
    throw new Error(`REQUIRE_BROWSER=1 but ${CHROMIUM} was not found: install it with apt-get install -y chromium`);
  }
}

/** Headless Chromium; also makes sure RESULTS exists for the screenshots. */
export async function launchChromium(): Promise<Browser> {
  mkdirSync(RESULTS, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/** A context with the suites' viewport, plus any options of the test's own (javaScriptEnabled, bypassCSP, userAgent…). */
export function openContext(browser: Browser, options: BrowserContextOptions = {}): Promise<BrowserContext> {
  return browser.newContext({ viewport: VIEWPORT, ...options });
}

/**
 * A TCP port that was free a moment ago: for suites whose site URL (mail links, the cookies' Secure flag)
 * has to be fixed before the app listens.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close((err) => (err ? reject(err) : resolve(port)));
    });
  });
}

/** What a watched page recorded. */
export interface PageWatch {
  /** Console errors (`<page url>: <text> [<source>]`) and uncaught exceptions (`<page url>: <message>`). */
  consoleErrors: string[];
  /** Requests to hosts other than 127.0.0.1 (data: and blob: URLs aside). */
  foreignRequests: string[];
  /** Every request's URL. */
  requests: string[];
  /** Dialogs (`<page url>: <type> <message>`); each is dismissed. */
  dialogs: string[];
}

export const newWatch = (): PageWatch => ({ consoleErrors: [], foreignRequests: [], requests: [], dialogs: [] });

/**
 * Record what goes wrong in `page` into a fresh PageWatch (returned) and into each of `also`
 * (e.g. one a suite shares across its pages and tests).
 */
export function watchPage(page: Page, ...also: PageWatch[]): PageWatch {
  const watch = newWatch();
  const sinks = [watch, ...also];
  const record = (field: keyof PageWatch, line: string) => sinks.forEach((s) => s[field].push(line));
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const source = msg.location().url;
    record('consoleErrors', `${page.url()}: ${msg.text()}${source ? ` [${source}]` : ''}`);
  });
  page.on('pageerror', (err) => record('consoleErrors', `${page.url()}: ${err.message}`));
  page.on('dialog', (d) => {
    record('dialogs', `${page.url()}: ${d.type()} ${d.message()}`);
    void d.dismiss().catch(() => {});
  });
  page.on('request', (req) => {
    record('requests', req.url());
    const url = new URL(req.url());
    if (url.protocol === 'data:' || url.protocol === 'blob:') return;
    if (url.hostname !== '127.0.0.1') record('foreignRequests', req.url());
  });
  return watch;
}

/** A new page in `context`, watched (see watchPage). */
export async function openPage(context: BrowserContext, ...also: PageWatch[]): Promise<{ page: Page; watch: PageWatch }> {
  const page = await context.newPage();
  return { page, watch: watchPage(page, ...also) };
}

/**
 * The real app on a fresh SQLite database, for a browser to visit: its site URL is the address it will
 * listen on, so links in pages and mail point back at it. Seed through `app`, then call `listen()`.
 */
export async function siteForBrowser(o: { smtpUrl?: string; clock?: Clock; pollMs?: number; config?: Partial<Config> } = {}): Promise<{ db: TestDatabase; app: App; base: string; listen(): Promise<string> }> {
  const db = await freshDatabase('sqlite');
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const config = testConfig({ databaseUrl: db.url, dialect: 'sqlite', siteUrl: base, ...(o.smtpUrl ? { smtpUrl: o.smtpUrl } : {}), ...o.config });
  const app = await createApp({ config, database: db, logger: false, clock: o.clock, pollMs: o.pollMs });
  return { db, app, base, listen: () => app.server.listen({ port, host: '127.0.0.1' }) };
}

/**
 * Signs a staff member in through the newsroom's sign-in form, as a person would (by the fields'
 * labels and the button's name), and waits for the newsroom's front page.
 */
export async function signInStaff(page: Page, base: string, email: string, password: string): Promise<void> {
  await page.goto(`${base}/admin/signin`);
  await page.getByRole('textbox', { name: 'Email address' }).first().fill(email);
  await page.getByLabel('Password').fill(password);
  await Promise.all([page.waitForURL(`${base}/admin`), page.getByRole('button', { name: 'Sign in', exact: true }).click()]);
}
