import type { Kysely } from 'kysely';
import type { Dialect } from '../database.js';
import { withId } from './columns.js';

/**
 * Staff invitations, offers and their redemptions, timed comment bans and removed staff (issue 16,
 * parts 3, 4 and 6). Numbered 014: 012 and 013 belong to work built alongside.
 *
 * - staff_invitations: a single-use link (only its hash stored) that makes a staff account with a role.
 * - offers: a discount (percent or fixed, once / N months / forever) or a longer trial, reached by a
 *   code; stripe_coupon_id is the Stripe coupon made for it on first use at Checkout.
 * - offer_redemptions: one row per completed Checkout that used an offer (unique per session).
 * - comment_bans.expires_at: null is a ban for good.
 * - staff_users.removed_at: a removed staff member keeps their row (comments, revisions name them)
 *   but can no longer sign in.
 */
export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  await withId(db.schema.createTable('staff_invitations'), dialect)
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('email_normalized', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('invited_by', 'integer', (c) => c.references('staff_users.id').onDelete('set null'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .addColumn('revoked_at', 'bigint')
    .execute();
  await db.schema.createIndex('staff_invitations_email_idx').on('staff_invitations').column('email_normalized').execute();

  await withId(db.schema.createTable('offers'), dialect)
    .addColumn('code', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('plan_id', 'integer', (c) => c.references('plans.id'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('amount', 'integer', (c) => c.notNull())
    .addColumn('currency', 'text')
    .addColumn('duration', 'text', (c) => c.notNull())
    .addColumn('duration_months', 'integer')
    .addColumn('expires_at', 'bigint')
    .addColumn('max_redemptions', 'integer')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('stripe_coupon_id', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await withId(db.schema.createTable('offer_redemptions'), dialect)
    .addColumn('offer_id', 'integer', (c) => c.notNull().references('offers.id'))
    .addColumn('member_id', 'integer', (c) => c.references('members.id').onDelete('set null'))
    .addColumn('checkout_session_id', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('offer_redemptions_offer_idx').on('offer_redemptions').column('offer_id').execute();

  await db.schema.alterTable('comment_bans').addColumn('expires_at', 'bigint').execute();
  await db.schema.alterTable('staff_users').addColumn('removed_at', 'bigint').execute();
}
