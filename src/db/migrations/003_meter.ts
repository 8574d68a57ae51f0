import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../database.js';

/**
 * The meter: one row per reader and article, holding when that article was last
 * counted. Subjects are "d:<device id>", "m:<member id>" or "a:<keyed hash of
 * address + browser>" (raw addresses are never stored). Plus analytics counters.
 */
export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  // Every counted view writes here, so the table has only its primary key: a reader's rows are
  // found by the (subject, …) prefix and are few, and the periodic purge can afford a scan.
  // On SQLite the table is clustered on that key (WITHOUT ROWID): one b-tree per write.
  let meter = db.schema.createTable('meter_reads')
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('article_id', 'integer', (c) => c.notNull())
    .addColumn('read_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('meter_reads_pk', ['subject', 'article_id']);
  if (dialect === 'sqlite') meter = meter.modifyEnd(sql`without rowid`);
  await meter.execute();

  // Analytics as hourly counters, not one row per view: a flush adds to a handful of rows.
  await db.schema.createTable('event_counts')
    .addColumn('hour', 'bigint', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('article_id', 'integer', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('reader', 'text', (c) => c.notNull())
    .addColumn('count', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('event_counts_pk', ['hour', 'kind', 'article_id', 'reason', 'reader'])
    .execute();
}
