import type { Kysely } from 'kysely';
import type { Dialect } from '../database.js';
import { withId } from './columns.js';

/** Plans and prices, subscriptions with their full history, trial claims, and Stripe event idempotency. */
export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  const id = (t: any) => withId(t, dialect) as any;

  await id(db.schema.createTable('plans'))
    .addColumn('slug', 'text', (c: any) => c.notNull().unique())
    .addColumn('name', 'text', (c: any) => c.notNull())
    .addColumn('description', 'text', (c: any) => c.notNull().defaultTo(''))
    .addColumn('benefits', 'text', (c: any) => c.notNull().defaultTo('[]'))
    .addColumn('trial_days', 'integer', (c: any) => c.notNull().defaultTo(14))
    .addColumn('status', 'text', (c: any) => c.notNull().defaultTo('active'))
    .addColumn('is_default', 'integer', (c: any) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c: any) => c.notNull())
    .addColumn('updated_at', 'bigint', (c: any) => c.notNull())
    .execute();

  // Money is an integer count of the currency's minor unit (pence, cents), never a float.
  await id(db.schema.createTable('prices'))
    .addColumn('plan_id', 'integer', (c: any) => c.notNull().references('plans.id').onDelete('cascade'))
    .addColumn('interval', 'text', (c: any) => c.notNull())
    .addColumn('currency', 'text', (c: any) => c.notNull())
    .addColumn('amount', 'bigint', (c: any) => c.notNull())
    .addColumn('stripe_price_id', 'text')
    .execute();
  await db.schema.createIndex('prices_plan_idx').on('prices').columns(['plan_id', 'interval']).unique().execute();

  await id(db.schema.createTable('subscriptions'))
    .addColumn('member_id', 'integer', (c: any) => c.notNull().references('members.id'))
    .addColumn('plan_id', 'integer', (c: any) => c.references('plans.id'))
    .addColumn('price_id', 'integer', (c: any) => c.references('prices.id'))
    .addColumn('status', 'text', (c: any) => c.notNull())
    .addColumn('trial_end', 'bigint')
    .addColumn('current_period_end', 'bigint')
    .addColumn('cancel_at_period_end', 'integer', (c: any) => c.notNull().defaultTo(0))
    .addColumn('past_due_since', 'bigint')
    .addColumn('ended_at', 'bigint')
    .addColumn('stripe_subscription_id', 'text', (c: any) => c.unique())
    .addColumn('created_at', 'bigint', (c: any) => c.notNull())
    .addColumn('updated_at', 'bigint', (c: any) => c.notNull())
    .execute();
  await db.schema.createIndex('subscriptions_member_idx').on('subscriptions').column('member_id').execute();
  await db.schema.createIndex('subscriptions_status_idx').on('subscriptions').columns(['status', 'updated_at']).execute();

  await id(db.schema.createTable('subscription_history'))
    .addColumn('subscription_id', 'integer', (c: any) => c.notNull().references('subscriptions.id'))
    .addColumn('at', 'bigint', (c: any) => c.notNull())
    .addColumn('from_status', 'text')
    .addColumn('to_status', 'text', (c: any) => c.notNull())
    .addColumn('cause', 'text', (c: any) => c.notNull())
    .addColumn('details', 'text')
    .execute();
  await db.schema.createIndex('subscription_history_sub_idx').on('subscription_history').columns(['subscription_id', 'at']).execute();

  await db.schema.createTable('trial_claims')
    .addColumn('email_key', 'text', (c) => c.primaryKey())
    .addColumn('member_id', 'integer')
    .addColumn('claimed_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema.createTable('stripe_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('processed_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema.alterTable('members').addColumn('stripe_customer_id', 'text').execute();
  await db.schema.alterTable('login_tokens').addColumn('intent', 'text').execute();
}
