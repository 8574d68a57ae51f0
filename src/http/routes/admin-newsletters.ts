import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { staffOnly } from '../staff-pages.js';
import type { AppContext } from '../context.js';
import { csrfToken } from '../forms.js';
import { sendHtml, PRIVATE } from '../reply.js';
import { toHttpFailure } from '../errors.js';
import { idParam, requireRole } from '../admin-api.js';
import { cancel, createNewsletter, newsletterById, newsletters, recentSendsWithCounts, sendStatus, updateNewsletter } from '../../newsletters/newsletters.service.js';
import { z } from 'zod';
import type { Newsletter } from '../../newsletters/newsletters.queries.js';
import { slugify } from '../../content/slug.js';
import { NewsletterFormPage, NewslettersPage, SEND_REFRESH_SECONDS, SendPage } from '../../web/pages/newsletters-admin.js';
import type { StaffUser } from '../../members/staff.js';
import { audit } from '../../members/audit.js';

const FIELDS = ['name', 'slug', 'senderName', 'senderEmail', 'replyTo', 'audience', 'subscribeOnSignup', 'header', 'footer'] as const;
const NOTICES: Record<string, string> = { created: 'Newsletter created.', saved: 'Newsletter saved.', cancelled: 'Send cancelled: nobody else will get it.', finished: 'That send had finished already.' };

/**
 * /admin/newsletters: the list, create and edit (administrators, as settings are), and sends with
 * their counts per state and cancel (whoever may publish any article, as sending is). Forms only.
 */
export function adminNewsletterRoutes(app: FastifyInstance, ctx: AppContext): void {
  const d = ctx.newsletters;
  const csrf = { preHandler: app.csrfProtection };

  app.register(async (r) => {
    r.addHook('onRequest', staffOnly(ctx));
    // The sign-up forms list the newsletters: a change shows at once on this instance.
    r.addHook('onResponse', async (req) => {
      if (req.method !== 'GET') ctx.invalidate();
    });

    const staffOf = (req: FastifyRequest): StaffUser => req.staff!;
    const mayView = (s: StaffUser) => requireRole(s, 'article.publish', { own: false, live: true });
    const site = () => ctx.site.get();
    const body = (req: FastifyRequest) => (req.body ?? {}) as Record<string, unknown>;
    const str = (b: Record<string, unknown>, k: string) => (typeof b[k] === 'string' ? (b[k] as string) : '');
    const input = (b: Record<string, unknown>) => {
      const name = str(b, 'name').trim();
      return {
        name, slug: str(b, 'slug').trim() || slugify(name) || 'newsletter', senderName: str(b, 'senderName').trim() || name,
        senderEmail: str(b, 'senderEmail').trim() || null, replyTo: str(b, 'replyTo').trim() || null,
        audience: str(b, 'audience') || 'members', subscribeOnSignup: str(b, 'subscribeOnSignup') === '1',
        header: str(b, 'header'), footer: str(b, 'footer'),
      };
    };
    const values = (b: Record<string, unknown>) => Object.fromEntries(FIELDS.map((k) => [k, str(b, k)]));

    r.get('/admin/newsletters', async (req, reply) => {
      const staff = staffOf(req);
      mayView(staff);
      const { sends, counts } = await recentSendsWithCounts(d);
      const done = (req.query as { done?: unknown }).done;
      return sendHtml(reply, NewslettersPage({
        site: await site(), staff, csrf: await csrfToken(reply), tz: (await site()).settings.timezone, newsletters: await newsletters(d), sends, counts,
        notice: typeof done === 'string' ? NOTICES[done] : undefined,
      }), 200, PRIVATE);
    });

    const form = async (req: FastifyRequest, reply: FastifyReply, n: Newsletter | null, o: { status?: number; error?: string; values?: Record<string, string> } = {}) =>
      sendHtml(reply, NewsletterFormPage({ site: await site(), staff: staffOf(req), csrf: await csrfToken(reply), newsletter: n, ...o }), o.status ?? 200, PRIVATE);

    r.get('/admin/newsletters/new', async (req, reply) => {
      requireRole(staffOf(req), 'settings.manage');
      return form(req, reply, null);
    });
    r.get('/admin/newsletters/:id', async (req, reply) => {
      requireRole(staffOf(req), 'settings.manage');
      return form(req, reply, await newsletterById(d, idParam.parse(req.params).id));
    });

    const refused = (err: unknown) => {
      const f = toHttpFailure(err);
      if (f.status !== 400 && f.status !== 409) throw err;
      return { status: f.status, error: f.message.charAt(0).toUpperCase() + f.message.slice(1) + (/[.!?]$/.test(f.message) ? '' : '.') };
    };

    r.post('/admin/newsletters', csrf, async (req, reply) => {
      requireRole(staffOf(req), 'settings.manage');
      const b = body(req);
      try {
        const n = await createNewsletter(d, input(b));
        await audit(d.db, { at: ctx.clock.now(), actor: `staff:${req.staff!.id}`, action: 'newsletter.created', target: `newsletter:${n.id}`, ip: req.ip, details: { slug: n.slug } });
      } catch (err) {
        return form(req, reply, null, { ...refused(err), values: values(b) });
      }
      return reply.redirect('/admin/newsletters?done=created', 303);
    });

    r.post('/admin/newsletters/:id', csrf, async (req, reply) => {
      requireRole(staffOf(req), 'settings.manage');
      const { id } = idParam.parse(req.params);
      const current = await newsletterById(d, id);
      const b = body(req);
      try {
        await updateNewsletter(d, id, input(b));
        await audit(d.db, { at: ctx.clock.now(), actor: `staff:${req.staff!.id}`, action: 'newsletter.changed', target: `newsletter:${id}`, ip: req.ip });
      } catch (err) {
        return form(req, reply, current, { ...refused(err), values: values(b) });
      }
      return reply.redirect('/admin/newsletters?done=saved', 303);
    });

    // A send's progress and figures; while it sends, the page follows it through the Refresh
    // header (no script), with a link on the page that turns the reloading off (WCAG 2.2.1).
    r.get('/admin/newsletters/sends/:id', async (req, reply) => {
      mayView(staffOf(req));
      const status = await sendStatus(d, idParam.parse(req.params).id);
      const refreshing = status.send.status === 'sending' && z.object({ refresh: z.enum(['off']).optional() }).catch({}).parse(req.query).refresh !== 'off';
      if (refreshing) reply.header('refresh', String(SEND_REFRESH_SECONDS));
      return sendHtml(reply, SendPage({ site: await site(), staff: staffOf(req), csrf: await csrfToken(reply), tz: (await site()).settings.timezone, status, refreshing }), 200, PRIVATE);
    });

    r.post('/admin/newsletters/sends/:id/cancel', csrf, async (req, reply) => {
      mayView(staffOf(req));
      const { id } = idParam.parse(req.params);
      const done = await cancel(d, id);
      if (done) await audit(d.db, { at: ctx.clock.now(), actor: `staff:${req.staff!.id}`, action: 'newsletter.cancelled', target: `send:${id}`, ip: req.ip });
      return reply.redirect(`/admin/newsletters?done=${done ? 'cancelled' : 'finished'}`, 303);
    });
  });
}
