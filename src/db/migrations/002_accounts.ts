import type { Kysely } from 'kysely';
import type { Dialect } from '../database.js';
import { withId } from './columns.js';

/** Reader accounts, sessions, sign-in links, the staff audit log and the job queue (mail and later billing). */
export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  const id = (t: any) => withId(t, dialect) as any;

  await id(db.schema.createTable('members'))
    .addColumn('email', 'text', (c: any) => c.notNull())
    .addColumn('email_normalized', 'text', (c: any) => c.notNull().unique())
    .addColumn('name', 'text', (c: any) => c.notNull().defaultTo(''))
    .addColumn('status', 'text', (c: any) => c.notNull().defaultTo('free'))
    .addColumn('email_verified', 'integer', (c: any) => c.notNull().defaultTo(0))
    .addColumn('password_hash', 'text')
    .addColumn('created_at', 'bigint', (c: any) => c.notNull())
    .addColumn('last_seen_at', 'bigint')
    .addColumn('deleted_at', 'bigint')
    .execute();

  await db.schema.createTable('sessions')
    .addColumn('id', 'text', (c) => c.primaryKey()) // sha256 of the cookie value
    .addColumn('member_id', 'integer', (c) => c.references('members.id').onDelete('cascade'))
    .addColumn('staff_user_id', 'integer', (c) => c.references('staff_users.id').onDelete('cascade'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
    .addColumn('idle_expires_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('user_agent', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('revoked_at', 'bigint')
    .execute();
  await db.schema.createIndex('sessions_member_idx').on('sessions').column('member_id').execute();
  await db.schema.createIndex('sessions_staff_idx').on('sessions').column('staff_user_id').execute();

  await id(db.schema.createTable('login_tokens'))
    .addColumn('token_hash', 'text', (c: any) => c.notNull().unique())
    .addColumn('purpose', 'text', (c: any) => c.notNull())
    .addColumn('email', 'text', (c: any) => c.notNull())
    .addColumn('name', 'text')
    .addColumn('member_id', 'integer', (c: any) => c.references('members.id').onDelete('cascade'))
    .addColumn('staff_user_id', 'integer', (c: any) => c.references('staff_users.id').onDelete('cascade'))
    .addColumn('binding_hash', 'text')
    .addColumn('device_id', 'text')
    .addColumn('return_to', 'text')
    .addColumn('created_at', 'bigint', (c: any) => c.notNull())
    .addColumn('expires_at', 'bigint', (c: any) => c.notNull())
    .addColumn('used_at', 'bigint')
    .execute();

  await db.schema.alterTable('staff_users').addColumn('totp_secret', 'text').execute();
  await db.schema.alterTable('staff_users').addColumn('totp_enabled', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('articles').addColumn('created_by_staff_id', 'integer').execute();

  await id(db.schema.createTable('audit_log'))
    .addColumn('at', 'bigint', (c: any) => c.notNull())
    .addColumn('actor', 'text', (c: any) => c.notNull())
    .addColumn('action', 'text', (c: any) => c.notNull())
    .addColumn('target', 'text')
    .addColumn('ip', 'text')
    .addColumn('details', 'text')
    .execute();
  await db.schema.createIndex('audit_log_at_idx').on('audit_log').column('at').execute();

  await id(db.schema.createTable('jobs'))
    .addColumn('kind', 'text', (c: any) => c.notNull())
    .addColumn('payload', 'text', (c: any) => c.notNull())
    .addColumn('run_at', 'bigint', (c: any) => c.notNull())
    .addColumn('attempts', 'integer', (c: any) => c.notNull().defaultTo(0))
    .addColumn('max_attempts', 'integer', (c: any) => c.notNull().defaultTo(8))
    .addColumn('locked_until', 'bigint')
    .addColumn('locked_by', 'text')
    .addColumn('last_error', 'text')
    .addColumn('done_at', 'bigint')
    .addColumn('failed_at', 'bigint')
    .addColumn('dedupe_key', 'text', (c: any) => c.unique())
    .addColumn('created_at', 'bigint', (c: any) => c.notNull())
    .execute();
  await db.schema.createIndex('jobs_due_idx').on('jobs').columns(['done_at', 'failed_at', 'run_at']).execute();
}
