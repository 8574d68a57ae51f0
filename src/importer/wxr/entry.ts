import { SLUG_RE } from '../../content/slug.js';
import { assertHtmlDepth } from '../../content/richtext/limits.js';
import { htmlToText, titleFromHtml } from '../markup-text.js';
import { itemErrorMessage } from '../limits.js';
import type { ImportItem, ImportPerson, ImportTerm, ParsedEntry } from '../types.js';
import { detach, type RawItem, type WxrChannel } from './reader.js';
import { cleanWordPressHtml } from './wp-content.js';

/** A reason an item cannot be imported; becomes an error entry, never a throw out of the parser. */
export class ItemError extends Error {}

export function positionOf(raw: RawItem): string {
  return `item ${raw.index} (near line ${raw.line})`;
}

let lastSite: Site | undefined;

/** One raw item → its entry: the item, or the reason it cannot be imported. Never throws. */
export function buildEntry(raw: RawItem, kind: 'post' | 'page', channel: WxrChannel): ParsedEntry {
  try {
    const link = channel.link || channel.baseBlogUrl;
    if (!lastSite || lastSite.base !== link.replace(/\/+$/, '')) lastSite = siteOf(channel);
    return { ok: true, item: buildItem(raw, kind, channel, lastSite) };
  } catch (err) {
    return { ok: false, error: { position: positionOf(raw), message: itemErrorMessage(err) } };
  }
}

/** One raw WXR post or page → an ImportItem (without its feature image, which parse.ts resolves). */
export function buildItem(raw: RawItem, kind: 'post' | 'page', channel: WxrChannel, site: Site): ImportItem {
  const f = raw.fields;
  const postId = f.postId?.trim() ?? '';
  if (!/^\d+$/.test(postId)) throw new ItemError(postId ? `<wp:post_id> is not a number: ${JSON.stringify(postId.slice(0, 40))}` : 'no <wp:post_id>');
  const flags: string[] = [];
  // The cleaning below (shortcodes, paragraphs, the title from the text) walks the markup; deep
  // nesting is refused before any of it.
  assertHtmlDepth(f.content ?? '', 'the post’s content');
  const html = cleanWordPressHtml(f.content ?? '');
  let title = htmlToText(f.title ?? '');
  if (!title) {
    title = titleFromHtml(html);
    if (!title) throw new ItemError('no title and no text');
    flags.push('title_from_body');
  }
  // U+FFFD is what the decoder leaves for bytes that were not UTF-8: the text survives, so flag rather than drop.
  if (title.includes('\uFFFD') || html.includes('\uFFFD')) flags.push('invalid_utf8');

  // Strings cut from the input are detached: a consumer that keeps an item (or its slug, or its
  // id) must not keep the 64 KB chunk it came from.
  const item: ImportItem = {
    sourceId: `wxr:${site.key}:${detach(postId)}`,
    position: positionOf(raw),
    kind,
    title: detach(title),
    html: detach(html),
    authors: authorsOf(f.creator, channel),
    sections: sectionsOf(raw, channel),
    tags: tagsOf(raw),
    publishedAt: publishedAt(f.postDateGmt, f.postDate),
    sourceStatus: f.status?.trim() === 'publish' || f.status?.trim() === 'future' ? 'published' : 'draft',
    oldPaths: oldPaths(f.link, f.guid, site),
    flags,
    removed: [],
  };
  const slug = slugOf(f.postName);
  if (slug) item.slug = detach(slug);
  const dek = htmlToText(f.excerpt ?? '');
  if (dek) item.dek = detach(dek);
  const canonical = raw.meta._yoast_wpseo_canonical?.trim();
  if (canonical && /^https?:\/\//i.test(canonical)) item.canonicalUrl = detach(canonical);
  return item;
}

/** The channel's address, parsed once: the namespace of source ids and the host of old paths. */
export interface Site {
  /** Without a trailing slash, e.g. `https://old.example.com`. */
  base: string;
  url: URL | null;
  /**
   * The site as source ids name it: host without `www.` plus any path, no scheme
   * (`old.example.com`), so an export taken after a move to https or to www updates, not duplicates.
   */
  key: string;
}

export function siteOf(channel: WxrChannel): Site {
  const base = (channel.link || channel.baseBlogUrl).replace(/\/+$/, '');
  let url: URL | null = null;
  try {
    url = base ? new URL(base) : null;
  } catch {
    url = null;
  }
  const key = url ? `${url.hostname.replace(/^www\./, '')}${url.pathname.replace(/\/+$/, '')}` : base;
  return { base, url, key };
}

function slugOf(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  let s = raw.trim().toLowerCase();
  try {
    // WordPress stores non-ASCII slugs percent-encoded.
    s = decodeURIComponent(s);
  } catch {
    return undefined;
  }
  return SLUG_RE.test(s) ? s : undefined;
}

function authorsOf(creator: string | undefined, channel: WxrChannel): ImportPerson[] {
  const login = creator?.trim();
  if (!login) return [];
  const known = channel.authors.get(login);
  return [known ? { ...known } : { name: detach(login) }];
}

function sectionsOf(raw: RawItem, channel: WxrChannel): ImportTerm[] {
  const out: ImportTerm[] = [];
  const seen = new Set<string>();
  for (const c of raw.categories) {
    if (c.domain !== 'category') continue;
    const name = htmlToText(c.name);
    const slug = slugOf(c.nicename) ?? slugOf(channel.categoryByName.get(c.name.trim()));
    // WordPress files everything without a category under its default one; it is not a section.
    if (!name || slug === 'uncategorized') continue;
    const key = slug ?? name;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(slug ? { name: detach(name), slug: detach(slug) } : { name: detach(name) });
  }
  // Yoast SEO's "primary category" is the one a newsroom means by the article's section.
  const primaryId = raw.meta._yoast_wpseo_primary_category?.trim();
  const primary = primaryId ? channel.categorySlugs.get(primaryId) : undefined;
  const at = primary ? out.findIndex((s) => s.slug === primary) : -1;
  if (at > 0) out.unshift(...out.splice(at, 1));
  return out;
}

function tagsOf(raw: RawItem): string[] {
  const out: string[] = [];
  for (const c of raw.categories) {
    if (c.domain !== 'post_tag') continue;
    const name = htmlToText(c.name);
    if (name && !out.includes(name)) out.push(detach(name));
  }
  return out;
}

const WP_DATE = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?$/;

/**
 * `wp:post_date_gmt`, or `wp:post_date` when the GMT one is unset (drafts have 0000-00-00…).
 * WXR does not say which zone `wp:post_date` is in, so it is read as UTC: off by the site's
 * offset, but only for drafts, whose date the newsroom sets again when publishing.
 */
export function publishedAt(gmt: string | undefined, local: string | undefined): string | null {
  for (const raw of [gmt, local]) {
    const v = raw?.trim();
    if (!v || v.startsWith('0000-00-00')) continue;
    const m = WP_DATE.exec(v);
    if (!m) throw new ItemError(`unreadable date ${JSON.stringify(v.slice(0, 40))}`);
    const [y, mo, d, h, mi, s = '00'] = m.slice(1) as [string, string, string, string, string, string?];
    const t = new Date(Date.UTC(+y, +mo - 1, +d, +h, +mi, +s));
    if (t.getUTCMonth() !== +mo - 1 || t.getUTCDate() !== +d || +h > 23 || +mi > 59 || +s > 59) {
      throw new ItemError(`impossible date ${JSON.stringify(v)}`);
    }
    return `${y}-${mo}-${d}T${h}:${mi}:${s}Z`;
  }
  return null;
}

/** The permalink, and the `?p=123` guid, as paths on the old site — the old URLs to redirect. */
function oldPaths(link: string | undefined, guid: string | undefined, site: Site): string[] {
  const out: string[] = [];
  const add = (p: string | undefined) => {
    if (p && !out.includes(p)) out.push(p);
  };
  add(sitePath(link, site));
  const g = sitePath(guid, site);
  if (g && /^\/\?(?:p|page_id)=\d+$/.test(g)) add(g);
  return out;
}

function sitePath(raw: string | undefined, site: Site): string | undefined {
  const v = raw?.trim();
  if (!v || !site.url) return undefined;
  let u: URL;
  try {
    u = new URL(v, site.url);
  } catch {
    return undefined;
  }
  if (hostKey(u.hostname) !== hostKey(site.url.hostname)) return undefined;
  const path = u.pathname + u.search;
  // Never redirect the home page.
  return path === '/' ? undefined : path;
}

const hostKey = (host: string) => host.toLowerCase().replace(/^www\./, '');
