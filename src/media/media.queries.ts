import { sql } from 'kysely';
import type { Q } from '../db/q.js';
import type { Media, MediaVariant } from './types.js';

type Row = {
  id: number; key: string; original_name: string; mime: string; width: number; height: number; bytes: number;
  alt: string; uploaded_by: number | null; source_url: string | null; variants: string; created_at: number;
};

const toMedia = (r: Row): Media => ({
  id: r.id, key: r.key, originalName: r.original_name, mime: r.mime, width: r.width, height: r.height, bytes: Number(r.bytes),
  alt: r.alt, uploadedBy: r.uploaded_by, sourceUrl: r.source_url, variants: JSON.parse(r.variants) as MediaVariant[], createdAt: Number(r.created_at),
});

export interface NewMediaRow {
  key: string; originalName: string; mime: string; width: number; height: number; bytes: number; alt: string;
  uploadedBy: number | null; sourceUrl: string | null; variants: MediaVariant[]; now: number;
}

export async function insertMedia(db: Q, m: NewMediaRow): Promise<Media> {
  const row = await db.insertInto('media').values({
    key: m.key, original_name: m.originalName, mime: m.mime, width: m.width, height: m.height, bytes: m.bytes, alt: m.alt,
    uploaded_by: m.uploadedBy, source_url: m.sourceUrl, variants: JSON.stringify(m.variants), created_at: m.now,
  }).returningAll().executeTakeFirstOrThrow();
  return toMedia(row);
}

export async function findMedia(db: Q, by: { id: number } | { key: string } | { sourceUrl: string }): Promise<Media | undefined> {
  let q = db.selectFrom('media').selectAll();
  q = 'id' in by ? q.where('id', '=', by.id) : 'key' in by ? q.where('key', '=', by.key) : q.where('source_url', '=', by.sourceUrl);
  const row = await q.limit(1).executeTakeFirst();
  return row ? toMedia(row) : undefined;
}

export async function mediaByKeys(db: Q, keys: string[]): Promise<Map<string, Media>> {
  if (!keys.length) return new Map();
  const rows = await db.selectFrom('media').selectAll().where('key', 'in', keys).execute();
  return new Map(rows.map((r) => [r.key, toMedia(r)]));
}

/** `%` and `_` in what a person typed are letters, not wildcards. */
const likePattern = (s: string) => `%${s.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * Newest first, a page after the id `before` (paging by key: a page costs the same at any depth,
 * and an upload meanwhile does not shift what the next page shows).
 */
export async function listMedia(db: Q, o: { q?: string; before?: number; limit: number }): Promise<Media[]> {
  let q = db.selectFrom('media').selectAll();
  if (o.before !== undefined) q = q.where('id', '<', o.before);
  if (o.q) {
    const p = likePattern(o.q);
    q = q.where(sql<boolean>`(lower(original_name) like ${p} escape '\\' or lower(alt) like ${p} escape '\\')`);
  }
  const rows = await q.orderBy('id', 'desc').limit(o.limit).execute();
  return rows.map(toMedia);
}

export async function setMediaAlt(db: Q, id: number, alt: string): Promise<boolean> {
  const r = await db.updateTable('media').set({ alt }).where('id', '=', id).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function deleteMediaRow(db: Q, id: number): Promise<boolean> {
  const r = await db.deleteFrom('media').where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/** Articles whose feature image is one of this media's files, for the delete confirmation. */
export async function articlesUsingMedia(db: Q, key: string): Promise<{ id: number; title: string; slug: string }[]> {
  return db.selectFrom('articles').select(['id', 'title', 'slug'])
    .where((eb) => eb.or([eb('feature_image_url', 'like', `/media/${key}-%`), eb('body_html', 'like', `%/media/${key}-%`)]))
    .orderBy('id', 'desc').limit(50).execute();
}
