import { AppError } from '../errors.js';
import { fetchImage, HostError, type FetchLimits } from '../media/fetch.js';
import { findMedia } from '../media/media.queries.js';
import { primaryUrl, uploadMedia, type MediaDeps } from '../media/media.service.js';
import { IMAGE_FETCH_BYTES, IMAGE_FETCH_TIMEOUT_MS } from './limits.js';
import type { ImportItem } from './types.js';

export interface ImageImportOptions extends Partial<FetchLimits> { media: MediaDeps }

export interface ImageFailure { url: string; message: string }
export interface ImageReport { fetched: number; reused: number; failed: ImageFailure[] }

/**
 * Images fetched or failed in this run, by URL (an archive shows the same logo on a thousand posts),
 * and hosts that failed as a whole, by `host:<name>`: the old site gone means one lookup, not one per image.
 */
export type ImageCache = Map<string, { url: string } | { error: string }>;

const hostKey = (url: string) => {
  try {
    return `host:${new URL(url).host}`;
  } catch {
    return 'host:';
  }
};
const known = (cache: ImageCache, url: string) => cache.get(url) ?? cache.get(hostKey(url));

/** Whether bringing this item's images in needs the database or the network (else the run's cache answers). */
export function needsFetching(item: ImportItem, cache: ImageCache): boolean {
  return [...remoteImages(item).keys()].some((u) => !known(cache, u));
}

const IMG_SRC = /(<img\b[^>]*?\bsrc\s*=\s*)(["'])(.*?)\2/gi;
const decode = (s: string) => s.replace(/&amp;/g, '&').replace(/&#38;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'");
const isRemote = (u: string) => /^https?:\/\//i.test(u);
const altOf = (tag: string) => decode(/\balt\s*=\s*(["'])(.*?)\1/i.exec(tag)?.[2] ?? '');

/** The remote images an item links to, with the alt text the archive gives each. */
export function remoteImages(item: ImportItem): Map<string, string> {
  const found = new Map<string, string>();
  if (item.featureImageUrl && isRemote(item.featureImageUrl)) found.set(item.featureImageUrl, item.featureImageAlt ?? '');
  for (const m of item.html.matchAll(/<img\b[^>]*>/gi)) {
    const src = /\bsrc\s*=\s*(["'])(.*?)\1/i.exec(m[0])?.[2];
    if (!src) continue;
    const url = decode(src);
    if (isRemote(url) && !found.has(url)) found.set(url, altOf(m[0]));
  }
  return found;
}

/**
 * Brings the item's remote images into the media library and points the item at the copies. An
 * image that cannot be had (gone, too large, too slow, not an image) keeps its old URL and is
 * reported; it never fails the item. An image fetched before (this run, or an earlier one: the
 * row keeps its source URL) is not fetched again.
 */
export async function localizeImages(item: ImportItem, o: ImageImportOptions, cache: ImageCache): Promise<{ item: ImportItem; report: ImageReport }> {
  const report: ImageReport = { fetched: 0, reused: 0, failed: [] };
  const wanted = remoteImages(item);
  if (!wanted.size) return { item, report };
  const limits: FetchLimits = { maxBytes: o.maxBytes ?? IMAGE_FETCH_BYTES, timeoutMs: o.timeoutMs ?? IMAGE_FETCH_TIMEOUT_MS, allowPrivateHosts: o.allowPrivateHosts };
  const local = new Map<string, string>();
  for (const [url, alt] of wanted) {
    let hit = known(cache, url);
    if (!hit) {
      const row = await findMedia(o.media.db, { sourceUrl: url });
      if (row) {
        hit = { url: primaryUrl(row) };
        report.reused++;
      } else {
        try {
          const data = await fetchImage(url, limits);
          const name = decodeURIComponent(new URL(url).pathname.split('/').pop() || 'image').slice(0, 200);
          const { media } = await uploadMedia(o.media, { data, originalName: name, uploadedBy: null, alt, sourceUrl: url });
          hit = { url: primaryUrl(media) };
          report.fetched++;
        } catch (err) {
          if (!(err instanceof AppError) && !(err instanceof Error)) throw err;
          hit = { error: err.message };
          if (err instanceof HostError) cache.set(hostKey(url), hit);
        }
      }
      cache.set(url, hit);
    } else if ('url' in hit) report.reused++;
    if ('url' in hit) local.set(url, hit.url);
    else report.failed.push({ url, message: hit.error });
  }
  if (!local.size) return { item, report };
  const html = item.html.replace(IMG_SRC, (whole, pre: string, q: string, src: string) => {
    const to = local.get(decode(src));
    return to ? `${pre}${q}${to}${q}` : whole;
  });
  const feature = item.featureImageUrl ? local.get(item.featureImageUrl) : undefined;
  return { item: { ...item, html, ...(feature ? { featureImageUrl: feature } : {}) }, report };
}
