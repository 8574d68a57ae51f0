import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import type { TestDatabase } from '../helpers/db.js';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { loadDemo } from '../../src/content/demo/load.js';
import { createSession, SESSION_COOKIE } from '../../src/members/sessions.js';
import { makeArticle, makeComment } from '../helpers/factories.js';
import { createStaffUser } from '../../src/members/staff.js';
import { inviteStaff } from '../../src/members/invitations.js';
import { createOffer } from '../../src/billing/offers.js';
import { createNewsletter, newsletters, startSend } from '../../src/newsletters/newsletters.service.js';
import { browserSuite, launchChromium, newWatch, openContext, openPage, requireBrowser, siteForBrowser } from '../helpers/browser.js';

/**
 * axe-core's own build, from node_modules (a devDependency); AXE_CORE_PATH names another copy of
 * axe.min.js. Missing, every check below fails saying so: an accessibility check that silently
 * passed because its engine was absent would be worse than none.
 */
function axeScript(): string {
  const override = process.env.AXE_CORE_PATH;
  if (override && existsSync(override)) return override;
  try {
    return createRequire(import.meta.url).resolve('axe-core/axe.min.js');
  } catch {
    throw new Error('axe-core is not installed, so the accessibility check cannot run: add it as a devDependency (npm install --save-dev axe-core@4.14.1), or set AXE_CORE_PATH to an axe.min.js');
  }
}

interface Violation { id: string; impact: string | null; help: string; nodes: { target: unknown[] }[] }

/** axe's violations on the page as it stands, in one line each: rule, impact, help, where. */
async function axeViolations(page: Page): Promise<Violation[]> {
  await page.addScriptTag({ path: axeScript() });
  return page.evaluate<Violation[]>(`axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) })))`);
}
/** A WordPress export of one post with no headline, so the status page has something to review. */
const WXR = `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel><title>Skerrow Courier</title><link>https://www.skerrowcourier.example</link><wp:wxr_version>1.2</wp:wxr_version>
<item><title></title><dc:creator><![CDATA[mairi]]></dc:creator><content:encoded><![CDATA[<p>The ferry was late again. Passengers waited.</p>]]></content:encoded>
<wp:post_id>7</wp:post_id><wp:post_date_gmt><![CDATA[2019-04-01 09:00:00]]></wp:post_date_gmt><wp:status><![CDATA[publish]]></wp:status><wp:post_type><![CDATA[post]]></wp:post_type></item>
</channel>
</rss>`;
const describeAll = (vs: Violation[]) => vs.map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')}`);

browserSuite('accessibility of the main pages (axe)', () => {
  let db: TestDatabase | undefined;
  let app: App | undefined;
  let browser: Browser | undefined;
  let base: string;
  let subscriber: string;
  let paidSlug: string;
  let sectionSlug: string;
  let commentId: number;
  let talkSlug: string;
  let administrator: string;
  const everyPage = newWatch();

  beforeAll(async () => {
    requireBrowser();
    const site = await siteForBrowser();
    ({ db, app, base } = site);
    await loadDemo(app.ctx.content);
    const now = app.ctx.clock.now();
    const paid = await db.db.selectFrom('articles').select('slug').where('effective_access', '=', 'paid').where('live_at', '<=', now).executeTakeFirstOrThrow();
    paidSlug = paid.slug;
    sectionSlug = (await db.db.selectFrom('sections').select('slug').executeTakeFirstOrThrow()).slug;
    const m = await db.db.insertInto('members').values({ email: 'reader@example.com', email_normalized: 'reader@example.com', name: 'Rita Reader', status: 'paid', email_verified: 1, password_hash: null, created_at: now, last_seen_at: null, deleted_at: null }).returning('id').executeTakeFirstOrThrow();
    subscriber = (await createSession(db.db, { memberId: m.id }, 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36', now)).token;
    const talk = await makeArticle(app.ctx.content, { title: 'Talk of the harbour', accessLevel: 'free' });
    talkSlug = talk.slug;
    commentId = (await makeComment(app.ctx.comments, talk.id, m.id, 'The new **quay** looks fine to me.')).id;
    const admin = await createStaffUser(db.db, { email: 'ada@news.example', name: 'Ada', role: 'administrator', now });
    administrator = (await createSession(db.db, { staffUserId: admin.id }, 'Mozilla/5.0 (X11; Linux x86_64) Chrome/130.0', now)).token;
    await site.listen();
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await db?.destroy();
  });

  // axe is put into the page as a script of its own, which the site's CSP (script-src 'self') would refuse.
  async function contextFor(signedIn: boolean, colorScheme: 'light' | 'dark'): Promise<BrowserContext> {
    const context = await openContext(browser!, { bypassCSP: true, colorScheme });
    if (signedIn) await context.addCookies([{ name: SESSION_COOKIE, value: subscriber, url: base }]);
    return context;
  }

  const pages = (): [string, string, boolean][] => [
    ['home', '/', false],
    ['article at the wall', `/articles/${paidSlug}`, false],
    ['section', `/section/${sectionSlug}`, false],
    ['search', '/search?q=harbour', false],
    ['sign-in', '/signin', false],
    ['subscribe', '/subscribe', false],
    ['account', '/account', true],
    ['comment page', `/comments/${commentId}`, true],
    ['article with its comments, signed in', `/articles/${talkSlug}`, true],
  ];

  // Both themes: the dark one has colours of its own to keep legible.
  it.each(['light', 'dark'] as const)('finds nothing serious or critical on the main pages, and no duplicate landmark or missing h1 (%s theme)', async (scheme) => {
    axeScript();
    const serious: string[] = [];
    const named: string[] = [];
    const seen: string[] = [];
    for (const signedIn of [false, true]) {
      const context = await contextFor(signedIn, scheme);
      for (const [name, path] of pages().filter((p) => p[2] === signedIn)) {
        const { page } = await openPage(context, everyPage);
        const res = await page.goto(base + path);
        expect(res?.status(), name).toBe(200);
        expect(new URL(page.url()).pathname, `${name} was not redirected`).toBe(path.split('?')[0]);
        const violations = await axeViolations(page);
        seen.push(...describeAll(violations).map((v) => `${name}: ${v}`));
        serious.push(...describeAll(violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')).map((v) => `${name}: ${v}`));
        // The two the newcomer found (issue 13): two search landmarks named alike on /search, no h1 on a comment's page.
        named.push(...describeAll(violations.filter((v) => v.id === 'landmark-unique' || v.id === 'page-has-heading-one')).map((v) => `${name}: ${v}`));
        await page.close();
      }
      await context.close();
    }
    if (seen.length) console.info(`axe, moderate and minor findings:\n${seen.join('\n')}`);
    expect(serious).toEqual([]);
    expect(named).toEqual([]);
    expect(everyPage.consoleErrors).toEqual([]);
    expect(everyPage.foreignRequests).toEqual([]);
  });

  // The settings pages of the newsroom app, as an administrator sees them, and a form refused with its errors shown.
  it.each(['light', 'dark'] as const)('finds nothing serious or critical on the settings pages (%s theme)', async (scheme) => {
    const context = await openContext(browser!, { bypassCSP: true, colorScheme: scheme, javaScriptEnabled: true });
    await context.addCookies([{ name: SESSION_COOKIE, value: administrator, url: base }]);
    const serious: string[] = [];
    const check = async (name: string, page: Page) => {
      const violations = await axeViolations(page);
      serious.push(...describeAll(violations.filter((v) => v.impact === 'serious' || v.impact === 'critical' || v.id === 'page-has-heading-one')).map((v) => `${name}: ${v}`));
    };
    for (const path of ['/admin/settings', '/admin/settings/site', '/admin/settings/nav', '/admin/settings/meter', '/admin/settings/wall', '/admin/settings/comments', '/admin/settings/billing', '/admin/settings/mail', '/admin/settings/email', '/admin/settings/export', '/admin/settings/import']) {
      const { page } = await openPage(context);
      const res = await page.goto(base + path);
      expect(res?.status(), path).toBe(200);
      expect(new URL(page.url()).pathname, `${path} was not redirected`).toBe(path);
      await check(path, page);
      await page.close();
    }
    const { page } = await openPage(context);
    await page.goto(`${base}/admin/settings/meter`);
    await page.getByLabel('Free articles for readers not signed in').fill('many');
    await page.getByRole('button', { name: 'Save meter rules' }).click();
    await page.getByRole('alert').waitFor();
    await check('meter rules refused', page);
    // Settings → Import: a file that is not an archive, refused beside the field; then an export, and its status page.
    await page.goto(`${base}/admin/settings/import`);
    await page.getByLabel('Archive').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('Just notes.') });
    await page.getByRole('button', { name: 'Upload and import' }).click();
    await page.getByRole('alert').waitFor();
    await check('import refused', page);
    await page.getByLabel('Archive').setInputFiles({ name: 'export.xml', mimeType: 'application/xml', buffer: Buffer.from(WXR) });
    await page.getByLabel('Copy the images the articles link to into the media library').uncheck();
    await page.getByRole('button', { name: 'Upload and import' }).click();
    await page.waitForURL(/\/admin\/settings\/import\/\d+$/);
    await check('import status', page);
    await page.close();
    await context.close();
    expect(serious).toEqual([]);
  });

  // The newsroom's staff pages (issue 16): moderation, staff, tokens, audit, plans and offers, and the pages an offer
  // link and an invitation link open.
  it.each(['light', 'dark'] as const)('finds nothing serious or critical on the staff pages (%s theme)', async (scheme) => {
    axeScript();
    const now = app!.ctx.clock.now();
    const email = `axe-owner-${scheme}@staff.example`;
    const owner = await createStaffUser(db!.db, { email, name: 'Axe Owner', role: 'owner', now });
    const staffSession = (await createSession(db!.db, { staffUserId: owner.id }, 'axe', now)).token;
    const code = `AXE-${scheme.toUpperCase()}`;
    const offer = await createOffer(db!.db, { name: 'Axe offer', code, planId: null, kind: 'trial', amount: 30, currency: null, duration: 'once', durationMonths: null, expiresAt: null, maxRedemptions: null }, now);
    const invitation = new URL((await inviteStaff(app!.ctx.accounts, owner, { email: `axe-invitee-${scheme}@staff.example`, role: 'author' })).link).pathname;
    const member = (await db!.db.selectFrom('members').select('id').where('email', '=', 'reader@example.com').executeTakeFirstOrThrow()).id;
    // A send's page (progress, and the tracking figures' place), and the newsletters page listing it.
    const newsletter = (await newsletters(app!.ctx.newsletters)).find((n) => n.slug === 'axe-briefing')
      ?? await createNewsletter(app!.ctx.newsletters, { slug: 'axe-briefing', name: 'Axe briefing', senderName: 'Axe', senderEmail: 'axe@news.example' });
    const live = (await db!.db.selectFrom('articles').select('id').where('status', '=', 'published').where('published_at', '<=', now).orderBy('id').executeTakeFirstOrThrow()).id;
    const sendId = (await startSend(app!.ctx.newsletters, { newsletter: newsletter.id, articleId: live, by: 'axe' })).send.id;
    const serious: string[] = [];
    for (const [signedIn, paths] of [
      [true, ['/admin/newsletters', `/admin/newsletters/sends/${sendId}`, '/admin/comments', `/admin/comments/ban?member=${member}`, '/admin/staff', '/admin/tokens', '/admin/audit', '/admin/plans', '/admin/plans/new', '/admin/offers', '/admin/offers/new', `/admin/offers/${offer.id}`]],
      [false, [`/subscribe?offer=${code}`, invitation]],
    ] as const) {
      const context = await openContext(browser!, { bypassCSP: true, colorScheme: scheme });
      if (signedIn) await context.addCookies([{ name: SESSION_COOKIE, value: staffSession, url: base }]);
      for (const path of paths) {
        const { page } = await openPage(context, everyPage);
        const res = await page.goto(base + path);
        expect(res?.status(), path).toBe(200);
        serious.push(...describeAll((await axeViolations(page)).filter((v) => v.impact === 'serious' || v.impact === 'critical' || v.id === 'page-has-heading-one' || v.id === 'landmark-unique')).map((v) => `${path}: ${v}`));
        await page.close();
      }
      await context.close();
    }
    expect(serious).toEqual([]);
    expect(everyPage.consoleErrors).toEqual([]);
  });
});
