import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../context.js';
import { sendHtml } from '../reply.js';
import { csrfToken, formField, queryField, throttled } from '../forms.js';
import { identify, type Identity } from '../identity.js';
import { commenterKind, mayReadArticle } from '../comment-section.js';
import { toHttpFailure } from '../errors.js';
import { AppError, notFound } from '../../errors.js';
import { findLiveBySlug } from '../../content/articles.queries.js';
import { SLUG_RE } from '../../content/slug.js';
import {
  deleteOwnComment, EDIT_WINDOW_MS, editComment, getComment, isBanned, likeComment, loadThread, postComment, reportComment,
  setReplyEmails, unsubscribeToken, type Author,
} from '../../comments/comments.service.js';
import { postRefusal, readRefusal } from '../../comments/rules.js';
import { CommentForm, CommentPage } from '../../web/pages/comments.js';
import { MessagePage } from '../../web/pages/account.js';
import { h } from '../../web/jsx.js';
import { equalHex } from '../../members/crypto.js';

const PRIVATE = 'private, no-store';
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

  /** May this request post on this article? Throws 403 with the reason. */
  async function checkPost(req: FastifyRequest, slug: string) {
    const [s, id] = [await site(), await identify(ctx, req)];
    const article = await articleFor(slug);
    const canRead = await mayReadArticle(ctx, req, s, article, id);
    const banned = id.member ? await isBanned(ctx.database.db, id.member.id) : false;
    const refusal = postRefusal(commenterKind(id), s.comments, canRead, banned);
    if (refusal) throw new AppError('forbidden', refusal);
    if (id.member) {
      const wait = ctx.throttles.commentsPerMember.hit(`m:${id.member.id}`);
      if (wait) return { article, id, s, wait };
    }
    return { article, id, s, wait: 0 };
  }

  app.post<{ Params: { slug: string } }>('/articles/:slug/comments', csrf, async (req, reply) => {
    const { article, id, s, wait } = await checkPost(req, req.params.slug);
    if (wait) throttled(reply, wait);
    const text = formField(req, 'body');
    const parentId = Number(formField(req, 'parent_id')) || null;
    try {
      const r = await postComment(ctx.comments, s.comments, { articleId: article.id, author: authorOf(id), text, parentId });
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
    const c = await getComment(ctx.database.db, id);
    if (!c || (c.status !== 'visible' && c.status !== 'deleted')) throw notFound('comment');
    const a = await ctx.database.db.selectFrom('articles').select(['id', 'slug', 'title', 'effective_access', 'live_at']).where('id', '=', c.article_id).executeTakeFirst();
    if (!a || a.live_at === null || a.live_at > ctx.clock.now()) throw notFound('comment');
    return { c, a };
  }

  /** A comment's page: only for readers who may read the article's comments. */
  app.get<{ Params: { id: string } }>('/comments/:id', async (req, reply) => {
    const { c, a } = await commentAndArticle(req);
    const s = await site();
    const id = await identify(ctx, req);
    const canRead = await mayReadArticle(ctx, req, s, { id: a.id, access: a.effective_access as 'free' }, id);
    const refusal = readRefusal(commenterKind(id), s.comments, canRead);
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
    const banned = id.member ? await isBanned(ctx.database.db, id.member.id) : false;
    const canPost = c.status === 'visible' && !postRefusal(commenterKind(id), s.comments, canRead, banned);
    return sendHtml(reply, CommentPage({
      site: s, csrf: await csrfToken(reply), c: view, articleSlug: a.slug, articleTitle: a.title, mine, canPost,
      canEdit: ctx.clock.now() - c.created_at <= EDIT_WINDOW_MS, text: mine ? c.body_text : undefined,
      notice: queryField(req, 'reported') ? 'Thank you. A moderator will look at it.' : undefined,
    }), 200, PRIVATE);
  });

  async function ownAction(req: FastifyRequest, reply: FastifyReply, fn: (commentId: number, author: Author, slug: string) => Promise<string>) {
    const { c, a } = await commentAndArticle(req);
    const id = await identify(ctx, req);
    if (!id.member && !id.staff) throw new AppError('unauthorized', 'sign in to do that');
    const to = await fn(c.id, authorOf(id), a.slug);
    return reply.header('cache-control', PRIVATE).redirect(to, 303);
  }

  app.post<{ Params: { id: string } }>('/comments/:id/edit', csrf, (req, reply) =>
    ownAction(req, reply, async (cid, author, slug) => (await editComment(ctx.comments, cid, author, formField(req, 'body')), `/articles/${slug}#comment-${cid}`)));
  app.post<{ Params: { id: string } }>('/comments/:id/delete', csrf, (req, reply) =>
    ownAction(req, reply, async (cid, author, slug) => (await deleteOwnComment(ctx.comments, cid, author), `/articles/${slug}#comments`)));
  app.post<{ Params: { id: string } }>('/comments/:id/like', csrf, (req, reply) =>
    ownAction(req, reply, async (cid, author, slug) => {
      if (!author.memberId) throw new AppError('forbidden', 'likes are for readers');
      await likeComment(ctx.comments, cid, author.memberId);
      return `/articles/${slug}#comment-${cid}`;
    }));
  app.post<{ Params: { id: string } }>('/comments/:id/report', csrf, (req, reply) =>
    ownAction(req, reply, async (cid, author) => (await reportComment(ctx.comments, cid, author.memberId, formField(req, 'reason')), `/comments/${cid}?reported=1`)));

  /** JSON for readers allowed to read the comments (cookie-authenticated); the same rules as the page. */
  app.get<{ Params: { slug: string } }>('/api/articles/:slug/comments', async (req) => {
    const article = await articleFor(req.params.slug);
    const s = await site();
    const id = await identify(ctx, req);
    const refusal = readRefusal(commenterKind(id), s.comments, await mayReadArticle(ctx, req, s, article, id));
    if (refusal) throw new AppError('forbidden', refusal);
    const q = z.object({ sort: z.enum(['oldest', 'newest', 'top']).default('oldest'), page: z.coerce.number().int().min(1).default(1) }).parse(req.query);
    const t = await loadThread(ctx.database.db, article.id, q.sort, q.page);
    const out = (v: (typeof t.threads)[number]): unknown => ({ id: v.id, parentId: v.parentId, author: v.authorName, badge: v.badge, html: v.html, createdAt: new Date(v.createdAt).toISOString(), edited: v.edited, likes: v.likes, deleted: v.deleted, replies: v.replies.map(out) });
    return { total: t.total, page: q.page, hasNext: t.hasNext, comments: t.threads.map(out) };
  });

  /** The inline-reply script posts here with the page's CSRF token in a header. */
  app.post<{ Params: { slug: string } }>('/api/articles/:slug/comments', csrf, async (req, reply) => {
    const { article, id, s, wait } = await checkPost(req, req.params.slug);
    if (wait) throttled(reply, wait);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const r = await postComment(ctx.comments, s.comments, {
      articleId: article.id, author: authorOf(id), text: typeof body.body === 'string' ? body.body : '', parentId: Number(body.parent_id) || null,
    });
    const row = await getComment(ctx.database.db, r.id);
    const author = id.member?.name || id.staff?.name || 'You';
    return reply.code(201).send({ comment: { id: r.id, status: r.status, url: `/articles/${article.slug}#comment-${r.id}`, author, html: row?.body_html ?? '' } });
  });

  /** One-click opt-out from reply mail (RFC 8058: mail clients POST here). */
  const unsubscribe = async (req: FastifyRequest, reply: FastifyReply) => {
    const m = Number(queryField(req, 'm'));
    const t = queryField(req, 't');
    const expected = Number.isInteger(m) && m > 0 ? unsubscribeToken(ctx.config.secret, m) : '';
    const ok = expected && t.length === expected.length && equalHex(Buffer.from(t).toString('hex'), Buffer.from(expected).toString('hex'));
    if (!ok) throw new AppError('invalid_input', 'this unsubscribe link is not valid');
    await setReplyEmails(ctx.database.db, m, false);
    return sendHtml(reply, MessagePage({ site: await site(), title: 'You will get no more reply emails', children: [h('p', null, 'We will not email you about replies to your comments any more.')] }), 200, PRIVATE);
  };
  app.get('/comments/unsubscribe', unsubscribe);
  app.post('/comments/unsubscribe', unsubscribe);
}
