import type { Q } from '../db/q.js';

export const listSections = (db: Q) =>
  db.selectFrom('sections').selectAll().orderBy('position').orderBy('name').execute();
export const findSectionBySlug = (db: Q, slug: string) =>
  db.selectFrom('sections').selectAll().where('slug', '=', slug).executeTakeFirst();
export const findSectionById = (db: Q, id: number) =>
  db.selectFrom('sections').selectAll().where('id', '=', id).executeTakeFirst();

export const listAuthors = (db: Q) => db.selectFrom('authors').selectAll().orderBy('name').execute();
export const findAuthorBySlug = (db: Q, slug: string) =>
  db.selectFrom('authors').selectAll().where('slug', '=', slug).executeTakeFirst();
export const findAuthorById = (db: Q, id: number) =>
  db.selectFrom('authors').selectAll().where('id', '=', id).executeTakeFirst();

export const listTags = (db: Q) => db.selectFrom('tags').selectAll().orderBy('name').execute();
export const findTagBySlug = (db: Q, slug: string) =>
  db.selectFrom('tags').selectAll().where('slug', '=', slug).executeTakeFirst();
export const findTagById = (db: Q, id: number) =>
  db.selectFrom('tags').selectAll().where('id', '=', id).executeTakeFirst();
