import { sql } from 'kysely';
import type { AccessLevel, ArticleStatus, ArticleSummary, AuthorRef, TagRef } from './types.js';
import type { Q } from '../db/q.js';
import { responsiveFor } from '../media/responsive.js';

/** Columns a listing or an access decision needs. Never the body. */
const SUMMARY_COLUMNS = [
  'a.id', 'a.slug', 'a.title', 'a.dek', 'a.feature_image_url', 'a.feature_image_alt', 'a.status',
  'a.published_at', 'a.updated_at', 'a.access_level', 'a.effective_access', 'a.featured', 'a.comment_count',
  's.id as section_id', 's.slug as section_slug', 's.name as section_name',
  'a.seo_title', 'a.seo_description', 'a.canonical_url', 'a.email_only',
] as const;

function summaryQuery(db: Q) {
  return db.selectFrom('articles as a').leftJoin('sections as s', 's.id', 'a.primary_section_id').select(SUMMARY_COLUMNS);
}

type SummaryRow = Awaited<ReturnType<ReturnType<typeof summaryQuery>['executeTakeFirstOrThrow']>>;

function toSummary(r: SummaryRow, authors: AuthorRef[]): ArticleSummary {
  return {
    id: r.id,
    slug: r.slug,
    title: r.title,
    dek: r.dek,
    featureImageUrl: r.feature_image_url,
    featureImageAlt: r.feature_image_alt,
    status: r.status as ArticleStatus,
    publishedAt: r.published_at,
    updatedAt: r.updated_at,
    accessLevel: r.access_level as AccessLevel | null,
    access: r.effective_access as AccessLevel,
    featured: r.featured === 1,
    commentCount: r.comment_count,
    section: r.section_id != null ? { id: r.section_id, slug: r.section_slug!, name: r.section_name! } : null,
    authors,
    seoTitle: r.seo_title,
    seoDescription: r.seo_description,
    canonicalUrl: r.canonical_url,
    ...(r.email_only === 1 ? { emailOnly: true } : {}),
  };
}

export async function authorsFor(db: Q, articleIds: number[]): Promise<Map<number, AuthorRef[]>> {
  const map = new Map<number, AuthorRef[]>();
  if (!articleIds.length) return map;
  const rows = await db.selectFrom('article_authors as aa')
    .innerJoin('authors as au', 'au.id', 'aa.author_id')
    .select(['aa.article_id', 'au.id', 'au.slug', 'au.name'])
    .where('aa.article_id', 'in', articleIds)
    .orderBy('aa.article_id').orderBy('aa.position')
    .execute();
  for (const r of rows) {
    const list = map.get(r.article_id) ?? [];
    list.push({ id: r.id, slug: r.slug, name: r.name });
    map.set(r.article_id, list);
  }
  return map;
}

async function withAuthors(db: Q, rows: SummaryRow[]): Promise<ArticleSummary[]> {
  const authors = await authorsFor(db, rows.map((r) => r.id));
  // One query for the library images among the feature images, none when there are none.
  const images = await responsiveFor(db, rows.map((r) => r.feature_image_url));
  return rows.map((r) => {
    const s = toSummary(r, authors.get(r.id) ?? []);
    const image = r.feature_image_url ? images.get(r.feature_image_url) : undefined;
    return image ? { ...s, featureImage: image } : s;
  });
}

/**
 * A live article by slug: published (or scheduled and due) as of `now`. An email-only article is
 * live at its own address too (the newsletter's web view), and nowhere else: its live_at is null.
 */
export async function findLiveBySlug(db: Q, slug: string, now: number): Promise<ArticleSummary | undefined> {
  const row = await summaryQuery(db).where('a.slug', '=', slug)
    .where((eb) => eb.or([eb('a.live_at', '<=', now), eb.and([eb('a.email_only', '=', 1), eb('a.status', '!=', 'draft'), eb('a.published_at', '<=', now)])]))
    .executeTakeFirst();
  return row ? (await withAuthors(db, [row]))[0] : undefined;
}

/** Any article by id or slug, whatever its status (Content API). */
export async function findSummary(db: Q, by: { id: number } | { slug: string }): Promise<ArticleSummary | undefined> {
  let q = summaryQuery(db);
  q = 'id' in by ? q.where('a.id', '=', by.id) : q.where('a.slug', '=', by.slug);
  const row = await q.executeTakeFirst();
  return row ? (await withAuthors(db, [row]))[0] : undefined;
}

/**
 * The body, loaded only after access has been decided: a reader without access
 * gets the preview column, and the full text is never read for them.
 */
export interface BodyParts { previewHtml: string; previewText: string; /** Only when the full text was asked for. */ restHtml?: string }

export async function loadBody(db: Q, id: number, part: 'full' | 'preview'): Promise<BodyParts> {
  if (part === 'preview') {
    const row = await db.selectFrom('articles').select(['preview_html', 'preview_text']).where('id', '=', id).executeTakeFirst();
    return { previewHtml: row?.preview_html ?? '', previewText: row?.preview_text ?? '' };
  }
  const row = await db.selectFrom('articles').select(['preview_html', 'preview_text', 'body_html']).where('id', '=', id).executeTakeFirst();
  if (!row) return { previewHtml: '', previewText: '', restHtml: '' };
  // The stored full body is the preview followed by the rest (see renderDoc), except where the
  // preview is a teaser cut from the first paragraph: then the whole body is the rest.
  const lead = row.body_html.startsWith(row.preview_html) ? row.preview_html : '';
  return { previewHtml: lead, previewText: row.preview_text, restHtml: row.body_html.slice(lead.length) };
}

export interface ListOptions {
  now: number;
  limit: number;
  offset?: number;
  sectionId?: number;
  authorId?: number;
  tagId?: number;
  excludeIds?: number[];
}

/** Live articles, newest first. Filters walk the (owner, live_at) link indexes. */
export async function listLive(db: Q, o: ListOptions): Promise<ArticleSummary[]> {
  let q = summaryQuery(db).where('a.live_at', '<=', o.now);
  if (o.sectionId !== undefined) {
    const ids = db.selectFrom('article_sections').select('article_id')
      .where('section_id', '=', o.sectionId).where('live_at', '<=', o.now)
      .orderBy('live_at', 'desc').limit(o.limit + (o.excludeIds?.length ?? 0)).offset(o.offset ?? 0);
    q = q.where('a.id', 'in', ids);
  } else if (o.authorId !== undefined) {
    const ids = db.selectFrom('article_authors').select('article_id')
      .where('author_id', '=', o.authorId).where('live_at', '<=', o.now)
      .orderBy('live_at', 'desc').limit(o.limit).offset(o.offset ?? 0);
    q = q.where('a.id', 'in', ids);
  } else if (o.tagId !== undefined) {
    const ids = db.selectFrom('article_tags').select('article_id')
      .where('tag_id', '=', o.tagId).where('live_at', '<=', o.now)
      .orderBy('live_at', 'desc').limit(o.limit).offset(o.offset ?? 0);
    q = q.where('a.id', 'in', ids);
  } else {
    q = q.offset(o.offset ?? 0);
  }
  if (o.excludeIds?.length) q = q.where('a.id', 'not in', o.excludeIds);
  const rows = await q.orderBy('a.live_at', 'desc').orderBy('a.id', 'desc').limit(o.limit).execute();
  return withAuthors(db, rows);
}

export async function findLead(db: Q, now: number): Promise<ArticleSummary | undefined> {
  const featured = await summaryQuery(db).where('a.featured', '=', 1).where('a.live_at', '<=', now)
    .orderBy('a.live_at', 'desc').limit(1).executeTakeFirst();
  const row = featured ?? (await summaryQuery(db).where('a.live_at', '<=', now).orderBy('a.live_at', 'desc').limit(1).executeTakeFirst());
  return row ? (await withAuthors(db, [row]))[0] : undefined;
}

export async function tagsFor(db: Q, articleId: number): Promise<TagRef[]> {
  return db.selectFrom('article_tags as at').innerJoin('tags as t', 't.id', 'at.tag_id')
    .select(['t.id', 't.slug', 't.name']).where('at.article_id', '=', articleId).orderBy('t.name').execute();
}

/** Articles whose text a feed may carry: free ones in full, gated ones to the preview only. */
export async function feedBodies(db: Q, articles: ArticleSummary[]): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  const free = articles.filter((a) => a.access === 'free').map((a) => a.id);
  const gated = articles.filter((a) => a.access !== 'free').map((a) => a.id);
  if (free.length) for (const r of await db.selectFrom('articles').select(['id', 'body_html']).where('id', 'in', free).execute()) out.set(r.id, r.body_html);
  if (gated.length) for (const r of await db.selectFrom('articles').select(['id', 'preview_html']).where('id', 'in', gated).execute()) out.set(r.id, r.preview_html);
  return out;
}

export async function previewTexts(db: Q, ids: number[]): Promise<Map<number, string>> {
  if (!ids.length) return new Map();
  const rows = await db.selectFrom('articles').select(['id', 'preview_text']).where('id', 'in', ids).execute();
  return new Map(rows.map((r) => [r.id, r.preview_text]));
}

export async function findRedirect(db: Q, fromPath: string): Promise<string | undefined> {
  const row = await db.selectFrom('redirects').select('to_path').where('from_path', '=', fromPath).executeTakeFirst();
  return row?.to_path;
}

/** An old URL points at the new one; an earlier redirect from the same path is replaced. */
export async function saveRedirect(db: Q, from: string, to: string, now: number): Promise<void> {
  await db.insertInto('redirects').values({ from_path: from, to_path: to, created_at: now })
    .onConflict((oc) => oc.column('from_path').doUpdateSet({ to_path: to })).execute();
}

/**
 * A redirect whose target article is live now. An old URL of a draft or a scheduled article
 * answers 404 like any unknown URL: a redirect would tell anyone its headline (its slug).
 */
export async function findLiveRedirect(db: Q, fromPath: string, now: number): Promise<string | undefined> {
  const to = await findRedirect(db, fromPath);
  const slug = to && /^\/articles\/([a-z0-9-]+)$/.exec(to)?.[1];
  if (!slug) return undefined;
  const live = await db.selectFrom('articles').select('id').where('slug', '=', slug).where('live_at', '<=', now).executeTakeFirst();
  return live ? to : undefined;
}

export async function countLive(db: Q, now: number): Promise<number> {
  const r = await db.selectFrom('articles').select((eb) => eb.fn.countAll<number>().as('n')).where('live_at', '<=', now).executeTakeFirstOrThrow();
  return Number(r.n);
}

export async function liveSlugsPage(db: Q, now: number, limit: number, offset: number) {
  return db.selectFrom('articles').select(['slug', 'updated_at', 'live_at']).where('live_at', '<=', now)
    .orderBy('live_at', 'desc').orderBy('id', 'desc').limit(limit).offset(offset).execute();
}

/** Summaries of any status, in the order of `ids` (the newsroom's list). */
export async function findSummaries(db: Q, ids: number[]): Promise<ArticleSummary[]> {
  if (!ids.length) return [];
  const rows = await summaryQuery(db).where('a.id', 'in', ids).execute();
  const byId = new Map((await withAuthors(db, rows)).map((s) => [s.id, s]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}

/** An article's sections (s), authors (a, with their order) and tags (t), in one query. */
export async function currentLinks(db: Q, articleId: number): Promise<{ kind: 's' | 'a' | 't'; id: number; position: number }[]> {
  const rows = await db.selectFrom('article_sections').select([sql<string>`'s'`.as('kind'), 'section_id as id', sql<number>`0`.as('position')]).where('article_id', '=', articleId)
    .unionAll(db.selectFrom('article_authors').select([sql<string>`'a'`.as('kind'), 'author_id as id', 'position']).where('article_id', '=', articleId))
    .unionAll(db.selectFrom('article_tags').select([sql<string>`'t'`.as('kind'), 'tag_id as id', sql<number>`0`.as('position')]).where('article_id', '=', articleId))
    .execute();
  return rows.map((r) => ({ kind: r.kind as 's' | 'a' | 't', id: Number(r.id), position: Number(r.position) }));
}
