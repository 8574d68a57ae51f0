import type { Kysely } from 'kysely';
import type { Dialect } from '../database.js';

/**
 * Two-factor hardening (issue 12): a sign-in link dies after a few wrong codes, and each
 * TOTP time step is accepted once per staff user, so a code seen over a shoulder or in a
 * proxy log cannot open a second session.
 */
export async function up(db: Kysely<any>, _dialect: Dialect): Promise<void> {
  await db.schema.alterTable('login_tokens').addColumn('failed_attempts', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('staff_users').addColumn('totp_last_step', 'bigint').execute();
}
