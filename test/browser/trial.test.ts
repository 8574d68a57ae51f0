import { existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { createApp, type App } from '../../src/app.js';
import { fixedClock } from '../../src/clock.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { testConfig } from '../helpers/app.js';
import { linkIn, startInbox, type Inbox } from '../helpers/smtp.js';
import { makeArticle, makePlan, makeSection } from '../helpers/factories.js';

const CHROMIUM = '/usr/bin/chromium';
const hasBrowser = existsSync(CHROMIUM);
const requireBrowser = process.env.REQUIRE_BROWSER === '1';
const RESULTS = fileURLToPath(new URL('../../test-results/', import.meta.url));
const DAY = 86_400_000;
const T0 = Date.parse('2026-03-10T12:00:00Z');

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

/** A sentence that only ever appears after an article's preview break. */
const canary = (n: number) => `TRIAL-CANARY-${n}-plugh`;

interface Story { slug: string; title: string; preview: string; canary: string }

(hasBrowser || requireBrowser ? describe : describe.skip)('no-card trial from the wall in Chromium', () => {
  let db: TestDatabase | undefined;
  let app: App | undefined;
  let inbox: Inbox | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext;
  let base: string;
  const clock = fixedClock(T0);
  const stories: Story[] = [];
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
    app = await createApp({ config, database: db, clock, logger: false, pollMs: 50 });

    const plan = await makePlan(app.ctx.content, { trialDays: 14 });
    expect(plan.trialDays).toBe(14);
    const section = await makeSection(app.ctx.content, { name: 'Trial desk', slug: 'trial-desk', defaultAccess: 'metered' });
    for (let n = 1; n <= 4; n++) {
      const preview = `Preview paragraph of trial story ${n}.`;
      const a = await makeArticle(app.ctx.content, {
        title: `Trial story ${n}`,
        slug: `trial-story-${n}`,
        section: section.slug,
        preview,
        rest: `The gated part of story ${n}. ${canary(n)} is the canary sentence.`,
      });
      expect(a.access).toBe('metered');
      stories.push({ slug: a.slug, title: a.title, preview, canary: canary(n) });
    }
    // The plan is written straight to the database: make the site (trial length on the wall) read it afresh.
    app.ctx.invalidate();
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

  const bodyText = async (page: Page) => (await page.locator('body').innerText()).replace(/\s+/g, ' ');

  async function openArticle(page: Page, story: Story): Promise<string> {
    const res = await page.goto(`${base}/articles/${story.slug}`);
    expect(res?.status(), story.slug).toBe(200);
    expect(res?.headers()['cache-control']).toBe('private, no-store');
    expect((await page.locator('h1').textContent())?.trim()).toBe(story.title);
    return res!.text();
  }

  it('starts a trial from the wall by email link, reads in full, and is walled again when the trial ends', async () => {
    const email = `trialist-${Date.now()}@example.com`;
      console.log('STEP 127', Date.now() % 100000);
    const page = await openPage();
      console.log('STEP 128', Date.now() % 100000);
    const title = (await app!.ctx.site.get()).settings.title;
      console.log('STEP 129', Date.now() % 100000);

    // Anonymous: three metered articles in full.
    for (const story of stories.slice(0, 3)) {
      const raw = await openArticle(page, story);
      console.log('STEP 133', Date.now() % 100000);
      expect(raw).toContain(story.canary);
      console.log('STEP 134', Date.now() % 100000);
      expect(await page.locator('.article__body').getByText(story.canary).isVisible()).toBe(true);
      console.log('STEP 135', Date.now() % 100000);
      expect(await page.locator('.paywall').count()).toBe(0);
      console.log('STEP 136', Date.now() % 100000);
    }

    // The fourth: the wall, with the trial offer; the gated text is nowhere.
    const fourth = stories[3]!;
      console.log('STEP 140', Date.now() % 100000);
    {
      const raw = await openArticle(page, fourth);
      console.log('STEP 142', Date.now() % 100000);
      expect(raw).not.toContain(fourth.canary);
      console.log('STEP 143', Date.now() % 100000);
      expect(await page.content()).not.toContain(fourth.canary);
      console.log('STEP 144', Date.now() % 100000);
      const wall = page.locator('aside.paywall');
      console.log('STEP 145', Date.now() % 100000);
      expect(await wall.isVisible()).toBe(true);
      console.log('STEP 146', Date.now() % 100000);
      const trial = wall.getByRole('link', { name: 'Try 14 days free', exact: true });
      console.log('STEP 147', Date.now() % 100000);
      expect(await trial.isVisible()).toBe(true);
      console.log('STEP 148', Date.now() % 100000);
      await Promise.all([
        page.waitForURL((u) => u.pathname === '/subscribe'),
        trial.click(),
      ]);
      console.log('STEP 152', Date.now() % 100000);
    }

    // The pricing page, in trial mode, remembering where the reader was.
    {
      const url = new URL(page.url());
      console.log('STEP 157', Date.now() % 100000);
      expect(url.pathname).toBe('/subscribe');
      console.log('STEP 158', Date.now() % 100000);
      expect(url.searchParams.get('trial')).toBe('1');
      console.log('STEP 159', Date.now() % 100000);
      expect(url.searchParams.get('return_to')).toBe(`/articles/${fourth.slug}`);
      expect((await page.locator('h1').textContent())?.trim()).toBe(`Subscribe to ${title}`);
      console.log('STEP 161', Date.now() % 100000);
      expect(await page.getByRole('heading', { name: 'Try 14 days free', level: 2 }).isVisible()).toBe(true);
      console.log('STEP 162', Date.now() % 100000);
      const submit = page.getByRole('button', { name: 'Start my 14-day free trial', exact: true });
      console.log('STEP 163', Date.now() % 100000);
      expect(await submit.count()).toBe(1);
      console.log('STEP 164', Date.now() % 100000);
      const form = page.locator('form.account-form').filter({ has: submit });
      console.log('STEP 165', Date.now() % 100000);
      expect(await form.getAttribute('action')).toBe('/signup');
      console.log('STEP 166', Date.now() % 100000);
      expect(await form.locator('input[name="intent"]').getAttribute('value')).toBe('trial');
      console.log('STEP 167', Date.now() % 100000);
      expect(await form.locator('input[name="return_to"]').getAttribute('value')).toBe(`/articles/${fourth.slug}`);
      await form.getByLabel('Email address').fill(email);
      console.log('STEP 169', Date.now() % 100000);
      await Promise.all([
        page.waitForURL(`${base}/signin/check-email`),
        submit.click(),
      ]);
      console.log('STEP 173', Date.now() % 100000);
      expect((await page.locator('h1').textContent())?.trim()).toBe('Check your email');
      console.log('STEP 174', Date.now() % 100000);
    }

    // The emailed link, opened in the same page: the trial starts on arrival, back on article 4 in full.
    const signupMail = await inbox!.waitFor(email);
      console.log('STEP 178', Date.now() % 100000);
    const link = linkIn(signupMail);
      console.log('STEP 179', Date.now() % 100000);
    expect(link.startsWith(`${base}/signin/verify?token=`)).toBe(true);
      console.log('STEP 180', Date.now() % 100000);
    {
      const res = await page.goto(link);
      console.log('STEP 182', Date.now() % 100000);
      expect(res?.status()).toBe(200);
      console.log('STEP 183', Date.now() % 100000);
      expect(new URL(page.url()).pathname).toBe(`/articles/${fourth.slug}`);
      console.log('STEP 184', Date.now() % 100000);
      expect((await page.locator('h1').textContent())?.trim()).toBe(fourth.title);
      console.log('STEP 185', Date.now() % 100000);
      expect(await page.getByRole('button', { name: 'Sign in on this device' }).count()).toBe(0);
      console.log('STEP 186', Date.now() % 100000);
      expect(await page.locator('.article__body').getByText(fourth.canary).isVisible()).toBe(true);
      console.log('STEP 187', Date.now() % 100000);
      expect(await page.locator('.paywall').count()).toBe(0);
      console.log('STEP 188', Date.now() % 100000);
      expect(await page.locator('.meter-notice').count()).toBe(0);
      console.log('STEP 189', Date.now() % 100000);
    }

    const started = await inbox!.waitFor(email, { after: inbox!.messages.indexOf(signupMail) + 1 });
      console.log('STEP 192', Date.now() % 100000);
    expect(started.subject).toBe(`Your 14-day free trial of ${title} has started`);
      console.log('STEP 193', Date.now() % 100000);

    // The account page: on a free trial, 14 days left.
    {
      const res = await page.goto(`${base}/account`);
      console.log('STEP 197', Date.now() % 100000);
      expect(res?.status()).toBe(200);
      console.log('STEP 198', Date.now() % 100000);
      expect(new URL(page.url()).pathname).toBe('/account');
      console.log('STEP 199', Date.now() % 100000);
      const facts = page.locator('.account-facts').first();
      console.log('STEP 200', Date.now() % 100000);
      expect(await facts.innerText()).toContain(email);
      console.log('STEP 201', Date.now() % 100000);
      expect(await facts.innerText()).toContain('Free trial');
      console.log('STEP 202', Date.now() % 100000);
      expect(await page.locator('.subscription-facts').innerText()).toContain('Free trial');
      console.log('STEP 203', Date.now() % 100000);
      const left = page.locator('.trial-left');
      console.log('STEP 204', Date.now() % 100000);
      expect(await left.isVisible()).toBe(true);
      console.log('STEP 205', Date.now() % 100000);
      expect((await left.innerText()).trim()).toMatch(/^14 days left\b/);
      console.log('STEP 206', Date.now() % 100000);
      await page.screenshot({ path: join(RESULTS, 'trial-account.png'), fullPage: true });
      console.log('STEP 207', Date.now() % 100000);
    }

    // Fifteen days on: the trial-end job runs, the reader is a free member again, and the wall is back.
    const seen = inbox!.messages.length;
      console.log('STEP 211', Date.now() % 100000);
    clock.advance(15 * DAY);
      console.log('STEP 212', Date.now() % 100000);
    const ran = await app!.ctx.worker.drain();
      console.log('STEP 213', Date.now() % 100000);
    const ended = await inbox!.waitFor(email, { after: seen });
      console.log('STEP 214', Date.now() % 100000);
    expect(ended.subject).toBe(`Your free trial of ${title} has ended`);
      console.log('STEP 215', Date.now() % 100000);
    expect(ran, 'the trial-end job (and its mail) ran when drained').toBeGreaterThanOrEqual(1);
      console.log('STEP 216', Date.now() % 100000);

    {
      const raw = await openArticle(page, fourth);
      console.log('STEP 219', Date.now() % 100000);
      expect(raw).not.toContain(fourth.canary);
      console.log('STEP 220', Date.now() % 100000);
      expect(await page.content()).not.toContain(fourth.canary);
      console.log('STEP 221', Date.now() % 100000);
      expect(await page.locator('aside.paywall').isVisible()).toBe(true);
      console.log('STEP 222', Date.now() % 100000);
      expect(await bodyText(page)).toContain(fourth.preview);
      console.log('STEP 223', Date.now() % 100000);
    }

    {
      await page.goto(`${base}/account`);
      console.log('STEP 227', Date.now() % 100000);
      expect(await page.locator('.account-facts').first().innerText()).toContain('Free account');
      console.log('STEP 228', Date.now() % 100000);
      expect(await page.locator('.trial-left').count()).toBe(0);
      console.log('STEP 229', Date.now() % 100000);
    }
    await page.close();
      console.log('STEP 231', Date.now() % 100000);

    expect(consoleErrors).toEqual([]);
      console.log('STEP 233', Date.now() % 100000);
    expect(foreignRequests).toEqual([]);
      console.log('STEP 234', Date.now() % 100000);
  });
});
