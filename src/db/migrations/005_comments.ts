import type { Kysely } from 'kysely';
import type { Dialect } from '../database.js';
import { withId } from './columns.js';

/** Comments with one level of replies below replies (flat beyond), likes, reports and bans. */
export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  const id = (t: any) => withId(t, dialect) as any;

  await id(db.schema.createTable('comments'))
    .addColumn('article_id', 'integer', (c: any) => c.notNull().references('articles.id').onDelete('cascade'))
    .addColumn('member_id', 'integer', (c: any) => c.references('members.id'))
    .addColumn('staff_user_id', 'integer', (c: any) => c.references('staff_users.id'))
    .addColumn('parent_id', 'integer', (c: any) => c.references('comments.id'))
    .addColumn('depth', 'integer', (c: any) => c.notNull().defaultTo(0))
    // The top-level comment of the thread, and the reply under it that a deeper reply hangs from (shown flat).
    .addColumn('root_id', 'integer')
    .addColumn('branch_id', 'integer')
    .addColumn('body_text', 'text', (c: any) => c.notNull())
    .addColumn('body_html', 'text', (c: any) => c.notNull())
    .addColumn('status', 'text', (c: any) => c.notNull())
    .addColumn('like_count', 'integer', (c: any) => c.notNull().defaultTo(0))
    .addColumn('edited_at', 'bigint')
    .addColumn('created_at', 'bigint', (c: any) => c.notNull())
    .addColumn('updated_at', 'bigint', (c: any) => c.notNull())
    .execute();
  await db.schema.createIndex('comments_article_idx').on('comments').columns(['article_id', 'status', 'created_at']).execute();
  await db.schema.createIndex('comments_parent_idx').on('comments').column('parent_id').execute();
  await db.schema.createIndex('comments_member_idx').on('comments').columns(['member_id', 'created_at']).execute();

  await db.schema.createTable('comment_likes')
    .addColumn('comment_id', 'integer', (c) => c.notNull().references('comments.id').onDelete('cascade'))
    .addColumn('member_id', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('comment_likes_pk', ['comment_id', 'member_id'])
    .execute();

  await id(db.schema.createTable('comment_reports'))
    .addColumn('comment_id', 'integer', (c: any) => c.notNull().references('comments.id').onDelete('cascade'))
    .addColumn('reporter_member_id', 'integer')
    .addColumn('reason', 'text', (c: any) => c.notNull().defaultTo(''))
    .addColumn('created_at', 'bigint', (c: any) => c.notNull())
    .addColumn('resolved_at', 'bigint')
    .execute();

  await db.schema.createTable('comment_bans')
    .addColumn('member_id', 'integer', (c) => c.primaryKey())
    .addColumn('banned_by', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema.alterTable('articles').addColumn('comment_count', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('members').addColumn('comment_emails', 'integer', (c) => c.notNull().defaultTo(1)).execute();
  await db.schema.alterTable('authors').addColumn('staff_user_id', 'integer').execute();
}
