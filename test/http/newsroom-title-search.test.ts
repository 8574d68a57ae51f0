import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import pg from 'pg';
import { inject } from 'vitest';
import { dialects } from '../helpers/db.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { makeSection } from '../helpers/factories.js';
import { createArticle, deleteArticle, updateArticle } from '../../src/content/articles.service.js';
import { newsroomPage, NEWSROOM_SORTS, type NewsroomFilter } from '../../src/content/newsroom.queries.js';
import { openDatabase } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { withDatabase } from '../helpers/global-setup.js';

/**
 * The newsroom list's title search reads through a trigram index (migration 022): FTS5 on SQLite,
 * pg_trgm on PostgreSQL. The index only narrows; the search means what it meant before it: the
 * typed text as a case-insensitive substring of the title, with LIKE's % _ \ as plain characters.
 * Each search here is read through the index and without it (SQLite: along the list's order;
 * PostgreSQL: with the index dropped) and must list the same titles, page after page.
 */
describe.each(dialects())('newsroom title search on %s', (dialect) => {
  let t: TestApp;
  const titles = [
    'Rates up 100% at the docks', 'Rates up 1000 at the docks', 'snake_case names', 'snakeXcase names',
    'A back\\slash story', 'A backslash story', 'Say "hello" twice', "The harbour's edge",
    'Café de la Gare', 'CAFÉ NOIR', 'Ærøskøbing ferry', '東京の港', 'ab', 'Xab',
    ...Array.from({ length: 12 }, (_, i) => `Harbour story ${i}`),
  ];
  const ids = new Map<string, number>();

  beforeAll(async () => {
    t = await startTestApp(dialect);
    const d = t.app.ctx.content;
    await makeSection(d, { name: 'Search Arts', slug: 'search-arts', defaultAccess: 'free' });
    for (const [i, title] of titles.entries()) {
      t.clock.advance(60_000);
      const a = await createArticle(d, { title, status: i % 3 ? 'published' : 'draft', ...(i % 2 ? { section: 'search-arts' } : {}) });
      ids.set(title, a.id);
    }
  });
  afterAll(async () => t?.close());

  const titleOf = (id: number) => [...ids].find(([, v]) => v === id)?.[0] ?? `#${id}`;
  /** Every page of a search, as titles, in list order. */
  const read = async (f: Omit<NewsroomFilter, 'sort' | 'limit' | 'now'>, drivingSetCap?: number, sort: NewsroomFilter['sort'] = 'updated') => {
    const out: string[] = [];
    let after: NewsroomFilter['after'];
    for (;;) {
      const page = await newsroomPage(t.db.db, { ...f, sort, limit: 3, now: t.clock.now(), after, ...(drivingSetCap === undefined ? {} : { drivingSetCap }) });
      out.push(...page.map((r) => titleOf(r.id)));
      if (page.length < 3) return out;
      after = page[page.length - 1];
    }
  };
  const newestFirst = (xs: string[]) => [...xs].sort((a, b) => ids.get(b)! - ids.get(a)!);
  const harbours = titles.filter((x) => x.startsWith('Harbour story'));

  // The search, and the titles it finds. Where the two databases differ, they differed before 022:
  // SQLite's lower() folds ASCII letters only, PostgreSQL's folds É as well.
  const cases: [string, string[] | { sqlite: string[]; postgres: string[] }][] = [
    ['a', titles.filter((x) => x.toLowerCase().includes('a'))],
    ['ab', ['ab', 'Xab']],
    ['%', ['Rates up 100% at the docks']],
    ['100%', ['Rates up 100% at the docks']],
    ['0% a', ['Rates up 100% at the docks']],
    ['_', ['snake_case names']],
    ['e_c', ['snake_case names']],
    ['snake_case', ['snake_case names']],
    ['\\', ['A back\\slash story']],
    ['k\\s', ['A back\\slash story']],
    ['back\\slash', ['A back\\slash story']],
    ['"hello"', ['Say "hello" twice']],
    ['o" t', ['Say "hello" twice']],
    ["harbour's", ["The harbour's edge"]],
    ['café', { sqlite: ['Café de la Gare'], postgres: ['Café de la Gare', 'CAFÉ NOIR'] }],
    ['CAFÉ', { sqlite: ['Café de la Gare'], postgres: ['Café de la Gare', 'CAFÉ NOIR'] }],
    ['é', { sqlite: ['Café de la Gare'], postgres: ['Café de la Gare', 'CAFÉ NOIR'] }],
    ['ærø', { sqlite: [], postgres: ['Ærøskøbing ferry'] }],
    ['Ærø', { sqlite: [], postgres: ['Ærøskøbing ferry'] }],
    ['røs', ['Ærøskøbing ferry']],
    ['東京', ['東京の港']],
    ['京の港', ['東京の港']],
    ['HARBOUR STORY', harbours],
    ['harbour story 1', ['Harbour story 1', 'Harbour story 10', 'Harbour story 11']],
    ['rbo', [...harbours, "The harbour's edge"]],
    ['zebra', []],
  ];

  it('finds what the search meant before the index, read through it and without it', async () => {
    const indexed: Record<string, string[]> = {};
    for (const [q, want] of cases) {
      const expected = newestFirst(Array.isArray(want) ? want : want[dialect]);
      indexed[q] = await read({ q });
      expect({ q, titles: indexed[q] }).toEqual({ q, titles: expected });
      if (dialect === 'sqlite') expect({ q, titles: await read({ q }, 0) }).toEqual({ q, titles: expected });
    }
    if (dialect === 'postgres') {
      // Where pg_trgm could not be installed there is no index: the same searches, the same answers.
      await sql`drop index articles_title_trgm_idx`.execute(t.db.db);
      try {
        for (const [q] of cases) expect({ q, titles: await read({ q }) }).toEqual({ q, titles: indexed[q] });
      } finally {
        await sql`create index articles_title_trgm_idx on articles using gin (lower(title) gin_trgm_ops) with (fastupdate = off)`.execute(t.db.db);
      }
    }
  });

  it('pages a search together with the other filters, in both orders', async () => {
    for (const sort of NEWSROOM_SORTS) {
      for (const f of [{ q: 'harbour' }, { q: 'harbour', status: 'published' as const }, { q: 'harbour', section: 'search-arts' }, { q: 'story', status: 'draft' as const, section: 'search-arts' }]) {
        const through = await read(f, undefined, sort);
        const along = await read(f, 0, sort);
        expect({ sort, f, titles: through }).toEqual({ sort, f, titles: along });
        expect(through.length).toBeGreaterThan(0);
        if (sort === 'updated') {
          const wanted = titles.filter((x, i) => x.toLowerCase().includes(f.q)
            && (!('status' in f) || (f.status === 'draft') === (i % 3 === 0))
            && (!('section' in f) || i % 2 === 1));
          expect({ f, titles: through }).toEqual({ f, titles: newestFirst(wanted) });
        }
      }
    }
  });

  it('follows a title when it changes, and forgets a deleted article', async () => {
    const d = t.app.ctx.content;
    const a = await createArticle(d, { title: 'Lighthouse keeper retires', status: 'published' });
    ids.set('Lighthouse keeper retires', a.id);
    expect(await read({ q: 'lighthouse' })).toEqual(['Lighthouse keeper retires']);
    await updateArticle(d, a.id, { title: 'Beacon keeper retires' });
    ids.delete('Lighthouse keeper retires');
    ids.set('Beacon keeper retires', a.id);
    for (const cap of [undefined, 0]) {
      expect(await read({ q: 'lighthouse' }, cap)).toEqual([]);
      expect(await read({ q: 'beacon kee' }, cap)).toEqual(['Beacon keeper retires']);
    }
    // A save that leaves the title alone keeps it findable.
    await updateArticle(d, a.id, { dek: 'After forty years' });
    expect(await read({ q: 'beacon' })).toEqual(['Beacon keeper retires']);
    await deleteArticle(d, a.id);
    expect(await read({ q: 'beacon' })).toEqual([]);
    expect(await read({ q: 'keeper' }, 0)).toEqual([]);
  });
});

describe.runIf(inject('pgTemplate'))('migration 022 where pg_trgm cannot be installed', () => {
  it('migrates without the index, and the title search still answers', async () => {
    const adminUrl = inject('pgAdminUrl')!;
    const name = `masthead_notrgm_${process.pid}`;
    const role = `masthead_notrgm_${process.pid}`;
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    try {
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.query(`drop role if exists ${role}`);
      // A role that may make tables in the schema but not extensions in the database.
      await admin.query(`create role ${role} login`);
      await admin.query(`create database ${name}`);
      await admin.query(`revoke create on database ${name} from public`);
      const inDb = new pg.Client({ connectionString: withDatabase(adminUrl, name) });
      await inDb.connect();
      await inDb.query(`grant usage, create on schema public to ${role}`);
      await inDb.end();
      const url = new URL(withDatabase(adminUrl, name));
      url.username = role;
      const database = openDatabase(url.toString());
      try {
        await migrateToLatest(database);
        const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_indexes where indexname = 'articles_title_trgm_idx'`.execute(database.db);
        expect(rows[0]!.n).toBe(0);
        const now = Date.now();
        await database.db.insertInto('articles').values([
          { slug: 'a', title: 'Harbour 100% open', status: 'published', published_at: now, live_at: now, updated_at: now, created_at: now, effective_access: 'free', body_doc: '{"type":"doc","content":[]}', body_html: '', preview_html: '', preview_text: '' },
          { slug: 'b', title: 'Harbour shut', status: 'published', published_at: now, live_at: now, updated_at: now + 1, created_at: now, effective_access: 'free', body_doc: '{"type":"doc","content":[]}', body_html: '', preview_html: '', preview_text: '' },
        ] as never).execute();
        const page = await newsroomPage(database.db, { q: '100%', sort: 'updated', limit: 10, now: now + 10 });
        expect(page.length).toBe(1);
        expect((await newsroomPage(database.db, { q: 'HARBOUR', sort: 'updated', limit: 10, now: now + 10 })).length).toBe(2);
      } finally {
        await database.close();
      }
    } finally {
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.query(`drop role if exists ${role}`);
      await admin.end();
    }
  });
});

