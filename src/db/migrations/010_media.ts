import type { Kysely } from 'kysely';
import type { Dialect } from '../database.js';
import { withId } from './columns.js';

/**
 * The media library (issue 15). One row per image; its files (the variants) live in the media
 * store under content-hashed keys, listed in `variants` as JSON. `key` is the content hash of the
 * processed image, so the same photo uploaded twice is one row. `source_url` is where the importer
 * fetched it from, so a rerun reuses it instead of fetching again. Depends on nothing newer than 008.
 */
export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  await withId(db.schema.createTable('media'), dialect)
    .addColumn('key', 'text', (c) => c.notNull().unique())
    .addColumn('original_name', 'text', (c) => c.notNull())
    .addColumn('mime', 'text', (c) => c.notNull())
    .addColumn('width', 'integer', (c) => c.notNull())
    .addColumn('height', 'integer', (c) => c.notNull())
    .addColumn('bytes', 'integer', (c) => c.notNull())
    .addColumn('alt', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('uploaded_by', 'integer', (c) => c.references('staff_users.id').onDelete('set null'))
    .addColumn('source_url', 'text')
    .addColumn('variants', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('media_source_url_idx').on('media').column('source_url').execute();
}
