import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../context.js';
import { sendHtml, PRIVATE } from '../reply.js';
import { csrfToken, formField, isHead, queryField, throttled } from '../forms.js';
import { identify, type Identity } from '../identity.js';
import { mayReadArticle } from '../../reading/comment-block.js';
import { readerKind } from '../../access/reader-kind.js';
import { readerFacts } from '../reader-facts.js';
import { toHttpFailure } from '../errors.js';
import { AppError, notFound } from '../../errors.js';
import { findLiveBySlug } from '../../content/articles.queries.js';
import { SLUG_RE } from '../../content/slug.js';
import {
  authorize, commentOnLiveArticle, deleteOwnComment, editComment, editWindowOpen, getComment, isBanned, likeComment, loadThread, postComment, reportComment,
  setReplyEmails, unsubscribeTokenValid, type Actor, type Author, type Permit,
} from '../../comments/comments.service.js';
import { actionRefusal, readRefusal, type CommentAction } from '../../comments/rules.js';
import { Throttle } from '../../members/throttle.js';
import { CommentForm, CommentPage } from '../../web/pages/comments.js';
import { MessagePage } from '../../web/pages/account.js';
import type { Site } from '../../web/site.js';
import { h } from '../../shared/jsx.js';

const idParam = z.object({ id: z.coerce.number().int().positive() });

/** Reader-facing comment routes: plain forms first; the JSON pair serves the inline-reply script. */
export function commentRoutes(app: FastifyInstance, ctx: AppContext): void {
  const csrf = { preHandler: app.csrfProtection };
  const site = () => ctx.site.get();

  const authorOf = (id: Identity): Author => ({ memberId: id.member?.id ?? null, staffUserId: id.staff?.id ?? null });

  async function articleFor(slug: string) {
    if (!SLUG_RE.test(slug)) throw notFound('article');
    const a = await findLiveBySlug(ctx.database.db, slug, ctx.clock.now());
    if (!a) throw notFound('article');
    return a;
  }

  /** The reader behind this request, with the paywall's answer for any article (no read counted). */
  async function actorOf(req: FastifyRequest, s: Site): Promise<Actor> {
    const id = await identify(ctx, req);
    const facts = await readerFacts(ctx, req, id);
    return { kind: readerKind(id), author: authorOf(id), mayRead: (article) => mayReadArticle(ctx.access, s, article, facts) };
  }

  /** Every comment action asks here first (see authorize): a permit, or 401/403/404 with nothing done. */
  async function permit<A extends CommentAction>(req: FastifyRequest, s: Site, action: A, target: Parameters<typeof authorize<A>>[4]): Promise<Permit<A>> {
    return authorize(ctx.comments, s.comments, await actorOf(req, s), action, target);
  }

  /** A permit to post (or reply) on the article at this slug, then the per-member posting limit. */
  async function checkPost(req: FastifyRequest, reply: FastifyReply, slug: string, parentId: number | null) {
    const [s, article] = [await site(), await articleFor(slug)];
    const p = await permit(req, s, parentId ? 'reply' : 'post', { articleId: article.id, parentId });
    if (p.author.memberId) {
      const wait = ctx.throttles.commentsPerMember.hit(`m:${p.author.memberId}`);
      if (wait) throttled(reply, wait);
    }
    return { article, permit: p, s };
  }

  // Reports reach a moderator's queue: a handful a minute and a few dozen a day is plenty for a person.
  const reportLimits = [
    new Throttle(ctx.limits.reportsPerMinute, 60_000, () => ctx.clock.now()),
    new Throttle(ctx.limits.reportsPerDay, 24 * 3_600_000, () => ctx.clock.now()),
  ];
  function limitReports(reply: FastifyReply, author: Author): void {
    const key = author.memberId !== null ? `m:${author.memberId}` : `s:${author.staffUserId}`;
    for (const limit of reportLimits) {
      const wait = limit.hit(key);
      if (!wait) continue;
      const hours = Math.ceil(wait / 3600);
      const minutes = Math.ceil(wait / 60);
      const when = wait > 3600 ? `${hours} hour${hours > 1 ? 's' : ''}` : `${minutes} minute${minutes > 1 ? 's' : ''}`;
      reply.header('retry-after', String(wait));
      throw new AppError('rate_limited', `you have reported several comments in a short time; thank you, and please try again in ${when}`);
    }
  }

  app.post<{ Params: { slug: string } }>('/articles/:slug/comments', csrf, async (req, reply) => {
    const text = formField(req, 'body');
    const parentId = Number(formField(req, 'parent_id')) || null;
    const { article, permit: p, s } = await checkPost(req, reply, req.params.slug, parentId);
    try {
      const r = await postComment(ctx.comments, s.comments, p, text);
      const target = r.status === 'pending' ? `/articles/${article.slug}?comment=pending#comments` : `/articles/${article.slug}#comment-${r.id}`;
      return reply.header('cache-control', PRIVATE).redirect(target, 303);
    } catch (err) {
      const f = toHttpFailure(err);
      if (f.status !== 400 && f.status !== 409) throw err;
      // Keep what the reader wrote: the form comes back with the text and the reason.
      return sendHtml(reply, MessagePage({
        site: s, title: 'Your comment was not posted',
        children: [
          h('p', null, h('a', { href: `/articles/${article.slug}#comments` }, `← Back to “${article.title}”`)),
          CommentForm({ action: `/articles/${article.slug}/comments`, csrf: await csrfToken(reply), parentId: parentId ?? undefined, text, error: f.message.charAt(0).toUpperCase() + f.message.slice(1) + '.' }),
        ],
      }), f.status, PRIVATE);
    }
  });

  async function commentAndArticle(req: FastifyRequest) {
    const { id } = idParam.parse(req.params);
    const found = await commentOnLiveArticle(ctx.database.db, id, ctx.clock.now());
    if (!found) throw notFound('comment');
    return found;
  }

  /** A comment's page: only for readers who may read the article's comments. */
  app.get<{ Params: { id: string } }>('/comments/:id', async (req, reply) => {
    const { c, a } = await commentAndArticle(req);
    const s = await site();
    const id = await identify(ctx, req);
    const canRead = await mayReadArticle(ctx.access, s, { id: a.id, access: a.effective_access as 'free' }, await readerFacts(ctx, req, id));
    const refusal = readRefusal(readerKind(id), s.comments, canRead);
    if (refusal) throw new AppError('forbidden', refusal);
    const thread = await loadThread(ctx.database.db, a.id, 'oldest', 1);
    const find = (list: typeof thread.threads): (typeof thread.threads)[number] | undefined => {
      for (const v of list) {
        if (v.id === c.id) return v;
        const hit = find(v.replies);
        if (hit) return hit;
      }
      return undefined;
    };
    const view = find(thread.threads) ?? { id: c.id, parentId: c.parent_id, depth: c.depth, authorName: 'A reader', badge: null, html: c.body_html, createdAt: c.created_at, edited: c.edited_at !== null, likes: c.like_count, deleted: c.status === 'deleted', replyingTo: null, memberId: c.member_id, staffUserId: c.staff_user_id, status: c.status, replies: [] };
    const mine = c.status === 'visible' && ((!!id.member && c.member_id === id.member.id) || (!!id.staff && c.staff_user_id === id.staff.id));
    const banned = id.member ? await isBanned(ctx.database.db, id.member.id, ctx.clock.now()) : false;
    // What this page offers is what authorize would allow: the same rule, asked for each action.
    const refusalOf = (action: CommentAction) => actionRefusal(action, readerKind(id), s.comments, canRead, banned);
    const reportRefusal = refusalOf('report');
    return sendHtml(reply, CommentPage({
      site: s, csrf: await csrfToken(reply), c: view, articleSlug: a.slug, articleTitle: a.title, mine,
      canPost: c.status === 'visible' && !refusalOf('reply'),
      canEdit: mine && !refusalOf('edit') && editWindowOpen(c.created_at, ctx.clock.now()),
      canDelete: mine && !refusalOf('delete'),
      canReport: !mine && c.status === 'visible' && !reportRefusal,
      reportRefusal: !mine && c.status === 'visible' ? reportRefusal : null,
      // The edit box holds the comment as its author wrote it; the reply box starts empty.
      editText: mine ? c.body_text : undefined,
      notice: queryField(req, 'reported') ? 'Thank you. A moderator will look at it.' : undefined,
    }), 200, PRIVATE);
  });

  const commentId = (req: FastifyRequest) => idParam.parse(req.params).id;
  const done = (reply: FastifyReply, to: string) => reply.header('cache-control', PRIVATE).redirect(to, 303);

  app.post<{ Params: { id: string } }>('/comments/:id/edit', csrf, async (req, reply) => {
    const s = await site();
    const p = await permit(req, s, 'edit', { commentId: commentId(req) });
    const { status } = await editComment(ctx.comments, s.comments, p, formField(req, 'body'));
    return done(reply, status === 'visible' ? `/articles/${p.articleSlug}#comment-${p.commentId}` : `/articles/${p.articleSlug}?comment=pending#comments`);
  });
  app.post<{ Params: { id: string } }>('/comments/:id/delete', csrf, async (req, reply) => {
    const p = await permit(req, await site(), 'delete', { commentId: commentId(req) });
    await deleteOwnComment(ctx.comments, p);
    return done(reply, `/articles/${p.articleSlug}#comments`);
  });
  app.post<{ Params: { id: string } }>('/comments/:id/like', csrf, async (req, reply) => {
    const p = await permit(req, await site(), 'like', { commentId: commentId(req) });
    await likeComment(ctx.comments, p);
    return done(reply, `/articles/${p.articleSlug}#comment-${p.commentId}`);
  });
  app.post<{ Params: { id: string } }>('/comments/:id/report', csrf, async (req, reply) => {
    const p = await permit(req, await site(), 'report', { commentId: commentId(req) });
    limitReports(reply, p.author);
    await reportComment(ctx.comments, p, formField(req, 'reason'));
    return done(reply, `/comments/${p.commentId}?reported=1`);
  });

  /** JSON for readers allowed to read the comments (cookie-authenticated); the same rules as the page. */
  app.get<{ Params: { slug: string } }>('/api/articles/:slug/comments', async (req) => {
    const article = await articleFor(req.params.slug);
    const s = await site();
    const id = await identify(ctx, req);
    const refusal = readRefusal(readerKind(id), s.comments, await mayReadArticle(ctx.access, s, article, await readerFacts(ctx, req, id)));
    if (refusal) throw new AppError('forbidden', refusal);
    const q = z.object({ sort: z.enum(['oldest', 'newest', 'top']).default('oldest'), page: z.coerce.number().int().min(1).default(1) }).parse(req.query);
    const t = await loadThread(ctx.database.db, article.id, q.sort, q.page);
    const out = (v: (typeof t.threads)[number]): unknown => ({ id: v.id, parentId: v.parentId, author: v.authorName, badge: v.badge, html: v.html, createdAt: new Date(v.createdAt).toISOString(), edited: v.edited, likes: v.likes, deleted: v.deleted, replies: v.replies.map(out) });
    return { total: t.total, page: q.page, hasNext: t.hasNext, comments: t.threads.map(out) };
  });

  /** The inline-reply script posts here with the page's CSRF token in a header. */
  app.post<{ Params: { slug: string } }>('/api/articles/:slug/comments', csrf, async (req, reply) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const { article, permit: p, s } = await checkPost(req, reply, req.params.slug, Number(body.parent_id) || null);
    const r = await postComment(ctx.comments, s.comments, p, typeof body.body === 'string' ? body.body : '');
    const row = await getComment(ctx.database.db, r.id);
    const id = await identify(ctx, req);
    const author = id.member?.name || id.staff?.name || 'You';
    return reply.code(201).send({ comment: { id: r.id, status: r.status, url: `/articles/${article.slug}#comment-${r.id}`, author, html: row?.body_html ?? '' } });
  });

  /** One-click opt-out from reply mail (RFC 8058: mail clients POST here). */
  const unsubscribe = async (req: FastifyRequest, reply: FastifyReply) => {
    const m = Number(queryField(req, 'm'));
    const t = queryField(req, 't');
    // Links mailed before a key rotation still work while MASTHEAD_SECRET_PREVIOUS is set.
    const ok = unsubscribeTokenValid([ctx.config.secret, ctx.config.previousSecret], m, t);
    if (!ok) throw new AppError('invalid_input', 'this unsubscribe link is not valid');
    if (!isHead(req)) await setReplyEmails(ctx.database.db, m, false);
    return sendHtml(reply, MessagePage({ site: await site(), title: 'You will get no more reply emails', children: [h('p', null, 'We will not email you about replies to your comments any more.')] }), 200, PRIVATE);
  };
  app.get('/comments/unsubscribe', unsubscribe);
  app.post('/comments/unsubscribe', unsubscribe);
}
