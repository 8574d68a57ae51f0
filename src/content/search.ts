import { sql } from 'kysely';
import type { Dialect } from '../db/database.js';
import type { Q } from '../db/q.js';

export interface SearchDoc {
  id: number;
  title: string;
  dek: string;
  previewText: string;
  gatedText: string;
}

/**
 * The index keeps the preview and the gated text apart. A reader without access
 * to an article matches it only on title, dek and preview ("public" scope); free
 * articles match on everything for everyone.
 */
export async function indexArticle(db: Q, dialect: Dialect, d: SearchDoc): Promise<void> {
  if (dialect === 'sqlite') {
    await sql`delete from article_search where rowid = ${d.id}`.execute(db);
    await sql`insert into article_search (rowid, title, dek, public_text, gated_text) values (${d.id}, ${d.title}, ${d.dek}, ${d.previewText}, ${d.gatedText})`.execute(db);
    return;
  }
  const pub = sql`setweight(to_tsvector('english', ${d.title}), 'A') || setweight(to_tsvector('english', ${d.dek}), 'B') || setweight(to_tsvector('english', ${d.previewText}), 'C')`;
  // The public vector is computed once and is the start of the full one.
  await sql`insert into article_search (article_id, public_tsv, full_tsv)
    select ${d.id}, v.pub, v.pub || setweight(to_tsvector('english', ${d.gatedText}), 'D') from (select ${pub} as pub) v
    on conflict (article_id) do update set public_tsv = excluded.public_tsv, full_tsv = excluded.full_tsv`.execute(db);
}

export async function unindexArticle(db: Q, dialect: Dialect, id: number): Promise<void> {
  if (dialect === 'sqlite') await sql`delete from article_search where rowid = ${id}`.execute(db);
  else await sql`delete from article_search where article_id = ${id}`.execute(db);
}

/** Words of a reader's query; everything else (operators, quotes, columns) is dropped. */
export function queryTerms(q: string): string[] {
  return (q.normalize('NFKC').toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).slice(0, 12);
}

export interface SearchOptions {
  now: number;
  limit: number;
  offset: number;
  /** 'public': gated text matches free articles only. 'full': for readers entitled to everything. */
  scope: 'public' | 'full';
}

/** Ids of live matching articles, newest first, plus whether another page exists. */
export async function searchArticleIds(db: Q, dialect: Dialect, q: string, o: SearchOptions): Promise<{ ids: number[]; more: boolean }> {
  const terms = queryTerms(q);
  if (!terms.length) return { ids: [], more: false };
  const take = o.limit + 1;
  let rows: { id: number }[];
  if (dialect === 'sqlite') {
    const all = terms.map((t) => `"${t}"`).join(' AND ');
    const restricted = `{title dek public_text} : (${all})`;
    const matches = o.scope === 'full'
      ? sql`select rowid as id from article_search where article_search match ${all}`
      : sql`select s.rowid as id from article_search s join articles fa on fa.id = s.rowid and fa.effective_access = 'free' where article_search match ${all}
            union select rowid as id from article_search where article_search match ${restricted}`;
    rows = (await sql<{ id: number }>`select a.id from articles a where a.id in (${matches}) and a.live_at <= ${o.now}
      order by a.live_at desc, a.id desc limit ${take} offset ${o.offset}`.execute(db)).rows;
  } else {
    const tsq = sql`to_tsquery('english', ${terms.map((t) => t.replace(/'/g, '')).map((t) => `'${t}'`).join(' & ')})`;
    const cond = o.scope === 'full'
      ? sql`s.full_tsv @@ ${tsq}`
      : sql`(s.public_tsv @@ ${tsq} or (a.effective_access = 'free' and s.full_tsv @@ ${tsq}))`;
    rows = (await sql<{ id: number }>`select a.id from articles a join article_search s on s.article_id = a.id
      where ${cond} and a.live_at <= ${o.now} order by a.live_at desc, a.id desc limit ${take} offset ${o.offset}`.execute(db)).rows;
  }
  return { ids: rows.slice(0, o.limit).map((r) => Number(r.id)), more: rows.length > o.limit };
}
