import type { Kysely } from 'kysely';
import type { Dialect } from '../database.js';

/**
 * What the importer knows about each article it brought in: the source item it came from
 * (articles.source_id holds the same id), a hash of what was imported so an unchanged
 * item is skipped on a rerun, and why a person should review it.
 */
export async function up(db: Kysely<any>, _dialect: Dialect): Promise<void> {
  await db.schema.createTable('import_items')
    .addColumn('source_id', 'text', (c) => c.primaryKey())
    .addColumn('article_id', 'integer', (c) => c.notNull().references('articles.id').onDelete('cascade'))
    .addColumn('format', 'text', (c) => c.notNull())
    .addColumn('content_hash', 'text', (c) => c.notNull())
    /** JSON array of review reasons, e.g. ["title_from_body"]; '[]' when there is nothing to check. */
    .addColumn('flags', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('needs_review', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('imported_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('import_items_article_idx').on('import_items').column('article_id').execute();
  await db.schema.createIndex('import_items_review_idx').on('import_items').columns(['needs_review', 'imported_at']).execute();
}
