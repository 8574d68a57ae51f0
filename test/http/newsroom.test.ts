import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/db.js';
import { startTestApp, type Agent, type TestApp } from '../helpers/app.js';
import { makeArticle, makeAuthor, makeSection } from '../helpers/factories.js';
import { createStaffUser, type StaffRole } from '../../src/members/staff.js';
import { setStaffPassword } from '../../src/members/staff-auth.service.js';
import { createArticle } from '../../src/content/articles.service.js';
import { listRevisions } from '../../src/content/newsroom.service.js';
import { photo, staffAgent, upload } from '../helpers/media.js';

/**
 * The newsroom app over HTTP, on both databases: the list (filters, keyset pages, a contributor's
 * own), role checks on every write, revision-checked saves, refused documents, previews that hold
 * no gated text for walled readers, and scheduling.
 */
describe.each(dialects())('newsroom app on %s', (dialect) => {
  let t: TestApp;
  const staff = {} as Record<string, { id: number; agent: Agent }>;

  async function signIn(name: string, role: StaffRole) {
    const u = await createStaffUser(t.db.db, { email: `${name}@staff.example`, name: name[0]!.toUpperCase() + name.slice(1), role, now: t.clock.now() });
    await setStaffPassword({ db: t.db.db, clock: t.clock }, u.email, `${name} password 123`, 'test');
    const agent = t.agent();
    await agent.get('/admin/signin');
    const r = await agent.post('/admin/signin', { email: u.email, password: `${name} password 123` });
    expect(r.statusCode).toBe(303);
    staff[name] = { id: u.id, agent };
  }

  /** A JSON call as the island makes it: the session cookie and the CSRF header. */
  async function json(who: string, method: 'GET' | 'POST' | 'PUT', url: string, body?: unknown) {
    const a = staff[who]!.agent;
    if (!a.csrf()) await a.get('/admin/articles');
    const res = await t.app.server.inject({
      method, url,
      headers: { cookie: [...a.cookies].map(([k, v]) => `${k}=${v}`).join('; '), 'x-csrf-token': a.csrf(), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
    });
    return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : undefined, headers: res.headers };
  }

  const titlesIn = (html: string) => [...html.matchAll(/<td><a href="\/admin\/articles\/\d+">([^<]*)<\/a><\/td>/g)].map((m) => m[1]!);

  beforeAll(async () => {
    t = await startTestApp(dialect);
    await signIn('eve', 'editor');
    await signIn('erin', 'editor');
    await signIn('carl', 'contributor');
    await signIn('ava', 'author');
  });
  afterAll(async () => t?.close());

  it('sends staff who are not signed in to the sign-in page, and keeps every page private', async () => {
    const anon = await t.get('/admin/articles');
    expect(anon.statusCode).toBe(303);
    expect(anon.headers.location).toBe('/admin/signin');
    expect((await t.get('/admin/api/articles/1')).statusCode).toBe(401);
    const page = await staff.eve!.agent.get('/admin/articles');
    expect(page.statusCode).toBe(200);
    expect(page.headers['cache-control']).toBe('private, no-store');
  });

  it('filters the list by status, section, author, tag, access and title, and pages it by key', async () => {
    const news = await makeSection(t.app.ctx.content, { name: 'Filter News', slug: 'filter-news', defaultAccess: 'metered' });
    const writer = await makeAuthor(t.app.ctx.content, { name: 'Filter Writer', slug: 'filter-writer' });
    const d = t.app.ctx.content;
    await makeArticle(d, { title: 'Filter alpha published', section: news.slug, authors: [writer.slug], tags: ['Harbour'], accessLevel: 'paid' });
    await createArticle(d, { title: 'Filter beta draft', status: 'draft', section: news.slug });
    await createArticle(d, { title: 'Filter gamma scheduled', status: 'scheduled', publishedAt: new Date(t.clock.now() + 3_600_000).toISOString() });
    const get = async (q: string) => titlesIn((await staff.eve!.agent.get(`/admin/articles?${q}`)).body);
    expect(await get('q=filter&status=draft')).toEqual(['Filter beta draft']);
    expect(await get('q=filter&status=scheduled')).toEqual(['Filter gamma scheduled']);
    expect(await get('q=filter&status=published')).toEqual(['Filter alpha published']);
    expect((await get('section=filter-news')).sort()).toEqual(['Filter alpha published', 'Filter beta draft']);
    expect(await get('author=filter-writer')).toEqual(['Filter alpha published']);
    expect(await get('tag=harbour')).toEqual(['Filter alpha published']);
    expect(await get('q=FILTER&access=paid')).toEqual(['Filter alpha published']);
    expect(await get('q=GAMMA')).toEqual(['Filter gamma scheduled']);
    // A literal % in a search is a character, not a wildcard.
    expect(await get('q=%25')).toEqual([]);

    for (let i = 0; i < 30; i++) {
      t.clock.advance(1000);
      await createArticle(d, { title: `Paged ${String(i).padStart(2, '0')}`, status: 'draft' });
    }
    const first = await staff.eve!.agent.get('/admin/articles?q=paged');
    const page1 = titlesIn(first.body);
    expect(page1).toHaveLength(25);
    expect(page1[0]).toBe('Paged 29');
    const next = /<a rel="next" href="([^"]+)"/.exec(first.body)![1]!.replace(/&amp;/g, '&');
    expect(next).toContain('after=');
    expect(next).not.toContain('offset');
    // A row added after page 1 was read neither repeats on page 2 nor shifts it.
    t.clock.advance(1000);
    await createArticle(d, { title: 'Paged 30', status: 'draft' });
    const second = await staff.eve!.agent.get(next);
    const page2 = titlesIn(second.body);
    expect(page2).toEqual(['Paged 04', 'Paged 03', 'Paged 02', 'Paged 01', 'Paged 00']);
    expect(second.body).not.toContain('rel="next"');
    const byPublished = titlesIn((await staff.eve!.agent.get('/admin/articles?q=filter&sort=published')).body);
    expect(byPublished[0]).toBe('Filter gamma scheduled');
    // One or two characters: the page says where it looked, beside the field.
    const short = await staff.eve!.agent.get('/admin/articles?q=ga');
    expect(short.body).toContain('aria-describedby="l-q-hint"');
    expect(short.body).toMatch(/One or two characters are looked for among the 5,000 most recent articles of this list/);
    expect(titlesIn(short.body)).toContain('Filter gamma scheduled');
    expect((await staff.eve!.agent.get('/admin/articles?q=gam')).body).not.toContain('l-q-hint');
  });

  it('gives a contributor their own articles only, no publish button, and 403 for a forged publish', async () => {
    const own = await json('carl', 'POST', '/admin/api/articles', { title: 'Carl’s own draft', body: { doc: { type: 'doc', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'Mine.' }] }] } } });
    expect(own.status).toBe(201);
    const id = own.body.article.id as number;
    const list = await staff.carl!.agent.get('/admin/articles');
    expect(titlesIn(list.body)).toEqual(['Carl’s own draft']);
    expect(list.body).not.toContain('value="publish"');

    const editor = await staff.carl!.agent.get(`/admin/articles/${id}`);
    expect(editor.statusCode).toBe(200);
    expect(editor.body).not.toContain('Publish now');
    expect(editor.body).toContain('writes drafts; an editor publishes them');

    const forged = await staff.carl!.agent.post(`/admin/articles/${id}/publish`, { action: 'publish', baseRevision: String(own.body.article.revision) });
    expect(forged.statusCode).toBe(403);
    const bulk = await staff.carl!.agent.post('/admin/articles/bulk', { action: 'publish', ids: String(id) });
    expect(bulk.statusCode).toBe(403);
    expect((await json('eve', 'GET', `/admin/api/articles/${id}`)).body.article.status).toBe('draft');

    // Someone else's article: not even to read in the editor, nor to save.
    const other = await createArticle(t.app.ctx.content, { title: 'Not Carl’s', status: 'draft' }, staff.eve!.id);
    expect((await staff.carl!.agent.get(`/admin/articles/${other.id}`)).statusCode).toBe(403);
    expect((await json('carl', 'PUT', `/admin/api/articles/${other.id}`, { baseRevision: other.revision, title: 'Taken over' })).status).toBe(403);
    // Without the CSRF header, a session alone cannot save.
    const noCsrf = await t.app.server.inject({ method: 'PUT', url: `/admin/api/articles/${id}`, headers: { cookie: [...staff.carl!.agent.cookies].map(([k, v]) => `${k}=${v}`).join('; '), 'content-type': 'application/json' }, payload: JSON.stringify({ baseRevision: 1, title: 'x' }) });
    expect(noCsrf.statusCode).toBe(403);

    // An author publishes their own, not someone else's.
    const avas = await json('ava', 'POST', '/admin/api/articles', { title: 'Ava’s piece' });
    expect((await staff.ava!.agent.post(`/admin/articles/${avas.body.article.id}/publish`, { action: 'publish', baseRevision: String(avas.body.article.revision) })).statusCode).toBe(303);
    expect((await staff.ava!.agent.post(`/admin/articles/${other.id}/publish`, { action: 'publish', baseRevision: String(other.revision) })).statusCode).toBe(403);
  });

  it('keeps one history entry for a burst of one person\'s autosaves, and a new one after ten minutes or for someone else', async () => {
    const para = (text: string) => ({ type: 'doc', content: [{ type: 'paragraph', content: [{ type: 'text', text }] }] });
    const created = await json('eve', 'POST', '/admin/api/articles', { title: 'Bursts', body: { doc: para('One.') } });
    const id = created.body.article.id as number;
    let revision = created.body.article.revision as number;
    const save = async (who: string, text: string) => {
      const r = await json(who, 'PUT', `/admin/api/articles/${id}`, { baseRevision: revision, title: 'Bursts', body: { doc: para(text) } });
      expect(r.status).toBe(200);
      revision = r.body.article.revision;
      return r;
    };
    const history = async () => (await listRevisions(t.app.ctx.content, id)).map((e) => `${e.by}@${e.revision}`);
    for (const text of ['Two.', 'Three.', 'Four.']) { t.clock.advance(5_000); await save('eve', text); }
    expect(await history()).toEqual([`Eve@${revision}`]);
    t.clock.advance(10 * 60_000 + 1);
    await save('eve', 'Five.');
    expect(await history()).toEqual([`Eve@${revision}`, `Eve@${revision - 1}`]);
    const r = await save('erin', 'Six, by Erin.');
    expect(await history()).toEqual([`Erin@${revision}`, `Eve@${revision - 1}`, `Eve@${revision - 2}`]);
    // The save answers with where the article stands and what to warn about, not with the document it was sent.
    expect(r.body.article).toEqual({ id, revision, slug: created.body.article.slug, title: 'Bursts', status: 'draft', updatedAt: new Date(t.clock.now()).toISOString() });
    expect(r.body.warnings.map((w: { code: string }) => w.code)).toEqual(['no_preview_break']);
    expect((await json('eve', 'GET', `/admin/api/articles/${id}`)).body.article.body).toEqual(para('Six, by Erin.'));
    // Each entry holds its own text: the diff of Erin's entry is against Eve's last.
    const diff = await staff.eve!.agent.get(`/admin/articles/${id}/revisions/${revision}`);
    expect(diff.body).toContain('<del>− Five.</del>');
    expect(diff.body).toContain('<ins>+ Six, by Erin.</ins>');
  });

  it.runIf(dialect === 'postgres')('writes a long read\'s text compressed with lz4 on PostgreSQL, and reads it back whole', async () => {
    const long = { type: 'doc', content: Array.from({ length: 200 }, (_, i) => ({ type: 'paragraph', content: [{ type: 'text', text: `Paragraph ${i} about the harbour board's dues and the ferry timetable, long enough to be stored apart.` }] })) };
    const created = await json('eve', 'POST', '/admin/api/articles', { title: 'A long read', body: { doc: { type: 'doc', content: [] } } });
    const { id, revision } = created.body.article as { id: number; revision: number };
    expect((await json('eve', 'PUT', `/admin/api/articles/${id}`, { baseRevision: revision, body: { doc: long } })).status).toBe(200);
    const { sql } = await import('kysely');
    const stored = await sql<{ doc: string; html: string; history: string }>`select pg_column_compression(a.body_doc) as doc, pg_column_compression(a.body_html) as html,
      (select pg_column_compression(r.body_doc) from article_revisions r where r.article_id = a.id order by r.revision desc limit 1) as history
      from articles a where a.id = ${id}`.execute(t.db.db);
    expect(stored.rows[0]).toEqual({ doc: 'lz4', html: 'lz4', history: 'lz4' });
    expect((await json('eve', 'GET', `/admin/api/articles/${id}`)).body.article.body).toEqual(long);
  });

  it('refuses a save based on an older revision with 409, saying who changed it and when', async () => {
    const created = await json('eve', 'POST', '/admin/api/articles', { title: 'Two editors', body: { doc: { type: 'doc', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'First.' }] }] } } });
    const { id, revision } = created.body.article as { id: number; revision: number };
    t.clock.advance(60_000);
    const mine = await json('eve', 'PUT', `/admin/api/articles/${id}`, { baseRevision: revision, title: 'Two editors, Eve’s' });
    expect(mine.status).toBe(200);
    expect(mine.body.article.revision).toBe(revision + 1);
    const theirs = await json('erin', 'PUT', `/admin/api/articles/${id}`, { baseRevision: revision, title: 'Two editors, Erin’s' });
    expect(theirs.status).toBe(409);
    expect(theirs.body.error.code).toBe('stale_revision');
    expect(theirs.body.current).toEqual({ revision: revision + 1, by: 'Eve', at: new Date(t.clock.now()).toISOString() });
    expect(theirs.body.error.message).toContain('Eve changed this article');
    expect((await json('eve', 'GET', `/admin/api/articles/${id}`)).body.article.title).toBe('Two editors, Eve’s');
    // Over the new revision, Erin's save goes through; both are in the history.
    expect((await json('erin', 'PUT', `/admin/api/articles/${id}`, { baseRevision: revision + 1, title: 'Two editors, Erin’s' })).status).toBe(200);
    const history = await staff.eve!.agent.get(`/admin/articles/${id}/revisions`);
    expect(history.body).toContain('Erin');
    expect(history.body).toContain('Eve');
    const diff = await staff.eve!.agent.get(`/admin/articles/${id}/revisions/${revision + 2}`);
    expect(diff.body).toContain('<del>− Two editors, Eve’s</del>');
    expect(diff.body).toContain('<ins>+ Two editors, Erin’s</ins>');
    // Restore writes the old text as a new revision.
    const restore = await staff.eve!.agent.post(`/admin/articles/${id}/revisions/${revision + 1}/restore`, { baseRevision: String(revision + 2) });
    expect(restore.statusCode).toBe(303);
    const now = (await json('eve', 'GET', `/admin/api/articles/${id}`)).body.article;
    expect(now.title).toBe('Two editors, Eve’s');
    expect(now.revision).toBe(revision + 3);
  });

  it('rejects a document it cannot store with the reason, and stores nothing', async () => {
    const created = await json('eve', 'POST', '/admin/api/articles', { title: 'Bad docs' });
    const { id, revision } = created.body.article;
    const para = { type: 'paragraph', content: [{ type: 'text', text: 'x' }] };
    const unknown = await json('eve', 'PUT', `/admin/api/articles/${id}`, { baseRevision: revision, body: { doc: { type: 'doc', content: [para, { type: 'mention', attrs: { id: 'eve' } }] } } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toMatch(/unknown type \("mention"\)/);
    const two = await json('eve', 'PUT', `/admin/api/articles/${id}`, { baseRevision: revision, body: { doc: { type: 'doc', content: [para, { type: 'previewBreak' }, para, { type: 'previewBreak' }, para] } } });
    expect(two.status).toBe(400);
    expect(two.body.error.message).toContain('more than one paywall break');
    expect((await json('eve', 'GET', `/admin/api/articles/${id}`)).body.article.revision).toBe(revision);
  });

  it('previews a draft as each kind of reader through the real decision: walled readers get no gated text', async () => {
    const GATED = 'GATED-MARKER-7f3a';
    const paid = await createArticle(t.app.ctx.content, { title: 'Preview paid draft', status: 'draft', accessLevel: 'paid', body: { markdown: `Free opening.\n\n<!--more-->\n\nSecret part ${GATED}.` } }, staff.eve!.id);
    const metered = await createArticle(t.app.ctx.content, { title: 'Preview metered draft', status: 'draft', accessLevel: 'metered', body: { markdown: `Free opening.\n\n<!--more-->\n\nSecret part ${GATED}.` } }, staff.eve!.id);
    for (const a of [paid, metered]) {
      for (const as of ['anonymous', 'member'] as const) {
        const r = await staff.eve!.agent.get(`/admin/articles/${a.id}/preview?as=${as}`);
        expect(r.statusCode).toBe(200);
        expect(r.headers['cache-control']).toBe('private, no-store');
        expect(r.body).toContain('Free opening.');
        expect(r.body, `${a.title} as ${as}`).not.toContain(GATED);
        expect(r.body).toContain('the rest of the text is not in this page');
      }
      const sub = await staff.eve!.agent.get(`/admin/articles/${a.id}/preview?as=subscriber`);
      expect(sub.body).toContain(GATED);
    }
    // The draft itself is nowhere for readers.
    expect((await t.get(`/articles/${paid.slug}`)).statusCode).toBe(404);
  });

  it('previews footnotes as readers get them: the notes before the wall listed with back-links, the ones after it cut', async () => {
    const GATED_NOTE = 'GATED-NOTE-2b9c';
    const a = await createArticle(t.app.ctx.content, { title: 'Footnoted draft', status: 'draft', accessLevel: 'paid', body: { markdown: `Dues rise.[^src]\n\n<!--more-->\n\nThe vote was close.[^v]\n\n[^src]: Harbour board minutes.\n[^v]: ${GATED_NOTE} seven to six.` } }, staff.eve!.id);
    const anon = await staff.eve!.agent.get(`/admin/articles/${a.id}/preview?as=anonymous`);
    expect(anon.body).toContain('<sup class="footnote-ref"><a href="#fn-1" id="fnref-1" aria-describedby="footnotes-h">1</a></sup>');
    expect(anon.body).toContain('<li id="fn-1"><p>Harbour board minutes. <a href="#fnref-1" class="footnote-back" aria-label="Back to reference 1">↩</a></p></li>');
    expect(anon.body).not.toContain(GATED_NOTE);
    expect(anon.body).not.toContain('fn-2');
    const sub = await staff.eve!.agent.get(`/admin/articles/${a.id}/preview?as=subscriber`);
    expect(sub.body).toContain(`<li id="fn-2"><p>${GATED_NOTE} seven to six.`);
    // Once only: the subscriber's body is the whole body, not the preview's list and then the whole list.
    expect(sub.body.split('id="fn-1"').length).toBe(2);
    // The island's JSON and the Markdown fallback keep the notes.
    const j = await json('eve', 'GET', `/admin/api/articles/${a.id}`);
    expect(j.body.article.body.content[0].content[1]).toEqual({ type: 'footnote', attrs: { text: 'Harbour board minutes.' } });
    const page = await staff.eve!.agent.get(`/admin/articles/${a.id}`);
    expect(page.body).toContain(`[^1]: Harbour board minutes.\n[^2]: ${GATED_NOTE} seven to six.</textarea>`);
  });

  it('works without JavaScript: a form creates and saves, and bulk delete asks first, naming the count', async () => {
    const page = await staff.eve!.agent.get('/admin/articles/new');
    expect(page.body).toContain('<label for="f-markdown" id="body-label">Body (Markdown)</label>');
    expect(page.body).toMatch(/<script src="\/assets\/editor\.[0-9a-f]{12}\.js" defer>/);
    const made = await staff.eve!.agent.post('/admin/articles', { title: 'Form story', dek: '', markdown: '## Heading\n\n- one\n- two\n\nTK quote', markdownBase: '', tags: 'Ferries, Port', featureImageUrl: '/media/ferry.jpg' });
    expect(made.statusCode).toBe(303);
    const id = Number(/\/admin\/articles\/(\d+)/.exec(made.headers.location as string)![1]);
    const a = (await t.api('GET', `/api/admin/articles/${id}`)).json().article;
    expect(a.body.content.map((b: { type: string }) => b.type)).toEqual(['heading', 'bulletList', 'paragraph']);
    expect(a.tags.sort()).toEqual(['ferries', 'port']);
    const editor = await staff.eve!.agent.get(`/admin/articles/${id}`);
    expect(editor.body).toContain('The article still has a &quot;TK&quot; placeholder');
    // The list page loads no editor code.
    expect((await staff.eve!.agent.get('/admin/articles')).body).not.toContain('/assets/editor.');

    const other = await createArticle(t.app.ctx.content, { title: 'Bulk two', status: 'draft' });
    await staff.eve!.agent.get('/admin/articles');
    const ask = await t.app.server.inject({ method: 'POST', url: '/admin/articles/bulk', headers: { cookie: [...staff.eve!.agent.cookies].map(([k, v]) => `${k}=${v}`).join('; '), 'content-type': 'application/x-www-form-urlencoded' }, payload: `_csrf=${encodeURIComponent(staff.eve!.agent.csrf())}&action=delete&ids=${id}&ids=${other.id}` });
    expect(ask.statusCode).toBe(200);
    expect(ask.body).toContain('Delete 2 articles?');
    expect((await t.api('GET', `/api/admin/articles/${id}`)).statusCode).toBe(200);
    const done = await t.app.server.inject({ method: 'POST', url: '/admin/articles/bulk', headers: { cookie: [...staff.eve!.agent.cookies].map(([k, v]) => `${k}=${v}`).join('; '), 'content-type': 'application/x-www-form-urlencoded' }, payload: `_csrf=${encodeURIComponent(staff.eve!.agent.csrf())}&action=delete&confirm=1&ids=${id}&ids=${other.id}` });
    expect(done.statusCode).toBe(303);
    expect((await t.api('GET', `/api/admin/articles/${id}`)).statusCode).toBe(404);
  });

  it('without JavaScript, the feature image is picked from the media library, and takes the library alt text', async () => {
    const m = (await upload(t, staff.eve!.agent, { name: 'quay.jpg', type: 'image/jpeg', data: await photo(900, 500) }, { alt: 'The quay at dawn' })).json().media;
    const a = await createArticle(t.app.ctx.content, { title: 'Quay repairs', status: 'draft' }, staff.eve!.id);
    const page = await staff.eve!.agent.get(`/admin/articles/${a.id}`);
    expect(page.body).toContain('<label for="f-image-pick">Feature image from the media library</label>');
    expect(page.body).toContain(`<option value="${m.url}" data-alt="The quay at dawn">quay.jpg (The quay at dawn)</option>`);
    // The upload control is the island's: without it, it stays hidden and names no form field.
    expect(page.body).toMatch(/<p class="field" id="feature-upload" hidden><label for="f-image-upload">Upload a feature image<\/label><input id="f-image-upload" type="file"/);
    const saved = await staff.eve!.agent.post(`/admin/articles/${a.id}`, { title: 'Quay repairs', dek: '', markdown: '', markdownBase: '', baseRevision: String(a.revision), featureImagePick: m.url, featureImageUrl: '', featureImageAlt: '' });
    expect(saved.statusCode).toBe(303);
    const out = (await t.api('GET', `/api/admin/articles/${a.id}`)).json().article;
    expect(out.featureImageUrl).toBe(m.url);
    expect(out.featureImageAlt).toBe('The quay at dawn');
    // "Keep the URL" (the empty choice) leaves the URL field in charge.
    const again = await staff.eve!.agent.get(`/admin/articles/${a.id}`);
    expect(again.body).toContain('quay.jpg (The quay at dawn) (current)');
    const rev = /name="baseRevision" value="(\d+)"/.exec(again.body)![1]!;
    expect((await staff.eve!.agent.post(`/admin/articles/${a.id}`, { title: 'Quay repairs', dek: '', markdown: '', markdownBase: '', baseRevision: rev, featureImagePick: '', featureImageUrl: '/media/elsewhere.jpg', featureImageAlt: 'Elsewhere' })).statusCode).toBe(303);
    expect((await t.api('GET', `/api/admin/articles/${a.id}`)).json().article.featureImageUrl).toBe('/media/elsewhere.jpg');
  });

  it('bulk-changes access and adds a tag through the same services', async () => {
    const one = await createArticle(t.app.ctx.content, { title: 'Bulk access one', status: 'draft' });
    const two = await createArticle(t.app.ctx.content, { title: 'Bulk access two', status: 'draft' });
    await staff.eve!.agent.get('/admin/articles');
    const cookie = [...staff.eve!.agent.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const post = (payload: string) => t.app.server.inject({ method: 'POST', url: '/admin/articles/bulk', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: `_csrf=${encodeURIComponent(staff.eve!.agent.csrf())}&${payload}` });
    expect((await post(`action=access&accessLevel=paid&ids=${one.id}&ids=${two.id}`)).statusCode).toBe(303);
    expect((await post(`action=tag&tag=Election&ids=${one.id}&ids=${two.id}`)).statusCode).toBe(303);
    expect((await post(`action=publish&ids=${one.id}`)).statusCode).toBe(303);
    for (const a of [one, two]) {
      const got = (await t.api('GET', `/api/admin/articles/${a.id}`)).json().article;
      expect(got.access).toBe('paid');
      expect(got.tags).toEqual(['election']);
    }
    expect((await t.api('GET', `/api/admin/articles/${one.id}`)).json().article.status).toBe('published');
  });
  it('schedules in the site time zone, shows the zone, and the article goes live when the clock passes', async () => {
    await t.api('PATCH', '/api/admin/settings', { timezone: 'Europe/London' });
    const created = await json('eve', 'POST', '/admin/api/articles', { title: 'Scheduled harbour story', body: { doc: { type: 'doc', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'Soon.' }] }] } } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const { id, revision } = created.body.article;
    // T0 is 2026-03-10 12:00 UTC; London is on GMT then, and on BST from 29 March.
    const past = await staff.eve!.agent.post(`/admin/articles/${id}/publish`, { action: 'schedule', at: '2026-03-10T11:00', baseRevision: String(revision) });
    expect(past.statusCode).toBe(400);
    expect(past.body).toContain('in the past');
    const r = await staff.eve!.agent.post(`/admin/articles/${id}/publish`, { action: 'schedule', at: '2026-04-01T09:30', baseRevision: String(revision) });
    expect(r.statusCode).toBe(303);
    const page = await staff.eve!.agent.get(`/admin/articles/${id}`);
    expect(page.body).toContain('Scheduled for 1 Apr 2026, 09:30 (Europe/London)');
    const api = (await t.api('GET', `/api/admin/articles/${id}`)).json().article;
    expect(api.status).toBe('scheduled');
    expect(api.publishedAt).toBe('2026-04-01T08:30:00.000Z');
    expect((await t.get(`/articles/${api.slug}`)).statusCode).toBe(404);
    t.clock.set(Date.parse('2026-04-01T08:31:00Z'));
    t.app.ctx.invalidate();
    expect((await t.get(`/articles/${api.slug}`)).statusCode).toBe(200);
    expect((await t.get('/')).body).toContain('Scheduled harbour story');
    // Three weeks on, the session has lapsed: sign in again, then unpublish takes it down.
    await staff.eve!.agent.get('/admin/signin');
    expect((await staff.eve!.agent.post('/admin/signin', { email: 'eve@staff.example', password: 'eve password 123' })).statusCode).toBe(303);
    const cur = (await json('eve', 'GET', `/admin/api/articles/${id}`)).body.article;
    expect((await staff.eve!.agent.post(`/admin/articles/${id}/publish`, { action: 'unpublish', baseRevision: String(cur.revision) })).statusCode).toBe(303);
    t.app.ctx.invalidate();
    expect((await t.get(`/articles/${api.slug}`)).statusCode).toBe(404);
  });

  // Last: it moves the clock past a day, which ends the staff sessions the other tests use.
  it('shares a draft by a signed preview link: readable without an account, never cached publicly or indexed, revocable and expiring', async () => {
    const GATED = 'SHARED-GATED-5e1d';
    const a = await createArticle(t.app.ctx.content, { title: 'Shared draft', status: 'draft', accessLevel: 'paid', body: { markdown: `Opening.\n\n<!--more-->\n\n${GATED} behind the wall.` } }, staff.eve!.id);
    await staff.eve!.agent.get(`/admin/articles/${a.id}`);
    const made = await staff.eve!.agent.post(`/admin/articles/${a.id}/preview-links`, { days: '3' });
    expect(made.statusCode).toBe(303);
    const editor = await staff.eve!.agent.get(`/admin/articles/${a.id}`);
    const links = [...editor.body.matchAll(/value="https?:\/\/[^/"]+(\/preview\/\d+\/[A-Za-z0-9_-]+)"/g)].map((m) => m[1]!);
    expect(links).toHaveLength(1);
    const path = links[0]!;
    expect(editor.body).toContain('Preview link 1, made by Eve, expires');

    // Someone with no account and no cookies reads the whole draft.
    const open = await t.get(path);
    expect(open.statusCode).toBe(200);
    expect(open.body).toContain(GATED);
    expect(open.body).toContain('Shared preview of an article not yet published.');
    expect(open.headers['cache-control']).toBe('private, no-store');
    expect(open.headers['x-robots-tag']).toBe('noindex, nofollow, noarchive');
    expect(open.headers['referrer-policy']).toBe('no-referrer');
    expect(open.body).toContain('<meta name="robots" content="noindex">');
    // The draft itself is still nowhere for readers.
    expect((await t.get(`/articles/${a.slug}`)).statusCode).toBe(404);

    // A tag changed by one character, or moved to another link or article, opens nothing.
    const [, linkId, tag] = /^\/preview\/(\d+)\/(.+)$/.exec(path)!;
    const flipped = tag!.slice(0, -1) + (tag!.endsWith('A') ? 'B' : 'A');
    for (const bad of [`/preview/${linkId}/${flipped}`, `/preview/${Number(linkId) + 1}/${tag}`, `/preview/${linkId}/`, '/preview/abc/def', `/preview/${linkId}/${'x'.repeat(80)}`]) {
      const r = await t.get(bad);
      expect(r.statusCode, bad).toBe(404);
      expect(r.body, bad).not.toContain(GATED);
      expect(r.headers['cache-control'], bad).toMatch(/no-store/);
    }

    // Only staff who may edit the article make links, with the form token.
    const contributor = await staffAgent(t, 'contributor');
    await contributor.get('/admin/articles');
    expect((await contributor.post(`/admin/articles/${a.id}/preview-links`, { days: '3' })).statusCode).toBe(403);
    expect((await t.app.server.inject({ method: 'POST', url: `/admin/articles/${a.id}/preview-links`, headers: { cookie: [...staff.eve!.agent.cookies].map(([k, v]) => `${k}=${v}`).join('; '), 'content-type': 'application/x-www-form-urlencoded' }, payload: 'days=3' })).statusCode).toBe(403);
    expect((await staff.eve!.agent.post(`/admin/articles/${a.id}/preview-links`, { days: '365' })).statusCode).toBe(400);

    // Revoked: gone at once, and the editor lists it no more.
    await staff.eve!.agent.get(`/admin/articles/${a.id}`);
    expect((await staff.eve!.agent.post(`/admin/articles/${a.id}/preview-links/${linkId}/revoke`, {})).statusCode).toBe(303);
    const revoked = await t.get(path);
    expect(revoked.statusCode).toBe(404);
    expect(revoked.body).toContain('This preview link was withdrawn.');
    expect((await staff.eve!.agent.get(`/admin/articles/${a.id}`)).body).toContain('No preview links are open.');

    // Expired: a one-day link opens for a day and not after.
    await staff.eve!.agent.post(`/admin/articles/${a.id}/preview-links`, { days: '1' });
    const day = [...(await staff.eve!.agent.get(`/admin/articles/${a.id}`)).body.matchAll(/value="https?:\/\/[^/"]+(\/preview\/\d+\/[A-Za-z0-9_-]+)"/g)].map((m) => m[1]!)[0]!;
    t.clock.advance(23 * 3_600_000);
    expect((await t.get(day)).statusCode).toBe(200);
    t.clock.advance(2 * 3_600_000);
    const expired = await t.get(day);
    expect(expired.statusCode).toBe(404);
    expect(expired.body).toContain('This preview link has expired.');
    expect(expired.body).not.toContain(GATED);

    const log = await t.db.db.selectFrom('audit_log').select(['action', 'actor', 'target']).where('action', 'like', 'preview_link.%').orderBy('id').execute();
    expect(log.map((e) => `${e.action} ${e.actor} ${e.target}`)).toEqual([
      `preview_link.create staff:${staff.eve!.id} article:${a.id}`, `preview_link.revoke staff:${staff.eve!.id} article:${a.id}`, `preview_link.create staff:${staff.eve!.id} article:${a.id}`,
    ]);
  });
});
