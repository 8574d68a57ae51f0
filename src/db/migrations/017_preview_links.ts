import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../database.js';
import { withId } from './columns.js';

/**
 * Shareable preview links (issue 15): a staff member lets someone without an account read a draft.
 * The link's URL carries a tag signed with the site secret over the row's id, article and expiry
 * (content/preview-links.ts); the row is what makes it expire and what revoking it sets.
 *
 * Also the newsroom list's two orders (content/newsroom.queries.ts: last updated, and published
 * with drafts last), each with the id that breaks ties, as indexes: at a million articles the list
 * is then read from an index in order instead of sorted whole for each page.
 *
 * Numbered 017: 012 to 016 belong to the work built alongside.
 */
export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  await withId(db.schema.createTable('preview_links'), dialect)
    .addColumn('article_id', 'integer', (c) => c.notNull().references('articles.id').onDelete('cascade'))
    .addColumn('created_by', 'integer', (c) => c.references('staff_users.id').onDelete('set null'))
    /** Kept as written, so the list still names someone whose account is gone. */
    .addColumn('created_by_name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint')
    .execute();
  await db.schema.createIndex('preview_links_article_idx').on('preview_links').columns(['article_id', 'expires_at']).execute();
  await db.schema.createIndex('articles_newsroom_updated_idx').on('articles').columns(['updated_at', 'id']).execute();
  // The expression as the query writes it; both databases index an expression in parentheses.
  await sql`create index articles_newsroom_published_idx on articles ((coalesce(published_at, 0)), id)`.execute(db);
}
