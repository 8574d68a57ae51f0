import { createRequire } from 'node:module';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { App } from '../../src/app.js';
import { fixedClock } from '../../src/clock.js';
import type { TestDatabase } from '../helpers/db.js';
import { createStaffUser, type StaffRole } from '../../src/members/staff.js';
import { setStaffPassword } from '../../src/members/staff-auth.service.js';
import { createArticle } from '../../src/content/articles.service.js';
import { writeSiteSettings } from '../../src/content/settings.js';
import { toLocalInput } from '../../src/shared/zoned-time.js';
import { makeSection } from '../helpers/factories.js';
import { browserSuite, launchChromium, newWatch, openContext, openPage, requireBrowser, RESULTS, siteForBrowser, signInStaff } from '../helpers/browser.js';

/**
 * The newsroom app in Chromium, driven by what people see: labels, roles and visible text.
 * An editor writes, previews as an anonymous reader, and schedules; the clock passes and a reader
 * finds the story on the home page. Two editors on one article; a reload; a contributor; axe.
 */
interface Violation { id: string; impact: string | null; help: string; nodes: { target: unknown[] }[] }
async function seriousViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: createRequire(import.meta.url).resolve('axe-core/axe.min.js') });
  const vs = await page.evaluate<Violation[]>(`axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) })))`);
  return vs.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')}`);
}

const GATED = 'GATED-SECRET-SENTENCE';
const TZ = 'Europe/London';

browserSuite('the newsroom editor in Chromium', () => {
  let db: TestDatabase | undefined;
  let app: App | undefined;
  let browser: Browser | undefined;
  let base: string;
  const clock = fixedClock(Date.now());
  const everyPage = newWatch();
  const users: Record<string, { id: number; email: string; password: string }> = {};

  async function staffUser(name: string, role: StaffRole) {
    const email = `${name.toLowerCase()}@newsroom.example`;
    const u = await createStaffUser(db!.db, { email, name, role, now: clock.now() });
    const password = `${name} has a long password`;
    await setStaffPassword({ db: db!.db, clock }, email, password, 'test');
    users[name] = { id: u.id, email, password };
  }

  async function signedIn(name: string, options: { bypassCSP?: boolean } = {}): Promise<{ context: BrowserContext; page: Page }> {
    const context = await openContext(browser!, options);
    const { page } = await openPage(context, everyPage);
    await signInStaff(page, base, users[name]!.email, users[name]!.password);
    return { context, page };
  }

  const body = (page: Page) => page.getByRole('textbox', { name: 'Body' });
  const saveStatus = (page: Page) => page.locator('#save-status');
  const waitSaved = (page: Page) => expect.poll(() => saveStatus(page).textContent(), { timeout: 15_000 }).toMatch(/^Saved/);

  beforeAll(async () => {
    requireBrowser();
    const site = await siteForBrowser({ clock });
    ({ db, app, base } = site);
    await writeSiteSettings(app.ctx.content.db, { timezone: TZ });
    await makeSection(app.ctx.content, { name: 'Harbour', slug: 'harbour', defaultAccess: 'metered' });
    await staffUser('Eve', 'editor');
    await staffUser('Erin', 'editor');
    await staffUser('Carl', 'contributor');
    await site.listen();
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await db?.destroy();
  });

  /** Puts a real PNG on the clipboard (or in a drop) of the editor, as a screenshot tool or a file manager does. */
  async function imageEvent(page: Page, kind: 'paste' | 'drop', name: string, colour: string): Promise<void> {
    const png = await sharp({ create: { width: 800, height: 450, channels: 3, background: colour } }).png().toBuffer();
    await page.evaluate(`(() => {
      const bytes = Uint8Array.from(atob('${png.toString('base64')}'), (c) => c.charCodeAt(0));
      const dt = new DataTransfer();
      dt.items.add(new File([bytes], '${name}', { type: 'image/png' }));
      const target = document.querySelector('.tiptap');
      if ('${kind}' === 'paste') target.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
      else {
        const r = target.querySelector('p').getBoundingClientRect();
        target.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, clientX: r.left + 20, clientY: (r.top + r.bottom) / 2, bubbles: true, cancelable: true }));
      }
    })()`);
  }

  it('an editor writes a paid article with a heading, a list, a pasted image and a paywall break, previews it walled, schedules it, and a reader sees it with its feature image when the time comes', async () => {
    const { context, page } = await signedIn('Eve');
    await Promise.all([page.waitForURL('**/admin/articles/new'), page.getByRole('link', { name: 'Write a new article' }).click()]);
    await expect.poll(() => page.getByRole('toolbar', { name: 'Formatting' }).isVisible()).toBe(true);

    await page.getByLabel('Title', { exact: true }).fill('Harbour dues to rise by a fifth');
    await page.getByLabel('Section', { exact: true }).selectOption({ label: 'Harbour' });
    await body(page).click();
    // Markdown shortcuts, as StarterKit has them.
    await page.keyboard.type('The harbour board met on Tuesday evening.');
    await page.keyboard.press('Enter');
    await page.keyboard.type('## What was decided');
    await page.keyboard.press('Enter');
    await page.keyboard.type('- Dues rise by twenty per cent');
    await page.keyboard.press('Enter');
    await page.keyboard.type('Moorings cost more in summer');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Enter');
    await page.keyboard.type(`${GATED}: the board's own figures show a deficit.`);
    // The paywall break goes after the block the cursor is in: here, after the list.
    await page.getByText('Moorings cost more in summer').click();
    await page.getByRole('button', { name: 'Insert paywall break' }).click();

    // A screenshot pasted into the first paragraph: uploaded to the library, described, inserted after it.
    await page.getByText('The harbour board met on Tuesday evening.').click();
    await imageEvent(page, 'paste', 'moorings.png', '#1d4e89');
    const details = page.getByRole('group', { name: 'Describe the image (moorings.png)' });
    await expect.poll(() => details.isVisible(), { timeout: 15_000 }).toBe(true);
    await details.getByLabel(/^Alt text/).fill('Boats on their moorings at low tide');
    await details.getByLabel('Caption (optional)').fill('The inner harbour, where dues rise most');
    await details.getByRole('button', { name: 'Insert image' }).click();
    expect(await body(page).getByRole('img', { name: 'Boats on their moorings at low tide' }).count()).toBe(1);
    expect(await body(page).locator('figcaption').textContent()).toBe('The inner harbour, where dues rise most');
    const library = await app!.ctx.content.db.selectFrom('media').select(['id', 'original_name']).execute();
    expect(library.map((m) => m.original_name)).toEqual(['moorings.png']);

    const editorHtml = await body(page).innerHTML();
    expect(editorHtml).toContain('<h2>What was decided</h2>');
    expect(editorHtml).toMatch(/<ul><li><p>Dues rise by twenty per cent<\/p><\/li><li><p>Moorings cost more in summer<\/p><\/li><\/ul><div[^>]*data-preview-break/);
    expect(await page.getByRole('separator', { name: /Paywall break/ }).count()).toBe(1);
    await expect.poll(() => page.locator('#word-count').textContent()).toMatch(/^\d+ words · 1 min read$/);

    await page.getByLabel('Access', { exact: true }).selectOption({ label: 'Subscribers only' });
    // The feature image: uploaded from the settings panel, then it is the picker's choice.
    await page.getByLabel('Upload a feature image').setInputFiles({ name: 'harbour-board.png', mimeType: 'image/png', buffer: await sharp({ create: { width: 1200, height: 675, channels: 3, background: '#8a5a1c' } }).png().toBuffer() });
    await expect.poll(() => page.locator('#feature-upload [role=status]').textContent(), { timeout: 15_000 }).toBe('Uploaded harbour-board.png: it is the feature image.');
    const featureUrl = await page.getByLabel('Feature image URL').inputValue();
    expect(featureUrl).toMatch(/^\/media\/[0-9a-f]{32}-1200\.png$/);
    await page.getByLabel('Feature image alt text').fill('The harbour board at its Tuesday meeting');
    expect(await page.getByRole('figure', { name: 'Social card preview' }).textContent()).toContain('Harbour dues to rise by a fifth');
    await waitSaved(page);
    // The first save made the article; its page has the publishing panel.
    await page.waitForURL(/\/admin\/articles\/\d+$/);
    await page.goto(page.url());
    await expect.poll(() => page.getByRole('heading', { name: 'Publishing' }).isVisible()).toBe(true);
    const id = Number(/\/admin\/articles\/(\d+)$/.exec(page.url())![1]);
    const stored = await app!.ctx.content.db.selectFrom('articles').select(['body_doc', 'effective_access', 'status']).where('id', '=', id).executeTakeFirstOrThrow();
    expect(stored.effective_access).toBe('paid');
    expect(stored.status).toBe('draft');
    const storedDoc = JSON.parse(stored.body_doc) as { content: { type: string; attrs?: Record<string, string> }[] };
    expect(storedDoc.content.map((b) => b.type)).toEqual(['paragraph', 'image', 'heading', 'bulletList', 'previewBreak', 'paragraph']);
    expect(storedDoc.content[1]!.attrs).toEqual({ src: expect.stringMatching(/^\/media\/[0-9a-f]{32}-800\.png$/), alt: 'Boats on their moorings at low tide', caption: 'The inner harbour, where dues rise most' });
    // The form shows the chosen feature image in the picker's list of library images.
    expect(await page.getByLabel('Feature image from the media library').locator('option', { hasText: 'harbour-board.png' }).count()).toBe(1);
    await page.screenshot({ path: join(RESULTS, 'editor.png'), fullPage: true });

    // Preview as an anonymous reader over the meter: the wall, and no gated text anywhere in the DOM.
    await Promise.all([page.waitForURL(/\/preview\?as=anonymous$/), page.getByRole('link', { name: 'Preview as an anonymous reader over the meter' }).click()]);
    expect(await page.getByText('The harbour board met on Tuesday evening.').isVisible()).toBe(true);
    expect(await page.getByText(/the rest of the text is not in this page/).isVisible()).toBe(true);
    expect(await page.content()).not.toContain(GATED);
    expect(await page.evaluate<string>('document.documentElement.outerHTML')).not.toContain('GATED-SECRET');
    expect(await page.getByText('This article is for subscribers').isVisible()).toBe(true);
    expect(await page.getByRole('link', { name: 'Subscribe', exact: true }).count()).toBeGreaterThan(0);
    await page.screenshot({ path: join(RESULTS, 'editor-preview-anonymous.png'), fullPage: true });
    await Promise.all([page.waitForURL(/\/admin\/articles\/\d+$/), page.getByRole('link', { name: 'Back to the editor' }).click()]);

    // Schedule an hour from now, in the site's zone, shown with the zone.
    const at = toLocalInput(clock.now() + 3_600_000, TZ);
    await page.getByLabel(`Publish at (${TZ})`).fill(at);
    await Promise.all([page.waitForURL(/published=schedule/), page.getByRole('button', { name: 'Schedule' }).click()]);
    expect(await page.locator('#publish-status').textContent()).toMatch(new RegExp(`^Scheduled for .+ \\(${TZ}\\)$`));

    const readerContext = await openContext(browser!);
    const { page: reader } = await openPage(readerContext, everyPage);
    await reader.goto(`${base}/`);
    expect(await reader.getByRole('link', { name: 'Harbour dues to rise by a fifth' }).count()).toBe(0);
    await readerContext.close();
    clock.advance(2 * 3_600_000);
    app!.ctx.invalidate();
    // A reader arriving now (the home page may be kept a minute by a browser that saw it before).
    const laterContext = await openContext(browser!);
    const { page: later } = await openPage(laterContext, everyPage);
    await later.goto(`${base}/`);
    expect(await later.getByRole('link', { name: 'Harbour dues to rise by a fifth' }).count()).toBeGreaterThan(0);
    const feature = later.getByRole('img', { name: 'The harbour board at its Tuesday meeting' }).first();
    expect(await feature.isVisible()).toBe(true);
    expect(await feature.evaluate((img) => (img as unknown as { currentSrc: string }).currentSrc)).toMatch(/\/media\/[0-9a-f]{32}-\d+\.(png|webp)$/);
    expect(await feature.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth)).toBeGreaterThan(0);
    await laterContext.close();
    await context.close();
  });

  it('an image dropped into the editor is uploaded and inserted with its alt text; a cancelled one is not inserted', async () => {
    const a = await createArticle(app!.ctx.content, { title: 'Regatta pictures', status: 'draft', body: { markdown: 'The regatta in pictures.' } }, users.Eve!.id);
    const { context, page } = await signedIn('Eve');
    await page.goto(`${base}/admin/articles/${a.id}`);
    await expect.poll(() => body(page).isVisible()).toBe(true);
    await imageEvent(page, 'drop', 'regatta.png', '#2a7f3b');
    const details = page.getByRole('group', { name: 'Describe the image (regatta.png)' });
    await expect.poll(() => details.isVisible(), { timeout: 15_000 }).toBe(true);
    // The alt field has the focus: the keyboard alone describes and inserts it.
    await page.keyboard.type('Dinghies rounding the first mark');
    await page.keyboard.press('Enter');
    expect(await body(page).getByRole('img', { name: 'Dinghies rounding the first mark' }).count()).toBe(1);
    await waitSaved(page);
    const stored = await app!.ctx.content.db.selectFrom('articles').select('body_html').where('id', '=', a.id).executeTakeFirstOrThrow();
    expect(stored.body_html).toMatch(/<p>The regatta in pictures\.<\/p><figure><img src="\/media\/[0-9a-f]{32}-800\.png" alt="Dinghies rounding the first mark"/);

    await imageEvent(page, 'drop', 'blurred.png', '#777777');
    await expect.poll(() => page.getByRole('group', { name: 'Describe the image (blurred.png)' }).isVisible(), { timeout: 15_000 }).toBe(true);
    await page.keyboard.press('Escape');
    expect(await page.getByRole('group', { name: /Describe the image/ }).count()).toBe(0);
    expect(await body(page).getByRole('img').count()).toBe(1);
    await context.close();
  });

  it('two editors on one article: the second save gets the conflict prompt and loses nothing', async () => {
    const a = await createArticle(app!.ctx.content, { title: 'Ferry timetable', status: 'draft', body: { markdown: 'The winter timetable starts in November.' } }, users.Eve!.id);
    const eve = await signedIn('Eve');
    const erin = await signedIn('Erin');
    for (const p of [eve.page, erin.page]) {
      await p.goto(`${base}/admin/articles/${a.id}`);
      await expect.poll(() => body(p).isVisible()).toBe(true);
    }
    await body(eve.page).click();
    await eve.page.keyboard.press('End');
    await eve.page.keyboard.type(' Eve adds the Sunday sailings.');
    await waitSaved(eve.page);

    await body(erin.page).click();
    await erin.page.keyboard.press('End');
    await erin.page.keyboard.type(' Erin adds the fares.');
    const prompt = erin.page.getByRole('alert');
    await expect.poll(() => prompt.textContent(), { timeout: 15_000 }).toMatch(/Eve changed this article at .+\. Your version was not saved over theirs/);
    expect(await prompt.getByRole('button', { name: 'Reload' }).isVisible()).toBe(true);
    expect(await prompt.getByRole('button', { name: 'See their version' }).isVisible()).toBe(true);
    // Nothing lost: Erin's words are on her screen and in her browser; Eve's are on the server.
    expect(await body(erin.page).textContent()).toContain('Erin adds the fares.');
    expect(await erin.page.evaluate<string | null>(`localStorage.getItem('masthead:editor:${a.id}')`)).toContain('Erin adds the fares.');
    const server = await app!.ctx.content.db.selectFrom('articles').select('body_doc').where('id', '=', a.id).executeTakeFirstOrThrow();
    expect(server.body_doc).toContain('Eve adds the Sunday sailings.');
    expect(server.body_doc).not.toContain('Erin adds the fares.');
    // Erin chooses to keep hers: saved over the new revision, Eve's still in the history.
    await prompt.getByRole('button', { name: 'Save mine over theirs' }).click();
    await waitSaved(erin.page);
    const after = await app!.ctx.content.db.selectFrom('articles').select('body_doc').where('id', '=', a.id).executeTakeFirstOrThrow();
    expect(after.body_doc).toContain('Erin adds the fares.');
    await eve.context.close();
    await erin.context.close();
  });

  it('text typed just before a reload is still there after it, and leaving with unsaved text warns', async () => {
    const a = await createArticle(app!.ctx.content, { title: 'Lifeboat night', status: 'draft', body: { markdown: 'The crew launched at 2am.' } }, users.Eve!.id);
    const { context } = await signedIn('Eve');
    // Dialogs here are answered by this test (beforeunload accepted), not dismissed by the watcher.
    const page = await context.newPage();
    const dialogs: string[] = [];
    page.on('dialog', (d) => { dialogs.push(d.type()); void d.accept().catch(() => {}); });
    await page.goto(`${base}/admin/articles/${a.id}`);
    await expect.poll(() => body(page).isVisible()).toBe(true);
    await body(page).click();
    await page.keyboard.press('End');
    await page.keyboard.type(' Typed just before the reload.');
    await page.reload();
    expect(dialogs).toContain('beforeunload');
    await expect.poll(() => body(page).textContent()).toContain('Typed just before the reload.');
    expect(await saveStatus(page).textContent()).toMatch(/restored|Saving|Saved/);
    await waitSaved(page);
    const stored = await app!.ctx.content.db.selectFrom('articles').select('body_doc').where('id', '=', a.id).executeTakeFirstOrThrow();
    expect(stored.body_doc).toContain('Typed just before the reload.');
    await context.close();
  });

  it('keeps the text and retries when the connection drops during autosave', async () => {
    const a = await createArticle(app!.ctx.content, { title: 'Storm warning', status: 'draft', body: { markdown: 'Gales are forecast.' } }, users.Eve!.id);
    const { context, page } = await signedIn('Eve');
    await page.goto(`${base}/admin/articles/${a.id}`);
    await expect.poll(() => body(page).isVisible()).toBe(true);
    await context.setOffline(true);
    await body(page).click();
    await page.keyboard.press('End');
    await page.keyboard.type(' Written while offline.');
    await expect.poll(() => saveStatus(page).textContent(), { timeout: 15_000 }).toMatch(/^Offline: your text is kept in this browser/);
    expect(await page.evaluate<string | null>(`localStorage.getItem('masthead:editor:${a.id}')`)).toContain('Written while offline.');
    await context.setOffline(false);
    await waitSaved(page);
    const stored = await app!.ctx.content.db.selectFrom('articles').select('body_doc').where('id', '=', a.id).executeTakeFirstOrThrow();
    expect(stored.body_doc).toContain('Written while offline.');
    await context.close();
  });

  it('a document the server refuses (two paywall breaks, pasted) gets the reason, and the editor keeps the text', async () => {
    const a = await createArticle(app!.ctx.content, { title: 'Pasted piece', status: 'draft', body: { markdown: 'Start.' } }, users.Eve!.id);
    const { context, page } = await signedIn('Eve');
    await page.goto(`${base}/admin/articles/${a.id}`);
    await expect.poll(() => body(page).isVisible()).toBe(true);
    await body(page).click();
    await page.keyboard.press('End');
    // The toolbar only ever moves the one break; a paste from elsewhere can bring two.
    await page.evaluate(`(() => {
      const dt = new DataTransfer();
      dt.setData('text/html', '<p>Pasted one.</p><div data-preview-break></div><p>Pasted two.</p><div data-preview-break></div><p>Pasted three.</p>');
      document.querySelector('.tiptap').dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
    })()`);
    expect(await page.getByRole('separator', { name: /Paywall break/ }).count()).toBe(2);
    await expect.poll(() => page.getByRole('alert').textContent(), { timeout: 15_000 }).toMatch(/did not accept this save: the document has more than one paywall break/);
    expect(await saveStatus(page).textContent()).toBe('Not saved');
    expect(await body(page).textContent()).toContain('Pasted three.');
    expect(await page.evaluate<string | null>(`localStorage.getItem('masthead:editor:${a.id}')`)).toContain('Pasted three.');
    const stored = await app!.ctx.content.db.selectFrom('articles').select('body_doc').where('id', '=', a.id).executeTakeFirstOrThrow();
    expect(stored.body_doc).not.toContain('Pasted');
    await context.close();
  });

  it('a contributor cannot publish: no button, and a forged request gets 403', async () => {
    const a = await createArticle(app!.ctx.content, { title: 'Carl’s notes', status: 'draft', body: { markdown: 'Draft text.' } }, users.Carl!.id);
    const { context, page } = await signedIn('Carl');
    await page.goto(`${base}/admin/articles/${a.id}`);
    expect(await page.getByRole('button', { name: 'Publish now' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Schedule' }).count()).toBe(0);
    expect(await page.getByText('writes drafts; an editor publishes them').isVisible()).toBe(true);
    const status = await page.evaluate<number>(`(async () => {
      const csrf = document.querySelector('input[name=_csrf]').value;
      const r = await fetch('/admin/articles/${a.id}/publish', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ _csrf: csrf, action: 'publish', baseRevision: '1' }) });
      return r.status;
    })()`);
    expect(status).toBe(403);
    const row = await app!.ctx.content.db.selectFrom('articles').select('status').where('id', '=', a.id).executeTakeFirstOrThrow();
    expect(row.status).toBe('draft');
    await context.close();
  });

  it('the editor is usable from the keyboard alone: Tab to the toolbar, format, add a footnote, back to the text', async () => {
    const a = await createArticle(app!.ctx.content, { title: 'Keyboard story', status: 'draft' }, users.Eve!.id);
    const { context } = await signedIn('Eve');
    // The footnote's text is asked for in a prompt: this test answers it (typed, as a person would).
    const page = await context.newPage();
    page.on('dialog', (d) => { void (d.type() === 'prompt' ? d.accept('Council minutes, page 4.') : d.dismiss()).catch(() => {}); });
    await page.goto(`${base}/admin/articles/${a.id}`);
    await expect.poll(() => body(page).isVisible()).toBe(true);
    await page.getByLabel('Dek').focus();
    // From the dek, Tab reaches the toolbar; Enter on Bold turns bold on and puts the cursor in the text.
    await page.keyboard.press('Tab');
    expect(await page.evaluate<string | null>('document.activeElement && document.activeElement.textContent')).toBe('Bold');
    await page.keyboard.press('Enter');
    // TipTap moves focus on the next animation frame: wait for it, as a person's next keystroke would.
    await expect.poll(() => page.evaluate<string | null>("document.activeElement && document.activeElement.getAttribute('aria-labelledby')")).toBe('body-label');
    await page.keyboard.type('Loud words');
    expect(await page.getByRole('button', { name: 'Bold' }).getAttribute('aria-pressed')).toBe('true');
    await page.keyboard.press('Control+b');
    await page.keyboard.type(' and quiet ones.');
    expect(await body(page).innerHTML()).toContain('<strong>Loud words</strong> and quiet ones.');
    // Back to the toolbar with Shift+Tab (it comes before the text), along it to Footnote, Enter.
    await page.keyboard.press('Shift+Tab');
    for (let i = 0; i < 40 && (await page.evaluate<string | null>('document.activeElement && document.activeElement.textContent')) !== 'Footnote'; i++) await page.keyboard.press('Shift+Tab');
    expect(await page.evaluate<string | null>('document.activeElement && document.activeElement.textContent')).toBe('Footnote');
    await page.keyboard.press('Enter');
    expect(await body(page).getByRole('note', { name: 'Footnote: Council minutes, page 4.' }).count()).toBe(1);
    // And on past the toolbar's buttons, Tab reaches the text again.
    for (let i = 0; i < 40 && !(await page.evaluate<boolean>("document.activeElement && document.activeElement.getAttribute('role') === 'textbox'")); i++) await page.keyboard.press('Tab');
    // TipTap moves focus on the next animation frame: wait for it, as a person's next keystroke would.
    await expect.poll(() => page.evaluate<string | null>("document.activeElement && document.activeElement.getAttribute('aria-labelledby')")).toBe('body-label');
    await waitSaved(page);
    const stored = await app!.ctx.content.db.selectFrom('articles').select(['body_doc', 'body_html']).where('id', '=', a.id).executeTakeFirstOrThrow();
    expect(stored.body_doc).toContain('{"type":"footnote","attrs":{"text":"Council minutes, page 4."}}');
    expect(stored.body_html).toContain('<li id="fn-1"><p>Council minutes, page 4. <a href="#fnref-1" class="footnote-back" aria-label="Back to reference 1">↩</a></p></li>');
    await context.close();
  });

  it('inserts a table, moves from cell to cell with Tab, and stores it as the reader page will show it', async () => {
    const a = await createArticle(app!.ctx.content, { title: 'Ferry fares', status: 'draft', body: { markdown: 'Fares from May:' } }, users.Eve!.id);
    const { context, page } = await signedIn('Eve');
    await page.goto(`${base}/admin/articles/${a.id}`);
    await expect.poll(() => body(page).isVisible()).toBe(true);
    expect(await page.getByRole('button', { name: 'Add row' }).isDisabled()).toBe(true);
    await body(page).click();
    await page.keyboard.press('End');
    await page.getByRole('button', { name: 'Insert table' }).click();
    await page.keyboard.type('Route');
    await page.keyboard.press('Tab');
    await page.keyboard.type('Fare');
    expect(await page.getByRole('button', { name: 'Add row' }).isDisabled()).toBe(false);
    // Into the third column, which goes.
    await page.keyboard.press('Tab');
    await page.getByRole('button', { name: 'Delete column' }).click();
    await waitSaved(page);
    const stored = await app!.ctx.content.db.selectFrom('articles').select(['body_doc', 'body_html']).where('id', '=', a.id).executeTakeFirstOrThrow();
    const table = (JSON.parse(stored.body_doc) as { content: { type: string; content?: { content: unknown[] }[] }[] }).content.find((b) => b.type === 'table')!;
    expect(table.content).toHaveLength(3);
    expect(table.content![0]!.content).toHaveLength(2);
    expect(stored.body_html, stored.body_html).toContain('<table><tbody><tr><th>Route</th><th>Fare</th></tr>');
    await context.close();
  });

  it('embeds a post by URL as a link card, stored and shown without the provider’s script', async () => {
    const a = await createArticle(app!.ctx.content, { title: 'Coastguard warning', status: 'draft', body: { markdown: 'The coastguard posted:' } }, users.Eve!.id);
    const { context, page } = await signedIn('Eve');
    await page.goto(`${base}/admin/articles/${a.id}`);
    await expect.poll(() => body(page).isVisible()).toBe(true);
    // The page watch dismisses dialogs; the two prompts (address, then title) are answered here instead.
    await page.evaluate((answers) => { (globalThis as unknown as { prompt: () => string | null }).prompt = () => answers.shift() ?? null; },
      ['https://twitter.com/hmcoastguard/status/1853000000000000001', 'Please stay well back from the harbour wall.']);
    await body(page).click();
    await page.keyboard.press('End');
    await page.getByRole('button', { name: 'Embed by URL' }).click();
    await expect.poll(() => body(page).locator('figure.embed-card').textContent()).toContain('Please stay well back');
    await waitSaved(page);
    const stored = await app!.ctx.content.db.selectFrom('articles').select(['body_doc', 'body_html']).where('id', '=', a.id).executeTakeFirstOrThrow();
    expect((JSON.parse(stored.body_doc) as { content: unknown[] }).content).toContainEqual({ type: 'embed', attrs: { url: 'https://twitter.com/hmcoastguard/status/1853000000000000001', title: 'Please stay well back from the harbour wall.' } });
    expect(stored.body_html).toContain('<figure class="embed-card"><a href="https://twitter.com/hmcoastguard/status/1853000000000000001" rel="nofollow noopener">');
    expect(stored.body_html).not.toMatch(/<iframe|<script/);
    await context.close();
  });

  it('has no serious or critical axe violations on the newsroom pages', async () => {
    const a = await createArticle(app!.ctx.content, { title: 'Accessible story', status: 'draft', body: { markdown: 'One.\n\n<!--more-->\n\nTwo.' } }, users.Eve!.id);
    // axe is injected as an inline script: the pages' CSP (script-src 'self') would refuse it.
    const { context, page } = await signedIn('Eve', { bypassCSP: true });
    const problems: string[] = [];
    const footnoted = await createArticle(app!.ctx.content, { title: 'Footnoted story', status: 'draft', accessLevel: 'paid', body: { markdown: 'One.[^1]\n\n<!--more-->\n\nTwo.[^2]\n\n[^1]: A note.\n[^2]: Another.' } }, users.Eve!.id);
    for (const url of ['/admin', '/admin/articles', '/admin/articles?status=draft', '/admin/articles/new', `/admin/articles/${a.id}`, `/admin/articles/${footnoted.id}`, `/admin/articles/${a.id}/revisions`,
      `/admin/articles/${footnoted.id}/preview?as=anonymous`, `/admin/articles/${footnoted.id}/preview?as=subscriber`, '/admin/media']) {
      await page.goto(`${base}${url}`);
      if (url.startsWith('/admin/articles/') && !url.endsWith('revisions') && !url.includes('preview')) await expect.poll(() => body(page).isVisible()).toBe(true);
      for (const v of await seriousViolations(page)) problems.push(`${url}: ${v}`);
    }
    // A preview link, made from the editor, and the page it opens for someone without an account.
    await page.goto(`${base}/admin/articles/${footnoted.id}`);
    await Promise.all([page.waitForURL(/shared=1/), page.getByRole('button', { name: 'Create a preview link' }).click()]);
    for (const v of await seriousViolations(page)) problems.push(`editor with a preview link: ${v}`);
    const shared = await page.getByLabel(/^Preview link 1, made by Eve/).inputValue();
    const stranger = await openContext(browser!, { bypassCSP: true });
    const { page: outside } = await openPage(stranger, everyPage);
    await outside.goto(shared);
    expect(await outside.getByText('Shared preview of an article not yet published.').isVisible()).toBe(true);
    expect(await outside.getByRole('link', { name: 'Back to reference 2' }).count()).toBe(1);
    for (const v of await seriousViolations(outside)) problems.push(`shared preview: ${v}`);
    await stranger.close();
    // The image details form, open over the editor.
    await page.goto(`${base}/admin/articles/${a.id}`);
    await expect.poll(() => body(page).isVisible()).toBe(true);
    await imageEvent(page, 'paste', 'axe.png', '#334455');
    await expect.poll(() => page.getByRole('group', { name: 'Describe the image (axe.png)' }).isVisible(), { timeout: 15_000 }).toBe(true);
    for (const v of await seriousViolations(page)) problems.push(`image details: ${v}`);
    await page.keyboard.press('Escape');
    // The history and its diff, after a save from the editor.
    await page.goto(`${base}/admin/articles/${a.id}`);
    await expect.poll(() => body(page).isVisible()).toBe(true);
    await body(page).click();
    await page.keyboard.type('More. ');
    await waitSaved(page);
    await page.goto(`${base}/admin/articles/${a.id}/revisions`);
    await page.getByRole('link', { name: /^Revision \d+$/ }).first().click();
    for (const v of await seriousViolations(page)) problems.push(`diff: ${v}`);
    // The delete confirmation.
    await page.goto(`${base}/admin/articles`);
    await page.getByRole('checkbox', { name: 'Select “Accessible story”' }).check();
    await page.getByLabel('Action').selectOption('delete');
    await Promise.all([page.waitForURL('**/admin/articles/bulk'), page.getByRole('button', { name: 'Apply to selected' }).click()]);
    expect(await page.getByRole('heading', { name: 'Delete 1 article?' }).isVisible()).toBe(true);
    for (const v of await seriousViolations(page)) problems.push(`bulk confirm: ${v}`);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('left no console errors but the refusals the tests asked for, and made no requests off the site', () => {
    // Chromium logs every 4xx answer to fetch: the 409 the conflict test provokes and the contributor's forged 403.
    const expected = /net::ERR_INTERNET_DISCONNECTED|status of 400 \(Bad Request\) \[.*\/admin\/api\/articles\/\d+\]$|status of (409 \(Conflict\) \[.*\/admin\/api\/articles\/\d+\]|403 \(Forbidden\) \[.*\/admin\/articles\/\d+\/publish\])$/;
    expect(everyPage.consoleErrors.filter((e) => !expected.test(e))).toEqual([]);
    expect(everyPage.foreignRequests).toEqual([]);
  });
});
