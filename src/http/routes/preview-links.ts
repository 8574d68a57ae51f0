import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../context.js';
import { sendHtml, PRIVATE } from '../reply.js';
import { assemblePage } from '../../web/page-assembly.js';
import { sharedPreviewBanner, PreviewLinkGonePage } from '../../web/pages/newsroom.js';
import { openPreviewLink, type PreviewLinkDeps } from '../../content/preview-links.js';
import { previewArticle } from '../../reading/preview.js';
import { formatInZone } from '../../shared/zoned-time.js';

/**
 * /preview/<id>/<tag>: an article shared by a preview link (content/preview-links.ts), for
 * someone without an account. The page is the article as a subscriber reads it, under a banner;
 * it is never stored by a shared cache, never indexed, and sends no Referer that would carry
 * the link on to another site. A link that is wrong, revoked or expired is a 404 page saying so.
 */
const HEADERS = { 'cache-control': PRIVATE, 'x-robots-tag': 'noindex, nofollow, noarchive', 'referrer-policy': 'no-referrer' };
const params = z.object({ id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER).catch(0), tag: z.string().max(64).catch('') });

export const previewLinkDeps = (ctx: AppContext): PreviewLinkDeps => ({ db: ctx.content.db, clock: ctx.content.clock, secrets: [ctx.config.secret, ctx.config.previousSecret] });

export function previewLinkRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.register(async (scope) => {
    // After sendHtml's page headers, which name the site-wide referrer policy.
    scope.addHook('onSend', async (_req, reply, payload) => {
      reply.headers(HEADERS);
      return payload;
    });
    scope.get('/preview/:id/:tag', async (req, reply) => {
      const { id, tag } = params.parse(req.params);
      const site = await ctx.site.get();
      const opened = await openPreviewLink(previewLinkDeps(ctx), id, tag);
      const p = opened.state === 'open' ? await previewArticle(ctx, site, opened.link.articleId, 'subscriber') : null;
      if (opened.state !== 'open' || !p) {
        return sendHtml(reply, PreviewLinkGonePage({ site, state: opened.state === 'open' ? 'invalid' : opened.state }), 404, HEADERS['cache-control'], { shared: false });
      }
      const banner = sharedPreviewBanner(p.article.status === 'published' && p.article.publishedAt !== null && p.article.publishedAt <= ctx.clock.now(), formatInZone(opened.link.expiresAt, site.settings.timezone), site.settings.timezone);
      const page = assemblePage(p.shell, { template: banner }, { template: p.slot.template, token: '' }, { template: '' });
      return sendHtml(reply, page, 200, HEADERS['cache-control'], { shared: false });
    });
  });
}
