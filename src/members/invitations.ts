import { randomToken, sha256hex } from './crypto.js';
import { audit } from './audit.js';
import { createSession } from './sessions.js';
import { checkPasswordPolicy, hashPassword } from './passwords.js';
import { emailSchema, normalizeEmail, STAFF_ROLES, type StaffRole, type StaffUser } from './staff.js';
import type { AccountDeps } from './members.service.js';
import { withTransaction } from '../db/transaction.js';
import type { Q } from '../db/q.js';
import { AppError, conflict, invalidInput } from '../errors.js';
import { queueMail } from '../mail/mailer.js';
import { noticeMail } from '../mail/messages.js';
import { DAY } from '../shared/time.js';

/**
 * Staff invitations: a single-use link, stored only as a hash like login tokens (login-tokens.ts),
 * that lasts a week (a colleague may not read their mail within 15 minutes) and makes a staff
 * account with the role it was sent with. Who may invite whom is members/permissions.ts.
 */
export const INVITATION_TTL_MS = 7 * DAY;

export interface Invitation { id: number; email: string; role: StaffRole; invitedBy: number | null; createdAt: number; expiresAt: number }

export type InvitationLookup = { ok: true; invitation: Invitation } | { ok: false; reason: 'invalid' | 'expired' | 'used' | 'revoked' };

export const INVITATION_REFUSALS: Record<'invalid' | 'expired' | 'used' | 'revoked', string> = {
  invalid: 'this invitation link is not valid; check that the whole link was copied',
  expired: 'this invitation has expired; ask for a new one',
  used: 'this invitation has been used already; sign in instead',
  revoked: 'this invitation was withdrawn; ask for a new one',
};

export const invitationPath = (token: string) => `/admin/invitations/${token}`;

/** Invite someone by email with a role; an earlier invitation to the same address is withdrawn. Returns the link. */
export async function inviteStaff(deps: AccountDeps, actor: StaffUser, i: { email: string; role: StaffRole; ip?: string }): Promise<{ id: number; link: string }> {
  const email = emailSchema.parse(i.email);
  if (!(STAFF_ROLES as readonly string[]).includes(i.role)) throw invalidInput(`role must be one of ${STAFF_ROLES.join(', ')}`);
  const norm = normalizeEmail(email);
  const out = await withTransaction(deps, async (d) => {
    const now = d.clock.now();
    const existing = await d.db.selectFrom('staff_users').select(['id', 'removed_at']).where('email_normalized', '=', norm).executeTakeFirst();
    if (existing && existing.removed_at === null) throw conflict(`${email} is on the staff already`);
    await d.db.updateTable('staff_invitations').set({ revoked_at: now }).where('email_normalized', '=', norm).where('used_at', 'is', null).where('revoked_at', 'is', null).execute();
    const token = randomToken();
    const row = await d.db.insertInto('staff_invitations').values({
      email, email_normalized: norm, role: i.role, token_hash: sha256hex(token), invited_by: actor.id, created_at: now, expires_at: now + INVITATION_TTL_MS, used_at: null, revoked_at: null,
    }).returning('id').executeTakeFirstOrThrow();
    const link = `${d.siteUrl}${invitationPath(token)}`;
    const brand = await d.brand();
    await queueMail(d.db, noticeMail(brand, email, `You are invited to the ${brand.settings.title} newsroom`, [
      `${actor.name || actor.email} invited you to join the ${brand.settings.title} newsroom as ${i.role === 'administrator' || i.role === 'editor' || i.role === 'author' ? `an ${i.role}` : `a ${i.role}`}.`,
      'The link works once and for 7 days. Choose your password when you open it.',
    ], { label: 'Accept the invitation', href: link }), now);
    await audit(d.db, { at: now, actor: `staff:${actor.id}`, action: 'staff.invited', target: `invitation:${row.id}`, ip: i.ip, details: { email, role: i.role } });
    return { id: row.id, link };
  });
  deps.mailQueued();
  return out;
}

/** Looked up by hash, like login tokens; says why a link no longer works. */
export async function findInvitation(db: Q, raw: string, now: number): Promise<InvitationLookup> {
  if (!/^[A-Za-z0-9_-]{40,60}$/.test(raw)) return { ok: false, reason: 'invalid' };
  const r = await db.selectFrom('staff_invitations').selectAll().where('token_hash', '=', sha256hex(raw)).executeTakeFirst();
  if (!r) return { ok: false, reason: 'invalid' };
  if (r.used_at !== null) return { ok: false, reason: 'used' };
  if (r.revoked_at !== null) return { ok: false, reason: 'revoked' };
  if (r.expires_at <= now) return { ok: false, reason: 'expired' };
  return { ok: true, invitation: { id: r.id, email: r.email, role: r.role as StaffRole, invitedBy: r.invited_by, createdAt: r.created_at, expiresAt: r.expires_at } };
}

/**
 * Accept: the invitation is spent by a conditional update, so two tabs cannot both use it; the
 * account is made (or a removed one brought back) with the invited role and the chosen password,
 * and a session starts. Nothing is written when any step fails.
 */
export async function acceptInvitation(deps: AccountDeps, raw: string, i: { name: string; password: string; userAgent: string; ip?: string }) {
  const name = i.name.trim().slice(0, 200);
  if (!name) throw invalidInput('enter your name as readers will see it');
  checkPasswordPolicy(i.password);
  const passwordHash = await hashPassword(i.password);
  return withTransaction(deps, async (d) => {
    const now = d.clock.now();
    const found = await findInvitation(d.db, raw, now);
    if (!found.ok) throw new AppError('conflict', INVITATION_REFUSALS[found.reason]);
    const inv = found.invitation;
    const spent = await d.db.updateTable('staff_invitations').set({ used_at: now }).where('id', '=', inv.id).where('used_at', 'is', null).where('revoked_at', 'is', null).executeTakeFirst();
    if (Number(spent.numUpdatedRows) !== 1) throw new AppError('conflict', INVITATION_REFUSALS.used);
    const norm = normalizeEmail(inv.email);
    const existing = await d.db.selectFrom('staff_users').select(['id', 'removed_at']).where('email_normalized', '=', norm).executeTakeFirst();
    if (existing && existing.removed_at === null) throw conflict(`${inv.email} is on the staff already; sign in instead`);
    let id: number;
    if (existing) {
      await d.db.updateTable('staff_users').set({ name, role: inv.role, password_hash: passwordHash, totp_secret: null, totp_enabled: 0, removed_at: null }).where('id', '=', existing.id).execute();
      id = existing.id;
    } else {
      id = (await d.db.insertInto('staff_users').values({
        email: inv.email, email_normalized: norm, name, role: inv.role, password_hash: passwordHash, totp_secret: null, totp_enabled: 0, created_at: now,
      }).returning('id').executeTakeFirstOrThrow()).id;
    }
    const session = await createSession(d.db, { staffUserId: id }, i.userAgent, now);
    await audit(d.db, { at: now, actor: `staff:${id}`, action: 'staff.invitation_accepted', target: `staff:${id}`, ip: i.ip, details: { invitation: inv.id, role: inv.role } });
    return { staffUserId: id, sessionToken: session.token, maxAgeMs: session.maxAgeMs };
  });
}

export async function revokeInvitation(deps: Pick<AccountDeps, 'db' | 'clock'>, actor: StaffUser, id: number, ip?: string): Promise<void> {
  await withTransaction(deps, async (d) => {
    const now = d.clock.now();
    const r = await d.db.updateTable('staff_invitations').set({ revoked_at: now }).where('id', '=', id).where('used_at', 'is', null).where('revoked_at', 'is', null).executeTakeFirst();
    if (!Number(r.numUpdatedRows)) throw conflict('that invitation is no longer open');
    await audit(d.db, { at: now, actor: `staff:${actor.id}`, action: 'staff.invitation_revoked', target: `invitation:${id}`, ip });
  });
}

/** Invitations not yet used, withdrawn or expired, newest first. */
export async function openInvitations(db: Q, now: number): Promise<Invitation[]> {
  const rows = await db.selectFrom('staff_invitations').selectAll().where('used_at', 'is', null).where('revoked_at', 'is', null).where('expires_at', '>', now).orderBy('id', 'desc').execute();
  return rows.map((r) => ({ id: r.id, email: r.email, role: r.role as StaffRole, invitedBy: r.invited_by, createdAt: r.created_at, expiresAt: r.expires_at }));
}
