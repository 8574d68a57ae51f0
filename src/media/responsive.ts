import type { Q } from '../db/q.js';
import { mediaByKeys } from './media.queries.js';
import { mediaPath, VARIANT_KEY_RE, MIME, type Media, type ResponsiveImage } from './types.js';

/** How pages show library images; no image library needed, so reader pages load none. */

/** The media key in a URL that points at one of our files (site-relative, or absolute on this site). */
export function mediaKeyOf(url: string | null | undefined, siteUrl?: string): string | null {
  if (!url) return null;
  let path = url;
  if (siteUrl && url.startsWith(siteUrl + '/')) path = url.slice(siteUrl.length);
  const m = /^\/media\/([^/?#]+)$/.exec(path);
  const v = m ? VARIANT_KEY_RE.exec(m[1]!) : null;
  return v ? v[1]! : null;
}

/** The largest fallback variant: what an article's feature image URL or an inline image points at. */
export function primaryUrl(m: Media): string {
  const fallback = m.variants.filter((v) => v.format !== 'webp');
  const list = fallback.length ? fallback : m.variants;
  return mediaPath(list.reduce((a, b) => (b.width > a.width ? b : a)).key);
}

/** srcset, sizes and WebP sources for a page; widths ascending. */
export function responsive(m: Media): ResponsiveImage {
  const fallback = m.variants.filter((v) => v.format !== 'webp').sort((a, b) => a.width - b.width);
  const webp = m.variants.filter((v) => v.format === 'webp').sort((a, b) => a.width - b.width);
  const main = fallback.length ? fallback : webp;
  const largest = main[main.length - 1]!;
  const set = (list: typeof main) => list.map((v) => `${mediaPath(v.key)} ${v.width}w`).join(', ');
  return {
    src: mediaPath(largest.key), width: largest.width, height: largest.height, srcset: set(main), type: MIME[largest.format],
    ...(fallback.length && webp.length ? { webpSrcset: set(webp) } : {}),
  };
}

/** Library images for these URLs, by URL: reader pages look their feature images up in one query. */
export async function responsiveFor(db: Q, urls: (string | null)[], siteUrl?: string): Promise<Map<string, ResponsiveImage>> {
  const byKey = new Map<string, string[]>();
  for (const u of urls) {
    const k = mediaKeyOf(u, siteUrl);
    if (k && u) byKey.set(k, [...(byKey.get(k) ?? []), u]);
  }
  const out = new Map<string, ResponsiveImage>();
  if (!byKey.size) return out;
  for (const [key, m] of await mediaByKeys(db, [...byKey.keys()])) {
    const r = responsive(m);
    for (const u of byKey.get(key)!) out.set(u, r);
  }
  return out;
}
