import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../context.js';
import { sendHtml, PRIVATE } from '../reply.js';
import { staffOnly } from '../staff-pages.js';
import { loadDashboard } from '../../dashboard/dashboard.service.js';
import { PERIODS, periodFor } from '../../dashboard/rules.js';
import { DashboardPage } from '../../web/pages/dashboard.js';


const query = z.object({
  period: z.enum(PERIODS).catch('30d').default('30d'),
  from: z.string().max(10).optional().catch(undefined),
  to: z.string().max(10).optional().catch(undefined),
});

/** The newsroom dashboard (issue 16): a GET form for the period, the page answered from the daily roll-ups. */
export function dashboardRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get('/admin/dashboard', { onRequest: staffOnly(ctx, 'dashboard.read') }, async (req, reply) => {
    const id = { staff: req.staff! };
    const q = query.parse(req.query ?? {});
    const site = await ctx.site.get();
    const tz = site.settings.timezone;
    const period = periodFor(q.period, ctx.clock.now(), tz, { from: q.from, to: q.to });
    const form = { choice: q.period, from: q.from ?? '', to: q.to ?? '' };
    if ('error' in period) return sendHtml(reply, DashboardPage({ site, staff: id.staff, d: null, ...form, error: period.error }), 400, PRIVATE);
    const d = await loadDashboard(ctx.database.db, period, tz);
    return sendHtml(reply, DashboardPage({ site, staff: id.staff, d, ...form, from: form.from || period.fromDate, to: form.to || period.toDate }), 200, PRIVATE);
  });
}
