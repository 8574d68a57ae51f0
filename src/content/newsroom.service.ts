import { changeArticle, effectiveStatus, getArticle, insertArticle, type ArticleDetail } from './articles.service.js';
import { findSummaries, tagsFor } from './articles.queries.js';
import { inTransaction, type ContentDeps } from './deps.js';
import type { ArticleCreate, ArticleUpdate } from './inputs.js';
import {
  extendRevisionBurst, insertRevisionRow, newsroomPage, revisionRow, revisionRows,
  type NewsroomFilter, type RevisionRow,
} from './newsroom.queries.js';
import { blocksText } from './richtext/render.js';
import type { Doc } from './richtext/doc.js';
import type { AccessLevel, ArticleStatus, ArticleSummary } from './types.js';
import { prePublishWarnings, type PrePublishWarning } from './prepublish.js';
import { lineDiff, type DiffLine } from '../shared/diff.js';
import { invalidInput, notFound } from '../errors.js';

/**
 * The newsroom app's use of content: the list, saves from the editor (over a named revision, each
 * one kept in the history), restore, publishing and bulk changes. Permission checks happen before
 * these are called, with the same matrix as the Admin API (members/permissions.ts).
 */

export interface Staff { id: number; name: string }

// ---- the list -------------------------------------------------------------------------------

export interface NewsroomPage { articles: ArticleSummary[]; next: string | null }

export const encodeCursor = (c: { key: number; id: number }) => Buffer.from(`${c.key}.${c.id}`).toString('base64url');
export function decodeCursor(s: string): { key: number; id: number } {
  const m = /^(\d{1,16})\.(\d{1,12})$/.exec(Buffer.from(s, 'base64url').toString());
  if (!m) throw invalidInput('after: not a page position this list made');
  return { key: Number(m[1]), id: Number(m[2]) };
}

export async function listNewsroom(deps: ContentDeps, f: Omit<NewsroomFilter, 'now'>): Promise<NewsroomPage> {
  const now = deps.clock.now();
  // One row more than the page says whether there is a next page.
  const rows = await newsroomPage(deps.db, { ...f, limit: f.limit + 1, now });
  const page = rows.slice(0, f.limit);
  const articles = (await findSummaries(deps.db, page.map((r) => r.id))).map((s) => ({ ...s, status: effectiveStatus(s.status, s.publishedAt, now) }));
  return { articles, next: rows.length > f.limit ? encodeCursor(page[page.length - 1]!) : null };
}

// ---- saving ---------------------------------------------------------------------------------

/** A burst of autosaves by one person is one history entry, moved forward, for this long. */
export const REVISION_BURST_MS = 10 * 60_000;

/** `a`: the article's title and body as this save left them. */
async function remember(d: ContentDeps, articleId: number, revision: number, base: number | null, staff: Staff, a: { title: string; body_doc: string }): Promise<void> {
  const now = d.clock.now();
  const entry = { revision, title: a.title, body_doc: a.body_doc, saved_at: now };
  if (base !== null && await extendRevisionBurst(d.db, { articleId, base, staffUserId: staff.id, startedAfter: now - REVISION_BURST_MS }, entry)) return;
  await insertRevisionRow(d.db, { article_id: articleId, revision, staff_user_id: staff.id, staff_name: staff.name, title: a.title, body_doc: a.body_doc, started_at: now, saved_at: now });
}

export async function createFromEditor(deps: ContentDeps, input: ArticleCreate, staff: Staff): Promise<ArticleDetail> {
  return inTransaction(deps, async (d) => {
    const saved = await insertArticle(d, input, staff.id);
    const a = await d.db.selectFrom('articles').select(['title', 'body_doc']).where('id', '=', saved.id).executeTakeFirstOrThrow();
    await remember(d, saved.id, 1, null, staff, a);
    return getArticle(d, { id: saved.id });
  });
}

/**
 * What a save answers with: where the article now stands and what to warn about before it goes
 * live. Not the document: the editor sent it. An autosave of a long read is mostly its body, and
 * reading it back, parsing it and sending it again was a third of the save (GET has it).
 */
export interface EditorSaved { id: number; revision: number; slug: string; title: string; status: ArticleStatus; updatedAt: number; warnings: PrePublishWarning[] }

/** A save from the editor: over `baseRevision` only (else stale_revision, nothing written), and kept in the history. */
export async function saveFromEditor(deps: ContentDeps, id: number, baseRevision: number, input: ArticleUpdate, staff: Staff): Promise<EditorSaved> {
  return inTransaction(deps, async (d) => {
    const saved = await changeArticle(d, id, input, { expectRevision: baseRevision });
    await remember(d, id, saved.revision, baseRevision, staff, { title: saved.title, body_doc: saved.bodyDoc });
    const body = saved.doc ?? (JSON.parse(saved.bodyDoc) as Doc);
    return {
      id, revision: saved.revision, slug: saved.slug, title: saved.title, status: saved.status, updatedAt: saved.updatedAt,
      warnings: prePublishWarnings({ title: saved.title, dek: saved.dek, access: saved.access, body }),
    };
  });
}

// ---- publishing -----------------------------------------------------------------------------

/** `emailOnly`: sent by email and listed nowhere on the site (the editor's "Email only"); false lists it. */
export type PublishAction = { action: 'publish'; emailOnly?: boolean } | { action: 'schedule'; at: number; emailOnly?: boolean } | { action: 'unpublish' };

export function publishChange(p: PublishAction, now: number): ArticleUpdate {
  switch (p.action) {
    case 'publish':
      return { status: 'published', publishedAt: new Date(now).toISOString(), ...(p.emailOnly !== undefined ? { emailOnly: p.emailOnly } : {}) };
    case 'schedule':
      if (p.at <= now) throw invalidInput('the time to publish at is in the past; choose a later time or publish now');
      return { status: 'scheduled', publishedAt: new Date(p.at).toISOString(), ...(p.emailOnly !== undefined ? { emailOnly: p.emailOnly } : {}) };
    case 'unpublish':
      return { status: 'draft' };
  }
}

export async function publishFromEditor(deps: ContentDeps, id: number, baseRevision: number, p: PublishAction, staff: Staff): Promise<EditorSaved> {
  return saveFromEditor(deps, id, baseRevision, publishChange(p, deps.clock.now()), staff);
}

// ---- bulk -----------------------------------------------------------------------------------

export type BulkAction =
  | { action: 'publish' } | { action: 'unpublish' } | { action: 'delete' }
  | { action: 'access'; accessLevel: AccessLevel | null }
  | { action: 'tag'; tag: string };

/**
 * One change to many articles, in one transaction: all of them or none. Deleting is not here: an
 * article's sends decide whether it may go (newsletters/publish.service deleteArticleWithSends).
 */
export async function bulkChange(deps: ContentDeps, ids: number[], b: Exclude<BulkAction, { action: 'delete' }>): Promise<number> {
  return inTransaction(deps, async (d) => {
    const now = d.clock.now();
    for (const id of ids) {
      if (b.action === 'publish') {
        const cur = await getArticle(d, { id });
        // Already live stays as it is (its date is its date); drafts and scheduled ones go live now.
        if (cur.status !== 'published') await changeArticle(d, id, { status: 'published', publishedAt: new Date(now).toISOString() });
      } else if (b.action === 'unpublish') await changeArticle(d, id, { status: 'draft' });
      else if (b.action === 'access') await changeArticle(d, id, { accessLevel: b.accessLevel });
      else {
        const tags = (await tagsFor(d.db, id)).map((t) => t.name);
        await changeArticle(d, id, { tags: [...tags, b.tag] });
      }
    }
    return ids.length;
  });
}

// ---- history --------------------------------------------------------------------------------

export interface RevisionEntry { revision: number; by: string; at: number; title: string }

export async function listRevisions(deps: ContentDeps, articleId: number): Promise<RevisionEntry[]> {
  return (await revisionRows(deps.db, articleId)).map((r) => ({ revision: r.revision, by: r.staff_name, at: r.saved_at, title: r.title }));
}

const textOf = (r: Pick<RevisionRow, 'title' | 'body_doc'>) => [r.title, '', ...blocksText((JSON.parse(r.body_doc) as Doc).content).split('\n')];

/** One revision against the entry before it (or against nothing, for the first). */
export async function revisionDiff(deps: ContentDeps, articleId: number, revision: number): Promise<{ entry: RevisionEntry; diff: DiffLine[]; previous: number | null }> {
  const rows = await revisionRows(deps.db, articleId);
  const at = rows.findIndex((r) => r.revision === revision);
  if (at < 0) throw notFound('revision');
  const r = rows[at]!;
  const before = rows[at + 1];
  return {
    entry: { revision: r.revision, by: r.staff_name, at: r.saved_at, title: r.title },
    previous: before?.revision ?? null,
    diff: lineDiff(before ? textOf(before) : [], textOf(r)),
  };
}

/** Restoring writes the old title and body as a new revision: the history only grows. */
export async function restoreRevision(deps: ContentDeps, articleId: number, revision: number, baseRevision: number, staff: Staff): Promise<EditorSaved> {
  const r = await revisionRow(deps.db, articleId, revision);
  if (!r) throw notFound('revision');
  return saveFromEditor(deps, articleId, baseRevision, { title: r.title || undefined, body: { doc: JSON.parse(r.body_doc) as Doc } }, staff);
}
