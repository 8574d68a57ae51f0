import type { Kysely } from 'kysely';
import type { Dialect } from '../database.js';
import { withId } from './columns.js';

/**
 * The newsroom app (issue 15). `articles.revision` counts every change to an article, so a save
 * names the revision it was based on and a stale one is refused instead of overwriting. Each save
 * from the editor keeps the title and body it wrote in `article_revisions` (a burst of autosaves
 * by one person is one row, moved forward). SEO title and description and a canonical URL are
 * article settings the editor sets.
 */
export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  await db.schema.alterTable('articles').addColumn('revision', 'integer', (c) => c.notNull().defaultTo(1)).execute();
  await db.schema.alterTable('articles').addColumn('seo_title', 'text').execute();
  await db.schema.alterTable('articles').addColumn('seo_description', 'text').execute();
  await db.schema.alterTable('articles').addColumn('canonical_url', 'text').execute();
  await withId(db.schema.createTable('article_revisions'), dialect)
    .addColumn('article_id', 'integer', (c) => c.notNull().references('articles.id').onDelete('cascade'))
    /** The article's revision this row holds (the latest save of its burst). */
    .addColumn('revision', 'integer', (c) => c.notNull())
    .addColumn('staff_user_id', 'integer', (c) => c.references('staff_users.id').onDelete('set null'))
    /** Kept as written, so the history still names someone whose account is gone. */
    .addColumn('staff_name', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('body_doc', 'text', (c) => c.notNull())
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('saved_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('article_revisions_article_idx').on('article_revisions').columns(['article_id', 'revision']).execute();
}
