import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import { ping } from '../../db/database.js';
import { pendingMigrations } from '../../db/migrate.js';
import { markCompressible } from '../compression.js';
import { getAssets, getEditorAsset } from '../../web/assets.js';

export function healthRoutes(app: FastifyInstance, ctx: AppContext): void {
  // Liveness: the process is up and answering. It does not touch the database, so a database
  // outage makes instances unready (/readyz), not restarted.
  app.get('/healthz', async (_req, reply) => reply.header('cache-control', 'no-store').send({ status: 'ok' }));

  // Readiness, for a load balancer: send traffic here only while the database answers and has
  // every migration this code expects. The answer is public, so the database's own error (host
  // names, addresses) goes to the log only.
  app.get('/readyz', async (req, reply) => {
    reply.header('cache-control', 'no-store');
    const unready = (reason: string, err?: unknown) => {
      if (err) req.log.warn({ err }, `not ready: ${reason}`);
      return reply.code(503).send({ status: 'unavailable', reason });
    };
    try {
      await ping(ctx.database);
    } catch (err) {
      return unready('database unreachable', err);
    }
    let pending: string[];
    try {
      pending = await pendingMigrations(ctx.database);
    } catch (err) {
      return unready('cannot read the applied migrations', err);
    }
    if (pending.length) return unready(`migrations not applied: ${pending.join(', ')}`);
    return reply.send({ status: 'ok' });
  });

  const editor = getEditorAsset();
  for (const asset of [...Object.values(getAssets()), ...(editor ? [editor] : [])]) {
    app.get(asset.path, async (req, reply) => {
      reply.header('content-type', asset.type).header('cache-control', 'public, max-age=31536000, immutable').header('etag', asset.etag).header('x-content-type-options', 'nosniff');
      if (req.headers['if-none-match'] === asset.etag) return reply.code(304).send();
      markCompressible(reply, { shared: true });
      return reply.send(asset.body);
    });
  }
}
