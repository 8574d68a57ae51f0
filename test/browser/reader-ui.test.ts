import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import type { TestDatabase } from '../helpers/db.js';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { createSession, SESSION_COOKIE } from '../../src/members/sessions.js';
import { makeArticle, makePlan, makeSection } from '../helpers/factories.js';
import { browserSuite, launchChromium, newWatch, openContext, openPage, requireBrowser, RESULTS, siteForBrowser } from '../helpers/browser.js';

/** A feature image the test serves itself (the app stores only the URL): a 3:2 picture with a gradient. */
const PICTURE = `<svg xmlns="http://www.w3.org/2000/svg" width="900" height="600" viewBox="0 0 900 600">
  <defs><linearGradient id="g" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#f3b27a"/><stop offset="1" stop-color="#2b5876"/></linearGradient></defs>
  <rect width="900" height="600" fill="url(#g)"/><rect y="420" width="900" height="180" fill="#1d3b53"/><circle cx="640" cy="300" r="70" fill="#ffd59e"/></svg>`;
/** A tall one, to show the card keeps its own box whatever the picture's shape. */
const TALL = `<svg xmlns="http://www.w3.org/2000/svg" width="400" height="900"><rect width="400" height="900" fill="#6a8d73"/></svg>`;

browserSuite('reader layout in Chromium', () => {
  let db: TestDatabase | undefined;
  let app: App | undefined;
  let browser: Browser | undefined;
  let base: string;
  let member: string;
  let article: { slug: string };
  const everyPage = newWatch();

  beforeAll(async () => {
    requireBrowser();
    const site = await siteForBrowser();
    ({ db, app, base } = site);
    const d = app.ctx.content;
    await makePlan(d);
    const harbour = await makeSection(d, { name: 'Harbour', slug: 'harbour', defaultAccess: 'free' });
    await makeArticle(d, { title: 'Dredging the inner basin starts in May', section: harbour.slug, dek: 'Berths close in turn for six weeks.', featureImageUrl: '/images/basin.svg', featureImageAlt: 'A dredger moored at the inner basin at sunset' });
    await makeArticle(d, { title: 'Ferry timetable changes for the summer', section: harbour.slug, dek: 'Two more crossings on Saturdays.' });
    await makeArticle(d, { title: 'The lighthouse keeper retires after forty years', section: harbour.slug, dek: 'A party on the pier.', featureImageUrl: '/images/tall.svg', featureImageAlt: 'The lighthouse from the pier' });
    const a = await makeArticle(d, { title: 'Short opening', section: harbour.slug, body: { markdown: 'Brief.\n\nThe second paragraph is long enough to run over several lines of the column, so that a drop cap hanging out of the short first paragraph would push its opening words to the right.\n\nA third.' } });
    article = { slug: a.slug };
    const now = app.ctx.clock.now();
    const m = await db.db.insertInto('members').values({ email: 'long@example.com', email_normalized: 'long@example.com', name: 'Maximilian Bartholomew Fitzgerald-Montgomery', status: 'free', email_verified: 1, password_hash: null, created_at: now, last_seen_at: null, deleted_at: null }).returning('id').executeTakeFirstOrThrow();
    member = (await createSession(db.db, { memberId: m.id }, 'browser', now)).token;
    await site.listen();
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await db?.destroy();
  });

  /** Serves the test's pictures, each after `delayMs`, so the page is laid out before they arrive. */
  async function withPictures(context: BrowserContext, delayMs = 0): Promise<void> {
    await context.route('**/images/*.svg', async (route) => {
      if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
      await route.fulfill({ status: 200, contentType: 'image/svg+xml', body: route.request().url().endsWith('/tall.svg') ? TALL : PICTURE });
    });
  }

  const box = async (page: Page, selector: string) => (await page.locator(selector).first().boundingBox())!;
  /** Whether an image has arrived and decoded. */
  const loaded = (img: Locator) => img.evaluate((el) => {
    const i = el as unknown as { complete: boolean; naturalWidth: number };
    return i.complete && i.naturalWidth > 0;
  });

  for (const [name, viewport] of [['desktop', { width: 1280, height: 800 }], ['phone', { width: 375, height: 740 }]] as const) {
    it(`puts Subscribe and the reader's state in the header, clear of the title, on a ${name}`, async () => {
      for (const signedIn of [false, true]) {
        const context = await openContext(browser!, { viewport });
        if (signedIn) await context.addCookies([{ name: SESSION_COOKIE, value: member, url: base }]);
        await withPictures(context);
        const { page, watch } = await openPage(context, everyPage);
        await page.goto(`${base}/section/harbour`);
        const banner = page.getByRole('banner');
        const subscribe = banner.getByRole('link', { name: 'Subscribe', exact: true });
        expect(await subscribe.isVisible()).toBe(true);
        const state = signedIn ? banner.getByRole('link', { name: 'Signed in as Maximilian Bartholomew Fitzgerald-Montgomery' }) : banner.getByRole('link', { name: 'Sign in', exact: true });
        expect(await state.isVisible()).toBe(true);
        expect(await banner.getByRole('link', { name: 'Sign in', exact: true }).count()).toBe(signedIn ? 0 : 1);
        // Nothing overlaps the title, and nothing is wider than the screen (a long name is cut short).
        const title = await box(page, '.site-title');
        for (const el of [await subscribe.boundingBox(), await state.boundingBox()]) {
          expect(el!.y + el!.height <= title.y || el!.y >= title.y + title.height || el!.x + el!.width <= title.x || el!.x >= title.x + title.width).toBe(true);
          expect(el!.x + el!.width).toBeLessThanOrEqual(viewport.width);
        }
        expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(viewport.width);
        expect(Math.abs((await subscribe.boundingBox())!.y - (await state.boundingBox())!.y)).toBeLessThan(12);
        await page.screenshot({ path: join(RESULTS, `header-${name}-${signedIn ? 'member' : 'signed-out'}.png`), clip: { x: 0, y: 0, width: viewport.width, height: Math.min(viewport.height, (await box(page, 'main')).y + 260) } });
        expect(watch.consoleErrors).toEqual([]);
        await context.close();
      }
    });
  }

  it('shows feature images on listing cards with their alt text, in a box that does not move the page when they load', async () => {
    const context = await openContext(browser!);
    await withPictures(context, 400);
    const { page, watch } = await openPage(context, everyPage);
    // Every layout shift the page makes, as Chromium reports them (the CLS a reader feels).
    await page.addInitScript(`window.shifts = 0;
      new PerformanceObserver((list) => { for (const e of list.getEntries()) if (!e.hadRecentInput) window.shifts += e.value; })
        .observe({ type: 'layout-shift', buffered: true });`);
    await page.goto(`${base}/section/harbour`);
    const card = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: 'Dredging the inner basin starts in May' }) });
    const image = card.getByRole('img', { name: 'A dredger moored at the inner basin at sunset' });
    expect(await image.count()).toBe(1);
    const before = (await image.boundingBox())!;
    const headingBefore = (await page.getByRole('heading', { name: 'Ferry timetable changes for the summer' }).boundingBox())!;
    expect(before.width).toBeGreaterThan(50);
    expect(Math.abs(before.width / before.height - 1.5)).toBeLessThan(0.02);
    await expect.poll(() => loaded(image), { timeout: 5000 }).toBe(true);
    const tall = page.getByRole('img', { name: 'The lighthouse from the pier' });
    await expect.poll(() => loaded(tall), { timeout: 5000 }).toBe(true);
    expect(await image.boundingBox()).toEqual(before);
    const tallBox = (await tall.boundingBox())!;
    expect(Math.abs(tallBox.width / tallBox.height - 1.5), 'a tall picture is cropped to the same box').toBeLessThan(0.02);
    expect((await page.getByRole('heading', { name: 'Ferry timetable changes for the summer' }).boundingBox())!.y).toBe(headingBefore.y);
    expect(await page.evaluate<number>('window.shifts')).toBe(0);
    // A card without a picture has no empty box.
    const plain = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: 'Ferry timetable changes for the summer' }) });
    expect(await plain.getByRole('img').count()).toBe(0);
    await page.screenshot({ path: join(RESULTS, 'listing-cards.png'), clip: { x: 0, y: 0, width: 1280, height: 800 } });
    expect(watch.consoleErrors).toEqual([]);
    await context.close();
  });

  it('keeps the drop cap inside a short first paragraph', async () => {
    const context = await openContext(browser!);
    const { page, watch } = await openPage(context, everyPage);
    await page.goto(`${base}/articles/${article.slug}`);
    const [first, second] = await page.locator('.article__body > p').all();
    const p1 = (await first!.boundingBox())!;
    const p2 = (await second!.boundingBox())!;
    // Where the second paragraph's first line starts: at the column's edge, not pushed right by the cap.
    const start = await page.evaluate<number>(`(() => {
      const p = document.querySelectorAll('.article__body > p')[1];
      const range = document.createRange();
      range.setStart(p.firstChild, 0);
      range.setEnd(p.firstChild, 1);
      return range.getBoundingClientRect().left;
    })()`);
    expect(Math.abs(start - p2.x)).toBeLessThan(1);
    // The cap's height is the first paragraph's: it ends before the second begins.
    const capHeight = await page.evaluate<number>(`parseFloat(getComputedStyle(document.querySelector('.article__body > p'), '::first-letter').fontSize) * 0.85`);
    expect(p1.height).toBeGreaterThanOrEqual(capHeight - 1);
    expect(p2.y).toBeGreaterThanOrEqual(p1.y + p1.height);
    await page.screenshot({ path: join(RESULTS, 'drop-cap.png'), clip: { x: 0, y: p1.y - 40, width: 1280, height: 260 } });
    expect(watch.consoleErrors).toEqual([]);
    await context.close();
    expect(everyPage.foreignRequests).toEqual([]);
  });
});
