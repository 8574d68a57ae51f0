import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../database.js';
import { optionalStep } from './optional.js';

/**
 * The newsroom list's title search (content/newsroom.queries.ts) is a case-insensitive substring
 * match, `lower(title) like '%…%'`, which no b-tree serves: a title matching few articles walked
 * the whole order index (0.3 s at 100,000 on SQLite; a sequential scan on PostgreSQL). Both get a
 * trigram index, which names the articles whose title holds every three-character run of the
 * search; the query keeps its LIKE as the test of each row, so the index only narrows.
 *  - SQLite: an FTS5 table with the trigram tokenizer over `articles.title` (external content, so
 *    it stores no second copy of the titles), kept in step by triggers on insert, on a change of
 *    title and on delete. Named `article_search_titles` beside the reader search's
 *    `article_search`; the export leaves it out, and loading rebuilds it through the triggers.
 *  - PostgreSQL: pg_trgm and a GIN index on lower(title). Creating the extension needs a
 *    privilege an installation may not grant; then there is no index and the search reads as it
 *    did before (slowly, but correctly), and the migration does not fail.
 */
export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  if (dialect === 'sqlite') {
    await sql`create virtual table article_search_titles using fts5(title, content = 'articles', content_rowid = 'id', tokenize = 'trigram')`.execute(db);
    await sql`create trigger articles_title_search_insert after insert on articles begin
      insert into article_search_titles (rowid, title) values (new.id, new.title);
    end`.execute(db);
    await sql`create trigger articles_title_search_update after update of title on articles begin
      insert into article_search_titles (article_search_titles, rowid, title) values ('delete', old.id, old.title);
      insert into article_search_titles (rowid, title) values (new.id, new.title);
    end`.execute(db);
    await sql`create trigger articles_title_search_delete after delete on articles begin
      insert into article_search_titles (article_search_titles, rowid, title) values ('delete', old.id, old.title);
    end`.execute(db);
    await sql`insert into article_search_titles (article_search_titles) values ('rebuild')`.execute(db);
    return;
  }
  const trgm = await optionalStep(db, 'title_trgm', async () => {
    await sql`create extension if not exists pg_trgm`.execute(db);
  });
  // fastupdate off: GIN's pending list would be flushed by whichever save overflows it (a pause
  // in that request), and every search would read it meanwhile; articles change a few at a time.
  if (trgm) await sql`create index articles_title_trgm_idx on articles using gin (lower(title) gin_trgm_ops) with (fastupdate = off)`.execute(db);
}
