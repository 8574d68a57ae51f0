import { sql } from 'kysely';
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
  /** Words of the title, in order, case-insensitively. */
  q?: string;
  /** Only articles this staff user created (a contributor's list). */
  createdBy?: number;
  sort: NewsroomSort;
  after?: { key: number; id: number };
  limit: number;
  now: number;
}

const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

export async function newsroomPage(db: Q, f: NewsroomFilter): Promise<{ id: number; key: number }[]> {
  const key = f.sort === 'updated' ? sql<number>`a.updated_at` : sql<number>`coalesce(a.published_at, 0)`;
  let q = db.selectFrom('articles as a').select(['a.id', key.as('key')]);
  if (f.status === 'draft') q = q.where('a.status', '=', 'draft');
  else if (f.status === 'published') q = q.where('a.live_at', '<=', f.now);
  else if (f.status === 'scheduled') q = q.where('a.live_at', '>', f.now);
  if (f.access) q = q.where('a.effective_access', '=', f.access);
  if (f.createdBy !== undefined) q = q.where('a.created_by_staff_id', '=', f.createdBy);
  if (f.q) q = q.where(sql<boolean>`lower(a.title) like ${`%${likeEscape(f.q.toLowerCase())}%`} escape '\\'`);
  if (f.section) {
    q = q.where('a.id', 'in', db.selectFrom('article_sections as x').innerJoin('sections as s', 's.id', 'x.section_id').select('x.article_id').where('s.slug', '=', f.section));
  }
  if (f.author) {
    q = q.where('a.id', 'in', db.selectFrom('article_authors as x').innerJoin('authors as au', 'au.id', 'x.author_id').select('x.article_id').where('au.slug', '=', f.author));
  }
  if (f.tag) {
    q = q.where('a.id', 'in', db.selectFrom('article_tags as x').innerJoin('tags as t', 't.id', 'x.tag_id').select('x.article_id').where('t.slug', '=', f.tag));
  }
  if (f.after) {
    const { key: k, id } = f.after;
    q = q.where((eb) => eb.or([eb(key, '<', k), eb.and([eb(key, '=', k), eb('a.id', '<', id)])]));
  }
  const rows = await q.orderBy(key, 'desc').orderBy('a.id', 'desc').limit(f.limit).execute();
  return rows.map((r) => ({ id: r.id, key: Number(r.key) }));
}

export interface RevisionRow {
  id: number; article_id: number; revision: number; staff_user_id: number | null; staff_name: string;
  title: string; body_doc: string; started_at: number; saved_at: number;
}

export async function latestRevisionRow(db: Q, articleId: number): Promise<RevisionRow | undefined> {
  return db.selectFrom('article_revisions').selectAll().where('article_id', '=', articleId).orderBy('revision', 'desc').limit(1).executeTakeFirst();
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

export async function moveRevisionRow(db: Q, id: number, r: Pick<RevisionRow, 'revision' | 'title' | 'body_doc' | 'saved_at'>): Promise<void> {
  await db.updateTable('article_revisions').set(r).where('id', '=', id).execute();
}
