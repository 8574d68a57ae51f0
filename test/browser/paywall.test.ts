import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import type { TestDatabase } from '../helpers/db.js';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { makeArticle, makePlan, makeSection } from '../helpers/factories.js';

import { browserSuite, launchChromium, siteForBrowser, newWatch, openContext, openPage, requireBrowser, RESULTS } from '../helpers/browser.js';

/** A sentence that only ever appears after an article's preview break. */
const canary = (n: number | string) => `CANARY-${n}-xyzzy`;

interface Story { slug: string; title: string; preview: string; canary: string }

browserSuite('meter and paywall in Chromium without JavaScript', () => {
  let db: TestDatabase | undefined;
  let app: App | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext;
  let base: string;
  const metered: Story[] = [];
  let paid: Story;
  /** Console errors, uncaught exceptions and requests leaving 127.0.0.1, from every page. */
  const everyPage = newWatch();

  beforeAll(async () => {
    requireBrowser();
    // siteUrl = the real origin, as in production: the device cookie is only marked Secure on an https site.
    const site = await siteForBrowser();
    ({ db, app, base } = site);

    await makePlan(app.ctx.content);
    const section = await makeSection(app.ctx.content, { name: 'Metered desk', slug: 'metered-desk', defaultAccess: 'metered' });
    for (let n = 1; n <= 5; n++) {
      const preview = `Preview paragraph of metered story ${n}.`;
      const a = await makeArticle(app.ctx.content, {
        title: `Metered story ${n}`,
        slug: `metered-story-${n}`,
        section: section.slug,
        preview,
        rest: `The gated part of story ${n}. ${canary(n)} is the canary sentence.`,
      });
      expect(a.access).toBe('metered');
      metered.push({ slug: a.slug, title: a.title, preview, canary: canary(n) });
    }
    const p = await makeArticle(app.ctx.content, {
      title: 'Paid story',
      slug: 'paid-story',
      section: section.slug,
      accessLevel: 'paid',
      preview: 'Preview paragraph of the paid story.',
      rest: `The gated part of the paid story. ${canary('paid')} is the canary sentence.`,
    });
    expect(p.access).toBe('paid');
    paid = { slug: p.slug, title: p.title, preview: 'Preview paragraph of the paid story.', canary: canary('paid') };

    await site.listen();

    browser = await launchChromium();
    context = await openContext(browser, { javaScriptEnabled: false });
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await db?.destroy();
  });

  /** Open an article; returns the raw response body and the rendered DOM as the browser holds it. */
  async function open(page: Page, story: Story): Promise<{ raw: string; dom: string; text: string }> {
    const res = await page.goto(`${base}/articles/${story.slug}`);
    expect(res?.status(), story.slug).toBe(200);
    expect(res?.headers()['cache-control'], 'reader-specific pages are never cached').toBe('private, no-store');
    expect((await page.locator('h1').textContent())?.trim()).toBe(story.title);
    const raw = await res!.text();
    // With JavaScript disabled the page's own scripts do not run; Playwright still evaluates in its utility world.
    const dom = await page.evaluate<string>('document.documentElement.outerHTML');
    const text = (await page.locator('body').innerText()).replace(/\s+/g, ' ');
    return { raw, dom, text };
  }

  it('meters three articles, walls the fourth and the paid one, and lets a reread through', async () => {
    const { page } = await openPage(context, everyPage);
    // Meaningful only if scripts really are off: an inline script must not run.
    await page.goto(`data:text/html,<title>idle</title><script>document.title='ran'</script>`);
    expect(await page.title()).toBe('idle');

    const notices = ['2 free articles left today.', '1 free article left today.', 'This is your last free article today.'];
    for (let i = 0; i < 3; i++) {
      const story = metered[i]!;
      const { raw, text } = await open(page, story);
      expect(text).toContain(story.preview);
      expect(text, `article ${i + 1} is shown in full`).toContain(story.canary);
      expect(raw).toContain(story.canary);
      expect(await page.locator('.article__body').getByText(story.canary).isVisible()).toBe(true);

      const notice = page.locator('.meter-notice');
      expect(await notice.count()).toBe(1);
      expect(await notice.isVisible()).toBe(true);
      expect((await notice.innerText()).replace(/\s+/g, ' ')).toContain(notices[i]);
      expect(await notice.getByRole('link', { name: 'Subscribe for unlimited access' }).count()).toBe(1);
      expect(await page.locator('.paywall').count()).toBe(0);
      if (i === 1) await page.screenshot({ path: join(RESULTS, 'meter-notice.png'), fullPage: true });
    }

    // Article 4: over the anonymous allowance (3), and members get more (5), so: register.
    {
      const story = metered[3]!;
      const { raw, dom, text } = await open(page, story);
      const wall = page.locator('aside.paywall');
      expect(await wall.count()).toBe(1);
      expect(await wall.isVisible()).toBe(true);
      expect(await wall.getAttribute('data-reason')).toBe('registration_required');
      const heading = wall.getByRole('heading', { level: 2 });
      expect((await heading.textContent())?.trim()).toBe('You’ve read your 3 free articles today');
      expect(await page.getByRole('complementary', { name: 'You’ve read your 3 free articles today' }).count()).toBe(1);
      expect(await wall.getByText('Create a free account to read 2 more articles today').isVisible()).toBe(true);

      const trial = wall.getByRole('link', { name: 'Try 14 days free', exact: true });
      const subscribe = wall.getByRole('link', { name: 'Subscribe', exact: true });
      expect(await trial.isVisible()).toBe(true);
      expect(await subscribe.isVisible()).toBe(true);
      expect(await trial.getAttribute('href')).toMatch(/^\/wall\/trial\?a=\d+&r=registration_required&return_to=%2Farticles%2Fmetered-story-4$/);
      expect(await subscribe.getAttribute('href')).toMatch(/^\/wall\/subscribe\?/);
      expect(await wall.getByText('Already a subscriber?').isVisible()).toBe(true);
      expect(await wall.getByRole('link', { name: 'Log in' }).isVisible()).toBe(true);

      const form = wall.locator('form.account-form');
      expect(await form.count()).toBe(1);
      expect(await form.getAttribute('method')).toBe('post');
      expect(await form.getAttribute('action')).toBe('/signup');
      const email = form.getByLabel('Email address');
      expect(await email.isVisible()).toBe(true);
      expect(await email.getAttribute('type')).toBe('email');
      expect(await form.locator('input[name="_csrf"]').count()).toBe(1);
      expect(await form.locator('input[name="return_to"]').getAttribute('value')).toBe(`/articles/${story.slug}`);
      expect(await form.getByRole('button', { name: 'Create account' }).isVisible()).toBe(true);

      expect(text).toContain(story.preview);
      expect(text).not.toContain(story.canary);
      expect(dom, 'the gated text is nowhere in the DOM').not.toContain(story.canary);
      expect(raw, 'the gated text is nowhere in the response').not.toContain(story.canary);
      expect(raw).not.toContain('xyzzy');
      expect(await page.locator('.article-gated').count()).toBe(0);
      expect(await page.locator('.meter-notice').count()).toBe(0);
      await page.screenshot({ path: join(RESULTS, 'wall.png'), fullPage: true });
    }

    // The paid article: a subscribers' wall with a sign-in form, never the gated text.
    {
      const { raw, dom, text } = await open(page, paid);
      const wall = page.locator('aside.paywall');
      expect(await wall.isVisible()).toBe(true);
      expect(await wall.getAttribute('data-reason')).toBe('paid_only');
      expect((await wall.getByRole('heading', { level: 2 }).textContent())?.trim()).toBe('This article is for subscribers');
      expect(await wall.getByRole('link', { name: 'Subscribe', exact: true }).isVisible()).toBe(true);
      expect(await wall.getByText('Already a subscriber?').isVisible()).toBe(true);
      expect(await wall.locator('form.account-form').getAttribute('action')).toBe('/signin');
      expect(text).toContain(paid.preview);
      expect(text).not.toContain(paid.canary);
      expect(dom).not.toContain(paid.canary);
      expect(raw).not.toContain(paid.canary);
      expect(raw).not.toContain('xyzzy');
    }

    // A reread of article 1 is free: full text again, no wall.
    {
      const story = metered[0]!;
      const { raw, text } = await open(page, story);
      expect(text).toContain(story.canary);
      expect(raw).toContain(story.canary);
      expect(await page.locator('.paywall').count()).toBe(0);
      expect(await page.locator('.meter-notice').isVisible()).toBe(true);
    }

    // The wall still stands for article 4 after the reread (the reread did not free up a slot).
    {
      const { raw } = await open(page, metered[3]!);
      expect(raw).not.toContain(metered[3]!.canary);
      expect(await page.locator('aside.paywall').isVisible()).toBe(true);
    }
    await page.close();

    expect(everyPage.consoleErrors).toEqual([]);
    expect(everyPage.foreignRequests).toEqual([]);
  });
});
