import { SLUG_RE } from '../../content/slug.js';
import type { AccessLevel } from '../../content/types.js';
import type { ImportItem, ImportPerson, ImportTerm, ParsedEntry } from '../types.js';
import { renderLexical } from './lexical.js';
import { renderMobiledoc } from './mobiledoc.js';
import { isObject, str, type Obj } from './json.js';
import { itemErrorMessage, MAX_ITEM_BYTES, megabytes } from '../limits.js';

/**
 * Reads a Ghost JSON export ({ db: [{ meta, data: { posts, users, tags, posts_tags, posts_authors, posts_meta?, ... } }] } — also accept the top-level { meta, data } shape).
 *
 * The export is parsed whole (JSON.parse): Ghost exports hold text only — images are not in
 * them — so even large publications export tens of megabytes, not gigabytes. Items are then
 * yielded one at a time; a post that cannot be read is an error entry and the rest go on.
 */
export function* parseGhost(json: string, opts: GhostOptions = {}): Generator<ParsedEntry> {
  const opened = openGhost(json, opts);
  if (!('positions' in opened)) {
    yield opened;
    return;
  }
  for (let i = 0; i < opened.positions.length; i++) {
    const entry = opened.entry(i);
    if (entry) yield entry;
  }
}

export interface GhostOptions { includePages?: boolean }

/** An opened export: every post's position, and each post read on its own, by index, when asked. */
export interface GhostExport {
  positions: string[];
  /** The post's entry, or null for what is not imported (a page without includePages). */
  entry(index: number): ParsedEntry | null;
}

/** Parses the export and indexes its tables; a file that is not a Ghost export is one error entry. */
export function openGhost(json: string, opts: GhostOptions = {}): GhostExport | ParsedEntry {
  let root: unknown;
  try {
    root = JSON.parse(json.charCodeAt(0) === 0xfeff ? json.slice(1) : json);
  } catch (err) {
    return fileError(`not valid JSON (${(err as Error).message})`);
  }
  const sets = dataSets(root);
  if (!sets.length) return fileError('no "db[].data" or "data" with posts');
  const posts: { post: unknown; id: string; ctx: Indexes }[] = [];
  const positions: string[] = [];
  for (const [n, data] of sets.entries()) {
    const ctx = indexes(data);
    const prefix = sets.length > 1 ? `db[${n}].` : '';
    for (const [i, post] of (Array.isArray(data.posts) ? data.posts : []).entries()) {
      const id = isObject(post) && (typeof post.id === 'string' || typeof post.id === 'number') ? String(post.id) : '';
      posts.push({ post, id, ctx });
      positions.push(`${prefix}posts[${i}]${id ? ` (id ${id})` : ''}`);
    }
  }
  return {
    positions,
    entry(index) {
      const { post, id, ctx } = posts[index]!;
      const position = positions[index]!;
      try {
        const item = postItem(post, id, position, ctx, opts);
        return item ? { ok: true, item } : null;
      } catch (err) {
        // One post's trouble, whatever it is (a malformed body, nesting past the limit), is that post's error.
        return { ok: false, error: { position, message: itemErrorMessage(err) } };
      }
    },
  };
}

class PostError extends Error {}

const idOf = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');

function fileError(why: string): ParsedEntry {
  return { ok: false, error: { position: 'file', message: `not a Ghost export: ${why}` } };
}

function dataSets(root: unknown): Obj[] {
  if (!isObject(root)) return [];
  if (Array.isArray(root.db)) return root.db.filter(isObject).map((d) => d.data).filter((d): d is Obj => isObject(d) && Array.isArray(d.posts));
  return isObject(root.data) && Array.isArray(root.data.posts) ? [root.data] : [];
}

interface Indexes {
  users: Map<string, Obj>;
  tags: Map<string, Obj>;
  /** post id → ids in sort order. */
  postTags: Map<string, string[]>;
  postAuthors: Map<string, string[]>;
  meta: Map<string, Obj>;
}

function indexes(data: Obj): Indexes {
  const byId = (rows: unknown) => new Map((Array.isArray(rows) ? rows : []).filter(isObject).map((r) => [idOf(r.id), r] as const));
  return {
    users: byId(data.users),
    tags: byId(data.tags),
    postTags: links(data.posts_tags, 'tag_id'),
    postAuthors: links(data.posts_authors, 'author_id'),
    meta: new Map((Array.isArray(data.posts_meta) ? data.posts_meta : []).filter(isObject).map((r) => [idOf(r.post_id), r] as const)),
  };
}

/** A join table → post id → the other ids, ordered by sort_order (then file order). */
function links(rows: unknown, key: string): Map<string, string[]> {
  const grouped = new Map<string, { id: string; order: number; at: number }[]>();
  (Array.isArray(rows) ? rows : []).filter(isObject).forEach((r, at) => {
    const post = idOf(r.post_id);
    const id = idOf(r[key]);
    if (!post || !id) return;
    const order = typeof r.sort_order === 'number' ? r.sort_order : 0;
    const list = grouped.get(post);
    if (list) list.push({ id, order, at });
    else grouped.set(post, [{ id, order, at }]);
  });
  const out = new Map<string, string[]>();
  for (const [post, list] of grouped) out.set(post, list.sort((a, b) => a.order - b.order || a.at - b.at).map((x) => x.id));
  return out;
}

const ACCESS: Record<string, AccessLevel> = { public: 'free', members: 'registered', paid: 'paid', tiers: 'paid' };

function postItem(post: unknown, id: string, position: string, ctx: Indexes, opts: GhostOptions): ImportItem | null {
  if (!isObject(post)) throw new PostError('not an object');
  // Ghost 1.x marked pages with `page: true`; later versions with `type: 'page'`.
  const type = str(post.type) || (post.page === true || post.page === 1 ? 'page' : 'post');
  if (type !== 'post' && !(type === 'page' && opts.includePages)) return null;
  if (!id) throw new PostError('no id');
  const title = str(post.title).trim();
  if (!title) throw new PostError('no title');

  const flags: string[] = [];
  const meta = ctx.meta.get(id) ?? {};
  const rawSlug = str(post.slug).trim();
  const status = str(post.status);
  const item: ImportItem = {
    sourceId: `ghost:${id}`,
    position,
    kind: type === 'page' ? 'page' : 'post',
    title,
    html: body(post, flags),
    authors: authorsOf(post, id, ctx),
    ...termsOf(id, ctx),
    publishedAt: ghostDate(post.published_at),
    sourceStatus: status === 'published' || status === 'scheduled' ? 'published' : 'draft',
    oldPaths: rawSlug && /^[^\s/?#]+$/.test(rawSlug) ? [`/${rawSlug}/`] : [],
    flags,
    removed: [],
  };
  if (SLUG_RE.test(rawSlug)) item.slug = rawSlug;
  const dek = str(post.custom_excerpt).trim();
  if (dek) item.dek = dek;
  const access = ACCESS[str(post.visibility)];
  if (access) item.accessLevel = access;
  const image = siteUrl(str(post.feature_image).trim());
  if (image) item.featureImageUrl = image;
  const alt = (str(meta.feature_image_alt) || str(post.feature_image_alt)).trim();
  if (image && alt) item.featureImageAlt = alt;
  const canonical = str(post.canonical_url).trim();
  if (/^https?:\/\//i.test(canonical)) item.canonicalUrl = canonical;
  return item;
}

/**
 * `html` when the export has it (Ghost renders every card into it), else the editor document.
 * Ghost marks the paywall card in HTML as `<!--members-only-->`; ours is `<!--more-->`.
 */
function body(post: Obj, flags: string[]): string {
  // One post is one article, whatever the size of the export around it.
  for (const field of ['html', 'lexical', 'mobiledoc'] as const) {
    if (str(post[field]).length > MAX_ITEM_BYTES) throw new PostError(`its ${field} is larger than ${megabytes(MAX_ITEM_BYTES)}, the most one post can be`);
  }
  let html = str(post.html);
  if (!html.trim()) {
    const rendered = str(post.lexical) ? renderLexical(str(post.lexical)) : str(post.mobiledoc) ? renderMobiledoc(str(post.mobiledoc)) : null;
    if (rendered) {
      html = rendered.html;
      if (rendered.dropped.length) flags.push('unsupported_card');
    }
  }
  return siteUrls(html.replace(/<!--\s*members-only\s*-->/g, '<!--more-->'));
}

/** Ghost writes its own address as `__GHOST_URL__`: those URLs become site-relative. */
function siteUrl(url: string): string {
  return url ? siteUrls(url) : '';
}
function siteUrls(s: string): string {
  return s.indexOf('__GHOST_URL__') < 0 ? s : s.replace(/__GHOST_URL__(?=\/)/g, '').replace(/__GHOST_URL__/g, '/');
}

function authorsOf(post: Obj, id: string, ctx: Indexes): ImportPerson[] {
  // Ghost 1.x had a single `author_id` on the post instead of the join table.
  const ids = ctx.postAuthors.get(id) ?? (idOf(post.author_id) ? [idOf(post.author_id)] : []);
  const out: ImportPerson[] = [];
  for (const uid of ids) {
    const u = ctx.users.get(uid);
    const name = u ? str(u.name).trim() : '';
    if (!u || !name) continue;
    const slug = str(u.slug).trim();
    const email = str(u.email).trim();
    out.push({ name, ...(SLUG_RE.test(slug) ? { slug } : {}), ...(email ? { email } : {}) });
  }
  return out;
}

/** Public tags (not `#internal`) become tags; the first of them is the section too. */
function termsOf(id: string, ctx: Indexes): { sections: ImportTerm[]; tags: string[] } {
  const tags: string[] = [];
  let section: ImportTerm | undefined;
  for (const tid of ctx.postTags.get(id) ?? []) {
    const t = ctx.tags.get(tid);
    const name = t ? str(t.name).trim() : '';
    if (!t || !name || name.startsWith('#') || t.visibility === 'internal') continue;
    if (!section) {
      const slug = str(t.slug).trim();
      section = SLUG_RE.test(slug) ? { name, slug } : { name };
    }
    if (!tags.includes(name)) tags.push(name);
  }
  return { sections: section ? [section] : [], tags };
}

/** Ghost 1+ writes ISO strings; 0.x wrote "YYYY-MM-DD HH:MM:SS" (UTC) or epoch milliseconds. */
function ghostDate(v: unknown): string | null {
  if (v === null || v === undefined || v === '') return null;
  let t: number;
  if (typeof v === 'number') t = v;
  else if (typeof v === 'string') {
    const s = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2})?$/.test(v.trim()) ? v.trim().replace(' ', 'T') + 'Z' : v.trim();
    t = /(Z|[+-]\d{2}:?\d{2})$/i.test(s) ? Date.parse(s) : NaN;
  } else t = NaN;
  if (!Number.isFinite(t)) throw new PostError(`unreadable published_at ${JSON.stringify(v)}`);
  return new Date(t).toISOString().replace('.000Z', 'Z');
}
