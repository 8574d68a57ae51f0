import { toDoc } from './body.js';
import { inTransaction, type ContentDeps } from './deps.js';
import type { ArticleCreate, ArticleUpdate } from './inputs.js';
import { renderDoc } from './richtext/render.js';
import { emptyDoc, type Doc } from './richtext/doc.js';
import { indexArticle, unindexArticle, type SearchDoc } from './search.js';
import { slugForName, slugify } from './slug.js';
import { currentLinks, findSummary, saveRedirect, tagsFor } from './articles.queries.js';
import type { AccessLevel, ArticleStatus, ArticleSummary, TagRef } from './types.js';
import { AppError, conflict, invalidInput, notFound } from '../errors.js';
import { revisionRow } from './newsroom.queries.js';

export const articlePath = (slug: string) => `/articles/${slug}`;

const index = async (d: ContentDeps, doc: SearchDoc) => (d.indexLater ? d.indexLater(doc) : indexArticle(d.db, d.dialect, doc));

/** The status readers and staff see: a scheduled article whose time has come is published. */
export function effectiveStatus(status: ArticleStatus, publishedAt: number | null, now: number): ArticleStatus {
  if (status === 'scheduled' && publishedAt !== null && publishedAt <= now) return 'published';
  return status;
}

export interface ArticleDetail extends ArticleSummary {
  dek: string;
  body: Doc;
  bodyHtml: string;
  previewHtml: string;
  hasPreviewBreak: boolean;
  tags: TagRef[];
  sections: string[];
  sourceId: string | null;
  /** Counts every change: a save from the editor names the one it was based on. */
  revision: number;
}

export async function getArticle(deps: ContentDeps, by: { id: number } | { slug: string }): Promise<ArticleDetail> {
  const summary = await findSummary(deps.db, by);
  if (!summary) throw notFound('article');
  const row = await deps.db.selectFrom('articles').select(['body_doc', 'body_html', 'preview_html', 'has_break', 'source_id', 'revision'])
    .where('id', '=', summary.id).executeTakeFirstOrThrow();
  const sections = await deps.db.selectFrom('article_sections as x').innerJoin('sections as s', 's.id', 'x.section_id')
    .select('s.slug').where('x.article_id', '=', summary.id).orderBy('s.slug').execute();
  return {
    ...summary,
    status: effectiveStatus(summary.status, summary.publishedAt, deps.clock.now()),
    body: JSON.parse(row.body_doc) as Doc,
    bodyHtml: row.body_html,
    previewHtml: row.preview_html,
    hasPreviewBreak: row.has_break === 1,
    tags: await tagsFor(deps.db, summary.id),
    sections: sections.map((s) => s.slug),
    sourceId: row.source_id,
    revision: row.revision,
  };
}

function resolveSchedule(status: ArticleStatus, publishedAt: number | null, now: number): { status: ArticleStatus; publishedAt: number | null } {
  if (status === 'draft') return { status, publishedAt };
  if (status === 'scheduled') {
    if (publishedAt === null) throw invalidInput('publishedAt: a scheduled article needs a publication time');
    return { status: publishedAt > now ? 'scheduled' : 'published', publishedAt };
  }
  const at = publishedAt ?? now;
  // Publishing with a future time is scheduling.
  return { status: at > now ? 'scheduled' : 'published', publishedAt: at };
}

const parseTime = (iso: string | null | undefined): number | null | undefined =>
  iso === undefined ? undefined : iso === null ? null : Date.parse(iso);

/** `base`, or `base-2`, `base-3`…: the first no other article has. Suffixed slugs stay within the 120-character limit. */
export async function uniqueSlug(deps: ContentDeps, base: string, exceptId?: number): Promise<string> {
  for (let i = 1; i < 1000; i++) {
    const candidate = i === 1 ? base : `${base.slice(0, 110)}-${i}`;
    const hit = await deps.db.selectFrom('articles').select('id').where('slug', '=', candidate).executeTakeFirst();
    if (!hit || hit.id === exceptId) return candidate;
  }
  throw conflict('could not find a free slug');
}

async function sectionIds(deps: ContentDeps, slugs: string[]): Promise<Map<string, { id: number; default_access: string }>> {
  const map = new Map<string, { id: number; default_access: string }>();
  if (!slugs.length) return map;
  const rows = await deps.db.selectFrom('sections').select(['id', 'slug', 'default_access']).where('slug', 'in', slugs).execute();
  for (const r of rows) map.set(r.slug, r);
  const missing = slugs.filter((s) => !map.has(s));
  if (missing.length) throw invalidInput(`unknown section: ${missing.join(', ')}`);
  return map;
}

async function authorIds(deps: ContentDeps, slugs: string[]): Promise<number[]> {
  if (!slugs.length) return [];
  const rows = await deps.db.selectFrom('authors').select(['id', 'slug']).where('slug', 'in', slugs).execute();
  const bySlug = new Map(rows.map((r) => [r.slug, r.id]));
  const missing = slugs.filter((s) => !bySlug.has(s));
  if (missing.length) throw invalidInput(`unknown author: ${missing.join(', ')}`);
  return [...new Set(slugs)].map((s) => bySlug.get(s)!);
}

/** Tags are created on first use, by name; a slug-shaped name that exists is reused. */
async function tagIds(deps: ContentDeps, names: string[]): Promise<number[]> {
  const ids: number[] = [];
  for (const name of names) {
    const slug = slugForName(name, 'tag', 60);
    const hit = await deps.db.selectFrom('tags').select('id').where('slug', '=', slug).executeTakeFirst();
    if (hit) ids.push(hit.id);
    else {
      const row = await deps.db.insertInto('tags').values({ slug, name: name.trim(), created_at: deps.clock.now() }).returning('id').executeTakeFirstOrThrow();
      ids.push(row.id);
    }
  }
  return [...new Set(ids)];
}

export function effectiveAccess(override: AccessLevel | null, sectionDefault: string | null | undefined): AccessLevel {
  return override ?? ((sectionDefault as AccessLevel | undefined) ?? 'metered');
}

/** What a bulk writer (the importer) needs back; reading the whole article again costs five queries. */
export interface SavedArticle { id: number; slug: string; status: ArticleStatus }

export async function createArticle(deps: ContentDeps, input: ArticleCreate, createdBy: number | null = null): Promise<ArticleDetail> {
  return inTransaction(deps, async (d) => getArticle(d, { id: (await insertArticle(d, input, createdBy)).id }));
}

export async function insertArticle(deps: ContentDeps, input: ArticleCreate, createdBy: number | null = null): Promise<SavedArticle> {
  return inTransaction(deps, async (d) => {
    const now = d.clock.now();
    const slug = input.slug
      ? await assertFreeSlug(d, input.slug)
      : await uniqueSlug(d, slugify(input.title));
    if (input.sourceId) {
      const dup = await d.db.selectFrom('articles').select('id').where('source_id', '=', input.sourceId).executeTakeFirst();
      if (dup) throw conflict(`an article with sourceId ${input.sourceId} exists (id ${dup.id})`);
    }
    const doc = input.body ? toDoc(input.body) : emptyDoc();
    const rendered = renderDoc(doc);
    const sched = resolveSchedule(input.status ?? 'draft', parseTime(input.publishedAt) ?? null, now);
    const primary = input.section ?? null;
    const secs = await sectionIds(d, [...new Set([...(primary ? [primary] : []), ...(input.sections ?? [])])]);
    const primaryRow = primary ? secs.get(primary)! : null;
    const accessLevel = input.accessLevel ?? null;
    const liveAt = sched.status === 'draft' || input.emailOnly ? null : sched.publishedAt;
    const row = await d.db.insertInto('articles').values({
      email_only: input.emailOnly ? 1 : 0,
      slug,
      title: input.title,
      dek: input.dek ?? '',
      body_doc: JSON.stringify(doc),
      body_html: rendered.fullHtml,
      preview_html: rendered.previewHtml,
      preview_text: rendered.previewText,
      has_break: rendered.hasBreak ? 1 : 0,
      feature_image_url: input.featureImageUrl ?? null,
      feature_image_alt: input.featureImageAlt ?? null,
      status: sched.status,
      published_at: sched.publishedAt,
      live_at: liveAt,
      access_level: accessLevel,
      effective_access: effectiveAccess(accessLevel, primaryRow?.default_access),
      primary_section_id: primaryRow?.id ?? null,
      featured: input.featured ? 1 : 0,
      source_id: input.sourceId ?? null,
      seo_title: input.seoTitle || null,
      seo_description: input.seoDescription || null,
      canonical_url: input.canonicalUrl || null,
      created_by_staff_id: createdBy,
      created_at: now,
      updated_at: now,
    }).returning('id').executeTakeFirstOrThrow();
    await writeLinks(d, row.id, liveAt, {
      sections: [...secs.values()].map((s) => s.id),
      authors: await authorIds(d, input.authors ?? []),
      tags: await tagIds(d, input.tags ?? []),
    }, true);
    await index(d, { id: row.id, title: input.title, dek: input.dek ?? '', previewText: rendered.previewText, gatedText: rendered.gatedText });
    return { id: row.id, slug, status: sched.status };
  });
}

async function assertFreeSlug(d: ContentDeps, slug: string, exceptId?: number): Promise<string> {
  const hit = await d.db.selectFrom('articles').select('id').where('slug', '=', slug).executeTakeFirst();
  if (hit && hit.id !== exceptId) throw conflict(`slug "${slug}" is taken`);
  return slug;
}

async function writeLinks(d: ContentDeps, articleId: number, liveAt: number | null, links: { sections?: number[]; authors?: number[]; tags?: number[] }, isNew = false, liveAtBefore: number | null = null) {
  // A new article has no links to replace and none to bring in step: only the inserts run. An
  // existing one's links are replaced only when the list differs (the editor sends them with every
  // autosave), and their live_at is written only when the article's moved.
  // The links as they are, all three kinds in one round trip (an autosave sends authors and tags every time).
  const current = isNew || (!links.sections && !links.authors && !links.tags) ? null : await currentLinks(d.db, articleId);
  const same = (kind: 's' | 'a' | 't', ids: number[]) => {
    if (!current) return false;
    const cur = current.filter((r) => r.kind === kind).sort((x, y) => x.position - y.position).map((r) => r.id);
    return cur.length === ids.length && (kind === 'a' ? cur.every((v, i) => v === ids[i]) : ids.every((v) => cur.includes(v)));
  };
  if (links.sections && !same('s', links.sections)) {
    if (!isNew) await d.db.deleteFrom('article_sections').where('article_id', '=', articleId).execute();
    if (links.sections.length) await d.db.insertInto('article_sections').values(links.sections.map((section_id) => ({ article_id: articleId, section_id, live_at: liveAt }))).execute();
  }
  if (links.authors && !same('a', links.authors)) {
    if (!isNew) await d.db.deleteFrom('article_authors').where('article_id', '=', articleId).execute();
    if (links.authors.length) await d.db.insertInto('article_authors').values(links.authors.map((author_id, position) => ({ article_id: articleId, author_id, position, live_at: liveAt }))).execute();
  }
  if (links.tags && !same('t', links.tags)) {
    if (!isNew) await d.db.deleteFrom('article_tags').where('article_id', '=', articleId).execute();
    if (links.tags.length) await d.db.insertInto('article_tags').values(links.tags.map((tag_id) => ({ article_id: articleId, tag_id, live_at: liveAt }))).execute();
  }
  if (isNew || liveAt === liveAtBefore) return;
  // Keep the denormalised live_at of every link in step with the article.
  await d.db.updateTable('article_sections').set({ live_at: liveAt }).where('article_id', '=', articleId).execute();
  await d.db.updateTable('article_authors').set({ live_at: liveAt }).where('article_id', '=', articleId).execute();
  await d.db.updateTable('article_tags').set({ live_at: liveAt }).where('article_id', '=', articleId).execute();
}

export async function updateArticle(deps: ContentDeps, id: number, input: ArticleUpdate): Promise<ArticleDetail> {
  return inTransaction(deps, async (d) => getArticle(d, { id: (await changeArticle(d, id, input)).id }));
}

/** An article as a change left it: what the editor's save answers with, known without reading the article again. */
export interface ChangedArticle extends SavedArticle {
  revision: number; title: string; dek: string; access: AccessLevel; updatedAt: number;
  /** The stored document, as text; `doc` is the same document parsed, when the change carried a body. */
  bodyDoc: string; doc: Doc | null;
}

/** What a change reads of the article it changes. Not the rendered body: a save of a long read rewrites it, never reads it. */
const CHANGE_COLUMNS = ['slug', 'title', 'dek', 'status', 'published_at', 'updated_at', 'revision', 'email_only', 'primary_section_id', 'access_level', 'live_at'] as const;

/**
 * `expectRevision`: the revision the caller's change was based on (the editor's saves). When the
 * article has moved on, nothing is written and the caller hears who moved it (staleRevision).
 */
export async function changeArticle(deps: ContentDeps, id: number, input: ArticleUpdate, o: { expectRevision?: number } = {}): Promise<ChangedArticle> {
  return inTransaction(deps, async (d) => {
    const now = d.clock.now();
    // The stored document is read only when this change keeps it (it is what the history records).
    const cur = await d.db.selectFrom('articles').select(CHANGE_COLUMNS).$if(input.body === undefined, (q) => q.select('body_doc'))
      .where('id', '=', id).executeTakeFirst();
    if (!cur) throw notFound('article');
    if (o.expectRevision !== undefined && o.expectRevision !== cur.revision) throw await staleRevision(d, id, cur.revision, cur.updated_at);
    const patch: Record<string, unknown> = { updated_at: now, revision: cur.revision + 1 };
    if (input.slug !== undefined && input.slug !== cur.slug) {
      await assertFreeSlug(d, input.slug, id);
      patch.slug = input.slug;
      const from = articlePath(cur.slug);
      const to = articlePath(input.slug);
      // Old URLs keep working, and earlier redirects point straight at the new one (no chains).
      await d.db.updateTable('redirects').set({ to_path: to }).where('to_path', '=', from).execute();
      await d.db.deleteFrom('redirects').where('from_path', '=', to).execute();
      await saveRedirect(d.db, from, to, now);
    }
    if (input.title !== undefined) patch.title = input.title;
    if (input.dek !== undefined) patch.dek = input.dek;
    let rendered = null;
    let doc: Doc | null = null;
    if (input.body !== undefined) {
      doc = toDoc(input.body);
      rendered = renderDoc(doc);
      Object.assign(patch, {
        body_doc: JSON.stringify(doc),
        body_html: rendered.fullHtml,
        preview_html: rendered.previewHtml,
        preview_text: rendered.previewText,
        has_break: rendered.hasBreak ? 1 : 0,
      });
    }
    if (input.featureImageUrl !== undefined) patch.feature_image_url = input.featureImageUrl;
    if (input.featureImageAlt !== undefined) patch.feature_image_alt = input.featureImageAlt;
    if (input.featured !== undefined) patch.featured = input.featured ? 1 : 0;
    if (input.sourceId !== undefined) patch.source_id = input.sourceId;
    if (input.seoTitle !== undefined) patch.seo_title = input.seoTitle || null;
    if (input.seoDescription !== undefined) patch.seo_description = input.seoDescription || null;
    if (input.canonicalUrl !== undefined) patch.canonical_url = input.canonicalUrl || null;

    const sched = resolveSchedule(
      input.status ?? (cur.status as ArticleStatus),
      input.publishedAt !== undefined ? parseTime(input.publishedAt)! : cur.published_at,
      now,
    );
    // An email-only article is listed nowhere: live_at (what every listing reads) stays null.
    const emailOnly = input.emailOnly ?? cur.email_only === 1;
    const liveAt = sched.status === 'draft' || emailOnly ? null : sched.publishedAt;
    Object.assign(patch, { status: sched.status, published_at: sched.publishedAt, live_at: liveAt, email_only: emailOnly ? 1 : 0 });

    let sectionIdsList: number[] | undefined;
    let primaryDefault: string | null = null;
    let primaryId = cur.primary_section_id;
    if (input.section !== undefined || input.sections !== undefined) {
      const primary = input.section !== undefined ? input.section : (cur.primary_section_id ? (await d.db.selectFrom('sections').select('slug').where('id', '=', cur.primary_section_id).executeTakeFirst())?.slug ?? null : null);
      const existing = input.sections ?? (await d.db.selectFrom('article_sections as x').innerJoin('sections as s', 's.id', 'x.section_id').select('s.slug').where('x.article_id', '=', id).execute()).map((r) => r.slug);
      const secs = await sectionIds(d, [...new Set([...(primary ? [primary] : []), ...existing])]);
      sectionIdsList = [...secs.values()].map((s) => s.id);
      primaryId = primary ? secs.get(primary)!.id : null;
      patch.primary_section_id = primaryId;
    }
    if (primaryId) primaryDefault = (await d.db.selectFrom('sections').select('default_access').where('id', '=', primaryId).executeTakeFirst())?.default_access ?? null;
    const accessLevel = input.accessLevel !== undefined ? input.accessLevel : (cur.access_level as AccessLevel | null);
    patch.access_level = accessLevel;
    patch.effective_access = effectiveAccess(accessLevel, primaryDefault);

    // Only over the revision read above: a save that raced this one and won makes this one stale.
    const done = await d.db.updateTable('articles').set(patch).where('id', '=', id).where('revision', '=', cur.revision).executeTakeFirst();
    if (Number(done.numUpdatedRows) !== 1) throw await staleRevision(d, id, cur.revision + 1, now);
    await writeLinks(d, id, liveAt, {
      sections: sectionIdsList,
      authors: input.authors ? await authorIds(d, input.authors) : undefined,
      tags: input.tags ? await tagIds(d, input.tags) : undefined,
    }, false, cur.live_at);
    // Search reads live articles only (content/search.ts), so the index is written when a live
    // article's text changes and when an article goes live; a draft's autosaves skip it (tokenising
    // a long read was most of a save's cost).
    const textChanged = rendered !== null || input.title !== undefined || input.dek !== undefined;
    if (liveAt !== null && (textChanged || cur.live_at === null)) {
      const fresh = await d.db.selectFrom('articles').select(['title', 'dek', 'body_doc']).where('id', '=', id).executeTakeFirstOrThrow();
      const r = rendered ?? renderDoc(JSON.parse(fresh.body_doc) as Doc);
      await index(d, { id, title: fresh.title, dek: fresh.dek, previewText: r.previewText, gatedText: r.gatedText });
    }
    return {
      id, slug: (patch.slug as string | undefined) ?? cur.slug, status: sched.status, revision: cur.revision + 1, updatedAt: now,
      title: (patch.title as string | undefined) ?? cur.title, dek: (patch.dek as string | undefined) ?? cur.dek,
      access: patch.effective_access as AccessLevel, bodyDoc: (patch.body_doc as string | undefined) ?? cur.body_doc!, doc,
    };
  });
}

/** Who made the revision the article is at, and when: what a refused save shows its writer. */
async function staleRevision(d: ContentDeps, id: number, revision: number, updatedAt: number): Promise<AppError> {
  const row = await revisionRow(d.db, id, revision);
  const by = row ? row.staff_name : 'someone outside the editor (the Content API, an import or the command line)';
  const at = row ? row.saved_at : updatedAt;
  return new AppError('stale_revision', `${by} changed this article at ${new Date(at).toISOString()}; your change was based on an older revision and was not saved`, { revision, by, at: new Date(at).toISOString() });
}

/** Facts the permission check needs about an existing article. */
export async function articleFacts(deps: ContentDeps, id: number): Promise<{ createdBy: number | null; live: boolean }> {
  const r = await deps.db.selectFrom('articles').select(['created_by_staff_id', 'status']).where('id', '=', id).executeTakeFirst();
  if (!r) throw notFound('article');
  return { createdBy: r.created_by_staff_id, live: r.status !== 'draft' };
}

export async function deleteArticle(deps: ContentDeps, id: number): Promise<void> {
  await inTransaction(deps, async (d) => {
    const cur = await d.db.selectFrom('articles').select(['id', 'slug']).where('id', '=', id).executeTakeFirst();
    if (!cur) throw notFound('article');
    await unindexArticle(d.db, d.dialect, id);
    await d.db.deleteFrom('redirects').where('to_path', '=', articlePath(cur.slug)).execute();
    await d.db.deleteFrom('articles').where('id', '=', id).execute();
  });
}

export interface ArticleListQuery { status?: ArticleStatus; section?: string; limit: number; offset: number }

export async function listArticlesForStaff(deps: ContentDeps, q: ArticleListQuery): Promise<ArticleSummary[]> {
  let query = deps.db.selectFrom('articles as a').leftJoin('sections as s', 's.id', 'a.primary_section_id').select('a.id');
  if (q.status === 'draft') query = query.where('a.status', '=', 'draft');
  else if (q.status === 'published') query = query.where('a.live_at', '<=', deps.clock.now());
  else if (q.status === 'scheduled') query = query.where('a.live_at', '>', deps.clock.now());
  if (q.section) query = query.where('s.slug', '=', q.section);
  const ids = await query.orderBy('a.updated_at', 'desc').orderBy('a.id', 'desc').limit(q.limit).offset(q.offset).execute();
  const out: ArticleSummary[] = [];
  for (const { id } of ids) {
    const s = await findSummary(deps.db, { id });
    if (s) out.push({ ...s, status: effectiveStatus(s.status, s.publishedAt, deps.clock.now()) });
  }
  return out;
}
