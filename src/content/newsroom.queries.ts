import { PostgresAdapter, sql, type RawBuilder, type SelectQueryBuilder } from 'kysely';
import type { Q } from '../db/q.js';
import type { AccessLevel, ArticleStatus } from './types.js';

/**
 * The newsroom's article list, paged by key: each page starts after the last row of the one
 * before (its sort key and id), so page 500 costs what page 1 does and rows added meanwhile
 * neither repeat nor vanish.
 */
export const NEWSROOM_SORTS = ['updated', 'published'] as const;
export type NewsroomSort = (typeof NEWSROOM_SORTS)[number];

export interface NewsroomFilter {
  status?: ArticleStatus;
  section?: string;
  author?: string;
  tag?: string;
  access?: AccessLevel;
  /** Part of the title, as typed (a substring, case-insensitively; LIKE's metacharacters are plain text). */
  q?: string;
  /** Only articles this staff user created (a contributor's list). */
  createdBy?: number;
  sort: NewsroomSort;
  after?: { key: number; id: number };
  limit: number;
  now: number;
  /** Where the choice between the two ways of reading a page falls (DRIVING_SET_CAP); tests move it to check both read the same. */
  drivingSetCap?: number;
  /** How many of the list's articles a one- or two-character search looks among (SHORT_SEARCH_WINDOW); tests make it small. */
  shortSearchWindow?: number;
}

const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * A filter whose matches are fewer than this is where the page starts: its articles are read by
 * id and sorted (at most this many). A filter with more matches is tested row by row while the
 * list is read in order, which reaches a page after about PAGE / (share matching) rows. Either
 * way a page costs a bounded number of index steps, however large the archive; what is left
 * unbounded is a combination of filters each common alone but rare together (see the bench).
 */
export const DRIVING_SET_CAP = 1000;

/** A query naming a set of article ids. */
type IdSet = SelectQueryBuilder<any, any, { id: number }>;
type LinkFilter = { table: 'article_sections' | 'article_authors' | 'article_tags'; column: 'section_id' | 'author_id' | 'tag_id'; id: number };

async function linkFilters(db: Q, f: NewsroomFilter): Promise<LinkFilter[] | null> {
  const out: LinkFilter[] = [];
  const one = async (table: LinkFilter['table'], column: LinkFilter['column'], owner: 'sections' | 'authors' | 'tags', slug: string | undefined) => {
    if (!slug) return true;
    const row = await db.selectFrom(owner).select('id').where('slug', '=', slug).executeTakeFirst();
    if (!row) return false;
    out.push({ table, column, id: row.id });
    return true;
  };
  const known = (await one('article_sections', 'section_id', 'sections', f.section))
    && (await one('article_authors', 'author_id', 'authors', f.author))
    && (await one('article_tags', 'tag_id', 'tags', f.tag));
  return known ? out : null;
}

/** How many rows a query has, counting no further than `cap`. */
async function cappedCount(db: Q, ids: IdSet, cap: number): Promise<number> {
  const r = await db.selectFrom(ids.limit(cap).as('c')).select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow();
  return Number(r.n);
}

const linkIds = (db: Q, l: LinkFilter): IdSet => db.selectFrom(`${l.table} as x` as 'article_sections as x').select('x.article_id as id').where(`x.${l.column}` as 'x.section_id', '=', l.id);

/**
 * A section's, author's or tag's articles in one status, from the links alone: each link carries
 * its article's live_at (null for a draft or an email-only article, the time it goes live
 * otherwise), and the listing index is (owner, live_at). Two filters each common alone but rare
 * together (a large section's drafts) are then counted from the index, not by walking every draft
 * and testing its section (63 ms on PostgreSQL at 1,000,000). A superset for drafts (email-only
 * articles have no live_at either): the page's own status test narrows it.
 */
const linkIdsIn = (db: Q, l: LinkFilter, status: ArticleStatus | undefined, now: number): IdSet => {
  const ids = linkIds(db, l);
  if (status === 'draft') return ids.where('x.live_at', 'is', null);
  if (status === 'published') return ids.where('x.live_at', '<=', now);
  if (status === 'scheduled') return ids.where('x.live_at', '>', now);
  return ids;
}
const scheduledIds = (db: Q, now: number): IdSet => db.selectFrom('articles as s').select('s.id').where('s.live_at', '>', now);

/** A trigram index knows runs of three characters: a shorter search has none to look up. */
export const TITLE_INDEX_MIN = 3;

/**
 * A search of one or two characters has no index to narrow it, and one that few titles hold
 * would read the whole list (about a second on PostgreSQL at 1,000,000 articles). It looks among
 * this many of the list's most recent articles in the order asked for (after the other filters),
 * and the list page says so: three characters or more search every article.
 */
export const SHORT_SEARCH_WINDOW = 5_000;
export const isShortSearch = (q: string | undefined) => q !== undefined && q !== '' && [...q].length < TITLE_INDEX_MIN;

/**
 * On SQLite, the articles whose title holds every three-character run of the search in order
 * (FTS5's trigram index, migration 022): a superset of the LIKE's matches, which the page's own
 * LIKE then narrows. FTS5 folds case further than SQLite's lower() (beyond ASCII), so it never
 * drops a title the LIKE would keep. The search is one quoted phrase; `"` doubles inside it.
 */
const titleIds = (db: Q, lowered: string): IdSet =>
  db.selectFrom('article_search_titles as t').select('t.rowid as id')
    .where(sql<boolean>`${sql.ref('t.article_search_titles')} match ${`"${lowered.replace(/"/g, '""')}"`}`);

export async function newsroomPage(db: Q, f: NewsroomFilter): Promise<{ id: number; key: number }[]> {
  const links = await linkFilters(db, f);
  // A section, author or tag that does not exist has no articles.
  if (!links) return [];
  // The smallest of the filters that can name their articles by id, if it is small enough to start from.
  const candidates: { set: IdSet; link?: LinkFilter }[] = links.map((l) => ({ set: linkIdsIn(db, l, f.status, f.now), link: l }));
  if (f.status === 'scheduled') candidates.push({ set: scheduledIds(db, f.now) });
  const lowered = f.q?.toLowerCase();
  // PostgreSQL's planner uses 020's trigram index for the LIKE itself, where it has one.
  const sqlite = !(db.getExecutor().adapter instanceof PostgresAdapter);
  const indexable = lowered !== undefined && [...lowered].length >= TITLE_INDEX_MIN;
  if (lowered && sqlite && indexable) candidates.push({ set: titleIds(db, lowered) });
  let driver: (typeof candidates)[number] | undefined;
  const cap = f.drivingSetCap ?? DRIVING_SET_CAP;
  let smallest = cap;
  for (const c of candidates) {
    if (cap <= 0) break;
    const n = await cappedCount(db, c.set, cap);
    if (n < smallest) { smallest = n; driver = c; }
  }

  const key = f.sort === 'updated' ? sql<number>`a.updated_at` : sql<number>`coalesce(a.published_at, 0)`;
  // The title's substring test. On PostgreSQL a search with no trigrams is written in a form
  // pg_trgm's index does not serve: the planner would read the whole index (0.4 s at 100,000)
  // instead of the order.
  const titleTest = (column: 'a.title' | 'w.title', text: string) => (!sqlite && !indexable
    ? sql<boolean>`strpos(lower(${sql.ref(column)}), ${text}) > 0`
    : sql<boolean>`lower(${sql.ref(column)}) like ${`%${likeEscape(text)}%`} escape '\\'`);
  // Every filter but the title and the page position: the list's articles, in any order.
  const filtered = () => {
    let q = db.selectFrom('articles as a');
    if (driver) q = q.where('a.id', 'in', driver.set);
    if (f.status === 'draft') q = q.where('a.status', '=', 'draft');
    else if (f.status === 'published') q = q.where('a.live_at', '<=', f.now);
    else if (f.status === 'scheduled' && !(driver && !driver.link)) q = q.where('a.live_at', '>', f.now);
    if (f.access) q = q.where('a.effective_access', '=', f.access);
    if (f.createdBy !== undefined) q = q.where('a.created_by_staff_id', '=', f.createdBy);
    for (const l of links) {
      if (l === driver?.link) continue;
      // Tested per row by its primary key (article, owner), while the list is read in order.
      q = q.where(({ exists, selectFrom }) => exists(
        selectFrom(`${l.table} as x` as 'article_sections as x').select(sql`1`.as('one'))
          .whereRef('x.article_id', '=', 'a.id').where(`x.${l.column}` as 'x.section_id', '=', l.id),
      ));
    }
    return q;
  };
  if (lowered && !indexable && !driver) {
    // The window: the list's first SHORT_SEARCH_WINDOW articles in its order, read in that order
    // and tested as they come, so a common pair of letters fills the page at once and a rare one
    // stops at the window's end (measured on PostgreSQL at 1,000,000 articles: the whole list
    // 1.3 s; the window as an `id in (…)` set, computed whole first, 37 ms even for a common search).
    // Pages within it go by key as any other.
    const window = filtered().select(['a.id', key.as('key'), 'a.title']).orderBy(key, 'desc').orderBy('a.id', 'desc').limit(f.shortSearchWindow ?? SHORT_SEARCH_WINDOW).as('w');
    return pageOf(db.selectFrom(window).select(['w.id', 'w.key']).where(titleTest('w.title', lowered)), sql<number>`w.key`, sql.ref('w.id'), f);
  }
  let q = filtered().select(['a.id', key.as('key')]);
  if (lowered) q = q.where(titleTest('a.title', lowered));
  return pageOf(q, key, sql.ref('a.id'), f);
}

/** A page of `q` in list order (key, then id, both descending), after the cursor. */
async function pageOf(q: SelectQueryBuilder<any, any, { id: number; key: number }>, key: RawBuilder<number>, id: RawBuilder<unknown>, f: Pick<NewsroomFilter, 'after' | 'limit'>): Promise<{ id: number; key: number }[]> {
  if (f.after) {
    const { key: k, id: i } = f.after;
    q = q.where((eb) => eb.or([eb(key, '<', k), eb.and([eb(key, '=', k), eb(id, '<', i)])]));
  }
  const rows = await q.orderBy(key, 'desc').orderBy(id, 'desc').limit(f.limit).execute();
  return rows.map((r) => ({ id: r.id, key: Number(r.key) }));
}

export interface RevisionRow {
  id: number; article_id: number; revision: number; staff_user_id: number | null; staff_name: string;
  title: string; body_doc: string; started_at: number; saved_at: number;
}

export async function revisionRows(db: Q, articleId: number, limit = 200): Promise<RevisionRow[]> {
  return db.selectFrom('article_revisions').selectAll().where('article_id', '=', articleId).orderBy('revision', 'desc').limit(limit).execute();
}

export async function revisionRow(db: Q, articleId: number, revision: number): Promise<RevisionRow | undefined> {
  return db.selectFrom('article_revisions').selectAll().where('article_id', '=', articleId).where('revision', '=', revision).executeTakeFirst();
}

export async function insertRevisionRow(db: Q, r: Omit<RevisionRow, 'id'>): Promise<void> {
  await db.insertInto('article_revisions').values(r).execute();
}

/**
 * Moves the article's newest history entry forward to this save, when it is the same person's
 * burst: the entry is at `base` (the revision this save was made over), theirs, and began after
 * `startedAfter`. One statement, so a save in a burst costs one round trip here; false when the
 * entry is not such a burst (the caller then starts a new one).
 */
export async function extendRevisionBurst(db: Q, c: { articleId: number; base: number; staffUserId: number; startedAfter: number }, r: Pick<RevisionRow, 'revision' | 'title' | 'body_doc' | 'saved_at'>): Promise<boolean> {
  const newest = db.selectFrom('article_revisions').select('id').where('article_id', '=', c.articleId).orderBy('revision', 'desc').limit(1);
  const done = await db.updateTable('article_revisions').set(r)
    .where('id', '=', newest).where('revision', '=', c.base).where('staff_user_id', '=', c.staffUserId).where('started_at', '>', c.startedAfter)
    .executeTakeFirst();
  return Number(done.numUpdatedRows) === 1;
}
