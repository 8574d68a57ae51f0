import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../database.js';

/**
 * The newsroom dashboard (issue 16). Two daily roll-ups of the hourly event_counts, written by the
 * meter's batched flush in the same transaction, so the dashboard never reads hourly rows:
 * `event_days` holds totals per day, kind and reason (the funnel, walls by reason, wall actions,
 * referrer domains), `article_days` and `article_months` per day (month), kind and article (top articles). A day is the
 * local midnight, as an instant, in the site's time zone when the events were counted. No row
 * holds an identifier. A trial remembers the article whose wall it began on (`trial_article_id`).
 */
export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  let days = db.schema.createTable('event_days')
    .addColumn('day', 'bigint', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('count', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('event_days_pk', ['day', 'kind', 'reason']);
  if (dialect === 'sqlite') days = days.modifyEnd(sql`without rowid`);
  await days.execute();
  // Per article, by day and by month: a year's top articles read twelve months' rows, not 365 days'.
  // On SQLite clustered on the key (WITHOUT ROWID), so a range is read without a lookup per row.
  for (const [table, col] of [['article_days', 'day'], ['article_months', 'month']] as const) {
    let t = db.schema.createTable(table)
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn(col, 'bigint', (c) => c.notNull())
      .addColumn('article_id', 'integer', (c) => c.notNull())
      .addColumn('count', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint(`${table}_pk`, ['kind', col, 'article_id']);
    if (dialect === 'sqlite') t = t.modifyEnd(sql`without rowid`);
    await t.execute();
  }
  await db.schema.alterTable('subscriptions').addColumn('trial_article_id', 'integer').execute();
  await db.schema.createIndex('subscription_history_at').on('subscription_history').columns(['at']).execute();
  await db.schema.createIndex('members_created_at').on('members').columns(['created_at']).execute();
}
