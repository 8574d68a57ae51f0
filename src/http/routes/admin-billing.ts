import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../context.js';
import { adminAuth, idParam, jsonBody, requirePermission } from '../admin-api.js';
import { archivePlan, createPlan, getPlan, listPlans, planInputSchema, setDefaultPlan } from '../../billing/plans.js';
import { billingFigures } from '../../billing/figures.js';
import { grantComp, revokeComp } from '../../billing/subscriptions.js';
import { billingRulesSchema, readBillingRules, writeBillingRules } from '../../billing/rules.js';
import { invalidInput } from '../../errors.js';

const planPatch = z.object({ status: z.literal('archived').optional(), default: z.literal(true).optional() }).strict();
const compInput = z.object({ until: z.iso.datetime({ offset: true }).optional() }).strict();

/** Plans, complimentary access, billing settings and figures for staff who manage billing. */
export function adminBillingRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.register(async (api) => {
    api.addHook('onRequest', adminAuth(ctx));
    api.addHook('onResponse', async (req) => {
      if (req.method !== 'GET') ctx.invalidate();
    });
    const db = ctx.database.db;

    api.get('/plans', async () => ({ plans: await listPlans(db) }));
    api.post('/plans', async (req, reply) => {
      requirePermission(req, 'billing.manage');
      const input = planInputSchema.parse(jsonBody(req));
      const plan = await db.transaction().execute((trx) => createPlan(trx, input, ctx.clock.now()));
      return reply.code(201).send({ plan });
    });
    api.get('/plans/:id', async (req) => ({ plan: await getPlan(db, idParam.parse(req.params).id) }));
    api.patch('/plans/:id', async (req) => {
      requirePermission(req, 'billing.manage');
      const { id } = idParam.parse(req.params);
      const p = planPatch.parse(jsonBody(req));
      if (!p.status && !p.default) throw invalidInput('send {"status":"archived"} or {"default":true}');
      const plan = p.status ? await archivePlan(db, id, ctx.clock.now()) : await setDefaultPlan(db, id, ctx.clock.now());
      return { plan };
    });

    api.post('/members/:id/comp', async (req, reply) => {
      requirePermission(req, 'members.manage');
      const { until } = compInput.parse(req.body ?? {});
      const sub = await grantComp(ctx.billing, idParam.parse(req.params).id, `staff:${req.staff!.id}: granted complimentary access`, until ? Date.parse(until) : undefined);
      return reply.code(201).send({ subscription: { id: sub.id, status: sub.status } });
    });
    api.delete('/members/:id/comp', async (req, reply) => {
      requirePermission(req, 'members.manage');
      await revokeComp(ctx.billing, idParam.parse(req.params).id, `staff:${req.staff!.id}: revoked complimentary access`);
      return reply.code(204).send();
    });

    api.get('/billing', async () => ({ billing: await readBillingRules(db) }));
    api.patch('/billing', async (req) => {
      requirePermission(req, 'billing.manage');
      return { billing: await writeBillingRules(db, billingRulesSchema.partial().strict().parse(jsonBody(req))) };
    });
    api.get('/billing/figures', async (req) => {
      requirePermission(req, 'billing.manage');
      return { figures: await billingFigures(db, ctx.clock.now()) };
    });
  }, { prefix: '/api/admin' });
}
