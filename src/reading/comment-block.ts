import { z } from 'zod';
import { decideForRequest, type AccessDeps } from '../access/access.service.js';
import { readerKind } from '../access/reader-kind.js';
import type { ArticleSummary } from '../content/types.js';
import type { Q } from '../db/q.js';
import { loadThread, ownActions, type Sort } from '../comments/comments.service.js';
import { actionRefusal, readRefusal } from '../comments/rules.js';
import { CommentPrompt, CommentThread, CSRF_MARK } from '../web/pages/comments.js';
import type { ReaderCache } from '../web/reader-cache.js';
import type { Site } from '../web/site.js';
import type { ReaderFacts } from './facts.js';

/** A reader-specific part of the article page: a cached template, and whether it carries a form token. */
export interface Part { template: string; needsToken: boolean }

export const commentQuery = z.object({
  comments: z.enum(['oldest', 'newest', 'top'], { message: 'comments must be oldest, newest or top' }).default('oldest'),
  cpage: z.coerce.number({ message: 'cpage must be a number' }).int().min(1).max(10_000).default(1),
});
export type CommentQuery = { comments: Sort; cpage: number };
/** An article view without a query string (nearly every one): the defaults, parsed once. */
export const DEFAULT_COMMENT_QUERY: CommentQuery = commentQuery.parse({});

/** Whether this reader may read the article now, asked without counting a read (comment pages and actions). */
export async function mayReadArticle(access: AccessDeps, site: Site, article: Pick<ArticleSummary, 'id' | 'access'>, who: ReaderFacts): Promise<boolean> {
  if (article.access === 'free' || who.staff) return true;
  const decided = decideForRequest(access, article, who, site.meterRules, { record: false });
  const out = decided instanceof Promise ? await decided : decided;
  return out.decision.full;
}

/**
 * The comments block under an article, for this reader: the thread (cached a second per article,
 * sort, page and what the reader may do) or, for readers who may not read comments, only the count
 * and the way in. Comment text never reaches a reader without the right to it. A block with no form
 * token is the same for every reader it is shown to (see web/page-assembly).
 */
export function commentBlock(deps: { db: Q; cache: ReaderCache; now(): number }, site: Site, article: ArticleSummary, canReadArticle: boolean, who: ReaderFacts, q: CommentQuery): Part | Promise<Part> {
  const kind = readerKind(who);
  const rules = site.comments;
  const returnTo = `/articles/${article.slug}`;
  const refusal = readRefusal(kind, rules, canReadArticle);
  if (refusal) {
    const reader = kind === 'member' ? 'member' : 'anonymous';
    const key = `prompt:${article.id}:${article.commentCount}:${rules.readers}:${reader}:${site.trialDays}`;
    const cached = deps.cache.pages.getOrLoadNow(key, async () => withTokenFlag(CommentPrompt({ count: article.commentCount, readers: rules.readers, reader, returnTo, trialDays: site.trialDays, reason: refusal }).value));
    return cached instanceof Promise ? cached.then(partOf) : partOf(cached);
  }
  // The session lookup already carries the ban (one query per request for a signed-in reader).
  const banned = who.member?.commentBanned ?? false;
  // What the thread offers is what authorize allows: the same rule, asked for each action.
  const postRef = actionRefusal('post', kind, rules, canReadArticle, banned);
  const canLike = !actionRefusal('like', kind, rules, canReadArticle, banned);
  const thread = deps.cache.threads.getOrLoadNow(`${article.id}:${q.comments}:${q.cpage}`, () => loadThread(deps.db, article.id, q.comments, q.cpage));
  const block = (t: Awaited<typeof thread>): Part | Promise<Part> => {
    // An author's comments still in the edit window get Edit and Delete: a variant of the thread for that author alone.
    const own = ownActions(kind, t.threads, { memberId: who.member?.id ?? null, staffUserId: who.staffId ?? null }, rules, canReadArticle, banned, deps.now());
    const key = `comments:${article.id}:${q.comments}:${q.cpage}:${postRef ?? 'post'}:${canLike ? 'like' : ''}${own ? `:own:${[...own.ids].join(',')}:${own.canEdit}:${own.canDelete}` : ''}`;
    const cached = deps.cache.pages.getOrLoadNow(key, async () => withTokenFlag(
      CommentThread({ site, slug: article.slug, total: t.total, threads: t.threads, sort: q.comments, page: q.cpage, hasNext: t.hasNext, canPost: !postRef, postRefusal: postRef, canLike, own }).value,
    ));
    return cached instanceof Promise ? cached.then(partOf) : partOf(cached);
  };
  return thread instanceof Promise ? thread.then(block) : block(thread);
}

/** Whether a block has a form is known when it is rendered, and the part is made then: neither is redone per view. */
const withTokenFlag = (body: string) => {
  const needsToken = body.includes(CSRF_MARK);
  return { type: 'text/html', body, needsToken, part: { template: body, needsToken } };
};
const partOf = (c: { body: string; needsToken?: boolean; part?: Part }): Part => c.part ?? { template: c.body, needsToken: c.needsToken ?? c.body.includes(CSRF_MARK) };
