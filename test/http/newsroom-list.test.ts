import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/db.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { makeAuthor, makeSection } from '../helpers/factories.js';
import { createArticle } from '../../src/content/articles.service.js';
import { newsroomPage, NEWSROOM_SORTS, SHORT_SEARCH_WINDOW, type NewsroomFilter } from '../../src/content/newsroom.queries.js';
import { publishFromEditor, saveFromEditor } from '../../src/content/newsroom.service.js';
import { searchArticleIds } from '../../src/content/search.js';
import { createStaffUser } from '../../src/members/staff.js';

/**
 * The newsroom list reads a page one of two ways (content/newsroom.queries.ts): from the few
 * articles of a rare section, author, tag or the scheduled ones, sorted; or along the list's order,
 * testing each row. Which way depends on how many articles match, so every filter and pair of
 * filters is read both ways here, page after page, and must list the same articles in the same
 * order, and the same as the filter's meaning worked out from the articles themselves.
 */
describe.each(dialects())('newsroom list on %s', (dialect) => {
  let t: TestApp;
  type Fact = { id: number; updated: number; published: number; status: string; live: number | null; access: string; creator: number | null; title: string; section: string; authors: string[]; tags: string[] };
  const facts: Fact[] = [];

  beforeAll(async () => {
    t = await startTestApp(dialect);
    const d = t.app.ctx.content;
    const sections = [await makeSection(d, { name: 'List News', slug: 'list-news', defaultAccess: 'metered' }), await makeSection(d, { name: 'List Arts', slug: 'list-arts', defaultAccess: 'free' })];
    const authors = [await makeAuthor(d, { name: 'List One', slug: 'list-one' }), await makeAuthor(d, { name: 'List Two', slug: 'list-two' })];
    const staff = await createStaffUser(t.db.db, { email: 'lister@staff.example', role: 'contributor', now: t.clock.now() });
    for (let i = 0; i < 40; i++) {
      t.clock.advance(60_000);
      const status = i % 5 === 0 ? 'draft' : i % 7 === 0 ? 'scheduled' : 'published';
      const section = sections[i % 3 === 0 ? 1 : 0]!;
      const a = await createArticle(d, {
        title: `List ${i % 4 === 0 ? 'harbour ' : ''}story ${i}`, status, section: section.slug,
        ...(status === 'scheduled' ? { publishedAt: new Date(t.clock.now() + (i + 1) * 3_600_000).toISOString() } : {}),
        ...(status === 'published' && i % 3 === 1 ? { publishedAt: new Date(t.clock.now() - i * 7_200_000).toISOString() } : {}),
        authors: i % 2 ? [authors[0]!.slug] : [authors[1]!.slug, authors[0]!.slug],
        tags: i % 6 === 0 ? ['List rare'] : ['List common', ...(i % 4 === 1 ? ['List rare'] : [])],
        accessLevel: i % 8 === 3 ? 'paid' : null,
      }, i % 3 === 2 ? staff.id : null);
      facts.push({
        id: a.id, updated: a.updatedAt, published: a.publishedAt ?? 0, status, live: status === 'draft' ? null : a.publishedAt, access: a.access,
        creator: i % 3 === 2 ? staff.id : null, title: a.title, section: section.slug, authors: a.authors.map((x) => x.slug), tags: a.tags.map((x) => x.slug),
      });
    }
  });
  afterAll(async () => t?.close());

  it('has an email-only article among them: published, but with no live_at, like a draft', async () => {
    const d = t.app.ctx.content;
    const a = await createArticle(d, { title: 'List email only', status: 'published', section: 'list-arts', emailOnly: true, authors: ['list-two'], tags: ['List rare'] }, null);
    expect(a.status).toBe('published');
    facts.push({ id: a.id, updated: a.updatedAt, published: a.publishedAt ?? 0, status: 'published', live: null, access: a.access, creator: null, title: a.title, section: 'list-arts', authors: a.authors.map((x) => x.slug), tags: a.tags.map((x) => x.slug) });
    const row = await t.db.db.selectFrom('article_sections').select('live_at').where('article_id', '=', a.id).executeTakeFirstOrThrow();
    expect(row.live_at).toBeNull();
  });

  const filters: Omit<NewsroomFilter, 'sort' | 'limit' | 'now'>[] = [
    {}, { status: 'draft' }, { status: 'published' }, { status: 'scheduled' }, { section: 'list-arts' }, { author: 'list-two' }, { tag: 'list-rare' },
    { access: 'paid' }, { q: 'harbour' }, { createdBy: -1 }, { section: 'list-news', status: 'published' }, { tag: 'list-rare', author: 'list-one' },
    { tag: 'list-common', section: 'list-arts', access: 'free' }, { status: 'scheduled', section: 'list-news' }, { status: 'draft', tag: 'list-rare' },
    { status: 'draft', section: 'list-arts' }, { status: 'published', tag: 'list-rare' }, { status: 'draft', author: 'list-two' }, { section: 'no-such-section' },
  ];

  it('lists the same articles, in the same order and pages, whichever way a page is read', async () => {
    const staffId = (await t.db.db.selectFrom('staff_users').select('id').where('email', '=', 'lister@staff.example').executeTakeFirstOrThrow()).id;
    const now = t.clock.now();
    const checked: string[] = [];
    for (const sort of NEWSROOM_SORTS) {
      for (const raw of filters) {
        const filter = raw.createdBy === -1 ? { ...raw, createdBy: staffId } : raw;
        const read = async (drivingSetCap: number) => {
          const ids: number[] = [];
          let after: NewsroomFilter['after'];
          for (;;) {
            const page = await newsroomPage(t.db.db, { ...filter, sort, limit: 4, now, after, drivingSetCap });
            ids.push(...page.map((r) => r.id));
            if (page.length < 4) return ids;
            after = page[page.length - 1];
          }
        };
        const key = (f: Fact) => (sort === 'updated' ? f.updated : f.published);
        const expected = facts.filter((f) =>
          (filter.status === undefined || (filter.status === 'draft' ? f.status === 'draft' : filter.status === 'published' ? f.live !== null && f.live <= now : f.live !== null && f.live > now))
          && (!filter.section || f.section === filter.section) && (!filter.author || f.authors.includes(filter.author)) && (!filter.tag || f.tags.includes(filter.tag))
          && (!filter.access || f.access === filter.access) && (!filter.q || f.title.toLowerCase().includes(filter.q)) && (filter.createdBy === undefined || f.creator === filter.createdBy),
        ).sort((a, b) => key(b) - key(a) || b.id - a.id).map((f) => f.id);
        const along = await read(0);
        const fromSet = await read(1_000_000);
        expect({ sort, filter, ids: along }).toEqual({ sort, filter, ids: expected });
        expect({ sort, filter, ids: fromSet }).toEqual({ sort, filter, ids: expected });
        if (expected.length) checked.push(`${sort} ${JSON.stringify(raw)}`);
      }
    }
    // The cases are not vacuous: all but the unknown section list something.
    expect(checked.length).toBe(NEWSROOM_SORTS.length * (filters.length - 1));
  });

  it('looks for one or two characters among the list\'s most recent articles in its order, and three or more everywhere', async () => {
    const now = t.clock.now();
    const ids = async (f: Partial<NewsroomFilter>, sort: NewsroomFilter['sort'] = 'updated') =>
      (await newsroomPage(t.db.db, { sort, limit: 100, now, shortSearchWindow: 8, ...f })).map((r) => r.id);
    const byUpdated = [...facts].sort((a, b) => b.updated - a.updated || b.id - a.id);
    const byPublished = [...facts].sort((a, b) => b.published - a.published || b.id - a.id);
    // "19" is in the titles "story 19" only (ids by order of creation): outside the 8 most recent by update.
    expect(await ids({ q: '19' })).toEqual(byUpdated.slice(0, 8).filter((f) => f.title.includes('19')).map((f) => f.id));
    expect(await ids({ q: '3' })).toEqual(byUpdated.slice(0, 8).filter((f) => f.title.includes('3')).map((f) => f.id));
    // The window follows the order asked for, and the other filters come first.
    expect(await ids({ q: '1' }, 'published')).toEqual(byPublished.slice(0, 8).filter((f) => f.title.includes('1')).map((f) => f.id));
    const drafts = byUpdated.filter((f) => f.status === 'draft');
    expect(await ids({ q: '1', status: 'draft' })).toEqual(drafts.slice(0, 8).filter((f) => f.title.includes('1')).map((f) => f.id));
    // Three characters: every article, through the index.
    expect(await ids({ q: 'y 1' })).toEqual(byUpdated.filter((f) => f.title.toLowerCase().includes('y 1')).map((f) => f.id));
    // And pages within the window go by key like any other.
    const first = await newsroomPage(t.db.db, { sort: 'updated', limit: 2, now, shortSearchWindow: 8, q: 'st' });
    const second = await newsroomPage(t.db.db, { sort: 'updated', limit: 2, now, shortSearchWindow: 8, q: 'st', after: first[first.length - 1] });
    expect([...first, ...second].map((r) => r.id)).toEqual(byUpdated.slice(0, 4).map((f) => f.id));
    expect(SHORT_SEARCH_WINDOW).toBeGreaterThanOrEqual(1000);
  });

  it("finds a draft's words in search once it is published, though its autosaves left the index alone", async () => {
    const d = t.app.ctx.content;
    const editor = await createStaffUser(t.db.db, { email: 'indexer@staff.example', name: 'Indexer', role: 'editor', now: t.clock.now() });
    const who = { id: editor.id, name: 'Indexer' };
    const a = await createArticle(d, { title: 'Index draft', status: 'draft' }, editor.id);
    const body = (word: string) => ({ doc: { type: 'doc' as const, content: [{ type: 'paragraph' as const, content: [{ type: 'text' as const, text: `The ${word} paragraph.` }] }] } });
    const saved = await saveFromEditor(d, a.id, a.revision, { body: body('quokkaword') }, who);
    const search = (w: string) => searchArticleIds(t.db.db, dialect, w, { now: t.clock.now(), limit: 10, offset: 0, scope: 'full' });
    expect((await search('quokkaword')).ids).toEqual([]);
    const live = await publishFromEditor(d, a.id, saved.revision, { action: 'publish' }, who);
    expect((await search('quokkaword')).ids).toEqual([a.id]);
    // A live article's edits reach the index at once.
    await saveFromEditor(d, a.id, live.revision, { body: body('wombatword') }, who);
    expect((await search('wombatword')).ids).toEqual([a.id]);
    expect((await search('quokkaword')).ids).toEqual([]);
  });
});
