import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import type { TestDatabase } from '../helpers/db.js';
import type { Browser, BrowserContext } from 'playwright-core';
import { loadDemo } from '../../src/content/demo/load.js';
import { demoArticles, demoSections } from '../../src/content/demo/articles.js';
import type { DemoArticle } from '../../src/content/demo/types.js';
import { browserSuite, launchChromium, siteForBrowser, newWatch, openContext, openPage, requireBrowser, RESULTS } from '../helpers/browser.js';

const live = (a: DemoArticle) => (a.status ?? 'published') === 'published' && a.hoursAgo > 0;
const accessOf = (a: DemoArticle) => a.access ?? demoSections.find((s) => s.slug === a.section)?.defaultAccess;

/** A published demo article that anyone may read in full; it is listed on the home page. */
const freeArticle = demoArticles.find((a) => live(a) && accessOf(a) === 'free')!;
/** A published demo article for subscribers only. */
const paidArticle = demoArticles.find((a) => live(a) && accessOf(a) === 'paid')!;

/** The plain prose paragraphs of a Markdown body (no headings, lists or quotes), without inline markup. */
function proseParagraphs(markdown: string): string[] {
  return markdown
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter((p) => /^[A-Z"'‘“]/.test(p))
    .map((p) => p.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/[*_`]/g, '').replace(/\s+/g, ' '));
}

const [freePreview, freeRest] = freeArticle ? freeArticle.markdown.split('<!--more-->') : [];
const paidRest = paidArticle?.markdown.split('<!--more-->')[1];

browserSuite('reader journey in Chromium', () => {
  let db: TestDatabase | undefined;
  let app: App | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext;
  let base: string;
  /** Console errors, uncaught exceptions and requests leaving 127.0.0.1, from every page. */
  const everyPage = newWatch();

  beforeAll(async () => {
    requireBrowser();
    expect(freeArticle, 'the demo has a free, published article').toBeDefined();
    expect(paidArticle, 'the demo has a paid, published article').toBeDefined();

    const site = await siteForBrowser();
    ({ db, app, base } = site);
    await loadDemo(app.ctx.content);
    await site.listen();

    browser = await launchChromium();
    context = await openContext(browser);
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await db?.destroy();
  });

  it('goes from the home page to a free article and reads it in full', async () => {
    const { page } = await openPage(context, everyPage);
    const home = await page.goto(`${base}/`);
    expect(home?.status()).toBe(200);

    const lead = page.locator('.lead-story__title');
    await expect.poll(() => lead.isVisible()).toBe(true);
    expect((await lead.textContent())?.trim()).toBeTruthy();
    await page.screenshot({ path: join(RESULTS, 'home.png'), fullPage: true });

    const link = page.getByRole('link', { name: freeArticle.title, exact: true }).first();
    expect(await link.count(), `a link to "${freeArticle.title}" on the home page`).toBe(1);
    await Promise.all([page.waitForURL(`**/articles/${freeArticle.slug}`), link.click()]);

    const h1 = page.locator('h1');
    expect(await h1.count()).toBe(1);
    expect((await h1.textContent())?.trim()).toBe(freeArticle.title);

    const paragraphs = page.locator('.article__body p');
    expect(await paragraphs.first().isVisible()).toBe(true);
    const bodyText = (await page.locator('.article__body').innerText()).replace(/\s+/g, ' ');
    expect(bodyText).toContain(proseParagraphs(freePreview!)[0]!.slice(0, 80));
    // Free: the text after the preview break is there too, and nothing is marked as gated.
    if (freeRest) expect(bodyText).toContain(proseParagraphs(freeRest).at(-1)!.slice(0, 80));
    expect(await page.locator('.notice').count()).toBe(0);
    expect(await page.locator('.article-gated').count()).toBe(0);

    await page.screenshot({ path: join(RESULTS, 'article.png'), fullPage: true });
    await page.close();

    expect(everyPage.consoleErrors).toEqual([]);
    expect(everyPage.foreignRequests).toEqual([]);
  });

  it('shows a paid article only up to its preview, with a notice and no gated markup', async () => {
    const { page } = await openPage(context, everyPage);
    const res = await page.goto(`${base}/articles/${paidArticle.slug}`);
    expect(res?.status()).toBe(200);

    expect((await page.locator('h1').textContent())?.trim()).toBe(paidArticle.title);
    expect(await page.locator('.article__body p').first().isVisible()).toBe(true);
    expect(await page.locator('.notice').isVisible()).toBe(true);
    expect(await page.locator('.article-gated').count()).toBe(0);

    expect(paidRest, 'the paid demo article has a preview break').toBeDefined();
    const pageText = (await page.locator('body').innerText()).replace(/\s+/g, ' ');
    for (const p of proseParagraphs(paidRest!)) expect(pageText).not.toContain(p.slice(0, 60));
    await page.close();

    expect(everyPage.consoleErrors).toEqual([]);
    expect(everyPage.foreignRequests).toEqual([]);
  });
});
