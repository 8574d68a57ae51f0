import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { App } from '../../src/app.js';
import type { TestDatabase } from '../helpers/db.js';
import { createStaffUser } from '../../src/members/staff.js';
import { setStaffPassword } from '../../src/members/staff-auth.service.js';
import { createArticle } from '../../src/content/articles.service.js';
import { createNewsletter } from '../../src/newsletters/newsletters.service.js';
import { setSubscription } from '../../src/newsletters/newsletters.queries.js';
import { makePlan, makeSection } from '../helpers/factories.js';
import { startInbox, type Inbox } from '../helpers/smtp.js';
import { browserSuite, launchChromium, newWatch, openContext, openPage, requireBrowser, siteForBrowser, signInStaff } from '../helpers/browser.js';

const GATED = 'GATED-NEWSLETTER-SENTENCE';
const FREE = 'free.reader@readers.example';
const PAID = 'paying.reader@readers.example';

/**
 * Issue 17 in Chromium, by accessible names: an editor opens a draft, chooses "Publish and email"
 * to a newsletter and a segment, sees the count, confirms; the real SMTP server receives a free
 * member's copy (the preview, "Subscribe to read the rest", nothing after the break) and a
 * subscriber's (the whole text).
 */
browserSuite('publishing and emailing in Chromium', () => {
  let db: TestDatabase | undefined;
  let app: App | undefined;
  let browser: Browser | undefined;
  let inbox: Inbox | undefined;
  let base: string;
  let articleId: number;
  const watch = newWatch();

  beforeAll(async () => {
    requireBrowser();
    inbox = await startInbox();
    const site = await siteForBrowser({ smtpUrl: inbox.url, pollMs: 50 });
    ({ db, app, base } = site);
    await makePlan(app.ctx.content);
    await makeSection(app.ctx.content, { name: 'Harbour', slug: 'harbour', defaultAccess: 'metered' });
    const n = await createNewsletter(app.ctx.newsletters, { slug: 'briefing', name: 'Morning briefing', senderName: 'The Ledger', senderEmail: 'briefing@news.example' });
    const now = Date.now();
    for (const email of [FREE, PAID]) {
      const m = await db.db.insertInto('members').values({ email, email_normalized: email, name: email.split('.')[0]!, status: email === PAID ? 'paid' : 'free', email_verified: 1, password_hash: null, created_at: now, last_seen_at: null, deleted_at: null }).returning('id').executeTakeFirstOrThrow();
      await setSubscription(db.db, m.id, n.id, true, 'import', now);
    }
    articleId = (await createArticle(app.ctx.content, { title: 'Harbour dues to rise', section: 'harbour', status: 'draft', body: { markdown: `The harbour board met on Tuesday.\n\n<!--more-->\n\n${GATED}: the board's own figures show a deficit.` } })).id;
    await createStaffUser(db.db, { email: 'eve@newsroom.example', name: 'Eve', role: 'editor', now });
    await setStaffPassword({ db: db.db, clock: { now: () => Date.now() } }, 'eve@newsroom.example', 'Eve has a long password', 'test');
    await site.listen();
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await db?.destroy();
    await inbox?.close();
  });

  it('an editor publishes and emails a metered article; the free member gets the preview and the offer, the subscriber the whole text', async () => {
    const context = await openContext(browser!);
    const { page } = await openPage(context, watch);
    await signInStaff(page, base, 'eve@newsroom.example', 'Eve has a long password');

    await page.goto(`${base}/admin/articles/${articleId}`);
    await page.getByRole('radio', { name: 'Publish and email' }).check();
    await page.getByLabel('Newsletter', { exact: true }).selectOption({ label: 'Morning briefing' });
    await page.getByLabel('Segment', { exact: true }).selectOption({ label: 'All members' });
    await Promise.all([page.waitForURL(`**/admin/articles/${articleId}/publish`), page.getByRole('button', { name: 'Publish now' }).click()]);

    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toContain('Email “Harbour dues to rise”?');
    expect(await page.locator('#email-count').textContent()).toContain('2 members would get it as of now');
    expect(inbox!.messages, 'nothing is sent before confirming').toHaveLength(0);
    await Promise.all([page.waitForURL(`**/admin/articles/${articleId}?published=publish&emailed=1`), page.getByRole('button', { name: 'Publish and email 2 members' }).click()]);
    expect(await page.getByRole('status').first().textContent()).toContain('The email is on its way');

    const free = await inbox!.waitFor(FREE, { timeoutMs: 20_000 });
    const paid = await inbox!.waitFor(PAID, { timeoutMs: 20_000 });
    expect(free.subject).toBe('Harbour dues to rise');
    expect(free.text).toContain('The harbour board met on Tuesday.');
    expect(free.text).toContain('Subscribe to read the rest');
    expect(`${free.text}${free.html}`).not.toContain(GATED);
    expect(paid.text).toContain(GATED);
    expect(paid.html).toContain(GATED);
    expect(paid.text).not.toContain('Subscribe to read the rest');
    expect(watch.consoleErrors).toEqual([]);
    await context.close();
  });
});
