import type { Kysely } from 'kysely';
import type { Dialect } from '../database.js';
import { withId } from './columns.js';

/**
 * Shareable preview links (issue 15): a staff member lets someone without an account read a draft.
 * The link's URL carries a tag signed with the site secret over the row's id, article and expiry
 * (content/preview-links.ts); the row is what makes it expire and what revoking it sets.
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
}
