import type { AccessDecision } from '../access/decision.js';
import { decideForRequest, type AccessDeps } from '../access/access.service.js';
import { findLiveBySlug, findLiveRedirect, loadBody, tagsFor } from '../content/articles.queries.js';
import type { ContentDeps } from '../content/deps.js';
import type { ArticleSummary, TagRef } from '../content/types.js';
import { ArticlePage, READER_SLOT } from '../web/pages/article.js';
import { ReaderSlot, wallHasForm } from '../web/pages/wall.js';
import { CSRF_MARK } from '../web/pages/comments.js';
import type { ArticleShell, ReaderCache } from '../web/reader-cache.js';
import { READER_MARK } from '../web/reader-nav.js';
import type { Site } from '../web/site.js';
import { commentBlock, type CommentQuery, type Part } from './comment-block.js';
import type { ReaderFacts } from './facts.js';

export interface ReadingDeps { content: ContentDeps; cache: ReaderCache; access: AccessDeps }

export type ArticleRead =
  | { kind: 'redirect'; to: string }
  | { kind: 'missing' }
  | {
    kind: 'ok';
    article: ArticleSummary;
    decision: AccessDecision;
    /** Set when this view made the reader a device: the HTTP layer sends it as the meter's cookie. */
    newDeviceId: string | null;
    shell: ArticleShell;
    slot: Part;
    comments: Part;
  };

const NO_SLOT: Part = { template: '', needsToken: false };

/**
 * GET /articles/:slug, in one straight line: find the article (no body) → decide access from the
 * reader's facts → the shell for the part decided (a denied reader's shell is built from the
 * preview column: the full text is never read for them) → the reader slot (meter notice or wall)
 * → the comments block. Each part is a template cached for every reader with the same decision;
 * the HTTP layer only fills in the reader's form token and sends the bytes.
 */
export async function readArticle(deps: ReadingDeps, site: Site, slug: string, q: CommentQuery, who: ReaderFacts): Promise<ArticleRead> {
  const { content, cache } = deps;
  // Each cached part is taken without a promise when it is there (nearly every view): only a miss is awaited.
  const found = cache.articles.getOrLoadNow(slug, async () => {
    const article = await findLiveBySlug(content.db, slug, content.clock.now());
    return article ? { article, tags: await tagsFor(content.db, article.id) } : null;
  });
  const entry = found instanceof Promise ? await found : found;
  if (!entry) {
    const to = await findLiveRedirect(content.db, `/articles/${slug}`, content.clock.now());
    return to ? { kind: 'redirect', to } : { kind: 'missing' };
  }
  const { article, tags } = entry;

  const outcome = decideForRequest(deps.access, article, who, site.meterRules, { record: !who.look });
  const { decision, newDeviceId } = outcome instanceof Promise ? await outcome : outcome;

  const part = decision.full ? 'full' : 'preview';
  // The keys are the same for every view while the summary is cached: made once, not per view.
  entry.shellKeys ??= { full: `${article.id}:${article.updatedAt}:full`, preview: `${article.id}:${article.updatedAt}:preview` };
  const shellNow = cache.shells.getOrLoadNow(entry.shellKeys[part], () => buildShell(content, site, article, tags, part));
  const shell = shellNow instanceof Promise ? await shellNow : shellNow;

  const slotNow = decision.reason === 'free' ? NO_SLOT : readerSlot(cache, site, article, decision, who);
  const slot = slotNow instanceof Promise ? await slotNow : slotNow;
  const commentsNow = commentBlock({ db: content.db, cache, now: () => content.clock.now() }, site, article, decision.full, who, q);
  const comments = commentsNow instanceof Promise ? await commentsNow : commentsNow;
  return { kind: 'ok', article, decision, newDeviceId, shell, slot, comments };
}

/**
 * The page for one part of the body, cut where the reader-specific parts go: the header's reader
 * part, then the slot. The body is loaded here, after the decision: a preview shell never reads the full text.
 */
export async function buildShell(content: ContentDeps, site: Site, article: ArticleSummary, tags: TagRef[], part: 'full' | 'preview', o: { noindex?: boolean } = {}): Promise<ArticleShell> {
  const body = await loadBody(content.db, article.id, part);
  const html = ArticlePage({ site, view: { article, part, body, tags, noindex: o.noindex } }).value;
  const nav = html.indexOf(READER_MARK);
  const at = html.indexOf(READER_SLOT);
  return { top: Buffer.from(html.slice(0, nav)), head: Buffer.from(html.slice(nav + READER_MARK.length, at)), tail: Buffer.from(html.slice(at + READER_SLOT.length)), pages: new Map() };
}

/** The slot is the same for every reader with the same decision on this article and of the same kind; only the form token differs. */
export function readerSlot(cache: ReaderCache, site: Site, article: ArticleSummary, decision: AccessDecision, who: ReaderFacts): Part | Promise<Part> {
  // Walls are shown to signed-out readers and signed-in free members only: subscribers and staff read in full.
  const reader = who.member ? 'member' : 'anonymous';
  const withForm = wallHasForm(decision, reader);
  const m = site.meter;
  const key = `slot:${article.id}:${reader}:${decision.reason}:${decision.full}:${decision.left}:${decision.count}:${site.trialDays}:${m.period}:${m.anonymousAllowance}:${m.memberAllowance}:${site.signupNewsletters.map((n) => `${n.id}${n.ticked ? '+' : ''}`).join(',')}`;
  const cached = cache.pages.getOrLoadNow(key, async () => {
    const body = ReaderSlot({ decision, reader, rules: m, articleId: article.id, returnTo: `/articles/${article.slug}`, trialDays: site.trialDays, csrf: withForm ? CSRF_MARK : undefined, copy: site.wall, newsletters: site.signupNewsletters }).value;
    // The key holds everything wallHasForm reads, so the part is the same for every view of this entry.
    return { type: 'text/html', body, part: { template: body, needsToken: withForm } };
  });
  const slotOf = (c: { body: string; part?: Part }): Part => c.part ?? { template: c.body, needsToken: withForm };
  return cached instanceof Promise ? cached.then(slotOf) : slotOf(cached);
}
