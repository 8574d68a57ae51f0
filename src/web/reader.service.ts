import type { AccessDecision } from '../access/decision.js';
import { findLead, findLiveBySlug, findLiveRedirect, listLive, loadBody, tagsFor } from '../content/articles.queries.js';
import type { ContentDeps } from '../content/deps.js';
import { searchArticleIds } from '../content/search.js';
import { findAuthorBySlug, findSectionBySlug, findTagBySlug } from '../content/taxonomy.queries.js';
import { findSummary } from '../content/articles.queries.js';
import type { ArticleSummary } from '../content/types.js';
import { ArticlePage, READER_SLOT } from './pages/article.js';
import { READER_MARK } from './reader-nav.js';
import type { ArticleShell, ReaderCache } from './reader-cache.js';
import type { HomeView } from './pages/home.js';
import type { ListingView } from './pages/listing.js';
import type { SearchView } from './pages/search.js';
import type { Site } from './site.js';

export const PAGE_SIZE = 12;
const RAIL_SIZE = 4;

export type Found<T> = { kind: 'ok'; view: T } | { kind: 'redirect'; to: string } | { kind: 'missing' };

export interface ArticleResult<D extends { decision: AccessDecision }> { article: ArticleSummary; access: D; shell: ArticleShell }

/**
 * Where an old URL (an imported site's permalink, "/2019/03/harbour-dues/" or "/?p=123") now lives.
 * Tried as given, without its query, and with and without a trailing slash.
 */
export async function redirectFor(deps: ContentDeps, url: string): Promise<string | undefined> {
  const path = url.split('?')[0]!;
  const toggled = path.endsWith('/') && path.length > 1 ? path.slice(0, -1) : `${path}/`;
  const forms = [url, path, toggled];
  // WordPress writes percent-escapes in lowercase, browsers in uppercase: try both.
  if (url.includes('%')) for (const f of [url, path, toggled]) forms.push(f.replace(/%[0-9a-f]{2}/gi, (m) => m.toUpperCase()), f.replace(/%[0-9a-f]{2}/gi, (m) => m.toLowerCase()));
  for (const candidate of new Set(forms)) {
    const to = await findLiveRedirect(deps.db, candidate, deps.clock.now());
    if (to && to !== candidate) return to;
  }
  return undefined;
}

/**
 * An article page: find the article (no body), decide access, and only then
 * get the page for the part the reader may have. A denied request never loads
 * or renders the full text: the preview shell is built from the preview column.
 */
export async function loadArticlePage<D extends { decision: AccessDecision }>(
  deps: ContentDeps, cache: ReaderCache, site: Site, slug: string, decideFor: (article: ArticleSummary) => Promise<D>,
): Promise<Found<ArticleResult<D>>> {
  const entry = await cache.articles.getOrLoad(slug, async () => {
    const article = await findLiveBySlug(deps.db, slug, deps.clock.now());
    return article ? { article, tags: await tagsFor(deps.db, article.id) } : null;
  });
  if (!entry) {
    const to = await findLiveRedirect(deps.db, `/articles/${slug}`, deps.clock.now());
    return to ? { kind: 'redirect', to } : { kind: 'missing' };
  }
  const { article, tags } = entry;
  const access = await decideFor(article);
  const part = access.decision.full ? 'full' : 'preview';
  const shell = await cache.shells.getOrLoad(`${article.id}:${article.updatedAt}:${part}`, async () => {
    const body = await loadBody(deps.db, article.id, part);
    const html = ArticlePage({ site, view: { article, part, body, tags } }).value;
    const nav = html.indexOf(READER_MARK);
    const at = html.indexOf(READER_SLOT);
    return { top: Buffer.from(html.slice(0, nav)), head: Buffer.from(html.slice(nav + READER_MARK.length, at)), tail: Buffer.from(html.slice(at + READER_SLOT.length)), pages: new Map() };
  });
  return { kind: 'ok', view: { article, access, shell } };
}

export async function loadHome(deps: ContentDeps, site: Site, page: number): Promise<HomeView> {
  const now = deps.clock.now();
  if (page > 1) {
    const rows = await listLive(deps.db, { now, limit: PAGE_SIZE + 1, offset: (page - 1) * PAGE_SIZE + 1 });
    return { page, latest: rows.slice(0, PAGE_SIZE), hasNext: rows.length > PAGE_SIZE, rails: [] };
  }
  const lead = await findLead(deps.db, now);
  const exclude = lead ? [lead.id] : [];
  const rows = await listLive(deps.db, { now, limit: PAGE_SIZE + 1, excludeIds: exclude });
  const latest = rows.slice(0, PAGE_SIZE);
  const shown = new Set([...exclude, ...latest.map((a) => a.id)]);
  const rails = [];
  for (const section of site.sections) {
    const articles = await listLive(deps.db, { now, limit: RAIL_SIZE, sectionId: section.id });
    if (articles.length) rails.push({ section, articles: articles.filter((a) => !shown.has(a.id)).concat(articles.filter((a) => shown.has(a.id))).slice(0, RAIL_SIZE) });
  }
  return { page, lead, latest, hasNext: rows.length > PAGE_SIZE, rails };
}

export async function loadListing(deps: ContentDeps, kind: ListingView['kind'], slug: string, page: number): Promise<ListingView | undefined> {
  const now = deps.clock.now();
  const offset = (page - 1) * PAGE_SIZE;
  let owner: { id: number; name: string; description: string } | undefined;
  let rows: ArticleSummary[];
  if (kind === 'section') {
    const s = await findSectionBySlug(deps.db, slug);
    if (!s) return undefined;
    owner = { id: s.id, name: s.name, description: s.description };
    rows = await listLive(deps.db, { now, limit: PAGE_SIZE + 1, offset, sectionId: s.id });
  } else if (kind === 'author') {
    const a = await findAuthorBySlug(deps.db, slug);
    if (!a) return undefined;
    owner = { id: a.id, name: a.name, description: a.bio };
    rows = await listLive(deps.db, { now, limit: PAGE_SIZE + 1, offset, authorId: a.id });
  } else {
    const t = await findTagBySlug(deps.db, slug);
    if (!t) return undefined;
    owner = { id: t.id, name: t.name, description: '' };
    rows = await listLive(deps.db, { now, limit: PAGE_SIZE + 1, offset, tagId: t.id });
  }
  return { kind, slug, name: owner.name, description: owner.description, page, articles: rows.slice(0, PAGE_SIZE), hasNext: rows.length > PAGE_SIZE };
}

/** Search as an anonymous reader: gated text never matches (see content/search). */
export async function loadSearch(deps: ContentDeps, q: string, page: number): Promise<SearchView> {
  const { ids, more } = await searchArticleIds(deps.db, deps.dialect, q, { now: deps.clock.now(), limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE, scope: 'public' });
  const articles: ArticleSummary[] = [];
  for (const id of ids) {
    const a = await findSummary(deps.db, { id });
    if (a) articles.push(a);
  }
  return { q, page, articles, hasNext: more };
}
