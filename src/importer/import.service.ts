import { createHash } from 'node:crypto';
import { articlePath, changeArticle, insertArticle, uniqueSlug } from '../content/articles.service.js';
import { createAuthor, createSection } from '../content/taxonomy.service.js';
import { articleCreateSchema, type ArticleCreate } from '../content/inputs.js';
import { inTransaction, type ContentDeps } from '../content/deps.js';
import { isSafeSrc } from '../content/richtext/doc.js';
import { SLUG_RE, slugForName, slugify } from '../content/slug.js';
import type { AccessLevel } from '../content/types.js';
import { AppError } from '../errors.js';
import { findImportItem, saveImportItem, findTaxonomyId } from './import.queries.js';
import { saveRedirect } from '../content/articles.queries.js';
import type { ImportFormat, ImportItem, ImportPerson, ImportTerm, RemovedLine } from './types.js';
import type { ImageReport } from './images.js';

export interface ImportOptions {
  /** Overrides every item's access level (Ghost visibility included). */
  access?: AccessLevel;
  /** Section (slug or name) for items whose source names none; created when missing. */
  section?: string;
  /** Author (slug or name) for items whose source names none; created when missing. */
  author?: string;
  /** Publish items that were live in the source; otherwise everything lands as a draft. */
  publish: boolean;
  /** Read, clean and report, but write nothing. */
  dryRun: boolean;
}

export type ImportOutcome =
  | {
    /** `kept`: the article was edited in Masthead since it was imported; the import leaves it alone. */
    kind: 'created' | 'updated' | 'unchanged' | 'kept' | 'would_create' | 'would_update';
    position: string;
    sourceId: string;
    articleId: number | null;
    title: string;
    slug: string;
    path: string;
    status: 'draft' | 'published' | 'scheduled';
    flags: string[];
    removed: RemovedLine[];
    /** The item's images fetched into the library, when the run fetches them. */
    images?: ImageReport;
  }
  | { kind: 'failed'; position: string; sourceId?: string; message: string };

/** An outcome as the CLI's `--json` lines and the Admin API report it: one shape for both. */
export function outcomeRecord(o: ImportOutcome, siteUrl: string, explain: boolean) {
  if (o.kind === 'failed') return { ok: false as const, record: { position: o.position, sourceId: o.sourceId ?? null, message: o.message } };
  return {
    ok: true as const,
    record: {
      result: o.kind, id: o.articleId, url: `${siteUrl}${o.path}`, title: o.title, status: o.status,
      sourceId: o.sourceId, position: o.position, flags: o.flags, ...(explain ? { removed: o.removed } : {}),
      ...(o.images ? { images: { fetched: o.images.fetched, reused: o.images.reused, failed: o.images.failed } } : {}),
    },
  };
}

/**
 * Ids of authors and sections seen in this run: an archive names the same dozen
 * people and sections a hundred thousand times, and each lookup would otherwise be a query.
 * An item's new ids are added only once the item has succeeded (a failed item's rows are rolled back).
 */
export class TaxonomyCache {
  readonly authors = new Map<string, number>();
  readonly sections = new Map<string, number>();
}

/** What a rerun compares: an unchanged item with unchanged options is skipped, which makes reruns fast and resumable. */
function contentHash(item: ImportItem, format: ImportFormat, opts: ImportOptions): string {
  const { position: _p, removed: _r, ...rest } = item;
  return createHash('sha256').update(JSON.stringify([format, rest, opts.access ?? null, opts.section ?? null, opts.author ?? null, opts.publish])).digest('base64url');
}

const clip = (s: string, n: number) => (s.length <= n ? s : s.slice(0, n).replace(/\s+\S*$/, ''));

function termSlug(t: ImportTerm | ImportPerson, prefix: string): string {
  const s = t.slug?.toLowerCase();
  return s && SLUG_RE.test(s) && s.length <= 120 ? s : slugForName(t.name, prefix);
}

async function ensureTerm(d: ContentDeps, table: 'authors' | 'sections', cache: Map<string, number>, created: Map<string, number>, t: ImportTerm | ImportPerson): Promise<string> {
  const slug = termSlug(t, table === 'authors' ? 'author' : 'section');
  if (cache.has(slug) || created.has(slug)) return slug;
  const id = await findTaxonomyId(d.db, table, slug);
  if (id !== undefined) {
    created.set(slug, id);
    return slug;
  }
  const name = clip(t.name.trim() || slug, 200);
  const made = table === 'authors' ? await createAuthor(d, { name, slug }) : await createSection(d, { name, slug });
  created.set(slug, made.id);
  return slug;
}

/** An option given as a slug or a name ("Local News" and "local-news" are the same section). */
const optionTerm = (v: string): ImportTerm => (SLUG_RE.test(v) ? { name: v, slug: v } : { name: v });

/**
 * Imports one item in one transaction: the article, its authors and sections,
 * redirects from its old URLs, and the import record. Anything wrong with the item
 * fails only this item; the caller reports it with its position and goes on.
 */
export async function importItem(deps: ContentDeps, item: ImportItem, format: ImportFormat, opts: ImportOptions, cache: TaxonomyCache): Promise<ImportOutcome> {
  try {
    return await importOne(deps, withoutNul(item), format, opts, cache);
  } catch (err) {
    if (err instanceof AppError) return { kind: 'failed', position: item.position, sourceId: item.sourceId, message: err.message };
    // Whatever else one item trips over (a constraint, a converter bug) costs that item only;
    // a database that is gone, full or locked stops the run, since every next item would fail too.
    if (isFatal(err)) throw err;
    return { kind: 'failed', position: item.position, sourceId: item.sourceId, message: `could not be stored: ${(err as Error).message ?? String(err)}` };
  }
}

/** Errors that say the database, not the item, is the problem. */
export function isFatal(err: unknown): boolean {
  const code = String((err as { code?: unknown }).code ?? '');
  if (/^SQLITE_(BUSY|LOCKED|FULL|IOERR|CORRUPT|READONLY|CANTOPEN|NOMEM|NOTADB|PERM|AUTH)/.test(code)) return true;
  // PostgreSQL classes: 08 connection, 53 resources, 57 operator intervention, 58 system error.
  if (/^(08|53|57|58)[0-9A-Z]{3}$/.test(code)) return true;
  if (/^E[A-Z]+$/.test(code)) return true; // ECONNRESET, ECONNREFUSED, EPIPE, ENOSPC…
  return /Connection terminated|connection is closed|Client has encountered a connection error/i.test((err as Error)?.message ?? '');
}

/** PostgreSQL refuses NUL in text; no article needs one. */
function withoutNul(item: ImportItem): ImportItem {
  const strip = (s: string) => (s.includes('\u0000') ? s.replaceAll('\u0000', '') : s);
  return {
    ...item,
    title: strip(item.title),
    html: strip(item.html),
    ...(item.dek !== undefined ? { dek: strip(item.dek) } : {}),
    authors: item.authors.map((a) => ({ ...a, name: strip(a.name) })),
    sections: item.sections.map((t) => ({ ...t, name: strip(t.name) })),
    tags: item.tags.map(strip),
  };
}

async function importOne(deps: ContentDeps, item: ImportItem, format: ImportFormat, opts: ImportOptions, cache: TaxonomyCache): Promise<ImportOutcome> {
  const hash = contentHash(item, format, opts);
  const existing = await findImportItem(deps.db, item.sourceId);
  // A re-import never takes an article off the site: without --publish it keeps its status.
  const publish = item.sourceStatus === 'published' && opts.publish;
  const wanted = publish ? 'published' : ((existing?.status ?? 'draft') as 'draft' | 'published' | 'scheduled');
  const base = { position: item.position, sourceId: item.sourceId, title: item.title, flags: item.flags, removed: item.removed };

  if (existing && existing.content_hash === hash) {
    return { ...base, kind: 'unchanged', articleId: existing.article_id, slug: existing.slug, path: articlePath(existing.slug), status: existing.status as 'draft' };
  }
  // An editor's changes win over a re-import: the newsroom's copy is the one readers know now.
  if (existing && Number(existing.edited_at) > Number(existing.imported_at)) {
    return { ...base, kind: 'kept', articleId: existing.article_id, slug: existing.slug, path: articlePath(existing.slug), status: existing.status as 'draft' };
  }
  if (opts.dryRun) {
    // The same validation as a real run, so a dry run reports the items a real run would skip.
    const terms = (list: (ImportTerm | ImportPerson)[], fallback: string | undefined, prefix: string) =>
      (list.length ? list : fallback ? [optionTerm(fallback)] : []).map((t) => termSlug(t, prefix));
    articleInput(item, opts, wanted, terms(item.authors, opts.author, 'author'), terms(item.sections, opts.section, 'section'));
    const slug = existing?.slug ?? (item.slug && SLUG_RE.test(item.slug) ? item.slug : slugify(item.title));
    return { ...base, kind: existing ? 'would_update' : 'would_create', articleId: existing?.article_id ?? null, slug, path: articlePath(slug), status: wanted };
  }

  const createdAuthors = new Map<string, number>();
  const createdSections = new Map<string, number>();
  const outcome = await inTransaction(deps, async (d) => {
    const authorTerms = item.authors.length ? item.authors : opts.author ? [optionTerm(opts.author)] : [];
    const sectionTerms = item.sections.length ? item.sections : opts.section ? [optionTerm(opts.section)] : [];
    const authors: string[] = [];
    for (const a of authorTerms) authors.push(await ensureTerm(d, 'authors', cache.authors, createdAuthors, a));
    const sections: string[] = [];
    for (const s of sectionTerms) sections.push(await ensureTerm(d, 'sections', cache.sections, createdSections, s));

    const input = articleInput(item, opts, wanted, [...new Set(authors)], [...new Set(sections)]);
    let article;
    if (existing) {
      // The slug stays: readers and search engines may already know the imported URL.
      const { slug: _slug, sourceId: _sid, ...patch } = input;
      article = await changeArticle(d, existing.article_id, { ...patch, status: wanted });
    } else {
      const slugBase = input.slug ?? slugify(input.title);
      // A slug taken by another article gets a suffix rather than failing the item.
      input.slug = await uniqueSlug(d, slugBase);
      article = await insertArticle(d, input);
    }
    const to = articlePath(article.slug);
    for (const from of item.oldPaths) if (from !== to) await saveRedirect(d.db, from, to, d.clock.now());
    await saveImportItem(d.db, {
      source_id: item.sourceId,
      article_id: article.id,
      format,
      content_hash: hash,
      flags: JSON.stringify(item.flags),
      needs_review: item.flags.length ? 1 : 0,
      now: d.clock.now(),
    });
    return { ...base, kind: existing ? 'updated' as const : 'created' as const, articleId: article.id, slug: article.slug, path: to, status: article.status };
  });
  for (const [k, v] of createdAuthors) cache.authors.set(k, v);
  for (const [k, v] of createdSections) cache.sections.set(k, v);
  return outcome;
}

function articleInput(item: ImportItem, opts: ImportOptions, status: 'draft' | 'published' | 'scheduled', authors: string[], sections: string[]): ArticleCreate {
  const slug = item.slug?.toLowerCase();
  const raw: ArticleCreate = {
    title: clip(item.title.trim(), 300) || 'Untitled',
    ...(slug && SLUG_RE.test(slug) && slug.length <= 120 ? { slug } : {}),
    dek: clip((item.dek ?? '').replace(/\s+/g, ' ').trim(), 1000),
    body: { html: item.html },
    status,
    publishedAt: item.publishedAt,
    accessLevel: opts.access ?? item.accessLevel ?? null,
    section: sections[0] ?? null,
    sections: sections.slice(0, 20),
    authors: authors.slice(0, 20),
    tags: [...new Set(item.tags.map((t) => clip(t.trim(), 60)).filter(Boolean))].slice(0, 50),
    sourceId: item.sourceId,
    ...(item.featureImageUrl && isSafeSrc(item.featureImageUrl)
      ? { featureImageUrl: item.featureImageUrl.slice(0, 2000), featureImageAlt: item.featureImageAlt?.slice(0, 500) ?? null }
      : {}),
  };
  const checked = articleCreateSchema.safeParse(raw);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    throw new AppError('invalid_input', `${issue?.path.join('.') || 'item'}: ${issue?.message ?? 'invalid'}`);
  }
  return checked.data;
}
