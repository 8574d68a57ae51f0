import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../context.js';
import { adminAuth, idParam, jsonBody, requirePermission } from '../admin-api.js';
import { AppError } from '../../errors.js';
import { audit, recentAudit } from '../../members/audit.js';
import { changeStaffRole } from '../../members/staff-auth.service.js';
import { createStaffUser, listStaff, STAFF_ROLES } from '../../members/staff.js';
import { listMembers } from '../../members/members.queries.js';
import { createApiToken, revokeApiToken, tokenOwner } from '../../members/tokens.js';

const staffCreate = z.object({ email: z.string(), name: z.string().max(200).optional(), role: z.enum(STAFF_ROLES) }).strict();
const rolePatch = z.object({ role: z.enum(STAFF_ROLES) }).strict();
const tokenCreate = z.object({ name: z.string().trim().min(1).max(100) }).strict();
const page = z.object({ limit: z.coerce.number().int().min(1).max(200).default(50), offset: z.coerce.number().int().min(0).default(0) }).strict();

/** Staff, tokens, members and the audit log, under the same bearer-token auth as the Content API. */
export function adminStaffRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.register(async (api) => {
    api.addHook('onRequest', adminAuth(ctx));
    const db = ctx.database.db;

    api.get('/staff', async (req) => {
      requirePermission(req, 'audit.read');
      return { staff: (await listStaff(db)).map((r) => ({ ...r, createdAt: new Date(r.createdAt).toISOString() })) };
    });
    api.post('/staff', async (req, reply) => {
      requirePermission(req, 'staff.manage');
      const input = staffCreate.parse(jsonBody(req));
      const now = ctx.clock.now();
      const user = await db.transaction().execute(async (trx) => {
        const u = await createStaffUser(trx, { ...input, now });
        await audit(trx, { at: now, actor: `staff:${req.staff!.id}`, action: 'staff.created', target: `staff:${u.id}`, ip: req.ip, details: { role: u.role } });
        return u;
      });
      return reply.code(201).send({ staff: user });
    });
    api.patch('/staff/:id', async (req) => {
      requirePermission(req, 'staff.manage');
      const { role } = rolePatch.parse(jsonBody(req));
      return { staff: await changeStaffRole(ctx.accounts, req.staff!, idParam.parse(req.params).id, role) };
    });

    api.post('/tokens', async (req, reply) => {
      const { name } = tokenCreate.parse(jsonBody(req));
      const now = ctx.clock.now();
      const t = await createApiToken(db, req.staff!.id, name, now);
      await audit(db, { at: now, actor: `staff:${req.staff!.id}`, action: 'token.created', target: `token:${t.id}`, ip: req.ip });
      return reply.code(201).send({ token: { id: t.id, name, secret: t.token } });
    });
    api.delete('/tokens/:id', async (req, reply) => {
      const { id } = idParam.parse(req.params);
      const owner = await tokenOwner(db, id);
      if (owner === undefined) throw new AppError('not_found', 'token not found');
      if (owner !== req.staff!.id) requirePermission(req, 'staff.manage');
      await revokeApiToken(db, id, ctx.clock.now());
      await audit(db, { at: ctx.clock.now(), actor: `staff:${req.staff!.id}`, action: 'token.revoked', target: `token:${id}`, ip: req.ip });
      return reply.code(204).send();
    });

    api.get('/members', async (req) => {
      requirePermission(req, 'members.manage');
      const q = page.parse(req.query);
      const rows = await listMembers(db, q);
      return { members: rows.map((r) => ({ ...r, createdAt: new Date(r.createdAt).toISOString(), lastSeenAt: r.lastSeenAt ? new Date(r.lastSeenAt).toISOString() : null })) };
    });

    api.get('/audit', async (req) => {
      requirePermission(req, 'audit.read');
      const q = page.parse(req.query);
      const rows = await recentAudit(db, q.limit);
      return { events: rows.map((r) => ({ at: new Date(r.at).toISOString(), actor: r.actor, action: r.action, target: r.target, ip: r.ip, details: r.details ? JSON.parse(r.details) : null })) };
    });
  }, { prefix: '/api/admin' });
}
