import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../context.js';
import { sendHtml, PRIVATE } from '../reply.js';
import { loadHome, loadListing, loadSearch, redirectFor } from '../../web/reader.service.js';
import { assembleGzip, assemblePage, type Fragment } from '../../web/page-assembly.js';
import { acceptsGzip } from '../compression.js';
import { DEVICE_COOKIE } from '../../access/access.service.js';
import { csrfForNow, isHead } from '../forms.js';
import { factsOf } from '../reader-facts.js';
import { identifyNow } from '../identity.js';
import { readArticle } from '../../reading/article.js';
import { commentQuery, type Part } from '../../reading/comment-block.js';
import { readerHeaderNow } from '../reader-header.js';
import { HomePage } from '../../web/pages/home.js';
import { ListingPage } from '../../web/pages/listing.js';
import { SearchPage } from '../../web/pages/search.js';
import { notFound } from '../../errors.js';
import { SLUG_RE } from '../../content/slug.js';

const pageQuery = z.object({ page: z.coerce.number({ message: 'page must be a number' }).int('page must be a whole number').min(1, 'page must be 1 or more').max(100_000).default(1) });
const searchQuery = pageQuery.extend({ q: z.string().max(200, 'search text is limited to 200 characters').default('') });

const DEFAULT_COMMENT_QUERY = commentQuery.parse({});
const hasKeys = (q: unknown) => {
  for (const _ in q as object) return true;
  return false;
};

/** A slug that cannot exist is a 404, not a database query. */
const slugParam = (s: string) => {
  if (!SLUG_RE.test(s) || s.length > 120) throw notFound('page');
  return s;
};

export function readerRoutes(app: FastifyInstance, ctx: AppContext): void {
  const deviceCookieAttributes = `; Max-Age=${400 * 86_400}; Path=/; HttpOnly; SameSite=Lax${ctx.config.siteUrl.startsWith('https:') ? '; Secure' : ''}`;
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
    const slug = slugParam(req.params.slug);
    // Nearly every view has no query string: its defaults need no parse.
    const cq = hasKeys(req.query) ? commentQuery.parse(req.query) : DEFAULT_COMMENT_QUERY;
    // What is known without the database is taken without a promise: only a miss is awaited.
    const site = ctx.site.current() ?? (await ctx.site.get());
    const id = identifyNow(ctx, req);
    const facts = factsOf(ctx, req, id instanceof Promise ? await id : id);
    const read = await readArticle(ctx, site, slug, cq, facts);
    if (read.kind === 'redirect') return reply.redirect(read.to, 301);
    if (read.kind === 'missing') throw notFound('article');
    // During a key rotation, a device still signed with the retiring key gets its own id signed anew.
    const device = read.newDeviceId ?? (facts.deviceId && ctx.deviceCookieRetiring(req) ? facts.deviceId : null);
    if (device) {
      // Every view by a new device sets this cookie: the header is written directly rather than
      // serialised and validated per request (the attributes never change). Other cookies still
      // go through @fastify/cookie, which appends to this header.
      reply.header('set-cookie', `${DEVICE_COOKIE}=${ctx.access.deviceCookie.sign(device)}${deviceCookieAttributes}`);
    }
    // One token for every form on the page, fetched only when a part has a form.
    const token = read.slot.needsToken || read.comments.needsToken ? csrfForNow(req, reply) : undefined;
    // A part without a form is its own fragment (no token): nothing is allocated for it.
    const fill = (p: Part): Fragment => (p.needsToken ? { template: p.template, token } : p);
    // The header's reader part (signed in or not): the same for every signed-out reader of this page.
    const headerNow = readerHeaderNow(ctx, req);
    const header = headerNow instanceof Promise ? await headerNow : headerNow;
    const slot = fill(read.slot);
    const comments = fill(read.comments);
    // Everything below depends on who is reading: never for shared caches.
    if (token !== undefined || header.token !== undefined) {
      // This reader's own page: gzip sewn from pieces compressed once, or the bytes as they are.
      if (acceptsGzip(req.headers['accept-encoding']) && !isHead(req)) {
        reply.header('content-encoding', 'gzip').header('vary', 'Accept-Encoding');
        return sendHtml(reply, assembleGzip(read.shell, header, slot, comments), 200, PRIVATE, { shared: false });
      }
      return sendHtml(reply, assemblePage(read.shell, header, slot, comments), 200, PRIVATE, { shared: false });
    }
    // A free article is the same for every reader without cookies: such replies are answered before routing next time.
    if (read.article.access === 'free' && !device && read.decision.full) reply.mhShared = true;
    // A page with no token is built once per shell and handed to every such reader: kept compressed too.
    return sendHtml(reply, assemblePage(read.shell, header, slot, comments), 200, PRIVATE, { shared: true });
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
