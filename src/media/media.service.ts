import type { Kysely, Transaction } from 'kysely';
import type { Clock } from '../clock.js';
import type { Dialect } from '../db/database.js';
import type { DB } from '../db/schema.js';
import { invalidInput, notFound } from '../errors.js';
import { deleteMediaRow, findMedia, insertMedia, listMedia, setMediaAlt } from './media.queries.js';
import type { MediaStore } from './store.js';
import { MIME, type Media } from './types.js';
import { mediaKeyOf } from './responsive.js';

export { mediaKeyOf, primaryUrl, responsive, responsiveFor } from './responsive.js';

export interface MediaDeps {
  db: Kysely<DB> | Transaction<DB>;
  dialect: Dialect;
  clock: Clock;
  store: MediaStore;
  /** Called after a change that reader pages may show (alt text, a deleted image). */
  changed?: () => void;
  log?: { warn(obj: object, msg: string): void };
}

/**
 * Uploads processed at once. Each runs two libvips jobs at a time (image.ts); two uploads keep
 * libuv's pool of four busy without queueing file reads and DNS lookups behind image work.
 */
const MAX_CONCURRENT = 2;
let running = 0;
const waiting: (() => void)[] = [];
async function slot<T>(fn: () => Promise<T>): Promise<T> {
  if (running >= MAX_CONCURRENT) await new Promise<void>((r) => waiting.push(r));
  running++;
  try {
    return await fn();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

export interface UploadInput { data: Buffer; originalName: string; uploadedBy: number | null; alt?: string; sourceUrl?: string | null }

const cleanName = (name: string) => name.replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, 200) || 'image';

/**
 * Stores an upload: checked and processed (image.ts), every variant put in the store, then one
 * row. Nothing is half-stored: a failure before the row removes the files this call wrote. The
 * same image again (same processed bytes) is the row that exists, and `created` says which.
 */
export async function uploadMedia(deps: MediaDeps, input: UploadInput): Promise<{ media: Media; created: boolean }> {
  // sharp (libvips) is loaded on the first upload: reader pages and the CLI never need it.
  const { processImage } = await import('./image.js');
  const image = await slot(() => processImage(input.data));
  const existing = await findMedia(deps.db, { key: image.key });
  if (existing) return { media: existing, created: false };
  const written: string[] = [];
  try {
    for (const v of image.variants) {
      await deps.store.put(v.meta.key, v.data, MIME[v.meta.format]);
      written.push(v.meta.key);
    }
    const media = await insertMedia(deps.db, {
      key: image.key, originalName: cleanName(input.originalName), mime: image.mime, width: image.width, height: image.height,
      bytes: input.data.length, alt: (input.alt ?? '').trim().slice(0, 500), uploadedBy: input.uploadedBy, sourceUrl: input.sourceUrl ?? null,
      variants: image.variants.map((v) => v.meta), now: deps.clock.now(),
    });
    return { media, created: true };
  } catch (err) {
    // The same image uploaded at the same moment: the other upload's row holds these very files.
    const raced = await findMedia(deps.db, { key: image.key }).catch(() => undefined);
    if (raced) return { media: raced, created: false };
    await Promise.all(written.map((k) => deps.store.delete(k).catch(() => {})));
    throw err;
  }
}

export async function getMedia(deps: MediaDeps, id: number): Promise<Media> {
  const m = await findMedia(deps.db, { id });
  if (!m) throw notFound('image');
  return m;
}

/** The library's alt text for an image URL of ours ('' for any other URL): a feature image chosen without typing one gets it. */
export async function libraryAltFor(deps: MediaDeps, url: string | null | undefined): Promise<string> {
  const key = mediaKeyOf(url);
  return key ? ((await findMedia(deps.db, { key }))?.alt ?? '') : '';
}

export const MEDIA_PAGE = 24;

export async function findMediaPage(deps: MediaDeps, o: { q?: string; before?: number; limit?: number }): Promise<{ items: Media[]; nextBefore: number | null }> {
  const limit = o.limit ?? MEDIA_PAGE;
  const rows = await listMedia(deps.db, { q: o.q?.trim() || undefined, before: o.before, limit: limit + 1 });
  const items = rows.slice(0, limit);
  return { items, nextBefore: rows.length > limit ? items[items.length - 1]!.id : null };
}

export async function updateAlt(deps: MediaDeps, id: number, alt: string): Promise<Media> {
  const text = alt.replace(/\s+/g, ' ').trim();
  if (text.length > 500) throw invalidInput('alt text: at most 500 characters');
  if (!(await setMediaAlt(deps.db, id, text))) throw notFound('image');
  deps.changed?.();
  return getMedia(deps, id);
}

/** The row first, then the files: a file left behind by a failed delete is only disk, never a broken row. */
export async function deleteMedia(deps: MediaDeps, id: number): Promise<void> {
  const m = await getMedia(deps, id);
  if (!(await deleteMediaRow(deps.db, id))) throw notFound('image');
  deps.changed?.();
  for (const v of m.variants) {
    await deps.store.delete(v.key).catch((err: unknown) => deps.log?.warn({ err, key: v.key }, 'could not delete a media file'));
  }
}

