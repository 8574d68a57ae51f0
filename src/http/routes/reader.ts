import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../context.js';
import { sendHtml } from '../reply.js';
import { loadHome, loadListing, loadSearch, redirectFor } from '../../web/reader.service.js';
import { commentQuery, DEFAULT_COMMENT_QUERY } from '../../reading/comment-block.js';
import { articleReply } from '../article-view.js';
import { laneFailure } from '../reader-lane.js';
import { HomePage } from '../../web/pages/home.js';
import { ListingPage } from '../../web/pages/listing.js';
import { SearchPage } from '../../web/pages/search.js';
import { notFound } from '../../errors.js';
import { isSlug } from '../../content/slug.js';

const pageQuery = z.object({ page: z.coerce.number({ message: 'page must be a number' }).int('page must be a whole number').min(1, 'page must be 1 or more').max(100_000).default(1) });
const searchQuery = pageQuery.extend({ q: z.string().max(200, 'search text is limited to 200 characters').default('') });

const hasKeys = (q: unknown) => {
  for (const _ in q as object) return true;
  return false;
};

/** A slug that cannot exist is a 404, not a database query. */
const slugParam = (s: string) => {
  if (!isSlug(s)) throw notFound('page');
  return s;
};

export function readerRoutes(app: FastifyInstance, ctx: AppContext): void {
  /** Pages that are the same for every reader are rendered once a second at most; a cached one is taken without a promise. */
  const cachedHtml = (key: string, render: () => Promise<string>): string | Promise<string> => {
    const page = ctx.cache.pages.getOrLoadNow(key, async () => ({ body: await render(), type: 'text/html' }));
    return page instanceof Promise ? page.then((p) => p.body) : page.body;
  };
  /** Most listing views have no query string: the default page needs no parse. */
  const pageOf = (query: unknown) => (hasKeys(query) ? pageQuery.parse(query).page : 1);

  app.get('/', async (req, reply) => {
    const raw = req.query as Record<string, unknown>;
    // WordPress's plain permalinks (/?p=123, /?page_id=7) of an imported archive.
    if (typeof raw.p === 'string' || typeof raw.page_id === 'string') {
      const key = typeof raw.p === 'string' ? `p=${raw.p}` : `page_id=${raw.page_id}`;
      const to = /^[a-z_]+=\d{1,12}$/.test(key) ? await redirectFor(ctx.content, `/?${key}`) : undefined;
      if (to) return reply.header('cache-control', 'public, max-age=300').redirect(to, 301);
    }
    const page = pageOf(req.query);
    const html = cachedHtml(`home:${page}`, async () => {
      const site = await ctx.site.get();
      return HomePage({ site, view: await loadHome(ctx.content, site, page) }).value;
    });
    // The same for every reader without cookies: answered before routing next time (shared-replies.ts).
    reply.mhShared = true;
    return sendHtml(reply, html instanceof Promise ? await html : html);
  });

  /**
   * The hot path. Access is decided per request, before the body: the decision
   * picks which cached shell (full or preview) the response is built from.
   */
  app.get<{ Params: { slug: string } }>('/articles/:slug', async (req, reply) => {
    // The reader lane took this request first and failed: the failure is answered here, by the one error handler.
    laneFailure(req.raw);
    const slug = slugParam(req.params.slug);
    // Nearly every view has no query string: its defaults need no parse.
    const cq = hasKeys(req.query) ? commentQuery.parse(req.query) : DEFAULT_COMMENT_QUERY;
    const out = await articleReply(ctx, app.formTokens, req, slug, cq);
    if (out.kind === 'redirect') return reply.redirect(out.to, 301);
    if (out.kind === 'missing') throw notFound('article');
    reply.code(200);
    for (let i = 0; i < out.headers.length; i += 2) reply.header(out.headers[i]!, out.headers[i + 1]);
    if (out.cookies.length) reply.header('set-cookie', out.cookies);
    if (out.shareable) reply.mhShared = true;
    return reply.send(out.body);
  });

  for (const kind of ['section', 'author', 'tag'] as const) {
    app.get<{ Params: { slug: string } }>(`/${kind}/:slug`, async (req, reply) => {
      const slug = slugParam(req.params.slug);
      const page = pageOf(req.query);
      const cached = cachedHtml(`${kind}:${slug}:${page}`, async () => {
        const view = await loadListing(ctx.content, kind, slug, page);
        return view ? ListingPage({ site: await ctx.site.get(), view }).value : '';
      });
      const html = cached instanceof Promise ? await cached : cached;
      if (!html) throw notFound(kind);
      reply.mhShared = true;
      return sendHtml(reply, html);
    });
  }

  app.get('/search', async (req, reply) => {
    const { q, page } = searchQuery.parse(req.query);
    const site = await ctx.site.get();
    return sendHtml(reply, SearchPage({ site, view: await loadSearch(ctx.content, q.trim(), page) }), 200, 'no-store');
  });
}
