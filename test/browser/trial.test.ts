import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import type { TestDatabase } from '../helpers/db.js';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { fixedClock } from '../../src/clock.js';
import { writeMeterRules } from '../../src/access/rules.js';
import { linkIn, startInbox, type Inbox } from '../helpers/smtp.js';
import { makeArticle, makePlan, makeSection } from '../helpers/factories.js';
import { browserSuite, launchChromium, siteForBrowser, newWatch, openContext, openPage, requireBrowser, RESULTS } from '../helpers/browser.js';

const DAY = 86_400_000;
const T0 = Date.parse('2026-03-10T12:00:00Z');

/** A sentence that only ever appears after an article's preview break. */
const canary = (n: number) => `TRIAL-CANARY-${n}-plugh`;

interface Story { slug: string; title: string; preview: string; canary: string }

browserSuite('no-card trial from the wall in Chromium', () => {
  let db: TestDatabase | undefined;
  let app: App | undefined;
  let inbox: Inbox | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext;
  let base: string;
  const clock = fixedClock(T0);
  const stories: Story[] = [];
  /** Console errors, uncaught exceptions and requests leaving 127.0.0.1, from every page. */
  const everyPage = newWatch();

  beforeAll(async () => {
    requireBrowser();
    inbox = await startInbox();
    const served = await siteForBrowser({ smtpUrl: inbox.url, clock, pollMs: 50 });
    ({ db, app, base } = served);

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
    // Three free articles a month, signed in or not. With the default rules (a calendar day; members get 5) the reader
    // whose trial ended 15 days later is a free member on a new day with a fresh allowance, and article 4 opens in full
    // ("4 free articles left today"): the wall could not be "back". A month keeps the three reads made before the
    // trial (merged from the device at sign-in) in the window, so the ex-trialist is at the limit again.
    await writeMeterRules(app.ctx.database.db, { period: 'calendar_month', anonymousAllowance: 3, memberAllowance: 3 });
    // Plan and rules are written straight to the database: make the site (trial length, meter) read them afresh.
    app.ctx.invalidate();
    const site = await app.ctx.site.get();
    expect(site.trialDays).toBe(14);
    expect(site.meter).toMatchObject({ period: 'calendar_month', anonymousAllowance: 3, memberAllowance: 3 });
    await served.listen();

    browser = await launchChromium();
    context = await openContext(browser);
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await inbox?.close();
    await db?.destroy();
  });

  /** The first mail to `to` from message index `after` on whose subject matches. */
  async function mailWithSubject(to: string, subject: string, after: number) {
    for (let i = after; ; ) {
      const m = await inbox!.waitFor(to, { after: i });
      if (m.subject === subject) return m;
      i = inbox!.messages.indexOf(m) + 1;
    }
  }

  async function openArticle(page: Page, story: Story): Promise<string> {
    const res = await page.goto(`${base}/articles/${story.slug}`);
    expect(res?.status(), story.slug).toBe(200);
    expect(res?.headers()['cache-control']).toBe('private, no-store');
    expect((await page.locator('h1').textContent())?.trim()).toBe(story.title);
    return res!.text();
  }

  /** Opens a story past the limit: the wall is shown and its gated text is nowhere, in the bytes or the page. */
  async function openAtWall(page: Page, story: Story) {
    const raw = await openArticle(page, story);
    expect(raw).not.toContain(story.canary);
    expect(await page.content()).not.toContain(story.canary);
    const wall = page.locator('aside.paywall');
    expect(await wall.isVisible()).toBe(true);
    expect(await wall.getAttribute('data-reason')).toBe('limit_reached');
    return wall;
  }

  it('starts a trial from the wall by email link, reads in full, and is walled again when the trial ends', async () => {
    const email = `trialist-${Date.now()}@example.com`;
    const { page } = await openPage(context, everyPage);
    const title = (await app!.ctx.site.get()).settings.title;
    const bodyText = async () => (await page.locator('body').innerText()).replace(/\s+/g, ' ');

    // Anonymous: three metered articles in full.
    for (const story of stories.slice(0, 3)) {
      const raw = await openArticle(page, story);
      expect(raw).toContain(story.canary);
      expect(await page.locator('.article__body').getByText(story.canary).isVisible()).toBe(true);
      expect(await page.locator('.paywall').count()).toBe(0);
    }

    // The fourth: the wall, with the trial offer; the gated text is nowhere.
    const fourth = stories[3]!;
    {
      const wall = await openAtWall(page, fourth);
      expect((await wall.getByRole('heading', { level: 2 }).textContent())?.trim()).toBe('You’ve read your 3 free articles this month');
      const trial = wall.getByRole('link', { name: 'Try 14 days free', exact: true });
      expect(await trial.isVisible()).toBe(true);
      await Promise.all([
        page.waitForURL((u) => u.pathname === '/subscribe'),
        trial.click(),
      ]);
    }

    // The pricing page, in trial mode, remembering where the reader was.
    {
      const url = new URL(page.url());
      expect(url.pathname).toBe('/subscribe');
      expect(url.searchParams.get('trial')).toBe('1');
      expect(url.searchParams.get('return_to')).toBe(`/articles/${fourth.slug}`);
      expect((await page.locator('h1').textContent())?.trim()).toBe(`Subscribe to ${title}`);
      expect(await page.getByRole('heading', { name: 'Try 14 days free', level: 2 }).isVisible()).toBe(true);
      const submit = page.getByRole('button', { name: 'Start my 14-day free trial', exact: true });
      expect(await submit.count()).toBe(1);
      const form = page.locator('form.account-form').filter({ has: submit });
      expect(await form.getAttribute('action')).toBe('/signup');
      expect(await form.locator('input[name="intent"]').getAttribute('value')).toBe('trial');
      expect(await form.locator('input[name="return_to"]').getAttribute('value')).toBe(`/articles/${fourth.slug}`);
      await form.getByLabel('Email address').fill(email);
      await Promise.all([
        page.waitForURL(`${base}/signin/check-email`),
        submit.click(),
      ]);
      expect((await page.locator('h1').textContent())?.trim()).toBe('Check your email');
    }

    // The emailed link, opened in the same page: the trial starts on arrival, back on article 4 in full.
    const signupMail = await inbox!.waitFor(email);
    expect(signupMail.subject).toBe(`Start your 14-day free trial of ${title}`);
    const link = linkIn(signupMail);
    expect(link.startsWith(`${base}/signin/verify?token=`)).toBe(true);
    const subsOf = () => app!.ctx.database.db.selectFrom('subscriptions').innerJoin('members', 'members.id', 'subscriptions.member_id')
      .select(['subscriptions.status', 'subscriptions.trial_end', 'members.status as memberStatus']).where('members.email', '=', email).execute();
    expect(await subsOf(), 'no trial before the link is used').toEqual([]);
    {
      const res = await page.goto(link);
      expect(res?.status()).toBe(200);
      expect(new URL(page.url()).pathname).toBe(`/articles/${fourth.slug}`);
      expect((await page.locator('h1').textContent())?.trim()).toBe(fourth.title);
      // Told so on arrival, and signed in as the header shows.
      expect(await page.getByRole('status').filter({ hasText: 'Your free trial has started' }).isVisible()).toBe(true);
      expect(await page.getByRole('banner').getByRole('link', { name: 'Account (signed in)' }).isVisible()).toBe(true);
      expect(await page.getByRole('button', { name: 'Sign in on this device' }).count()).toBe(0);
      expect(await page.locator('.article__body').getByText(fourth.canary).isVisible()).toBe(true);
      expect(await page.locator('.paywall').count()).toBe(0);
      expect(await page.locator('.meter-notice').count()).toBe(0);
    }

    expect(await subsOf()).toEqual([{ status: 'trialing', trial_end: T0 + 14 * DAY, memberStatus: 'trialing' }]);
    const started = await mailWithSubject(email, `Your 14-day free trial of ${title} has started`, inbox!.messages.indexOf(signupMail) + 1);
    expect(started.text).toContain(`Your account: ${base}/account`);

    // The account page: on a free trial, 14 days left.
    {
      const res = await page.goto(`${base}/account`);
      expect(res?.status()).toBe(200);
      expect(new URL(page.url()).pathname).toBe('/account');
      const facts = page.locator('.account-facts').first();
      expect(await facts.innerText()).toContain(email);
      expect(await facts.innerText()).toContain('Free trial');
      expect(await page.locator('.subscription-facts').innerText()).toContain('Free trial');
      const left = page.locator('.trial-left');
      expect(await left.isVisible()).toBe(true);
      expect((await left.innerText()).trim()).toMatch(/^14 days left\b/);
      await page.screenshot({ path: join(RESULTS, 'trial-account.png'), fullPage: true });
    }

    // Fifteen days on: the trial-end job runs, the reader is a free member again, and the wall is back.
    const seen = inbox!.messages.length;
    expect(inbox!.messages.some((m) => /has ended/.test(m.subject ?? '')), 'nothing ended before the clock moved').toBe(false);
    clock.advance(15 * DAY);
    // Due jobs run in run_at order, so drain() itself claims the reminder (day 11) and the trial end (day 14) before
    // the background poller can; the mails those queue may go out through either.
    const ran = await app!.ctx.worker.drain();
    expect(ran).toBeGreaterThanOrEqual(2);
    const trialEnd = await app!.ctx.database.db.selectFrom('jobs').select(['done_at', 'failed_at', 'last_error']).where('kind', '=', 'billing.trial_end').execute();
    expect(trialEnd).toEqual([{ done_at: T0 + 15 * DAY, failed_at: null, last_error: null }]);
    expect(await subsOf()).toEqual([{ status: 'canceled', trial_end: T0 + 14 * DAY, memberStatus: 'free' }]);
    const ended = await mailWithSubject(email, `Your free trial of ${title} has ended`, seen);
    expect(ended.text).toContain(`Subscribe: ${base}/subscribe`);

    {
      await openAtWall(page, fourth);
      expect(await page.locator('.article-gated').count()).toBe(0);
      expect(await bodyText()).toContain(fourth.preview);
    }

    {
      await page.goto(`${base}/account`);
      expect(await page.locator('.account-facts').first().innerText()).toContain('Free account');
      expect(await page.locator('.trial-left').count()).toBe(0);
    }
    await page.close();

    expect(everyPage.consoleErrors).toEqual([]);
    expect(everyPage.foreignRequests).toEqual([]);
  });
});
