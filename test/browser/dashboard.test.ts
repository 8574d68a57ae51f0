import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createApp, type App } from '../../src/app.js';
import { writeMeterRules } from '../../src/access/rules.js';
import { writeBillingRules } from '../../src/billing/rules.js';
import { createStaffUser } from '../../src/members/staff.js';
import { setStaffPassword } from '../../src/members/staff-auth.service.js';
import type { ArticleDetail } from '../../src/content/articles.service.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { testConfig } from '../helpers/app.js';
import { makeArticle, makePlan } from '../helpers/factories.js';
import { linkIn, startInbox, type Inbox } from '../helpers/smtp.js';
import { startStripeStub, type StripeStub } from '../helpers/stripe-stub.js';
import { axeViolations, describeViolations, seriousOnes } from '../helpers/axe.js';
import { browserSuite, freePort, launchChromium, newWatch, openContext, openPage, requireBrowser, signInStaff } from '../helpers/browser.js';

/**
 * Funnel: a scripted day of readers in Chromium (metered reads, two walls, two wall clicks, two
 * card-up-front trials from the walls through Checkout on the Stripe stub, one converted there), then an editor
 * signs in, opens the dashboard from the newsroom's navigation and reads the funnel's counts and
 * rates; and axe finds nothing serious or critical on the dashboard, in both themes.
 */
browserSuite('newsroom dashboard in Chromium', () => {
  let db: TestDatabase | undefined;
  let app: App | undefined;
  let inbox: Inbox | undefined;
  let stub: StripeStub | undefined;
  let browser: Browser | undefined;
  let base: string;
  let articles: ArticleDetail[];
  let paid: ArticleDetail;
  const everyPage = newWatch();

  beforeAll(async () => {
    requireBrowser();
    inbox = await startInbox();
    stub = await startStripeStub();
    db = await freshDatabase('sqlite');
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const config = testConfig({ databaseUrl: db.url, dialect: 'sqlite', siteUrl: base, smtpUrl: inbox.url, stripe: { secretKey: stub.secretKey, webhookSecret: stub.webhookSecret, apiUrl: stub.url } });
    app = await createApp({ config, database: db, logger: false, pollMs: 50 });
    await makePlan(app.ctx.content, { trialDays: 14 });
    articles = [];
    for (let n = 1; n <= 3; n++) articles.push(await makeArticle(app.ctx.content, { title: `Funnel story ${n}`, slug: `funnel-story-${n}`, accessLevel: 'metered' }));
    paid = await makeArticle(app.ctx.content, { title: 'Funnel members-only story', slug: 'funnel-paid', accessLevel: 'paid' });
    await writeMeterRules(app.ctx.database.db, { period: 'calendar_day', anonymousAllowance: 2, memberAllowance: 2 });
    // Card-up-front trials: each starts in Checkout on the Stripe stub, and one converts there.
    await writeBillingRules(app.ctx.database.db, { trialMode: 'card', graceDays: 7 });
    const staff = await createStaffUser(db.db, { email: 'editor@newsroom.example', name: 'Edna Editor', role: 'editor', now: app.ctx.clock.now() });
    await setStaffPassword({ db: db.db, clock: app.ctx.clock }, staff.email, 'editor password 123', 'test');
    app.ctx.invalidate();
    await app.server.listen({ port, host: '127.0.0.1' });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await inbox?.close();
    await stub?.close();
    await db?.destroy();
  });

  const deliver = async (event: unknown) => {
    const payload = JSON.stringify(event);
    const hook = await fetch(`${base}/webhooks/stripe`, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': stub!.sign(payload) }, body: payload });
    expect(hook.status).toBe(200);
  };

  /**
   * A reader at the wall clicks "Try 14 days free", makes an account from the emailed link, and starts
   * the card-up-front trial through Checkout (the stub completes it, and says so by webhook).
   */
  async function trialFromWall(page: Page, email: string): Promise<string> {
    await Promise.all([page.waitForURL((u) => u.pathname === '/subscribe'), page.locator('aside.paywall').getByRole('link', { name: 'Try 14 days free', exact: true }).click()]);
    await page.getByRole('textbox', { name: 'Email address' }).first().fill(email);
    const before = inbox!.messages.length;
    await Promise.all([page.waitForURL(`${base}/signin/check-email`), page.getByRole('button', { name: 'Create account', exact: true }).click()]);
    await page.goto(linkIn(await inbox!.waitFor(email, { after: before })));
    expect(new URL(page.url()).pathname).toBe('/subscribe');
    // Checkout is Stripe's page: the session is made, and the stub plays what the reader would do there.
    const sessions = stub!.sessions.size;
    await page.getByRole('button', { name: 'Start free trial, then £7.00/month' }).click({ noWaitAfter: true });
    await expect.poll(() => stub!.sessions.size, { timeout: 20_000 }).toBe(sessions + 1);
    const { subscription, event } = stub!.completeCheckout([...stub!.sessions.values()].at(-1)!.id as string, 'trialing');
    await deliver(event);
    return subscription.id;
  }

  const readerContext = (): Promise<BrowserContext> => openContext(browser!);

  it('Funnel: the funnel shows the right counts after a scripted day of readers (meter reads, walls, two trials, one conversion through the Stripe stub)', async () => {
    // Reader one: two metered reads, then the wall on the third; a trial from that wall.
    const one = await readerContext();
    const { page: p1 } = await openPage(one, everyPage);
    for (const a of articles.slice(0, 2)) {
      await p1.goto(`${base}/articles/${a.slug}`);
      expect(await p1.locator('aside.paywall').count()).toBe(0);
    }
    await p1.goto(`${base}/articles/${articles[2]!.slug}`);
    expect(await p1.locator('aside.paywall').getAttribute('data-reason')).toBe('limit_reached');
    const firstTrial = await trialFromWall(p1, 'reader.one@example.com');

    // Reader two: one metered read, then the subscribers-only wall; a trial from there too.
    const two = await readerContext();
    const { page: p2 } = await openPage(two, everyPage);
    await p2.goto(`${base}/articles/${articles[0]!.slug}`);
    await p2.goto(`${base}/articles/${paid.slug}`);
    expect(await p2.locator('aside.paywall').getAttribute('data-reason')).toBe('paid_only');
    await trialFromWall(p2, 'reader.two@example.com');

    // Reader one's trial converts: Stripe (the stub) charges the card and says so by webhook.
    await deliver(stub!.event('customer.subscription.updated', stub!.setStatus(firstTrial, 'active')));
    await one.close();
    await two.close();
    await app!.ctx.access.meter.flush();

    // The editor signs in and finds the dashboard in the newsroom's navigation.
    const staff = await openContext(browser!);
    const { page } = await openPage(staff, everyPage);
    await signInStaff(page, base, 'editor@newsroom.example', 'editor password 123');
    await page.goto(`${base}/admin/articles`);
    await Promise.all([page.waitForURL(`${base}/admin/dashboard`), page.getByRole('navigation', { name: 'Newsroom' }).getByRole('link', { name: 'Dashboard' }).click()]);
    await page.getByRole('combobox', { name: 'Period' }).selectOption({ label: 'Last 7 days' });
    await Promise.all([page.waitForURL((u) => u.searchParams.get('period') === '7d'), page.getByRole('button', { name: 'Show' }).click()]);

    const funnel = page.getByRole('table', { name: 'The funnel, step by step' });
    const row = async (step: string) => (await funnel.getByRole('row', { name: new RegExp(`^${step}`) }).getByRole('cell').allInnerTexts()).map((s) => s.trim());
    expect(await row('Metered reads')).toEqual(['3', '—']);
    expect(await row('Walls shown')).toEqual(['2', '66.7%']);
    expect(await row('Wall actions clicked')).toEqual(['2', '100%']);
    expect(await row('Trials started')).toEqual(['2', '100%']);
    expect(await row('Trials converted to paid')).toEqual(['1', '50%']);
    // The chart is there for sighted readers, named for the rest.
    expect(await page.getByRole('img', { name: /^The funnel: Metered reads 3, Walls shown 2/ }).isVisible()).toBe(true);
    const byTrials = page.getByRole('table', { name: 'Top articles by trials started' });
    expect(await byTrials.getByRole('link', { name: 'Funnel story 3' }).isVisible()).toBe(true);
    expect(await byTrials.getByRole('link', { name: 'Funnel members-only story' }).isVisible()).toBe(true);
    expect(await page.getByRole('definition').filter({ hasText: '£7.00' }).count()).toBe(1);
    await staff.close();
    // The Checkout form's redirect goes to Stripe's host (the stub's session URLs are on it): the browser may go
    // there and nowhere else off the site. Stripe's page itself is not on this closed network.
    expect(everyPage.consoleErrors.filter((e) => !/checkout\.stripe\.com/.test(e))).toEqual([]);
    expect(everyPage.foreignRequests.filter((u) => !u.startsWith('https://checkout.stripe.com/c/pay/'))).toEqual([]);
  }, 120_000);

  it.each(['light', 'dark'] as const)('axe finds nothing serious or critical on the dashboard (%s theme)', async (colorScheme) => {
    const context = await openContext(browser!, { bypassCSP: true, colorScheme, javaScriptEnabled: true });
    const { page } = await openPage(context);
    await signInStaff(page, base, 'editor@newsroom.example', 'editor password 123');
    const found: string[] = [];
    for (const q of ['period=30d', 'period=12m', 'period=custom&from=2020-01-02&to=2020-01-01']) {
      await page.goto(`${base}/admin/dashboard?${q}`);
      const vs = await axeViolations(page);
      found.push(...describeViolations(seriousOnes(vs)).map((v) => `${q}: ${v}`));
    }
    await context.close();
    expect(found).toEqual([]);
  }, 60_000);
});
