import type { Kysely } from 'kysely';
import type { Dialect } from '../database.js';

/**
 * The newsroom dashboard (issue 16). Two daily roll-ups of the hourly event_counts, written by the
 * meter's batched flush in the same transaction, so the dashboard never reads hourly rows:
 * `event_days` holds totals per day, kind and reason (the funnel, walls by reason, wall actions,
 * referrer domains) and `article_days` per day, kind and article (top articles). A day is the
 * local midnight, as an instant, in the site's time zone when the events were counted. No row
 * holds an identifier. A trial remembers the article whose wall it began on (`trial_article_id`).
 */
export async function up(db: Kysely<any>, _dialect: Dialect): Promise<void> {
  await db.schema.createTable('event_days')
    .addColumn('day', 'bigint', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('count', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('event_days_pk', ['day', 'kind', 'reason'])
    .execute();
  await db.schema.createTable('article_days')
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('day', 'bigint', (c) => c.notNull())
    .addColumn('article_id', 'integer', (c) => c.notNull())
    .addColumn('count', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('article_days_pk', ['kind', 'day', 'article_id'])
    .execute();
  await db.schema.alterTable('subscriptions').addColumn('trial_article_id', 'integer').execute();
  await db.schema.createIndex('subscription_history_at').on('subscription_history').columns(['at']).execute();
  await db.schema.createIndex('members_created_at').on('members').columns(['created_at']).execute();
}
