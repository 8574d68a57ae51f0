import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../database.js';
import { withId } from './columns.js';

/** Content, settings and staff tables. Dialect differences are confined to ids and search. */
export async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  const id = (t: any) => withId(t, dialect) as any;

  await db.schema.createTable('settings')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute();

  await id(db.schema.createTable('authors'))
    .addColumn('slug', 'text', (c: any) => c.notNull().unique())
    .addColumn('name', 'text', (c: any) => c.notNull())
    .addColumn('bio', 'text', (c: any) => c.notNull().defaultTo(''))
    .addColumn('avatar_url', 'text')
    .addColumn('created_at', 'bigint', (c: any) => c.notNull())
    .addColumn('updated_at', 'bigint', (c: any) => c.notNull())
    .execute();

  await id(db.schema.createTable('sections'))
    .addColumn('slug', 'text', (c: any) => c.notNull().unique())
    .addColumn('name', 'text', (c: any) => c.notNull())
    .addColumn('description', 'text', (c: any) => c.notNull().defaultTo(''))
    .addColumn('default_access', 'text', (c: any) => c.notNull().defaultTo('metered'))
    .addColumn('position', 'integer', (c: any) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c: any) => c.notNull())
    .addColumn('updated_at', 'bigint', (c: any) => c.notNull())
    .execute();

  await id(db.schema.createTable('tags'))
    .addColumn('slug', 'text', (c: any) => c.notNull().unique())
    .addColumn('name', 'text', (c: any) => c.notNull())
    .addColumn('created_at', 'bigint', (c: any) => c.notNull())
    .execute();

  await id(db.schema.createTable('articles'))
    .addColumn('slug', 'text', (c: any) => c.notNull().unique())
    .addColumn('title', 'text', (c: any) => c.notNull())
    .addColumn('dek', 'text', (c: any) => c.notNull().defaultTo(''))
    .addColumn('body_doc', 'text', (c: any) => c.notNull())
    .addColumn('body_html', 'text', (c: any) => c.notNull())
    .addColumn('preview_html', 'text', (c: any) => c.notNull())
    .addColumn('preview_text', 'text', (c: any) => c.notNull())
    .addColumn('has_break', 'integer', (c: any) => c.notNull().defaultTo(0))
    .addColumn('feature_image_url', 'text')
    .addColumn('feature_image_alt', 'text')
    .addColumn('status', 'text', (c: any) => c.notNull().defaultTo('draft'))
    .addColumn('published_at', 'bigint')
    .addColumn('live_at', 'bigint')
    .addColumn('access_level', 'text')
    .addColumn('effective_access', 'text', (c: any) => c.notNull().defaultTo('metered'))
    .addColumn('primary_section_id', 'integer', (c: any) => c.references('sections.id').onDelete('set null'))
    .addColumn('featured', 'integer', (c: any) => c.notNull().defaultTo(0))
    .addColumn('source_id', 'text', (c: any) => c.unique())
    .addColumn('created_at', 'bigint', (c: any) => c.notNull())
    .addColumn('updated_at', 'bigint', (c: any) => c.notNull())
    .execute();
  await db.schema.createIndex('articles_live_idx').on('articles').column('live_at').execute();
  await db.schema.createIndex('articles_featured_idx').on('articles').columns(['featured', 'live_at']).execute();

  for (const [table, col, ref] of [
    ['article_authors', 'author_id', 'authors.id'],
    ['article_sections', 'section_id', 'sections.id'],
    ['article_tags', 'tag_id', 'tags.id'],
  ] as const) {
    let t = db.schema.createTable(table)
      .addColumn('article_id', 'integer', (c) => c.notNull().references('articles.id').onDelete('cascade'))
      .addColumn(col, 'integer', (c) => c.notNull().references(ref).onDelete('cascade'))
      .addColumn('live_at', 'bigint');
    if (table === 'article_authors') t = t.addColumn('position', 'integer', (c) => c.notNull().defaultTo(0));
    await t.addPrimaryKeyConstraint(`${table}_pk`, ['article_id', col]).execute();
    // Listing pages walk (owner, live_at desc): the denormalised live_at keeps them index-only at any size.
    await db.schema.createIndex(`${table}_listing_idx`).on(table).columns([col, 'live_at']).execute();
  }

  await db.schema.createTable('redirects')
    .addColumn('from_path', 'text', (c) => c.primaryKey())
    .addColumn('to_path', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await id(db.schema.createTable('staff_users'))
    .addColumn('email', 'text', (c: any) => c.notNull())
    .addColumn('email_normalized', 'text', (c: any) => c.notNull().unique())
    .addColumn('name', 'text', (c: any) => c.notNull().defaultTo(''))
    .addColumn('role', 'text', (c: any) => c.notNull())
    .addColumn('password_hash', 'text')
    .addColumn('created_at', 'bigint', (c: any) => c.notNull())
    .execute();

  await id(db.schema.createTable('api_tokens'))
    .addColumn('user_id', 'integer', (c: any) => c.notNull().references('staff_users.id').onDelete('cascade'))
    .addColumn('name', 'text', (c: any) => c.notNull().defaultTo(''))
    .addColumn('token_hash', 'text', (c: any) => c.notNull())
    .addColumn('created_at', 'bigint', (c: any) => c.notNull())
    .addColumn('last_used_at', 'bigint')
    .addColumn('revoked_at', 'bigint')
    .execute();

  if (dialect === 'sqlite') {
    // public_text: what anyone may search (all of a free article, the preview of a gated one).
    // gated_text: the rest, searchable only by readers entitled to it.
    await sql`create virtual table article_search using fts5(title, dek, public_text, gated_text, tokenize = 'porter unicode61')`.execute(db);
  } else {
    await db.schema.createTable('article_search')
      .addColumn('article_id', 'integer', (c) => c.primaryKey().references('articles.id').onDelete('cascade'))
      .addColumn('public_tsv', sql`tsvector`, (c) => c.notNull())
      .addColumn('full_tsv', sql`tsvector`, (c) => c.notNull())
      .execute();
    await sql`create index article_search_public_idx on article_search using gin (public_tsv)`.execute(db);
    await sql`create index article_search_full_idx on article_search using gin (full_tsv)`.execute(db);
  }
}
