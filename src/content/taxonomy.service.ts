import { inTransaction, type ContentDeps } from './deps.js';
import { slugify } from './slug.js';
import { conflict, invalidInput, notFound } from '../errors.js';
import type { AccessLevel } from './types.js';

type Table = 'authors' | 'sections' | 'tags';

async function freeSlug(d: ContentDeps, table: Table, slug: string, exceptId?: number): Promise<string> {
  const hit = await d.db.selectFrom(table).select('id').where('slug', '=', slug).executeTakeFirst();
  if (hit && hit.id !== exceptId) throw conflict(`slug "${slug}" is taken`);
  return slug;
}

export interface AuthorOut { id: number; slug: string; name: string; bio: string; avatarUrl: string | null; staffUserId: number | null }
export interface SectionOut { id: number; slug: string; name: string; description: string; defaultAccess: AccessLevel; position: number }
export interface TagOut { id: number; slug: string; name: string }

const authorOut = (r: { id: number; slug: string; name: string; bio: string; avatar_url: string | null; staff_user_id: number | null }): AuthorOut =>
  ({ id: r.id, slug: r.slug, name: r.name, bio: r.bio, avatarUrl: r.avatar_url, staffUserId: r.staff_user_id });
const sectionOut = (r: { id: number; slug: string; name: string; description: string; default_access: string; position: number }): SectionOut =>
  ({ id: r.id, slug: r.slug, name: r.name, description: r.description, defaultAccess: r.default_access as AccessLevel, position: r.position });
const tagOut = (r: { id: number; slug: string; name: string }): TagOut => ({ id: r.id, slug: r.slug, name: r.name });

export async function createAuthor(d: ContentDeps, i: { name: string; slug?: string; bio?: string; avatarUrl?: string | null; staffUserId?: number | null }): Promise<AuthorOut> {
  const now = d.clock.now();
  const slug = await freeSlug(d, 'authors', i.slug ?? slugify(i.name));
  if (i.staffUserId) await assertStaff(d, i.staffUserId);
  const row = await d.db.insertInto('authors').values({ slug, name: i.name, bio: i.bio ?? '', avatar_url: i.avatarUrl ?? null, staff_user_id: i.staffUserId ?? null, created_at: now, updated_at: now })
    .returningAll().executeTakeFirstOrThrow();
  d.changed?.();
  return authorOut(row);
}

export async function updateAuthor(d: ContentDeps, id: number, i: { name?: string; slug?: string; bio?: string; avatarUrl?: string | null; staffUserId?: number | null }): Promise<AuthorOut> {
  if (i.slug) await freeSlug(d, 'authors', i.slug, id);
  if (i.staffUserId) await assertStaff(d, i.staffUserId);
  const row = await d.db.updateTable('authors').set({
    ...(i.name !== undefined && { name: i.name }),
    ...(i.slug !== undefined && { slug: i.slug }),
    ...(i.bio !== undefined && { bio: i.bio }),
    ...(i.avatarUrl !== undefined && { avatar_url: i.avatarUrl }),
    ...(i.staffUserId !== undefined && { staff_user_id: i.staffUserId }),
    updated_at: d.clock.now(),
  }).where('id', '=', id).returningAll().executeTakeFirst();
  if (!row) throw notFound('author');
  d.changed?.();
  return authorOut(row);
}

async function assertStaff(d: ContentDeps, staffUserId: number): Promise<void> {
  if (!(await d.db.selectFrom('staff_users').select('id').where('id', '=', staffUserId).executeTakeFirst())) throw invalidInput(`staffUserId: no staff user ${staffUserId}`);
}

export async function createSection(d: ContentDeps, i: { name: string; slug?: string; description?: string; defaultAccess?: AccessLevel; position?: number }): Promise<SectionOut> {
  const now = d.clock.now();
  const slug = await freeSlug(d, 'sections', i.slug ?? slugify(i.name));
  const row = await d.db.insertInto('sections').values({
    slug, name: i.name, description: i.description ?? '', default_access: i.defaultAccess ?? 'metered', position: i.position ?? 0, created_at: now, updated_at: now,
  }).returningAll().executeTakeFirstOrThrow();
  d.changed?.();
  return sectionOut(row);
}

export async function updateSection(deps: ContentDeps, id: number, i: { name?: string; slug?: string; description?: string; defaultAccess?: AccessLevel; position?: number }): Promise<SectionOut> {
  return inTransaction(deps, async (d) => {
    if (i.slug) await freeSlug(d, 'sections', i.slug, id);
    const row = await d.db.updateTable('sections').set({
      ...(i.name !== undefined && { name: i.name }),
      ...(i.slug !== undefined && { slug: i.slug }),
      ...(i.description !== undefined && { description: i.description }),
      ...(i.defaultAccess !== undefined && { default_access: i.defaultAccess }),
      ...(i.position !== undefined && { position: i.position }),
      updated_at: d.clock.now(),
    }).where('id', '=', id).returningAll().executeTakeFirst();
    if (!row) throw notFound('section');
    if (i.defaultAccess !== undefined) {
      // Articles that inherit their level follow the section's new default.
      await d.db.updateTable('articles').set({ effective_access: i.defaultAccess })
        .where('primary_section_id', '=', id).where('access_level', 'is', null).execute();
    }
    return sectionOut(row);
  });
}

export async function createTag(d: ContentDeps, i: { name: string; slug?: string }): Promise<TagOut> {
  const slug = await freeSlug(d, 'tags', i.slug ?? slugify(i.name, 60));
  const row = await d.db.insertInto('tags').values({ slug, name: i.name, created_at: d.clock.now() }).returningAll().executeTakeFirstOrThrow();
  d.changed?.();
  return tagOut(row);
}

export async function updateTag(d: ContentDeps, id: number, i: { name?: string; slug?: string }): Promise<TagOut> {
  if (i.slug) await freeSlug(d, 'tags', i.slug, id);
  const row = await d.db.updateTable('tags').set({ ...(i.name !== undefined && { name: i.name }), ...(i.slug !== undefined && { slug: i.slug }) })
    .where('id', '=', id).returningAll().executeTakeFirst();
  if (!row) throw notFound('tag');
  d.changed?.();
  return tagOut(row);
}

export async function deleteTaxonomy(deps: ContentDeps, table: Table, id: number): Promise<void> {
  await inTransaction(deps, async (d) => {
    if (table === 'sections') {
      // Articles that inherited from this section fall back to metered, the site-wide default.
      await d.db.updateTable('articles').set({ effective_access: 'metered' }).where('primary_section_id', '=', id).where('access_level', 'is', null).execute();
    }
    const res = await d.db.deleteFrom(table).where('id', '=', id).executeTakeFirst();
    if (!res.numDeletedRows) throw notFound(table.slice(0, -1));
  });
}

export const listAuthorsOut = async (d: ContentDeps) => (await d.db.selectFrom('authors').selectAll().orderBy('name').execute()).map(authorOut);
export const listSectionsOut = async (d: ContentDeps) => (await d.db.selectFrom('sections').selectAll().orderBy('position').orderBy('name').execute()).map(sectionOut);
export const listTagsOut = async (d: ContentDeps) => (await d.db.selectFrom('tags').selectAll().orderBy('name').execute()).map(tagOut);
export async function getTaxonomy(d: ContentDeps, table: Table, id: number) {
  const row = await d.db.selectFrom(table).selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound(table.slice(0, -1));
  return table === 'authors' ? authorOut(row as any) : table === 'sections' ? sectionOut(row as any) : tagOut(row as any);
}
