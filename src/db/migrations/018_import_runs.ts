import type { Kysely } from 'kysely';
import type { Dialect } from '../database.js';
import { withId } from './columns.js';

/**
 * An import started from Settings → Import: the uploaded archive waits here (in the database, so
 * any instance's worker can run it) until its job reads it; the job then clears it and keeps the
 * counts, which the status page shows as they grow, and the ids of the articles it flagged.
 */
export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  await withId(db.schema.createTable('import_runs'), dialect)
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('format', 'text', (c) => c.notNull())
    /** queued | running | done | failed */
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('data', dialect === 'postgres' ? 'bytea' : 'blob')
    .addColumn('fetch_images', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('updated', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('unchanged', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('flagged', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('failed', 'integer', (c) => c.notNull().defaultTo(0))
    /** JSON array of the ids of the articles this run flagged for review (the first 500). */
    .addColumn('flagged_ids', 'text', (c) => c.notNull().defaultTo('[]'))
    /** JSON array of { position, message } for items that failed (the first 100). */
    .addColumn('failures', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('error', 'text')
    .addColumn('staff_id', 'integer')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('started_at', 'bigint')
    .addColumn('finished_at', 'bigint')
    .execute();
}
