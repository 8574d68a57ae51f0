import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../database.js';
import { withId } from './columns.js';
import { memberStanding, type SubStatus } from '../../billing/state.js';

/**
 * The newsroom's members pages (issue 16, part 2). A member's standing (free, trialing, paid,
 * comp, past_due, cancelled) and the plan of the subscription behind it are stored beside
 * members.status, written by billing whenever the status is, so every filter of the list is an
 * index walk at a million members. Labels are a table of names and a link table; a note is a
 * column. Imports of member CSVs keep their progress and report in member_imports.
 *
 * Numbered 013: 012 belongs to work built alongside.
 */
export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  await db.schema.alterTable('members').addColumn('standing', 'text', (c) => c.notNull().defaultTo('free')).execute();
  await db.schema.alterTable('members').addColumn('plan_id', 'integer').execute();
  await db.schema.alterTable('members').addColumn('note', 'text', (c) => c.notNull().defaultTo('')).execute();

  // The list is newest first by id; each filter has an index that walks in that order.
  await db.schema.createIndex('members_standing_idx').on('members').columns(['standing', 'id']).execute();
  await db.schema.createIndex('members_plan_idx').on('members').columns(['plan_id', 'id']).execute();
  await db.schema.createIndex('members_created_idx').on('members').columns(['created_at', 'id']).execute();
  await db.schema.createIndex('members_seen_idx').on('members').columns(['last_seen_at', 'id']).execute();
  // Search is by prefix of the address or of the name (lower-cased), so it is an index range too.
  if (dialect === 'postgres') {
    await sql`create index members_email_prefix_idx on members (email_normalized text_pattern_ops)`.execute(db);
    await sql`create index members_name_prefix_idx on members (lower(name) text_pattern_ops)`.execute(db);
  } else {
    await sql`create index members_name_prefix_idx on members (lower(name))`.execute(db);
  }

  await withId(db.schema.createTable('member_labels'), dialect)
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('slug', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createTable('member_label_links')
    .addColumn('label_id', 'integer', (c) => c.notNull().references('member_labels.id').onDelete('cascade'))
    .addColumn('member_id', 'integer', (c) => c.notNull().references('members.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('member_label_links_pk', ['label_id', 'member_id'])
    .execute();
  await db.schema.createIndex('member_label_links_member_idx').on('member_label_links').columns(['member_id', 'label_id']).execute();

  await withId(db.schema.createTable('member_imports'), dialect)
    .addColumn('staff_user_id', 'integer')
    .addColumn('file_name', 'text', (c) => c.notNull())
    .addColumn('format', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('rows_total', 'integer', (c) => c.notNull())
    .addColumn('rows_done', 'integer', (c) => c.notNull())
    .addColumn('created', 'integer', (c) => c.notNull())
    .addColumn('updated', 'integer', (c) => c.notNull())
    .addColumn('problems', 'text', (c) => c.notNull())
    .addColumn('error', 'text')
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('finished_at', 'bigint')
    .execute();

  // Standing and plan for members who already have subscriptions, by the same rule billing uses.
  const subs = await db.selectFrom('subscriptions').select(['member_id', 'plan_id', 'status', 'trial_end', 'past_due_since', 'id']).orderBy('member_id').orderBy('id').execute();
  const byMember = new Map<number, typeof subs>();
  for (const s of subs) byMember.set(s.member_id, [...(byMember.get(s.member_id) ?? []), s]);
  const now = Date.now();
  for (const [memberId, list] of byMember) {
    const st = memberStanding(list.map((s) => ({ status: s.status as SubStatus, trialEnd: s.trial_end, pastDueSince: s.past_due_since, planId: s.plan_id })), now);
    await db.updateTable('members').set({ standing: st.standing, plan_id: st.planId }).where('id', '=', memberId).execute();
  }
}
