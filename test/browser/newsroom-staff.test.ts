import { afterAll, beforeAll, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import type { TestDatabase } from '../helpers/db.js';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createStaffUser } from '../../src/members/staff.js';
import { setStaffPassword } from '../../src/members/staff-auth.service.js';
import { createSession, SESSION_COOKIE } from '../../src/members/sessions.js';
import { createArticle } from '../../src/content/articles.service.js';
import { makeArticle, makeComment, makePlan } from '../helpers/factories.js';
import { startStripeStub, type StripeStub } from '../helpers/stripe-stub.js';
import { browserSuite, launchChromium, newWatch, openContext, openPage, requireBrowser, siteForBrowser, signInStaff } from '../helpers/browser.js';

/**
 * The newsroom's staff pages in Chromium, driven by accessible names and without JavaScript (they
 * are forms): an offer link leads to a discounted Checkout, a reported comment is hidden and its
 * author banned, and an invited author signs up and publishes only their own articles.
 */
browserSuite('newsroom staff pages in Chromium', () => {
  let db: TestDatabase | undefined;
  let app: App | undefined;
  let stub: StripeStub | undefined;
  let browser: Browser | undefined;
  let base: string;
  const everyPage = newWatch();
  const staff = { owner: { email: 'owner@staff.example', password: 'owner password 123' }, editor: { email: 'edie@staff.example', password: 'edie password 123' } };
  let ownerDraftId: number;

  beforeAll(async () => {
    requireBrowser();
    stub = await startStripeStub();
    const site = await siteForBrowser({ config: { stripe: { secretKey: stub.secretKey, webhookSecret: stub.webhookSecret, apiUrl: stub.url } } });
    ({ db, app, base } = site);
    const now = app.ctx.clock.now();
    const owner = await createStaffUser(db.db, { email: staff.owner.email, name: 'Olive Owner', role: 'owner', now });
    await setStaffPassword({ db: db.db, clock: app.ctx.clock }, staff.owner.email, staff.owner.password, 'test');
    await createStaffUser(db.db, { email: staff.editor.email, name: 'Edie Editor', role: 'editor', now });
    await setStaffPassword({ db: db.db, clock: app.ctx.clock }, staff.editor.email, staff.editor.password, 'test');
    ownerDraftId = (await createArticle(app.ctx.content, { title: 'The owner’s own draft', body: { markdown: 'Not yours.' }, status: 'draft' }, owner.id)).id;
    await makePlan(app.ctx.content);
    await site.listen();
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await stub?.close();
    await db?.destroy();
  });

  async function staffContext(who: keyof typeof staff): Promise<{ context: BrowserContext; page: Page }> {
    const context = await openContext(browser!, { javaScriptEnabled: false });
    context.setDefaultTimeout(8000);
    const { page } = await openPage(context, everyPage);
    await signInStaff(page, base, staff[who].email, staff[who].password);
    // The newsroom's navigation is on its app pages (the articles list is the first).
    await page.goto(`${base}/admin/articles`);
    return { context, page };
  }

  async function memberContext(email: string, status: 'free' | 'paid'): Promise<{ context: BrowserContext; page: Page; id: number }> {
    const now = app!.ctx.clock.now();
    const m = await db!.db.insertInto('members').values({ email, email_normalized: email, name: email.split('@')[0]!, status, email_verified: 1, password_hash: null, created_at: now, last_seen_at: null, deleted_at: null }).returning('id').executeTakeFirstOrThrow();
    const context = await openContext(browser!, { javaScriptEnabled: false });
    context.setDefaultTimeout(8000);
    await context.addCookies([{ name: SESSION_COOKIE, value: (await createSession(db!.db, { memberId: m.id }, 'browser', now)).token, url: base }]);
    const { page } = await openPage(context, everyPage);
    return { context, page, id: m.id };
  }

  it('offers: an offer link leads to a discounted Checkout session (the Stripe stub sees the coupon)', async () => {
    const { context, page } = await staffContext('owner');
    await page.getByRole('link', { name: 'Offers' }).click();
    await page.getByRole('link', { name: 'New offer' }).click();
    // A discount that would make the price negative is refused beside the amount, keeping what was typed.
    await page.getByLabel('Name').fill('Spring sale');
    await page.getByLabel('Code').fill('SPRING');
    await page.getByLabel('Kind').selectOption({ label: 'An amount off' });
    await page.getByLabel('Amount', { exact: true }).fill('900');
    await page.getByLabel('Currency of an amount off').fill('gbp');
    await page.getByRole('button', { name: 'Create offer' }).click();
    expect(await page.getByRole('alert').textContent()).toContain('negative');
    expect(await page.getByLabel('Amount', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByLabel('Code').inputValue()).toBe('SPRING');
    // Now a proper one: 25% off for 3 months.
    await page.getByLabel('Kind').selectOption({ label: 'A percentage off' });
    await page.getByLabel('Amount', { exact: true }).fill('25');
    await page.getByLabel('Currency of an amount off').fill('');
    await page.getByLabel('Discount lasts').selectOption({ label: 'Some months' });
    await page.getByLabel('Months (when it lasts some months)').fill('3');
    await Promise.all([page.waitForURL('**/admin/offers?done=offer'), page.getByRole('button', { name: 'Create offer' }).click()]);
    const link = (await page.getByRole('row', { name: /SPRING/ }).locator('code').nth(1).textContent())!;
    expect(link).toBe(`${base}/subscribe?offer=SPRING`);
    await context.close();

    const reader = await memberContext('saver@example.com', 'free');
    // Checkout is Stripe's page: our POST goes to the real server (which makes the session at the stub), and its
    // 303 to Stripe is answered here (Playwright does not route the requests a redirect makes).
    let location = '';
    await reader.context.route('**/subscribe/checkout', async (r) => {
      const res = await r.fetch({ maxRedirects: 0 });
      location = res.headers()['location'] ?? '';
      await r.fulfill({ contentType: 'text/html', body: '<!doctype html><title>Stripe Checkout</title><h1>Stripe Checkout</h1>' });
    });
    await reader.page.goto(link);
    expect(await reader.page.getByRole('heading', { name: /Offer SPRING/ }).isVisible()).toBe(true);
    expect(await reader.page.getByText('25% off for 3 months at checkout.').isVisible()).toBe(true);
    await Promise.all([reader.page.waitForURL('**/subscribe/checkout'), reader.page.getByRole('button', { name: 'Pay £7.00 a month' }).click()]);
    expect(location).toMatch(/^https:\/\/checkout\.stripe\.com\//);
    const session = [...stub!.sessions.values()].at(-1)!;
    const coupon = stub!.coupons.get((session.discounts as Record<string, { coupon: string }>)['0']!.coupon)!;
    expect(coupon).toMatchObject({ percent_off: 25, duration: 'repeating', duration_in_months: 3 });
    expect(session.metadata).toMatchObject({ offer_id: expect.any(String) });
    await reader.context.close();
  });

  it('moderation: a reported comment is hidden from the queue, and a banned member’s next post is refused', async () => {
    const article = await makeArticle(app!.ctx.content, { title: 'Harbour dues', slug: 'harbour-dues', accessLevel: 'free' });
    const troll = await memberContext('troll@example.com', 'paid');
    const c = await makeComment(app!.ctx.comments, article.id, troll.id, 'Everyone here is a fool');
    await db!.db.insertInto('comment_reports').values({ comment_id: c.id, reporter_member_id: null, reason: 'Name-calling', created_at: app!.ctx.clock.now(), resolved_at: null }).execute();
    // The member has the article open with a comment typed, before the moderator acts.
    await troll.page.goto(`${base}/articles/harbour-dues`);
    await troll.page.getByLabel('Add a comment').fill('And another thing');

    const { context, page } = await staffContext('editor');
    await page.getByRole('link', { name: 'Comments' }).click();
    const reported = page.getByRole('region', { name: /Reported/ });
    expect(await reported.getByText('Name-calling').isVisible()).toBe(true);
    expect(await reported.getByRole('link', { name: 'Harbour dues' }).isVisible()).toBe(true);
    await reported.getByRole('checkbox', { name: /Select the comment by troll/ }).check();
    await Promise.all([page.waitForURL('**/admin/comments?done=hide'), page.getByRole('button', { name: 'Hide selected' }).click()]);
    expect(await page.getByRole('status').textContent()).toBe('Hidden.');
    expect(await page.getByRole('region', { name: /Reported \(0\)/ }).getByText('Nothing here.').isVisible()).toBe(true);

    // Ban the author for good, from a comment of theirs in the recent list.
    await makeComment(app!.ctx.comments, article.id, troll.id, 'I will be back');
    await page.reload();
    await page.getByRole('region', { name: 'Recent' }).getByRole('link', { name: 'Ban troll' }).first().click();
    await page.getByLabel('How long').selectOption({ label: 'For good' });
    await page.getByLabel('Reason').fill('Repeated insults');
    await Promise.all([page.waitForURL('**/admin/comments?done=banned'), page.getByRole('button', { name: 'Ban troll' }).click()]);
    expect(await page.getByRole('region', { name: 'Banned from commenting' }).getByText('Repeated insults').isVisible()).toBe(true);
    await context.close();

    const res = await Promise.all([troll.page.waitForNavigation(), troll.page.getByRole('button', { name: 'Post comment' }).click()]).then(([r]) => r);
    expect(res?.status()).toBe(403);
    expect(await troll.page.getByText(/banned from commenting/).first().isVisible()).toBe(true);
    expect(await db!.db.selectFrom('comments').select('id').where('body_text', '=', 'And another thing').execute()).toEqual([]);
    await troll.context.close();
  });

  it('staff invitation: an invited author signs in and can publish only their own articles', async () => {
    const { context, page } = await staffContext('owner');
    await page.getByRole('link', { name: 'Staff' }).click();
    await page.getByLabel('Email address').fill('ann@staff.example');
    await page.getByLabel('Role', { exact: true }).selectOption({ label: 'Author' });
    await page.getByRole('button', { name: 'Send invitation' }).click();
    expect(await page.getByRole('status').textContent()).toBe('Invitation sent to ann@staff.example.');
    const link = (await page.locator('code.secret-once').textContent())!;
    await context.close();

    const annContext = await openContext(browser!, { javaScriptEnabled: false });
    const { page: ann } = await openPage(annContext, everyPage);
    await ann.goto(link);
    await ann.getByLabel('Your name').fill('Ann Author');
    await ann.getByLabel('Choose a password').fill('ann password 123');
    await Promise.all([ann.waitForURL(`${base}/admin`), ann.getByRole('button', { name: 'Accept the invitation' }).click()]);
    expect(await ann.getByText('ann@staff.example').isVisible()).toBe(true);
    // The link was single-use.
    const again = await (await openContext(browser!)).newPage();
    expect((await again.goto(link))?.status()).toBe(410);
    await again.context().close();

    // Signed out and in again with the password chosen.
    await annContext.clearCookies();
    await signInStaff(ann, base, 'ann@staff.example', 'ann password 123');

    await ann.getByRole('link', { name: 'Write a new article' }).click();
    await ann.getByLabel('Title', { exact: true }).fill('Ann’s first story');
    await ann.getByLabel('Body (Markdown)').fill('The harbour reopened today.');
    await Promise.all([ann.waitForURL(/\/admin\/articles\/\d+\?saved=1$/), ann.getByRole('button', { name: 'Save draft' }).click()]);
    await Promise.all([ann.waitForURL(/published=publish$/), ann.getByRole('button', { name: 'Publish now' }).click()]);
    expect(await ann.locator('#publish-status').textContent()).toMatch(/^Published/);
    // Someone else's article is not hers to edit or publish.
    const other = await ann.goto(`${base}/admin/articles/${ownerDraftId}`);
    expect(other?.status()).toBe(403);
    expect(await ann.getByText(/on someone else’s article/).first().isVisible()).toBe(true);
    expect((await ann.goto(`${base}/admin/staff`))?.status()).toBe(403);
    await annContext.close();
    // The refusals these journeys meet on purpose (a 400 form, the 403s) are the only errors the pages logged.
    expect(everyPage.consoleErrors.filter((e) => !/Failed to load resource: the server responded with a status of (400|403)/.test(e))).toEqual([]);
  });
});
