import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import { sendXml } from '../reply.js';
import { feedBodies, listLive, liveSlugsPage, countLive } from '../../content/articles.queries.js';
import { findSectionBySlug, listAuthors, listTags } from '../../content/taxonomy.queries.js';
import { atom, rss, type FeedInput } from '../../web/feeds.js';
import { robotsTxt, sitemapIndex, SITEMAP_PAGE, urlset } from '../../web/sitemap.js';
import { notFound } from '../../errors.js';

const FEED_SIZE = 20;

export function feedRoutes(app: FastifyInstance, ctx: AppContext): void {
  async function siteFeed(): Promise<FeedInput> {
    const site = await ctx.site.get();
    const articles = await listLive(ctx.content.db, { now: ctx.clock.now(), limit: FEED_SIZE });
    return { site, title: site.settings.title, description: site.settings.description, selfPath: '/feed.xml', htmlPath: '/', articles, bodies: await feedBodies(ctx.content.db, articles) };
  }
  async function sectionFeed(slug: string, selfPath: string): Promise<FeedInput> {
    const section = await findSectionBySlug(ctx.content.db, slug);
    if (!section) throw notFound('section');
    const site = await ctx.site.get();
    const articles = await listLive(ctx.content.db, { now: ctx.clock.now(), limit: FEED_SIZE, sectionId: section.id });
    return { site, title: `${site.settings.title}: ${section.name}`, description: section.description || site.settings.description, selfPath, htmlPath: `/section/${slug}`, articles, bodies: await feedBodies(ctx.content.db, articles) };
  }

  app.get('/feed.xml', async (_req, reply) => sendXml(reply, rss(await siteFeed()), 'application/rss+xml; charset=utf-8'));
  app.get('/atom.xml', async (_req, reply) => {
    const f = await siteFeed();
    return sendXml(reply, atom({ ...f, selfPath: '/atom.xml' }), 'application/atom+xml; charset=utf-8');
  });
  app.get<{ Params: { slug: string } }>('/section/:slug/feed.xml', async (req, reply) =>
    sendXml(reply, rss(await sectionFeed(req.params.slug, `/section/${req.params.slug}/feed.xml`)), 'application/rss+xml; charset=utf-8'));
  app.get<{ Params: { slug: string } }>('/section/:slug/atom.xml', async (req, reply) =>
    sendXml(reply, atom(await sectionFeed(req.params.slug, `/section/${req.params.slug}/atom.xml`)), 'application/atom+xml; charset=utf-8'));

  app.get('/sitemap.xml', async (_req, reply) => {
    const n = await countLive(ctx.content.db, ctx.clock.now());
    return sendXml(reply, sitemapIndex(ctx.config.siteUrl, Math.max(1, Math.ceil(n / SITEMAP_PAGE))));
  });
  app.get('/sitemaps/pages.xml', async (_req, reply) => {
    const site = await ctx.site.get();
    const base = ctx.config.siteUrl;
    const [authors, tags] = await Promise.all([listAuthors(ctx.content.db), listTags(ctx.content.db)]);
    return sendXml(reply, urlset([
      { loc: `${base}/` },
      ...site.sections.map((s) => ({ loc: `${base}/section/${s.slug}` })),
      ...authors.map((a) => ({ loc: `${base}/author/${a.slug}` })),
      ...tags.map((t) => ({ loc: `${base}/tag/${t.slug}` })),
    ]));
  });
  app.get<{ Params: { n: string } }>('/sitemaps/articles-:n', async (req, reply) => {
    const m = /^(\d{1,6})\.xml$/.exec(req.params.n);
    if (!m || Number(m[1]) < 1) throw notFound('sitemap');
    const rows = await liveSlugsPage(ctx.content.db, ctx.clock.now(), SITEMAP_PAGE, (Number(m[1]) - 1) * SITEMAP_PAGE);
    if (!rows.length && Number(m[1]) > 1) throw notFound('sitemap');
    return sendXml(reply, urlset(rows.map((r) => ({ loc: `${ctx.config.siteUrl}/articles/${r.slug}`, lastmod: r.updated_at }))));
  });
  app.get('/robots.txt', async (_req, reply) =>
    reply.header('content-type', 'text/plain; charset=utf-8').header('cache-control', 'public, max-age=3600').send(robotsTxt(ctx.config.siteUrl)));
}
