import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { chooseNewsletters, memberNewsletters } from '../../newsletters/newsletters.service.js';
import { isEntitled } from '../../access/entitlement.js';
import type { AppContext } from '../context.js';
import { sendHtml, PRIVATE } from '../reply.js';
import { csrfToken, formField, isHead, knownNotice, queryField, throttled } from '../forms.js';
import { clearSessionCookie, identify, setSessionCookie } from '../identity.js';
import { AppError } from '../../errors.js';
import { sha256hex, randomToken } from '../../members/crypto.js';
import { normalizeEmail } from '../../members/staff.js';
import {
  changeName, checkLink, deleteMember, exportMemberData, passwordSignIn, requestEmailChange, requestSignInLink,
  safeReturnTo, setMemberPassword, signOutEverywhere, useLink,
} from '../../members/members.service.js';
import { listMemberSessions, revokeSession } from '../../members/sessions.js';
import { AccountPage, CheckEmailPage, ConfirmLinkPage, LinkProblemPage, SignInPage } from '../../web/pages/account.js';
import { toHttpFailure } from '../errors.js';
import { subscriptionView } from '../../billing/subscriptions.js';

/** Ties a magic link to the browser that asked for it. */
const BINDING_COOKIE = 'mh_login';

export function accountRoutes(app: FastifyInstance, ctx: AppContext): void {
  const csrf = { preHandler: app.csrfProtection };
  const linkLimit = { ...csrf, config: { rateLimit: { max: ctx.limits.linkPerIp, timeWindow: ctx.limits.windowMs } } };
  const passwordLimit = { ...csrf, config: { rateLimit: { max: ctx.limits.passwordPerIp, timeWindow: ctx.limits.windowMs } } };
  const secure = ctx.config.siteUrl.startsWith('https:');
  const site = () => ctx.site.get();

  async function signInPage(req: FastifyRequest, reply: FastifyReply, o: { signup?: boolean; status?: number; error?: string; passwordError?: string; email?: string }) {
    const token = await csrfToken(reply);
    const returnTo = safeReturnTo(formField(req, 'return_to') || queryField(req, 'return_to'));
    return sendHtml(reply, SignInPage({ site: await site(), csrf: token, returnTo, email: o.email, error: o.error, passwordError: o.passwordError, signup: o.signup }), o.status ?? 200, PRIVATE);
  }

  app.get('/signin', async (req, reply) => {
    const id = await identify(ctx, req);
    if (id.member) return reply.redirect(safeReturnTo(queryField(req, 'return_to')) || '/account', 303);
    return signInPage(req, reply, {});
  });
  app.get('/signup', async (req, reply) => signInPage(req, reply, { signup: true }));

  async function requestLink(req: FastifyRequest, reply: FastifyReply, signup: boolean) {
    const email = formField(req, 'email');
    try {
      const wait = ctx.throttles.linkPerEmail.hit(normalizeEmail(email));
      if (wait) throttled(reply, wait);
      const nonce = randomToken(18);
      reply.setCookie(BINDING_COOKIE, nonce, { path: '/signin', httpOnly: true, sameSite: 'lax', secure, maxAge: 15 * 60 });
      await requestSignInLink(ctx.accounts, {
        email, name: formField(req, 'name'), bindingHash: sha256hex(nonce), deviceId: ctx.deviceIdOf(req), returnTo: formField(req, 'return_to'), intent: formField(req, 'intent'),
        newsletters: signupChoices(req),
      });
    } catch (err) {
      const f = toHttpFailure(err);
      if (f.status !== 400) throw err;
      return signInPage(req, reply, { signup, status: 400, error: capital(f.message), email });
    }
    return reply.redirect('/signin/check-email', 303);
  }
  app.post('/signin', linkLimit, (req, reply) => requestLink(req, reply, false));
  app.post('/signup', linkLimit, (req, reply) => requestLink(req, reply, true));

  app.get('/signin/check-email', async (_req, reply) => sendHtml(reply, CheckEmailPage({ site: await site() }), 200, PRIVATE));

  async function linkProblem(reply: FastifyReply, reason: string) {
    return sendHtml(reply, LinkProblemPage({ site: await site(), reason, csrf: await csrfToken(reply) }), 400, PRIVATE);
  }

  async function finish(req: FastifyRequest, reply: FastifyReply, raw: string, code?: string) {
    const r = await useLink(ctx.accounts, raw, { userAgent: req.headers['user-agent'] ?? '', totpCode: code, ip: req.ip, codeThrottle: ctx.throttles.codePerStaff });
    switch (r.kind) {
      case 'invalid':
      case 'expired':
      case 'used':
      case 'too_many_codes':
      case 'email_taken':
        return linkProblem(reply, r.kind);
      case 'throttled':
        return throttled(reply, r.retryAfterSeconds);
      case 'code_required':
      case 'code_wrong': {
        const error = r.kind === 'code_wrong'
          ? `That code is not right; codes change every 30 seconds. ${r.attemptsLeft} ${r.attemptsLeft === 1 ? 'try' : 'tries'} left with this link.`
          : undefined;
        return sendHtml(reply, ConfirmLinkPage({ site: await site(), token: raw, csrf: await csrfToken(reply), purpose: 'staff_signin', needsCode: true, error }), error ? 401 : 200, PRIVATE);
      }
      case 'email_changed':
        return reply.header('cache-control', PRIVATE).redirect('/account?notice=email', 303);
      case 'signed_in': {
        const old = (await identify(ctx, req)).session;
        if (old) await revokeSession(ctx.database.db, old.id, ctx.clock.now());
        reply.clearCookie(BINDING_COOKIE, { path: '/signin' });
        setSessionCookie(ctx, reply, r.sessionToken, r.maxAgeMs);
        ctx.worker.kick();
        return reply.header('cache-control', PRIVATE).redirect(r.returnTo, 303);
      }
    }
  }

  /**
   * Opening the link in the browser that asked for it signs in at once. Anywhere
   * else (another device, or a mail scanner following links) gets a button first:
   * a GET alone never uses up the link there.
   */
  app.get('/signin/verify', async (req, reply) => {
    const raw = queryField(req, 'token');
    const c = await checkLink(ctx.accounts, raw);
    if (c.kind !== 'confirm') return linkProblem(reply, c.kind);
    const nonce = req.cookies[BINDING_COOKIE];
    const bound = c.token?.bindingHash && nonce && sha256hex(nonce) === c.token.bindingHash;
    // A HEAD (a link checker, a mail scanner) never uses the link.
    if (bound && !c.needsCode && c.purpose !== 'change_email' && !isHead(req)) return finish(req, reply, raw);
    return sendHtml(reply, ConfirmLinkPage({ site: await site(), token: raw, csrf: await csrfToken(reply), purpose: c.purpose, needsCode: c.needsCode }), 200, PRIVATE);
  });
  app.post('/signin/verify', passwordLimit, async (req, reply) => finish(req, reply, formField(req, 'token'), formField(req, 'code') || undefined));

  app.post('/signin/password', passwordLimit, async (req, reply) => {
    const email = formField(req, 'email');
    try {
      const wait = ctx.throttles.passwordPerEmail.hit(normalizeEmail(email));
      if (wait) throttled(reply, wait);
      const r = await passwordSignIn(ctx.accounts, { email, password: formField(req, 'password'), userAgent: req.headers['user-agent'] ?? '', deviceId: ctx.deviceIdOf(req) });
      const old = (await identify(ctx, req)).session;
      if (old) await revokeSession(ctx.database.db, old.id, ctx.clock.now());
      setSessionCookie(ctx, reply, r.sessionToken, r.maxAgeMs);
      return reply.header('cache-control', PRIVATE).redirect(safeReturnTo(formField(req, 'return_to')), 303);
    } catch (err) {
      const f = toHttpFailure(err);
      if (f.status !== 400 && f.status !== 401) throw err;
      return signInPage(req, reply, { status: f.status, passwordError: capital(f.message), email });
    }
  });

  app.post('/signout', csrf, async (req, reply) => {
    const id = await identify(ctx, req);
    if (id.session) await revokeSession(ctx.database.db, id.session.id, ctx.clock.now());
    clearSessionCookie(ctx, reply);
    return reply.header('cache-control', PRIVATE).redirect('/', 303);
  });

  async function requireMember(req: FastifyRequest, reply: FastifyReply) {
    const id = await identify(ctx, req);
    if (!id.member) {
      reply.redirect(`/signin?return_to=${encodeURIComponent(req.url.split('?')[0]!)}`, 303);
      return undefined;
    }
    return id as Required<Pick<typeof id, 'member' | 'session'>>;
  }

  const NOTICES: Record<string, string> = {
    name: 'Your name is saved.', email: 'Your email address is confirmed and changed.', 'email-sent': 'Check your new inbox: we sent a link to confirm the address.',
    password: 'Your password is saved.', newsletters: 'Your newsletters are saved.', 'signed-out-elsewhere': 'You are signed out everywhere else.',
  };

  async function accountPage(req: FastifyRequest, reply: FastifyReply, o: { status?: number; error?: string } = {}) {
    const id = await requireMember(req, reply);
    if (!id) return reply;
    const sessions = await listMemberSessions(ctx.database.db, id.member.id, ctx.clock.now());
    return sendHtml(reply, AccountPage({
      site: await site(),
      csrf: await csrfToken(reply),
      view: {
        member: id.member,
        subscription: await subscriptionView(ctx.billing, id.member.id, (await site()).settings.locale),
        sessions: sessions.map((s) => ({ id: s.id, createdAt: s.created_at, lastSeenAt: s.last_seen_at, userAgent: s.user_agent, current: s.id === id.session.id })),
        newsletters: (await memberNewsletters(ctx.newsletters, id.member.id))
          .filter((x) => x.subscribed || x.newsletter.audience === 'members' || isEntitled(id.member.status))
          .map((x) => ({ id: x.newsletter.id, name: x.newsletter.name, subscribed: x.subscribed })),
        now: ctx.clock.now(),
        notice: knownNotice(NOTICES, queryField(req, 'notice')),
        error: o.error,
      },
    }), o.status ?? 200, PRIVATE);
  }
  app.get('/account', async (req, reply) => accountPage(req, reply));

  /** Account forms: validation problems re-render the page with the message; success redirects (POST/redirect/GET). */
  function accountAction(path: string, fn: (memberId: number, sessionId: string, req: FastifyRequest) => Promise<string>, extra: object = {}) {
    app.post(path, { ...csrf, ...extra }, async (req, reply) => {
      const id = await requireMember(req, reply);
      if (!id) return reply;
      try {
        const to = await fn(id.member.id, id.session.id, req);
        return reply.header('cache-control', PRIVATE).redirect(to, 303);
      } catch (err) {
        const f = toHttpFailure(err);
        if (f.status >= 500 || f.status === 429) throw err;
        return accountPage(req, reply, { status: f.status, error: capital(f.message) });
      }
    });
  }
  accountAction('/account/name', async (mid, _s, req) => (await changeName(ctx.accounts, mid, formField(req, 'name')), '/account?notice=name'));
  accountAction('/account/email', async (mid, _s, req) => (await requestEmailChange(ctx.accounts, mid, formField(req, 'email')), '/account?notice=email-sent'), linkLimit);
  accountAction('/account/newsletters', async (mid, _s, req) => {
    const raw = (req.body as Record<string, unknown> | undefined)?.newsletter;
    const chosen = new Set((Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).map((v) => Number(v)));
    const all = await memberNewsletters(ctx.newsletters, mid);
    await chooseNewsletters(ctx.newsletters, mid, new Map(all.map((x) => [x.newsletter.id, chosen.has(x.newsletter.id)])), 'account');
    return '/account?notice=newsletters';
  });
  accountAction('/account/password', async (mid, _s, req) => (await setMemberPassword(ctx.accounts, mid, formField(req, 'password')), '/account?notice=password'));
  accountAction('/account/signout-everywhere', async (mid, sid) => {
    await signOutEverywhere(ctx.accounts, mid);
    return '/signin';
  });
  accountAction('/account/delete', async (mid, _s, req) => {
    if (formField(req, 'confirm') !== 'yes') throw new AppError('invalid_input', 'tick the box to confirm that you want to delete your account');
    await deleteMember(ctx.accounts, mid);
    return '/?deleted=1';
  });

  app.get('/account/export.json', async (req, reply) => {
    const id = await requireMember(req, reply);
    if (!id) return reply;
    return reply.header('cache-control', PRIVATE).header('content-disposition', 'attachment; filename="my-data.json"').send(await exportMemberData(ctx.accounts, id.member.id));
  });
}

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1) + (/[.!?]$/.test(s) ? '' : '.');

/** The newsletters ticked on a sign-up form; null when the form offered no choice (the defaults apply). */
function signupChoices(req: FastifyRequest): number[] | null {
  if (formField(req, 'newsletters_shown') !== '1') return null;
  const v = (req.body as Record<string, unknown> | undefined)?.newsletter;
  const values = Array.isArray(v) ? v : typeof v === 'string' ? [v] : [];
  return [...new Set(values.filter((x): x is string => typeof x === 'string' && /^\d{1,9}$/.test(x)).map(Number))].slice(0, 50);
}
