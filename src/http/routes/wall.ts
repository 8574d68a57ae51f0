import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../context.js';
import { safeReturnTo } from '../../members/members.service.js';
import { isHead } from '../forms.js';

const wallQuery = z.object({
  a: z.coerce.number().int().positive().optional(),
  r: z.string().max(40).optional(),
  return_to: z.string().max(500).optional(),
});

/** Wall buttons go through here, so clicks are counted without JavaScript, then on to their page. */
export function wallRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get<{ Params: { action: string } }>('/wall/:action', async (req, reply) => {
    const q = wallQuery.safeParse(req.query);
    const action = req.params.action;
    const target = { trial: '/subscribe?trial=1', subscribe: '/subscribe', signin: '/signin' }[action as 'trial'];
    if (!target) return reply.redirect('/', 303);
    const returnTo = safeReturnTo(q.success ? q.data.return_to : '/');
    if (q.success && !isHead(req)) {
      ctx.access.meter.event({ kind: 'wall_action', articleId: q.data.a ?? null, reason: `${action}:${q.data.r ?? ''}`.slice(0, 60), reader: null, at: ctx.clock.now() });
    }
    const sep = target.includes('?') ? '&' : '?';
    return reply.header('cache-control', 'no-store').redirect(`${target}${sep}return_to=${encodeURIComponent(returnTo)}`, 303);
  });
}
