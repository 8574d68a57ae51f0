import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import { ping } from '../../db/database.js';
import { markCompressible } from '../compression.js';
import { getAssets } from '../../web/assets.js';

export function healthRoutes(app: FastifyInstance, ctx: AppContext): void {
  // The server only listens after migrations have run, so reachable + a live database means ok.
  app.get('/healthz', async (_req, reply) => {
    await ping(ctx.database);
    return reply.header('cache-control', 'no-store').send({ status: 'ok' });
  });

  for (const asset of Object.values(getAssets())) {
    app.get(asset.path, async (req, reply) => {
      reply.header('content-type', asset.type).header('cache-control', 'public, max-age=31536000, immutable').header('etag', asset.etag).header('x-content-type-options', 'nosniff');
      if (req.headers['if-none-match'] === asset.etag) return reply.code(304).send();
      markCompressible(reply, { shared: true });
      return reply.send(asset.body);
    });
  }
}
