import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { sendHtml, PRIVATE } from '../reply.js';
import { csrfToken, formField, queryField, throttled } from '../forms.js';
import { identify, setSessionCookie } from '../identity.js';
import { toHttpFailure } from '../errors.js';
import { randomToken, sha256hex } from '../../members/crypto.js';
import { normalizeEmail } from '../../members/staff.js';
import { beginTotp, enableTotp, requestStaffLink, staffPasswordSignIn } from '../../members/staff-auth.service.js';
import { revokeSession } from '../../members/sessions.js';
import { otpauthUri } from '../../members/totp.js';
import { AdminHomePage, StaffSignInPage } from '../../web/pages/admin.js';


export function staffAuthRoutes(app: FastifyInstance, ctx: AppContext): void {
  const csrf = { preHandler: app.csrfProtection };
  const limit = { ...csrf, config: { rateLimit: { max: ctx.limits.passwordPerIp, timeWindow: ctx.limits.windowMs } } };
  const site = () => ctx.site.get();

  async function page(reply: FastifyReply, o: { status?: number; error?: string; notice?: string; email?: string } = {}) {
    return sendHtml(reply, StaffSignInPage({ site: await site(), csrf: await csrfToken(reply), ...o }), o.status ?? 200, PRIVATE);
  }

  app.get('/admin/signin', async (req, reply) => {
    if ((await identify(ctx, req)).staff) return reply.redirect('/admin', 303);
    return page(reply, { notice: queryField(req, 'sent') ? 'If that address belongs to a staff account, a sign-in link is on its way.' : undefined });
  });

  app.post('/admin/signin', limit, async (req, reply) => {
    const email = formField(req, 'email');
    try {
      const wait = ctx.throttles.passwordPerEmail.hit(`staff:${normalizeEmail(email)}`);
      if (wait) throttled(reply, wait);
      const r = await staffPasswordSignIn(ctx.accounts, { email, password: formField(req, 'password'), code: formField(req, 'code') || undefined, userAgent: req.headers['user-agent'] ?? '', ip: req.ip, codeThrottle: ctx.throttles.codePerStaff });
      const old = (await identify(ctx, req)).session;
      if (old) await revokeSession(ctx.database.db, old.id, ctx.clock.now());
      setSessionCookie(ctx, reply, r.sessionToken, r.maxAgeMs);
      return reply.header('cache-control', PRIVATE).redirect('/admin', 303);
    } catch (err) {
      const f = toHttpFailure(err);
      if (f.status !== 400 && f.status !== 401) throw err;
      return page(reply, { status: f.status, error: f.message.charAt(0).toUpperCase() + f.message.slice(1) + '.', email });
    }
  });

  app.post('/admin/signin/link', limit, async (req, reply) => {
    const email = formField(req, 'email');
    try {
      const wait = ctx.throttles.linkPerEmail.hit(`staff:${normalizeEmail(email)}`);
      if (wait) throttled(reply, wait);
      const nonce = randomToken(18);
      reply.setCookie('mh_login', nonce, { path: '/signin', httpOnly: true, sameSite: 'lax', secure: ctx.config.siteUrl.startsWith('https:'), maxAge: 15 * 60 });
      await requestStaffLink(ctx.accounts, { email, bindingHash: sha256hex(nonce) });
    } catch (err) {
      const f = toHttpFailure(err);
      if (f.status !== 400) throw err;
      return page(reply, { status: 400, error: f.message.charAt(0).toUpperCase() + f.message.slice(1) + '.' });
    }
    return reply.redirect('/admin/signin?sent=1', 303);
  });

  async function requireStaff(req: FastifyRequest, reply: FastifyReply) {
    const id = await identify(ctx, req);
    if (!id.staff) {
      reply.redirect('/admin/signin', 303);
      return undefined;
    }
    return id.staff;
  }

  async function home(req: FastifyRequest, reply: FastifyReply, o: { status?: number; error?: string; notice?: string } = {}) {
    const staff = await requireStaff(req, reply);
    if (!staff) return reply;
    const s = await site();
    const totp = staff.totpEnabled ? undefined : await beginTotp(ctx.accounts, staff.id);
    return sendHtml(reply, AdminHomePage({
      site: s, csrf: await csrfToken(reply), staff,
      totp: totp ? { secret: totp, uri: otpauthUri(totp, staff.email, s.settings.title) } : undefined,
      ...o,
    }), o.status ?? 200, PRIVATE);
  }
  app.get('/admin', async (req, reply) => home(req, reply, { notice: queryField(req, 'totp') ? 'Two-factor authentication is on.' : undefined }));

  app.post('/admin/security/totp', csrf, async (req, reply) => {
    const staff = await requireStaff(req, reply);
    if (!staff) return reply;
    try {
      await enableTotp(ctx.accounts, staff.id, formField(req, 'code'));
    } catch (err) {
      const f = toHttpFailure(err);
      if (f.status !== 400) throw err;
      req.identity = undefined;
      return home(req, reply, { status: 400, error: f.message.charAt(0).toUpperCase() + f.message.slice(1) + '.' });
    }
    return reply.redirect('/admin?totp=1', 303);
  });
}
