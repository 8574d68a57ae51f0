import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AppContext } from './context.js';
import { identify, type Identity } from './identity.js';
import { csrfFor } from './forms.js';
import { decideForRequest } from '../access/access.service.js';
import { isEntitled } from '../access/entitlement.js';
import type { ArticleSummary } from '../content/types.js';
import { loadThread, ownActions, type Sort } from '../comments/comments.service.js';
import { postRefusal, readRefusal, type CommenterKind } from '../comments/rules.js';
import { CommentPrompt, CommentThread, CSRF_MARK } from '../web/pages/comments.js';
import type { Site } from '../web/site.js';
import type { Fragment } from '../web/page-assembly.js';

export const commentQuery = z.object({
  comments: z.enum(['oldest', 'newest', 'top'], { message: 'comments must be oldest, newest or top' }).default('oldest'),
  cpage: z.coerce.number({ message: 'cpage must be a number' }).int().min(1).max(10_000).default(1),
});

export function commenterKind(id: Identity): CommenterKind {
  return id.staff ? 'staff' : id.member ? (isEntitled(id.member.status) ? 'subscriber' : 'member') : 'anonymous';
}

/** Whether this reader may read the article, asked without counting a read (for comment routes). */
export async function mayReadArticle(ctx: AppContext, req: FastifyRequest, site: Site, article: Pick<ArticleSummary, 'id' | 'access'>, id: Identity): Promise<boolean> {
  if (article.access === 'free' || id.staff) return true;
  const out = await decideForRequest(ctx.access, article, {
    deviceId: ctx.deviceIdOf(req), member: id.member ? { id: id.member.id, status: id.member.status } : undefined, staff: !!id.staff,
    ip: req.ip, userAgent: req.headers['user-agent'] ?? '', prefetch: false,
  }, { ...site.meter, timezone: site.settings.timezone }, { record: false });
  return out.decision.full;
}

/**
 * The comments block under an article, for this reader: the thread (cached a
 * second per article, sort, page and what the reader may do) or, for readers
 * who may not read comments, only the count and the way in. Comment text never
 * reaches a reader without the right to it. The block comes back as its cached template, with
 * CSRF_MARK where this reader's form token goes, and that token when there is a form: the page
 * is assembled from encoded parts (see web/page-assembly), and a block with no token is the same
 * for every reader it is shown to.
 */
export async function commentSection(ctx: AppContext, req: FastifyRequest, reply: FastifyReply, site: Site, article: ArticleSummary, canReadArticle: boolean, q: { comments: Sort; cpage: number }): Promise<Fragment> {
  const id = await identify(ctx, req);
  const kind = commenterKind(id);
  const rules = site.comments;
  const returnTo = `/articles/${article.slug}`;
  const refusal = readRefusal(kind, rules, canReadArticle);
  if (refusal) {
    // The same for every reader it is shown to: rendered once a second per article.
    const key = `prompt:${article.id}:${article.commentCount}:${rules.readers}:${site.trialDays}`;
    const template = (await ctx.cache.pages.getOrLoad(key, async () => ({ type: 'text/html', body: CommentPrompt({ count: article.commentCount, readers: rules.readers, returnTo, trialDays: site.trialDays, reason: refusal }).value }))).body;
    return { template, token: template.includes(CSRF_MARK) ? await csrfFor(req, reply) : undefined };
  }
  // The session lookup already carries the ban (one query per request for a signed-in reader).
  const banned = id.member?.commentBanned ?? false;
  const postRef = postRefusal(kind, rules, canReadArticle, banned);
  const canLike = kind !== 'anonymous' && kind !== 'staff' && !banned;
  const t = await ctx.cache.threads.getOrLoad(`${article.id}:${q.comments}:${q.cpage}`, () => loadThread(ctx.database.db, article.id, q.comments, q.cpage));
  // An author's comments still in the edit window get Edit and Delete: a variant of the thread for that author alone.
  const own = ownActions(kind, t.threads, { memberId: id.member?.id ?? null, staffUserId: id.staff?.id ?? null }, rules, canReadArticle, banned, ctx.clock.now());
  const key = `comments:${article.id}:${q.comments}:${q.cpage}:${postRef ?? 'post'}:${canLike ? 'like' : ''}${own ? `:own:${[...own.ids].join(',')}:${own.canEdit}:${own.canDelete}` : ''}`;
  const cached = await ctx.cache.pages.getOrLoad(key, async () => (
    { type: 'text/html', body: CommentThread({ site, slug: article.slug, total: t.total, threads: t.threads, sort: q.comments, page: q.cpage, hasNext: t.hasNext, canPost: !postRef, postRefusal: postRef, canLike, own }).value }
  ));
  return { template: cached.body, token: cached.body.includes(CSRF_MARK) ? await csrfFor(req, reply) : undefined };
}
