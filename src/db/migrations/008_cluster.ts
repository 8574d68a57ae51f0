import type { Kysely } from 'kysely';
import type { Dialect } from '../database.js';

/**
 * Several instances on one database (issue 14). `instance_secrets` holds the publication's
 * signing secret when no MASTHEAD_SECRET is set, so every instance signs with the same key; the
 * first instance inserts it and the rest read it back. `jobs.claimed_at` says since when the
 * current holder (`locked_by`, until `locked_until`) has had a job, for `masthead jobs`.
 */
export async function up(db: Kysely<any>, _dialect: Dialect): Promise<void> {
  await db.schema.createTable('instance_secrets')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.alterTable('jobs').addColumn('claimed_at', 'bigint').execute();
}
