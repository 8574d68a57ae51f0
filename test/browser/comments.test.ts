import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import type { TestDatabase } from '../helpers/db.js';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createSession, SESSION_COOKIE } from '../../src/members/sessions.js';
import { PAGE } from '../../src/comments/comments.service.js';
import { makeArticle, makeComment, makePlan, makeSection } from '../helpers/factories.js';
import { browserSuite, launchChromium, siteForBrowser, newWatch, openContext, openPage, requireBrowser, RESULTS } from '../helpers/browser.js';

const BROWSER_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36';

/**
 * Payloads after the OWASP XSS filter-evasion cheat sheet, plus a few aimed at
 * our own markup (markdown links, bold, code spans, quotes). Each is posted as
 * its own comment; every one must come back as inert text.
 */
const XSS: string[] = [
  '<script>alert(1)</script>',
  '<SCRIPT>alert(1)</SCRIPT>',
  '<ScRiPt>alert(1)</sCrIpT>',
  '<script src=http://xss.example/xss.js></script>',
  '<SCRIPT SRC=//xss.example/.j></SCRIPT>',
  '<script/xss src="http://xss.example/xss.js"></script>',
  '<<SCRIPT>alert("XSS");//<</SCRIPT>',
  '<IMG """><SCRIPT>alert("XSS")</SCRIPT>">',
  '"><script>alert(1)</script>',
  "'><script>alert(1)</script>",
  '</textarea><script>alert(1)</script>',
  '</title><script>alert(1)</script>',
  '<scr<script>ipt>alert(1)</scr</script>ipt>',
  '<scr\u0000ipt>alert(1)</scr\u0000ipt>',
  '\\u003cscript\\u003ealert(1)\\u003c/script\\u003e',
  '\u003cscript\u003ealert("unicode-escaped")\u003c/script\u003e',
  '\uFF1Cscript\uFF1Ealert(1)\uFF1C/script\uFF1E',
  '&lt;script&gt;alert(1)&lt;/script&gt;',
  '&#60;script&#62;alert(1)&#60;/script&#62;',
  '&#x3C;script&#x3E;alert(1)&#x3C;/script&#x3E;',
  '%3Cscript%3Ealert(1)%3C/script%3E',
  '<img src=x onerror=alert(1)>',
  '<IMG SRC="javascript:alert(\'XSS\');">',
  '<IMG SRC=javascript:alert(\'XSS\')>',
  '<IMG SRC=JaVaScRiPt:alert(\'XSS\')>',
  '<IMG SRC=`javascript:alert("RSnake says, \'XSS\'")`>',
  '<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;&#97;&#108;&#101;&#114;&#116;&#40;&#39;&#88;&#83;&#83;&#39;&#41;>',
  '<IMG SRC=&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A&#x61&#x6C&#x65&#x72&#x74&#x28&#x27&#x58&#x53&#x53&#x27&#x29>',
  '<IMG SRC="jav\tascript:alert(\'XSS\');">',
  '<IMG SRC=" &#14;  javascript:alert(\'XSS\');">',
  '<IMG onmouseover="alert(\'xxs\')">',
  '<img src=x:alert(alt) onerror=eval(src) alt=0>',
  '<svg onload=alert(1)>',
  '<svg/onload=alert(1)>',
  '<svg><script>alert(1)</script></svg>',
  '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>',
  '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
  '[x](javascript:alert(1))',
  '[click me](JaVaScRiPt:alert(1))',
  '[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)',
  '[x](https://example.com" onmouseover="alert(1))',
  '[x](https://example.com/"><script>alert(1)</script>)',
  'https://example.com/"onmouseover="alert(1)"',
  '**<img src=x onerror=alert(1)>**',
  '*<svg onload=alert(1)>*',
  '`<script>alert(1)</script>`',
  '> <script>alert(1)</script>\n> <img src=x onerror=alert(2)>',
  '<a href="javascript:alert(1)">x</a>',
  '<a href="jav&#x09;ascript:alert(1)">x</a>',
  '<a href="jav&#x0A;ascript:alert(1)">x</a>',
  '<a href="&#x6A;avascript:alert(1)">x</a>',
  '<a href=" javascript:alert(1)">x</a>',
  '<a href="vbscript:msgbox(1)">x</a>',
  '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
  '<a href="https://example.com" onclick="alert(1)">x</a>',
  '<iframe src=javascript:alert(1)></iframe>',
  '<iframe src="data:text/html,<script>alert(1)</script>"></iframe>',
  '<IFRAME SRC="javascript:alert(\'XSS\');"></IFRAME>',
  '<FRAMESET><FRAME SRC="javascript:alert(\'XSS\');"></FRAMESET>',
  '<body onload=alert(1)>',
  '<BODY BACKGROUND="javascript:alert(\'XSS\')">',
  '<div style="background:url(javascript:alert(1))">x</div>',
  '<DIV STYLE="width: expression(alert(\'XSS\'));">x</DIV>',
  '<style>@import\'javascript:alert(1)\';</style>',
  '<STYLE>li {list-style-image: url("javascript:alert(\'XSS\')");}</STYLE><UL><LI>XSS</br>',
  '<LINK REL="stylesheet" HREF="javascript:alert(\'XSS\');">',
  '<INPUT TYPE="IMAGE" SRC="javascript:alert(\'XSS\');">',
  '<META HTTP-EQUIV="refresh" CONTENT="0;url=javascript:alert(1);">',
  '<META HTTP-EQUIV="refresh" CONTENT="0;url=data:text/html;base64,PHNjcmlwdD5hbGVydCgnWFNTJyk8L3NjcmlwdD4K">',
  '<object data="javascript:alert(1)"></object>',
  '<OBJECT TYPE="text/x-scriptlet" DATA="http://xss.example/scriptlet.html"></OBJECT>',
  '<EMBED SRC="data:image/svg+xml;base64,PHN2ZyB4bWxuczpzdmc9Imh0dH A6Ly93d3cudzMub3JnLzIwMDAvc3ZnIiB4bWxucz0iaHR0cDovL3d3dy53My5vcmcv MjAwMC9zdmciIHhtbG5zOnhsaW5rPSJodHRwOi8vd3d3LnczLm9yZy8xOTk5L3hs aW5rIiB2ZXJzaW9uPSIxLjAiIHg9IjAiIHk9IjAiIHdpZHRoPSIxOTQiIGhlaWdodD0iMjAw IiBpZD0ieHNzIj48c2NyaXB0IHR5cGU9InRleHQvZWNtYXNjcmlwdCI+YWxlcnQoIlh TUyIpOzwvc2NyaXB0Pjwvc3ZnPg==" type="image/svg+xml" AllowScriptAccess="always"></EMBED>',
  '<TABLE BACKGROUND="javascript:alert(\'XSS\')"><TD BACKGROUND="javascript:alert(\'XSS\')">x</TD></TABLE>',
  '<BASE HREF="javascript:alert(\'XSS\');//">',
  '<details open ontoggle=alert(1)>',
  '<video><source onerror="alert(1)"></video>',
  '<marquee onstart=alert(1)>x</marquee>',
  '<form action="javascript:alert(1)"><button>x</button></form>',
  '<xss id=x tabindex=1 onfocus=alert(1)></xss>',
  '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
  '<!--<img src="--><img src=x onerror=alert(1)//">',
  '<![CDATA[<script>alert(1)</script>]]>',
  '<?xml version="1.0"?><html:script xmlns:html="http://www.w3.org/1999/xhtml">alert(1)</html:script>',
  'javascript:alert(1)',
  '";alert(1);//',
  '{{constructor.constructor(\'alert(1)\')()}}',
];

/** What must hold inside every `.comments` block: no active content, only safe links. Returns the violations. */
const INERT_CHECK = `(() => {
  const out = [];
  const roots = [...document.querySelectorAll('.comments')];
  if (roots.length !== 1) out.push('expected one .comments block, found ' + roots.length);
  for (const root of roots) {
    for (const tag of ['script', 'iframe', 'frame', 'frameset', 'object', 'embed', 'style', 'img', 'svg', 'math', 'meta', 'link', 'base', 'video', 'source', 'details', 'marquee', 'table', 'noscript']) {
      for (const el of root.querySelectorAll(tag)) out.push('<' + tag + '> ' + el.outerHTML.slice(0, 200));
    }
    // Inside a comment's body only the markup's own tags may appear.
    for (const el of root.querySelectorAll('.comment__body *')) {
      if (!['P', 'BR', 'STRONG', 'EM', 'BLOCKQUOTE', 'CODE', 'A'].includes(el.tagName)) out.push('unexpected <' + el.tagName.toLowerCase() + '> in a comment: ' + el.outerHTML.slice(0, 200));
    }
    for (const el of root.querySelectorAll('*')) {
      for (const a of el.attributes) {
        if (a.name.toLowerCase().startsWith('on')) out.push('event attribute ' + a.name + ' on ' + el.outerHTML.slice(0, 200));
        if (a.name.toLowerCase() === 'style') out.push('style attribute on ' + el.outerHTML.slice(0, 200));
      }
    }
    for (const a of root.querySelectorAll('a[href]')) {
      const href = a.getAttribute('href');
      // The app's own links (permalinks, reply, report, sort, pages) are relative; user links are absolute http(s).
      const own = !a.closest('.comment__body');
      if (own && /^\\/(comments|articles)\\//.test(href)) continue;
      if (!/^https?:\\/\\//i.test(href)) out.push('bad href ' + JSON.stringify(href) + ' in ' + a.outerHTML.slice(0, 200));
      if (!own && a.getAttribute('rel') !== 'nofollow ugc noopener') out.push('bad rel ' + JSON.stringify(a.getAttribute('rel')) + ' on ' + a.outerHTML.slice(0, 200));
    }
    for (const a of root.querySelectorAll('.comment__body a')) {
      if (!a.hasAttribute('href')) out.push('user link without href ' + a.outerHTML.slice(0, 200));
    }
  }
  return out;
})()`;

browserSuite('comments in Chromium', () => {
  let db: TestDatabase | undefined;
  let app: App | undefined;
  let browser: Browser | undefined;
  let base: string;
  let sessionToken: string;
  let memberId: number;
  let thread: { slug: string; title: string; rest: string };
  let xssArticle: { id: number; slug: string };
  /** Console errors, uncaught exceptions and requests leaving 127.0.0.1, from every page of every test. */
  const everyPage = newWatch();

  beforeAll(async () => {
    requireBrowser();
    const site = await siteForBrowser();
    ({ db, app, base } = site);

    await makePlan(app.ctx.content);
    const section = await makeSection(app.ctx.content, { name: 'Metered desk', slug: 'metered-desk', defaultAccess: 'metered' });
    const rest = 'The gated part of the commented story, shown to a first-time reader.';
    const a = await makeArticle(app.ctx.content, { title: 'Commented story', slug: 'commented-story', section: section.slug, preview: 'Preview of the commented story.', rest });
    expect(a.access).toBe('metered');
    thread = { slug: a.slug, title: a.title, rest };
    const x = await makeArticle(app.ctx.content, { title: 'Hostile comments', slug: 'hostile-comments', section: section.slug });
    expect(x.access).toBe('metered');
    xssArticle = { id: x.id, slug: x.slug };

    const now = app.ctx.clock.now();
    const m = await db.db.insertInto('members').values({ email: 'sub@example.com', email_normalized: 'sub@example.com', name: 'Sub Scriber', status: 'paid', email_verified: 1, password_hash: null, created_at: now, last_seen_at: null, deleted_at: null }).returning('id').executeTakeFirstOrThrow();
    memberId = m.id;
    sessionToken = (await createSession(db.db, { memberId }, BROWSER_UA, now)).token;

    await site.listen();

    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await db?.destroy();
  });

  async function newContext(opts: { subscriber: boolean; bypassCSP?: boolean; js?: boolean }): Promise<BrowserContext> {
    const context = await openContext(browser!, { userAgent: BROWSER_UA, bypassCSP: opts.bypassCSP ?? false, javaScriptEnabled: opts.js ?? true });
    if (opts.subscriber) await context.addCookies([{ name: SESSION_COOKIE, value: sessionToken, url: base }]);
    return context;
  }

  const commentsHeading = async (page: Page) => ((await page.locator('#comments h2').textContent()) ?? '').replace(/\s+/g, ' ').trim();

  it('lets a subscriber post and reply; an anonymous reader sees only the count and the prompt', async () => {
    const marker = 'Subscriber-comment-marker-1';
    const replyMarker = 'Subscriber-reply-marker-2';
    const articleUrl = `${base}/articles/${thread.slug}`;

    // The subscriber: an empty thread with a form.
    // Plain forms: the whole journey works without JavaScript.
    const subCtx = await newContext({ subscriber: true, js: false });
    const { page, watch } = await openPage(subCtx, everyPage);
    let res = await page.goto(articleUrl);
    expect(res?.status()).toBe(200);
    expect(res?.headers()['cache-control']).toBe('private, no-store');
    expect((await page.locator('h1').textContent())?.trim()).toBe(thread.title);
    const section = page.locator('section#comments');
    expect(await section.count()).toBe(1);
    expect(await section.getAttribute('class')).toBe('comments');
    expect(await commentsHeading(page)).toBe('Comments (0)');
    expect(await section.getByText('No comments yet.').isVisible()).toBe(true);
    const form = section.locator('form.comment-form');
    expect(await form.count()).toBe(1);
    expect(await form.getAttribute('action')).toBe(`/articles/${thread.slug}/comments`);
    expect(await form.locator('input[name="_csrf"]').count()).toBe(1);
    expect(await form.locator('input[name="_csrf"]').getAttribute('value')).not.toMatch(/__MH_CSRF/);

    // Post a comment through the form.
    await form.getByLabel('Add a comment').fill(`${marker} **bold**`);
    await Promise.all([page.waitForURL(/\/articles\/commented-story#comment-\d+$/), form.getByRole('button', { name: 'Post comment' }).click()]);
    const commentId = Number(/#comment-(\d+)$/.exec(page.url())![1]);
    expect(commentId).toBeGreaterThan(0);
    expect(await commentsHeading(page)).toBe('Comments (1)');
    const comment = page.locator(`li#comment-${commentId}`);
    expect(await comment.isVisible()).toBe(true);
    const body = comment.locator('> article > .comment__body');
    expect(((await body.innerText()) ?? '').trim()).toBe(`${marker} bold`);
    expect(await body.locator('strong').count()).toBe(1);
    expect((await body.locator('strong').textContent())?.trim()).toBe('bold');
    expect(await body.innerHTML()).not.toContain('**');
    expect((await comment.locator('.comment__author').first().textContent())?.trim()).toBe('Sub Scriber');

    // Reply: the link leads to the comment's own page, whose reply form posts back to the article.
    const replyLink = comment.locator('> article > footer').getByRole('link', { name: 'Reply', exact: true });
    expect(await replyLink.getAttribute('href')).toBe(`/comments/${commentId}#reply`);
    res = (await Promise.all([page.waitForNavigation(), replyLink.click()]))[0];
    expect(res?.status()).toBe(200);
    expect(page.url()).toBe(`${base}/comments/${commentId}#reply`);
    const replyForm = page.locator('form#reply');
    expect(await replyForm.isVisible()).toBe(true);
    expect(await replyForm.locator('input[name="parent_id"]').getAttribute('value')).toBe(String(commentId));
    expect(await page.locator('.comment__body').first().innerText()).toContain(marker);
    await replyForm.getByLabel('Your reply').fill(`${replyMarker} *gently*`);
    await Promise.all([page.waitForURL(/\/articles\/commented-story#comment-\d+$/), replyForm.getByRole('button', { name: 'Post reply' }).click()]);
    const replyId = Number(/#comment-(\d+)$/.exec(page.url())![1]);
    expect(replyId).toBeGreaterThan(commentId);

    // Back on the article: the reply sits nested under the comment.
    expect(await commentsHeading(page)).toBe('Comments (2)');
    expect(await page.locator('section#comments > ol.comment-list > li.comment').count()).toBe(1);
    const nested = page.locator(`li#comment-${commentId} ol.comment-list--replies > li#comment-${replyId}`);
    expect(await nested.count()).toBe(1);
    expect(await nested.isVisible()).toBe(true);
    expect(await nested.getAttribute('class')).toContain('comment--depth-1');
    expect((await nested.locator('.comment__body').innerText()).trim()).toBe(`${replyMarker} gently`);
    expect((await nested.locator('.comment__body em').textContent())?.trim()).toBe('gently');
    expect(await page.locator(`.comment-list--replies`).getByText(marker).count()).toBe(0);
    expect(await page.evaluate<string[]>(INERT_CHECK)).toEqual([]);
    await page.goto(`${articleUrl}#comments`);
    await page.screenshot({ path: join(RESULTS, 'comments.png'), fullPage: true });
    expect(watch.dialogs).toEqual([]);
    await subCtx.close();

    // An anonymous reader, first view: the article is readable; of the comments only the count and the way in.
    const anonCtx = await newContext({ subscriber: false });
    const anon = await openPage(anonCtx, everyPage);
    res = await anon.page.goto(articleUrl);
    expect(res?.status()).toBe(200);
    const raw = await res!.text();
    expect(raw, 'the metered article is readable on a first view').toContain(thread.rest);
    expect(await anon.page.locator('.paywall').count()).toBe(0);
    const locked = anon.page.locator('section#comments');
    expect(await locked.count()).toBe(1);
    expect(await locked.getAttribute('class')).toBe('comments comments--locked');
    expect(await commentsHeading(anon.page)).toBe('Comments (2)');
    expect(await locked.getByText('You must become a subscriber or login to view or post comments on this article.').isVisible()).toBe(true);
    expect(await locked.getByRole('link', { name: 'Log in' }).getAttribute('href')).toBe(`/signin?return_to=${encodeURIComponent(`/articles/${thread.slug}#comments`)}`);
    expect(await locked.locator('form').count()).toBe(0);
    expect(await locked.locator('.comment').count()).toBe(0);
    const dom = await anon.page.content();
    for (const m of [marker, replyMarker]) {
      expect(raw, `${m} is not in the anonymous response`).not.toContain(m);
      expect(dom, `${m} is not in the anonymous DOM`).not.toContain(m);
    }
    // Nor on the comment's own page or the JSON.
    const perma = await anon.page.goto(`${base}/comments/${commentId}`);
    expect(perma?.status()).toBe(403);
    expect(await perma!.text()).not.toContain(marker);
    const json = await anonCtx.request.get(`${base}/api/articles/${thread.slug}/comments`);
    expect(json.status()).toBe(403);
    expect(await json.text()).not.toContain(marker);
    expect(anon.watch.dialogs).toEqual([]);
    await anonCtx.close();

    // 403 pages log "Failed to load resource" in the console; those are the ones we asked for.
    expect(everyPage.consoleErrors.filter((e) => !/\/comments\/\d+: Failed to load resource: the server responded with a status of 403/.test(e))).toEqual([]);
    expect(everyPage.foreignRequests).toEqual([]);
  });

  it('with JavaScript, posts and replies inline without reloading the page', async () => {
    const section = await app!.ctx.database.db.selectFrom('sections').select('slug').executeTakeFirstOrThrow();
    const a = await makeArticle(app!.ctx.content, { title: 'Inline story', slug: 'inline-story', section: section.slug });
    const ctx = await newContext({ subscriber: true });
    const { page, watch } = await openPage(ctx, everyPage);
    await page.goto(`${base}/articles/${a.slug}`);
    // A marker that survives only if the page is never reloaded.
    await page.evaluate(() => ((globalThis as unknown as { stayed: boolean }).stayed = true));
    expect(await commentsHeading(page)).toBe('Comments (0)');
    const form = page.locator('#comments form.comment-form').first();
    await form.locator('textarea').fill('Inline-comment-marker *hi*');
    await form.getByRole('button', { name: 'Post comment' }).click();
    await page.locator('#comments .comment__body', { hasText: 'Inline-comment-marker' }).waitFor();
    // The count follows without a reload, and the new comment offers its author what a reload would.
    expect(await commentsHeading(page)).toBe('Comments (1)');
    const first = page.locator('#comments li.comment').first();
    expect(await first.locator('> article > footer').getByRole('link', { name: 'Edit' }).getAttribute('href')).toMatch(/^\/comments\/\d+#edit$/);
    expect(await first.locator('> article > footer').getByRole('button', { name: 'Delete' }).count()).toBe(1);
    await first.getByRole('link', { name: 'Reply' }).click();
    const inline = first.locator('form.comment-form');
    await inline.locator('textarea').fill('Inline-reply-marker');
    await inline.getByRole('button', { name: 'Post reply' }).click();
    await first.locator('ol.comment-list--replies .comment__body', { hasText: 'Inline-reply-marker' }).waitFor();
    expect(await commentsHeading(page)).toBe('Comments (2)');
    expect(await page.evaluate(() => (globalThis as unknown as { stayed?: boolean }).stayed)).toBe(true);
    expect(await first.locator('.comment__body em').textContent()).toBe('hi');
    expect(watch.consoleErrors).toEqual([]);
    // And the server has both, as a reload shows, with the same count.
    await page.reload();
    expect(await page.locator('#comments').textContent()).toContain('Inline-reply-marker');
    expect(await commentsHeading(page)).toBe('Comments (2)');
    await ctx.close();
  });

  it('renders an XSS corpus as inert text on every comment page', async () => {
    expect(new Set(XSS).size, 'payloads are distinct (the same text twice in a row is refused)').toBe(XSS.length);
    expect(XSS.length).toBeGreaterThanOrEqual(40);
    const ids: number[] = [];
    for (const text of XSS) {
      const r = await makeComment(app!.ctx.comments, xssArticle.id, memberId, text);
      expect(r.status, text).toBe('visible');
      ids.push(r.id);
    }

    // CSP is bypassed so that anything the sanitizer let through would actually run: the markup alone must hold.
    const ctx = await newContext({ subscriber: true, bypassCSP: true });
    const { page, watch } = await openPage(ctx, everyPage);

    // The probes: in this context an injected inline script does run, and a dialog is seen.
    await page.goto(`${base}/articles/${xssArticle.slug}`);
    await page.evaluate(`(() => { const s = document.createElement('script'); s.textContent = 'document.title = "probe-ran"'; document.head.append(s); })()`);
    expect(await page.title()).toBe('probe-ran');
    await page.evaluate(`setTimeout(() => alert('probe'), 0)`);
    await expect.poll(() => watch.dialogs.length).toBe(1);
    watch.dialogs.length = 0;
    watch.requests.length = 0;

    const pages = Math.ceil(XSS.length / PAGE);
    const seen: number[] = [];
    const texts: string[] = [];
    for (let p = 1; p <= pages + 1; p++) {
      const url = `${base}/articles/${xssArticle.slug}?cpage=${p}`;
      const res = await page.goto(url);
      expect(res?.status(), url).toBe(200);
      await page.waitForLoadState('load');
      await page.waitForTimeout(100);
      expect(await commentsHeading(page)).toBe(`Comments (${XSS.length})`);
      const here = await page.evaluate<number[]>(`[...document.querySelectorAll('.comments li.comment')].map((li) => Number(li.id.replace('comment-', '')))`);
      if (p <= pages) expect(here.length, url).toBe(p < pages ? PAGE : XSS.length - PAGE * (pages - 1));
      else expect(here, 'the page after the last is empty').toEqual([]);
      seen.push(...here);
      texts.push(...(await page.locator('.comments .comment__body').allInnerTexts()));
      expect(await page.locator('.pagination a[rel="next"]').count(), url).toBe(p < pages ? 1 : 0);

      const violations = await page.evaluate<string[]>(INERT_CHECK);
      expect(violations, url).toEqual([]);
      // Nothing outside the comments block was created by them either (the page's own head/body are the layout's).
      expect(await page.evaluate<number>(`document.querySelectorAll('script:not([type="application/ld+json"]):not([src^="/assets/"]), iframe, object, embed, svg, math, body img').length`), url).toBe(0);
      expect(watch.dialogs, url).toEqual([]);
      expect(watch.consoleErrors, url).toEqual([]);
      expect(await page.title(), url).not.toBe('probe-ran');
    }
    expect(seen.sort((a, b) => a - b)).toEqual([...ids].sort((a, b) => a - b));

    // Only the documents themselves and the site's own stylesheet were fetched: no img/src/href from a payload.
    const fetched = watch.requests.filter((u) => !u.startsWith('data:') && !/\/articles\/hostile-comments\?cpage=\d+$/.test(u) && !new URL(u).pathname.startsWith('/assets/'));
    expect(fetched).toEqual([]);

    // The payloads are shown as the text the reader typed (markup escaped, not dropped).
    const shown = texts.join('\n');
    expect(shown).toContain('<script>alert(1)</script>');
    expect(shown).toContain('<img src=x onerror=alert(1)>');
    expect(shown).toContain('<svg onload=alert(1)>');
    expect(shown).toContain('<iframe src=javascript:alert(1)></iframe>');
    expect(shown).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(shown).toContain('[x](javascript:alert(1))');

    expect(watch.dialogs).toEqual([]);
    expect(watch.consoleErrors).toEqual([]);
    await ctx.close();
    expect(everyPage.foreignRequests).toEqual([]);
  });
});
