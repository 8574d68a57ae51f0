import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../context.js';
import { sendHtml } from '../reply.js';
import { identify } from '../identity.js';
import { safeReturnTo } from '../../members/members.service.js';
import { MessagePage } from '../../web/pages/account.js';
import { h } from '../../web/jsx.js';

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
    if (q.success) {
      ctx.access.meter.event({ kind: 'wall_action', articleId: q.data.a ?? null, reason: `${action}:${q.data.r ?? ''}`.slice(0, 60), reader: null, at: ctx.clock.now() });
    }
    const sep = target.includes('?') ? '&' : '?';
    return reply.header('cache-control', 'no-store').redirect(`${target}${sep}return_to=${encodeURIComponent(returnTo)}`, 303);
  });

  /** Until billing lands (issue 5), the pricing page says so plainly and offers a free account. */
  app.get('/subscribe', async (req, reply) => {
    const site = await ctx.site.get();
    const id = await identify(ctx, req);
    const returnTo = safeReturnTo((req.query as Record<string, string>).return_to);
    return sendHtml(reply, MessagePage({
      site,
      title: `Subscribe to ${site.settings.title}`,
      children: [
        h('p', null, `Subscriptions, with a ${ctx.trialDays()}-day free trial, are being set up and are not available yet.`),
        id.member
          ? h('p', null, 'You are signed in with a free account. ', h('a', { href: returnTo }, 'Back to what you were reading'))
          : h('p', null, 'Meanwhile, a free account gives you more articles. ', h('a', { href: `/signup?return_to=${encodeURIComponent(returnTo)}` }, 'Create a free account'), '.'),
      ],
    }), 200, 'private, no-store');
  });
}
