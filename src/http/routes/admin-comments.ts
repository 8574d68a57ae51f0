import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../context.js';
import { adminAuth, idParam, jsonBody, requirePermission } from '../admin-api.js';
import { banMember, setStatus, unbanMember } from '../../comments/comments.service.js';
import { commentRulesSchema, readCommentRules, writeCommentRules } from '../../comments/rules.js';
import { commentsByStatus, openReports } from '../../comments/moderation.queries.js';

const listQuery = z.object({ status: z.enum(['visible', 'pending', 'hidden', 'deleted']).default('pending'), limit: z.coerce.number().int().min(1).max(200).default(50) }).strict();
const banInput = z.object({ reason: z.string().max(500).optional() }).strict();

/** Moderation through the Admin API (the admin app comes later). */
export function adminCommentRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.register(async (api) => {
    api.addHook('onRequest', adminAuth(ctx));
    api.addHook('onRequest', async (req) => requirePermission(req, 'comments.moderate'));
    const db = ctx.database.db;

    api.get('/comments', async (req) => {
      const q = listQuery.parse(req.query);
      const rows = await commentsByStatus(db, q.status, q.limit);
      return { comments: rows.map((r) => ({ ...r, createdAt: new Date(r.createdAt).toISOString() })) };
    });
    api.get('/comments/reports', async () => {
      return { reports: (await openReports(db)).map((r) => ({ ...r, reportedAt: new Date(r.reportedAt).toISOString() })) };
    });
    for (const [action, status] of [['approve', 'visible'], ['hide', 'hidden'], ['delete', 'deleted']] as const) {
      api.post(`/comments/:id/${action}`, async (req) => {
        await setStatus(ctx.comments, idParam.parse(req.params).id, status);
        return { ok: true, status };
      });
    }
    api.put('/members/:id/comment-ban', async (req) => {
      const { reason } = banInput.parse(req.body ?? {});
      await banMember(ctx.comments, idParam.parse(req.params).id, `staff:${req.staff!.id}`, reason ?? '');
      return { banned: true };
    });
    api.delete('/members/:id/comment-ban', async (req, reply) => {
      await unbanMember(ctx.comments, idParam.parse(req.params).id);
      return reply.code(204).send();
    });
    api.get('/comments/settings', async () => ({ comments: await readCommentRules(db) }));
    api.patch('/comments/settings', async (req) => {
      requirePermission(req, 'settings.manage');
      const out = await writeCommentRules(db, commentRulesSchema.partial().strict().parse(jsonBody(req)));
      ctx.invalidate();
      return { comments: out };
    });
  }, { prefix: '/api/admin' });
}
