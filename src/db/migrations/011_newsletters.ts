import type { Kysely } from 'kysely';
import type { Dialect } from '../database.js';
import { withId } from './columns.js';

/**
 * Newsletters (issue 17). A publication has several; each member chooses per newsletter, and
 * every change is kept with its cause. A send is one article to one newsletter's segment; its
 * recipients are rows with a state, so a send survives a crash and several instances share it
 * without mailing anyone twice. Suppressed addresses (a hard bounce, a complaint) get no
 * newsletter mail at all.
 *
 * Numbered 011: 009 and 010 belong to the newsroom editor and the media library, built alongside.
 */
export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  await withId(db.schema.createTable('newsletters'), dialect)
    .addColumn('slug', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('sender_name', 'text', (c) => c.notNull())
    .addColumn('sender_email', 'text')
    .addColumn('reply_to', 'text')
    .addColumn('audience', 'text', (c) => c.notNull())
    .addColumn('subscribe_on_signup', 'integer', (c) => c.notNull())
    .addColumn('header', 'text', (c) => c.notNull())
    .addColumn('footer', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema.createTable('newsletter_subscriptions')
    .addColumn('member_id', 'integer', (c) => c.notNull().references('members.id').onDelete('cascade'))
    .addColumn('newsletter_id', 'integer', (c) => c.notNull().references('newsletters.id').onDelete('cascade'))
    .addColumn('subscribed', 'integer', (c) => c.notNull())
    .addColumn('cause', 'text', (c) => c.notNull())
    .addColumn('changed_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('newsletter_subscriptions_pk', ['member_id', 'newsletter_id'])
    .execute();
  await db.schema.createIndex('newsletter_subscriptions_by_newsletter').on('newsletter_subscriptions').columns(['newsletter_id', 'subscribed', 'member_id']).execute();

  await withId(db.schema.createTable('newsletter_subscription_events'), dialect)
    .addColumn('member_id', 'integer', (c) => c.notNull().references('members.id').onDelete('cascade'))
    .addColumn('newsletter_id', 'integer', (c) => c.notNull().references('newsletters.id').onDelete('cascade'))
    .addColumn('subscribed', 'integer', (c) => c.notNull())
    .addColumn('cause', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema.createTable('email_suppressions')
    .addColumn('email_normalized', 'text', (c) => c.primaryKey())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('detail', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .execute();

  await withId(db.schema.createTable('newsletter_sends'), dialect)
    .addColumn('newsletter_id', 'integer', (c) => c.notNull().references('newsletters.id'))
    .addColumn('article_id', 'integer', (c) => c.notNull().references('articles.id'))
    .addColumn('segment', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    // One send per newsletter and article: a double click, or two instances, start one send.
    .addColumn('dedupe_key', 'text', (c) => c.notNull().unique())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('finished_at', 'bigint')
    .addColumn('cancelled_at', 'bigint')
    .execute();

  await db.schema.createTable('newsletter_recipients')
    .addColumn('send_id', 'integer', (c) => c.notNull().references('newsletter_sends.id').onDelete('cascade'))
    .addColumn('member_id', 'integer', (c) => c.notNull())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('variant', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
    .addColumn('locked_by', 'text')
    .addColumn('locked_until', 'bigint')
    .addColumn('last_error', 'text')
    .addColumn('sent_at', 'bigint')
    .addPrimaryKeyConstraint('newsletter_recipients_pk', ['send_id', 'member_id'])
    .execute();
  await db.schema.createIndex('newsletter_recipients_due').on('newsletter_recipients').columns(['send_id', 'state', 'next_attempt_at']).execute();
}
