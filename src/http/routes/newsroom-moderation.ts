import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../context.js';
import { sendHtml, PRIVATE } from '../reply.js';
import { csrfToken, queryField } from '../forms.js';
import { idParam, requireRole } from '../admin-api.js';
import { formBody, formFailure, formList, staffOf, staffPages } from '../staff-pages.js';
import { BanPage, ModerationPage } from '../../web/pages/newsroom-moderation.js';
import { activeBans, memberForBan, moderationQueue } from '../../comments/moderation.queries.js';
import { banFromComments, liftBan, moderateComments, setModerationRules, type ModerationAction } from '../../comments/moderation.service.js';
import { BAN_LENGTHS, readCommentRules, type BanLength } from '../../comments/rules.js';
import { invalidInput, notFound } from '../../errors.js';
import type { FormState } from '../../web/pages/newsroom-forms.js';

/** /admin/comments: the moderation queue, bulk approve/hide/delete, bans and the moderation rules (issue 16, part 4). */
const DONE: Record<string, string> = {
  approve: 'Approved.', hide: 'Hidden.', delete: 'Deleted.', banned: 'The member is banned from commenting.', lifted: 'The ban is lifted.', rules: 'Moderation rules saved.',
};
const ACTIONS = ['approve', 'hide', 'delete'] as const;

export function newsroomModerationRoutes(app: FastifyInstance, ctx: AppContext): void {
  const csrf = { preHandler: app.csrfProtection };
  const db = ctx.database.db;
  const who = (req: FastifyRequest) => ({ actor: `staff:${req.staff!.id}`, ip: req.ip });

  staffPages(app, ctx, (r) => {
    r.addHook('preHandler', async (req) => requireRole(staffOf(req), 'comments.moderate'));

    async function page(req: FastifyRequest, reply: FastifyReply, o: { status?: number; notice?: string; error?: string; rulesForm?: FormState } = {}) {
      const site = await ctx.site.get();
      const rules = await readCommentRules(db);
      return sendHtml(reply, ModerationPage({
        site, staff: staffOf(req), csrf: await csrfToken(reply), tz: site.settings.timezone,
        queue: await moderationQueue(db, 50), bans: await activeBans(db, ctx.clock.now()), rules, ...o,
      }), o.status ?? 200, PRIVATE);
    }

    r.get('/admin/comments', async (req, reply) => page(req, reply, { notice: DONE[queryField(req, 'done')] }));

    r.post('/admin/comments/bulk', csrf, async (req, reply) => {
      const action = formBody(req).action as ModerationAction;
      if (!(ACTIONS as readonly string[]).includes(action)) throw invalidInput('choose approve, hide or delete');
      const ids = [...new Set(formList(req, 'ids').map((s) => idParam.parse({ id: s }).id))].slice(0, 500);
      if (!ids.length) return page(req, reply, { status: 400, error: 'Select at least one comment first.' });
      await moderateComments(ctx.comments, who(req), ids, action);
      return reply.redirect(`/admin/comments?done=${action}`, 303);
    });

    async function banPage(req: FastifyRequest, reply: FastifyReply, memberId: number, form: FormState, status = 200, error?: string) {
      const member = await memberForBan(db, memberId);
      if (!member) throw notFound('member');
      return sendHtml(reply, BanPage({ site: await ctx.site.get(), staff: staffOf(req), csrf: await csrfToken(reply), member, form, error }), status, PRIVATE);
    }

    r.get('/admin/comments/ban', async (req, reply) => banPage(req, reply, idParam.parse({ id: queryField(req, 'member') }).id, {}));

    r.post('/admin/comments/bans', csrf, async (req, reply) => {
      const b = formBody(req);
      const memberId = idParam.parse({ id: b.member }).id;
      const length = z.enum(Object.keys(BAN_LENGTHS) as [BanLength, ...BanLength[]]).catch('week').parse(b.length);
      try {
        await banFromComments(ctx.comments, who(req), memberId, length, b.reason ?? '');
      } catch (err) {
        const f = formFailure(err);
        if (!f || f.status !== 400) throw err;
        return banPage(req, reply, memberId, { values: { length, reason: b.reason ?? '' }, errors: Object.keys(f.errors).length ? f.errors : { reason: f.message } }, 400, f.message);
      }
      return reply.redirect('/admin/comments?done=banned', 303);
    });

    r.post('/admin/comments/bans/:id/lift', csrf, async (req, reply) => {
      await liftBan(ctx.comments, who(req), idParam.parse(req.params).id);
      return reply.redirect('/admin/comments?done=lifted', 303);
    });

    r.post('/admin/comments/rules', csrf, async (req, reply) => {
      const b = formBody(req);
      const words = (b.blockedWords ?? '').split(/\r?\n/).map((w) => w.trim()).filter(Boolean);
      try {
        await setModerationRules(ctx.comments, who(req), { blockedWords: [...new Set(words)], premoderateFirst: b.premoderateFirst === '1' });
      } catch (err) {
        const f = formFailure(err);
        if (!f || f.status !== 400) throw err;
        return page(req, reply, { status: 400, error: f.message, rulesForm: { values: { blockedWords: b.blockedWords ?? '', premoderateFirst: b.premoderateFirst ?? '' }, errors: { blockedWords: Object.values(f.errors)[0] ?? f.message } } });
      }
      return reply.redirect('/admin/comments?done=rules', 303);
    });
  });
}
