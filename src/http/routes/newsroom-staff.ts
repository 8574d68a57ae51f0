import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../context.js';
import { sendHtml, PRIVATE } from '../reply.js';
import { csrfToken, queryField } from '../forms.js';
import { identify, setSessionCookie } from '../identity.js';
import { idParam, requireRole } from '../admin-api.js';
import { formBody, formFailure, staffOf, staffPages } from '../staff-pages.js';
import { AuditPage, InvitationPage, StaffPage, TokensPage } from '../../web/pages/newsroom-staff.js';
import type { FormState } from '../../web/pages/newsroom-forms.js';
import { acceptInvitation, findInvitation, INVITATION_REFUSALS, inviteStaff, openInvitations, revokeInvitation } from '../../members/invitations.js';
import { removeStaff, setStaffRole, transferOwnership } from '../../members/staff-admin.js';
import { can, staffChangeRefusal } from '../../members/permissions.js';
import { listStaff, STAFF_ROLES, type StaffRole } from '../../members/staff.js';
import { createApiToken, listApiTokens, revokeApiToken, tokenOwner } from '../../members/tokens.js';
import { audit, auditPage } from '../../members/audit.js';
import { revokeSession } from '../../members/sessions.js';
import { fromLocalInput } from '../../shared/zoned-time.js';
import { AppError } from '../../errors.js';

/**
 * /admin/staff (invite, roles, removal, ownership), /admin/tokens, /admin/audit, and the
 * invitation link /admin/invitations/:token, which works without a session (issue 16, part 6).
 */
const DONE: Record<string, string> = {
  role: 'Role changed.', removed: 'Removed from the staff; their sessions and tokens are ended.', revoked: 'Invitation withdrawn.',
  transferred: 'Ownership transferred. You are now an administrator.', token: 'Token revoked.',
};
const roleSchema = z.enum(STAFF_ROLES, { message: 'choose a role' });
const AUDIT_PAGE = 50;

export function newsroomStaffRoutes(app: FastifyInstance, ctx: AppContext): void {
  const csrf = { preHandler: app.csrfProtection };
  const db = ctx.database.db;
  const site = () => ctx.site.get();

  staffPages(app, ctx, (r) => {
    async function staffPage(req: FastifyRequest, reply: FastifyReply, o: { status?: number; notice?: string; error?: string; invite?: FormState; sentLink?: string } = {}) {
      const me = staffOf(req);
      requireRole(me, 'staff.invite');
      const s = await site();
      return sendHtml(reply, StaffPage({
        site: s, staff: me, csrf: await csrfToken(reply), tz: s.settings.timezone,
        members: await listStaff(db), invitations: await openInvitations(db, ctx.clock.now()),
        assignable: STAFF_ROLES.filter((role) => !staffChangeRefusal(me.role, { kind: 'invite', role })),
        mayTransfer: can(me.role, 'staff.transfer'), ...o,
      }), o.status ?? 200, PRIVATE);
    }
    /** A refusal the page can say (forbidden, conflict, bad input) comes back on the page; anything else is an error. */
    async function orPage<T>(req: FastifyRequest, reply: FastifyReply, fn: () => Promise<T>, done: string) {
      try {
        await fn();
      } catch (err) {
        const f = formFailure(err);
        if (!f) throw err;
        return staffPage(req, reply, { status: f.status, error: f.message });
      }
      return reply.redirect(`/admin/staff?done=${done}`, 303);
    }

    r.get('/admin/staff', async (req, reply) => staffPage(req, reply, { notice: DONE[queryField(req, 'done')] }));

    r.post('/admin/staff/invitations', csrf, async (req, reply) => {
      const me = staffOf(req);
      requireRole(me, 'staff.invite');
      const b = formBody(req);
      const values = { email: b.email ?? '', role: b.role ?? '' };
      try {
        const role = roleSchema.parse(b.role);
        const refusal = staffChangeRefusal(me.role, { kind: 'invite', role });
        if (refusal) return staffPage(req, reply, { status: 403, error: refusal.charAt(0).toUpperCase() + refusal.slice(1) + '.', invite: { values, errors: { role: refusal } } });
        const sent = await inviteStaff(ctx.accounts, me, { email: b.email ?? '', role, ip: req.ip });
        return staffPage(req, reply, { notice: `Invitation sent to ${values.email.trim()}.`, sentLink: sent.link });
      } catch (err) {
        const f = formFailure(err);
        if (!f) throw err;
        const errors = { ...f.errors };
        // emailSchema's issue has no path (it parses a bare string): it is the email field's.
        if (errors._) { errors.email = errors._; delete errors._; }
        if (!Object.keys(errors).length) errors.email = f.message;
        return staffPage(req, reply, { status: f.status, error: f.message, invite: { values, errors } });
      }
    });

    r.post('/admin/staff/invitations/:id/revoke', csrf, async (req, reply) => {
      requireRole(staffOf(req), 'staff.invite');
      return orPage(req, reply, () => revokeInvitation(ctx.accounts, staffOf(req), idParam.parse(req.params).id, req.ip), 'revoked');
    });

    r.post('/admin/staff/:id/role', csrf, async (req, reply) => {
      const role = roleSchema.parse(formBody(req).role) as StaffRole;
      return orPage(req, reply, () => setStaffRole(ctx.accounts, staffOf(req), idParam.parse(req.params).id, role, req.ip), 'role');
    });

    r.post('/admin/staff/:id/remove', csrf, async (req, reply) =>
      orPage(req, reply, () => removeStaff(ctx.accounts, staffOf(req), idParam.parse(req.params).id, req.ip), 'removed'));

    r.post('/admin/staff/transfer', csrf, async (req, reply) => {
      const b = formBody(req);
      if (b.confirm !== '1') return staffPage(req, reply, { status: 400, error: 'Tick the box to confirm the transfer.' });
      const to = idParam.parse({ id: b.to }).id;
      try {
        await transferOwnership(ctx.accounts, staffOf(req), to, req.ip);
      } catch (err) {
        const f = formFailure(err);
        if (!f) throw err;
        return staffPage(req, reply, { status: f.status, error: f.message });
      }
      // No longer the owner: the staff page may still be theirs (administrators see it).
      return reply.redirect('/admin/staff?done=transferred', 303);
    });

    // ---- API tokens: everyone manages their own; the owner sees and revokes anyone's ----
    async function tokensPage(req: FastifyRequest, reply: FastifyReply, o: { status?: number; created?: { name: string; secret: string }; form?: FormState; notice?: string; error?: string } = {}) {
      const me = staffOf(req);
      const s = await site();
      return sendHtml(reply, TokensPage({
        site: s, staff: me, csrf: await csrfToken(reply), tz: s.settings.timezone,
        tokens: await listApiTokens(db, can(me.role, 'staff.manage') ? undefined : me.id), ...o,
      }), o.status ?? 200, PRIVATE);
    }
    r.get('/admin/tokens', async (req, reply) => tokensPage(req, reply, { notice: DONE[queryField(req, 'done')] }));
    r.post('/admin/tokens', csrf, async (req, reply) => {
      const me = staffOf(req);
      const raw = formBody(req).name ?? '';
      const name = raw.trim();
      if (!name || name.length > 100) return tokensPage(req, reply, { status: 400, error: 'The token needs a name.', form: { values: { name: raw }, errors: { name: name ? 'Keep the name under 100 characters.' : 'Give the token a name.' } } });
      const now = ctx.clock.now();
      const t = await db.transaction().execute(async (trx) => {
        const made = await createApiToken(trx, me.id, name, now);
        await audit(trx, { at: now, actor: `staff:${me.id}`, action: 'token.created', target: `token:${made.id}`, ip: req.ip, details: { name } });
        return made;
      });
      // Shown in this response only; the page is no-store, and nothing but its hash is kept.
      return tokensPage(req, reply, { status: 201, created: { name, secret: t.token } });
    });
    r.post('/admin/tokens/:id/revoke', csrf, async (req, reply) => {
      const me = staffOf(req);
      const { id } = idParam.parse(req.params);
      const owner = await tokenOwner(db, id);
      if (owner === undefined) throw new AppError('not_found', 'token not found');
      if (owner !== me.id) requireRole(me, 'staff.manage');
      await db.transaction().execute(async (trx) => {
        if (await revokeApiToken(trx, id, ctx.clock.now())) await audit(trx, { at: ctx.clock.now(), actor: `staff:${me.id}`, action: 'token.revoked', target: `token:${id}`, ip: req.ip });
      });
      return reply.redirect('/admin/tokens?done=token', 303);
    });

    // ---- the audit log ----
    r.get('/admin/audit', async (req, reply) => {
      requireRole(staffOf(req), 'audit.read');
      const s = await site();
      const tz = s.settings.timezone;
      const q = z.object({
        action: z.string().trim().max(80).optional().catch(undefined), actor: z.string().trim().max(80).optional().catch(undefined),
        target: z.string().trim().max(80).optional().catch(undefined), from: z.string().max(10).optional().catch(undefined),
        to: z.string().max(10).optional().catch(undefined), before: z.coerce.number().int().positive().optional().catch(undefined),
      }).parse(req.query);
      const day = (d: string | undefined, end: boolean) => {
        if (!d || !/^\d{4}-\d{2}-\d{2}$/.test(d)) return undefined;
        const at = fromLocalInput(`${d}T00:00`, tz);
        return at === null ? undefined : end ? at + 86_400_000 : at;
      };
      const page = await auditPage(db, { action: q.action || undefined, actor: q.actor || undefined, target: q.target || undefined, from: day(q.from, false), to: day(q.to, true), before: q.before }, AUDIT_PAGE);
      const filter = Object.fromEntries(Object.entries({ action: q.action, actor: q.actor, target: q.target, from: q.from, to: q.to }).filter(([, v]) => v)) as Record<string, string>;
      const actors = new Map((await listStaff(db)).map((m) => [`staff:${m.id}`, `${m.name || m.email} (staff:${m.id})`]));
      return sendHtml(reply, AuditPage({
        site: s, staff: staffOf(req), tz, rows: page.rows, filter, actors,
        next: page.next ? new URLSearchParams({ ...filter, before: String(page.next) }).toString() : null,
      }), 200, PRIVATE);
    });
  });

  // ---- the invitation link: no session (the invitee has no account yet) ----
  const tokenOf = (req: FastifyRequest) => z.string().max(100).parse((req.params as { token: string }).token);
  async function invitationPage(req: FastifyRequest, reply: FastifyReply, o: { status?: number; form?: FormState; error?: string } = {}) {
    const token = tokenOf(req);
    const found = await findInvitation(db, token, ctx.clock.now());
    return sendHtml(reply, InvitationPage({
      site: await site(), csrf: await csrfToken(reply), token,
      invitation: found.ok ? found.invitation : undefined,
      refusal: found.ok ? undefined : sentence(INVITATION_REFUSALS[found.reason]),
      form: o.form ?? {}, error: o.error,
    }), o.status ?? (found.ok ? 200 : 410), PRIVATE);
  }
  app.get('/admin/invitations/:token', async (req, reply) => invitationPage(req, reply));
  app.post('/admin/invitations/:token', csrf, async (req, reply) => {
    const b = formBody(req);
    try {
      const r = await acceptInvitation(ctx.accounts, tokenOf(req), { name: b.name ?? '', password: b.password ?? '', userAgent: req.headers['user-agent'] ?? '', ip: req.ip });
      const old = (await identify(ctx, req)).session;
      if (old) await revokeSession(db, old.id, ctx.clock.now());
      setSessionCookie(ctx, reply, r.sessionToken, r.maxAgeMs);
      return reply.header('cache-control', PRIVATE).redirect('/admin', 303);
    } catch (err) {
      const f = formFailure(err);
      if (!f) throw err;
      const field = /password/i.test(f.message) ? 'password' : /your name/i.test(f.message) ? 'name' : undefined;
      return invitationPage(req, reply, { status: f.status, error: f.message, form: { values: { name: b.name ?? '' }, errors: field ? { [field]: f.message } : {} } });
    }
  });
}

const sentence = (s: string) => s.charAt(0).toUpperCase() + s.slice(1) + '.';
