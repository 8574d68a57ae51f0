import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../database.js';

/**
 * The newsroom list at a million articles (content/newsroom.queries.ts). EXPLAIN showed two costs:
 *  - a filter on a column of the article row (status, scheduled, contributor) walked 017's order
 *    index and read the row for every entry; on SQLite those columns sit behind the body's
 *    overflow pages, so a filter that matches nothing read the whole table (0.9 s at 100,000);
 *  - a section, author or tag filter read every article of that section and sorted them all.
 * The order indexes are replaced by ones that also carry the columns the filters test, so a walk
 * in list order never reads a row; status and contributor get indexes that lead with them; and
 * `articles_newsroom_row_idx` carries the same columns by id, for the pages that start from a
 * small set of ids (a tag's articles) instead of walking the order.
 */
const FILTERED = ['status', 'live_at', 'effective_access', 'created_by_staff_id'];

export async function up(db: Kysely<any>, _dialect: Dialect): Promise<void> {
  await db.schema.dropIndex('articles_newsroom_updated_idx').execute();
  await db.schema.dropIndex('articles_newsroom_published_idx').execute();
  const index = (name: string, columns: string) => sql`create index ${sql.id(name)} on articles (${sql.raw(columns)})`.execute(db);
  // The published order as the query writes it; both databases index an expression in parentheses.
  const published = '(coalesce(published_at, 0))';
  await index('articles_newsroom_updated_idx', ['updated_at', 'id', ...FILTERED].join(', '));
  await index('articles_newsroom_published_idx', [published, 'id', ...FILTERED].join(', '));
  await index('articles_newsroom_status_updated_idx', ['status', 'updated_at', 'id', 'live_at', 'effective_access', 'created_by_staff_id'].join(', '));
  await index('articles_newsroom_status_published_idx', ['status', published, 'id', 'live_at', 'effective_access', 'created_by_staff_id'].join(', '));
  await index('articles_newsroom_creator_updated_idx', ['created_by_staff_id', 'updated_at', 'id', 'status', 'live_at', 'effective_access'].join(', '));
  await index('articles_newsroom_creator_published_idx', ['created_by_staff_id', published, 'id', 'status', 'live_at', 'effective_access'].join(', '));
  await index('articles_newsroom_row_idx', ['id', 'updated_at', 'published_at', ...FILTERED].join(', '));
}
