import type { Kysely } from 'kysely';
import type { Dialect } from '../database.js';
import { withId } from './columns.js';

/**
 * Newsletter opens and clicks (issue 17), off by default (settings `email.trackOpens`,
 * `email.trackClicks`). A send records whether it was tracked when it began, so its mail, its
 * redirect links and its figures agree however the setting moves afterwards.
 *
 * Aggregates are kept as counters beside the rows that make them idempotent: a member's first open
 * is `newsletter_recipients.opened_at` (the row exists already) and bumps `newsletter_sends.opens`;
 * a member's first click on a link is a `newsletter_clicks` row and bumps `newsletter_links.clicks`.
 * The figures are then one row read, not a count over a send's recipients.
 *
 * A send's links are the ones its mail held, each with an id the signed redirect names: the
 * redirect goes to the stored URL, never to one taken from the request.
 *
 * Numbered 021: 019 and 020 belong to work built alongside.
 */
export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  await db.schema.alterTable('newsletter_sends').addColumn('track_opens', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('newsletter_sends').addColumn('track_clicks', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('newsletter_sends').addColumn('opens', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('newsletter_recipients').addColumn('opened_at', 'bigint').execute();

  await withId(db.schema.createTable('newsletter_links'), dialect)
    .addColumn('send_id', 'integer', (c) => c.notNull().references('newsletter_sends.id').onDelete('cascade'))
    .addColumn('url', 'text', (c) => c.notNull())
    /** Members who followed it (each once). */
    .addColumn('clicks', 'integer', (c) => c.notNull().defaultTo(0))
    .addUniqueConstraint('newsletter_links_send_url', ['send_id', 'url'])
    .execute();

  await db.schema.createTable('newsletter_clicks')
    .addColumn('link_id', 'integer', (c) => c.notNull().references('newsletter_links.id').onDelete('cascade'))
    .addColumn('member_id', 'integer', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('newsletter_clicks_pk', ['link_id', 'member_id'])
    .execute();
}
