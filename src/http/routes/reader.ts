import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../context.js';
import { sendHtml } from '../reply.js';
import { loadArticlePage, loadHome, loadListing, loadSearch, redirectFor } from '../../web/reader.service.js';
import { ReaderSlot, wallHasForm } from '../../web/pages/wall.js';
import { assemblePage } from '../../web/page-assembly.js';
import { decideForRequest, DEVICE_COOKIE } from '../../access/access.service.js';
import { identify } from '../identity.js';
import { csrfFor, isHead } from '../forms.js';
import { CSRF_MARK } from '../../web/pages/comments.js';
import { commentQuery, commentSection } from '../comment-section.js';
import { readerHeader } from '../reader-header.js';
import { HomePage } from '../../web/pages/home.js';
import { ListingPage } from '../../web/pages/listing.js';
import { SearchPage } from '../../web/pages/search.js';
import { notFound } from '../../errors.js';
import { SLUG_RE } from '../../content/slug.js';

const pageQuery = z.object({ page: z.coerce.number({ message: 'page must be a number' }).int('page must be a whole number').min(1, 'page must be 1 or more').max(100_000).default(1) });
const searchQuery = pageQuery.extend({ q: z.string().max(200, 'search text is limited to 200 characters').default('') });

const NO_SLOT = { template: '' };
const DEFAULT_COMMENT_QUERY = commentQuery.parse({});
const hasKeys = (q: unknown) => {
  for (const _ in q as object) return true;
  return false;
};

/** Speculative loads (prefetch, prerender, link previews) neither count nor get gated text. */
function isPrefetch(h: Record<string, string | string[] | undefined>): boolean {
  const v = (x: string | string[] | undefined) => (Array.isArray(x) ? x.join(',') : x ?? '').toLowerCase();
  return v(h['sec-purpose']).includes('prefetch') || v(h['purpose']).includes('prefetch') || v(h['x-purpose']).includes('preview') || v(h['x-moz']).includes('prefetch');
}

/** A slug that cannot exist is a 404, not a database query. */
const slugParam = (s: string) => {
  if (!SLUG_RE.test(s) || s.length > 120) throw notFound('page');
  return s;
};

export function readerRoutes(app: FastifyInstance, ctx: AppContext): void {
  const deviceCookieAttributes = `; Max-Age=${400 * 86_400}; Path=/; HttpOnly; SameSite=Lax${ctx.config.siteUrl.startsWith('https:') ? '; Secure' : ''}`;
  /** Pages that are the same for every reader are rendered once a second at most. */
  const cachedHtml = (key: string, render: () => Promise<string>) =>
    ctx.cache.pages.getOrLoad(key, async () => ({ body: await render(), type: 'text/html' })).then((p) => p.body);

  app.get('/', async (req, reply) => {
    const raw = req.query as Record<string, unknown>;
    // WordPress's plain permalinks (/?p=123, /?page_id=7) of an imported archive.
    if (typeof raw.p === 'string' || typeof raw.page_id === 'string') {
      const key = typeof raw.p === 'string' ? `p=${raw.p}` : `page_id=${raw.page_id}`;
      const to = /^[a-z_]+=\d{1,12}$/.test(key) ? await redirectFor(ctx.content, `/?${key}`) : undefined;
      if (to) return reply.header('cache-control', 'public, max-age=300').redirect(to, 301);
    }
    const { page } = pageQuery.parse(req.query);
    const html = await cachedHtml(`home:${page}`, async () => {
      const site = await ctx.site.get();
      return HomePage({ site, view: await loadHome(ctx.content, site, page) }).value;
    });
    return sendHtml(reply, html);
  });

  /**
   * The hot path. Access is decided per request, before the body: the decision
   * picks which cached shell (full or preview) the response is built from.
   */
  app.get<{ Params: { slug: string } }>('/articles/:slug', async (req, reply) => {
    const slug = slugParam(req.params.slug);
    // Nearly every view has no query string: its defaults need no parse.
    const cq = hasKeys(req.query) ? commentQuery.parse(req.query) : DEFAULT_COMMENT_QUERY;
    const site = await ctx.site.get();
    const found = await loadArticlePage(ctx.content, ctx.cache, site, slug, async (article) => {
      if (article.access === 'free') return { decision: { full: true, reason: 'free', left: null, count: false, resetsAt: null } as const, newDeviceId: null };
      const id = await identify(ctx, req);
      return decideForRequest(ctx.access, article, {
        deviceId: ctx.deviceIdOf(req),
        member: id.member ? { id: id.member.id, status: id.member.status } : undefined,
        staff: !!id.staff,
        ip: req.ip,
        userAgent: req.headers['user-agent'] ?? '',
        prefetch: isPrefetch(req.headers),
        // A HEAD is sent no text, so it spends nothing and is given no device.
      }, { ...site.meter, timezone: site.settings.timezone }, { record: !isHead(req) });
    });
    if (found.kind === 'redirect') return reply.redirect(found.to, 301);
    if (found.kind === 'missing') throw notFound('article');
    const { shell, access, article } = found.view;
    const { decision } = access;
    const comments = await commentSection(ctx, req, reply, site, article, decision.full, cq);
    const header = await readerHeader(ctx, req);
    if (decision.reason === 'free') return sendHtml(reply, assemblePage(shell, header, NO_SLOT, comments), 200, 'private, no-store');
    if (access.newDeviceId) {
      // Every view by a new device sets this cookie: the header is written directly rather than
      // serialised and validated per request (the attributes never change). Other cookies still
      // go through @fastify/cookie, which appends to this header.
      reply.header('set-cookie', `${DEVICE_COOKIE}=${ctx.access.deviceCookie.sign(access.newDeviceId)}${deviceCookieAttributes}`);
    }
    // The slot is the same for every reader with the same decision on this article; only the CSRF token differs.
    const slotKey = `slot:${article.id}:${decision.reason}:${decision.full}:${decision.left}:${decision.count}:${site.trialDays}:${site.meter.period}:${site.meter.memberAllowance}`;
    const template = (await ctx.cache.pages.getOrLoad(slotKey, async () => ({
      type: 'text/html',
      body: ReaderSlot({ decision, rules: site.meter, articleId: article.id, returnTo: `/articles/${article.slug}`, trialDays: site.trialDays, csrf: wallHasForm(decision) ? CSRF_MARK : undefined }).value,
    }))).body;
    const slot = { template, token: wallHasForm(decision) ? await csrfFor(req, reply) : undefined };
    // Everything below depends on who is reading: never for shared caches.
    return sendHtml(reply, assemblePage(shell, header, slot, comments), 200, 'private, no-store');
  });

  for (const kind of ['section', 'author', 'tag'] as const) {
    app.get<{ Params: { slug: string } }>(`/${kind}/:slug`, async (req, reply) => {
      const slug = slugParam(req.params.slug);
      const { page } = pageQuery.parse(req.query);
      const html = await cachedHtml(`${kind}:${slug}:${page}`, async () => {
        const view = await loadListing(ctx.content, kind, slug, page);
        return view ? ListingPage({ site: await ctx.site.get(), view }).value : '';
      });
      if (!html) throw notFound(kind);
      return sendHtml(reply, html);
    });
  }

  app.get('/search', async (req, reply) => {
    const { q, page } = searchQuery.parse(req.query);
    const site = await ctx.site.get();
    return sendHtml(reply, SearchPage({ site, view: await loadSearch(ctx.content, q.trim(), page) }), 200, 'no-store');
  });
}
