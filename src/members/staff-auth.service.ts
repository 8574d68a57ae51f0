import { AppError, notFound, tooManyAttempts } from '../errors.js';
import { queueMail } from '../mail/mailer.js';
import { signInMail } from '../mail/messages.js';
import { audit } from './audit.js';
import { randomToken } from './crypto.js';
import { createLoginToken } from './login-tokens.js';
import type { AccountDeps } from './members.service.js';
import { parseEmail, safeReturnTo } from './members.service.js';
import { withTransaction } from '../db/transaction.js';
import { checkPasswordPolicy, hashPassword, verifyPassword } from './passwords.js';
import { createSession } from './sessions.js';
import { normalizeEmail, STAFF_ROLES, type StaffRole, type StaffUser } from './staff.js';
import { newTotpSecret } from './totp.js';
import { acceptTotp } from './two-factor.js';
import type { Throttle } from './throttle.js';

export async function getStaff(deps: Pick<AccountDeps, 'db'>, id: number): Promise<(StaffUser & { totpEnabled: boolean }) | undefined> {
  const r = await deps.db.selectFrom('staff_users').select(['id', 'email', 'name', 'role', 'totp_enabled']).where('id', '=', id).where('removed_at', 'is', null).executeTakeFirst();
  return r ? staffUserOf(r) : undefined;
}

/** A staff user as the app knows them, from their row (here, or found with their session). */
export const staffUserOf = (r: { id: number; email: string; name: string; role: string; totp_enabled: number }): StaffUser & { totpEnabled: boolean } =>
  ({ id: r.id, email: r.email, name: r.name, role: r.role as StaffRole, totpEnabled: r.totp_enabled === 1 });

/**
 * One message for every way this sign-in can fail (unknown email, wrong password, missing or
 * wrong or reused code): a different word for "code missing" would tell a guesser that the
 * password was right. The audit log keeps the real reason.
 */
export const STAFF_SIGNIN_FAILED = 'those sign-in details do not match. Check your email and password, and if you use two-factor authentication, the current code from your app';

/** Email + password (+ TOTP code when enabled). Every failure reads the same and is audited. */
export async function staffPasswordSignIn(deps: AccountDeps, i: { email: string; password: string; code?: string; userAgent: string; ip?: string; codeThrottle: Throttle }) {
  const email = parseEmail(i.email);
  const now = deps.clock.now();
  const row = await deps.db.selectFrom('staff_users').selectAll().where('email_normalized', '=', normalizeEmail(email)).where('removed_at', 'is', null).executeTakeFirst();
  const ok = await verifyPassword(row?.password_hash ?? null, i.password);
  const fail = async (reason: string) => {
    await audit(deps.db, { at: now, actor: 'anonymous', action: 'staff.signin_failed', target: row ? `staff:${row.id}` : undefined, ip: i.ip, details: { reason } });
    return new AppError('unauthorized', STAFF_SIGNIN_FAILED);
  };
  if (!row || !ok) throw await fail('password');
  if (row.totp_enabled === 1) {
    if (!i.code) throw await fail('totp_missing');
    const wait = i.codeThrottle.hit(`staff:${row.id}`);
    if (wait) throw tooManyAttempts(wait);
    if (!(await acceptTotp(deps.db, row.id, row.totp_secret, i.code, now))) throw await fail('totp');
  }
  const session = await createSession(deps.db, { staffUserId: row.id }, i.userAgent, now);
  await audit(deps.db, { at: now, actor: `staff:${row.id}`, action: 'staff.signin', target: `staff:${row.id}`, ip: i.ip, details: { method: 'password' } });
  return { sessionToken: session.token, maxAgeMs: session.maxAgeMs, staffUserId: row.id };
}

/** A sign-in link for staff; unknown addresses get the same answer and no mail. */
export async function requestStaffLink(deps: AccountDeps, i: { email: string; returnTo?: string; bindingHash: string | null }): Promise<void> {
  const email = parseEmail(i.email);
  const row = await deps.db.selectFrom('staff_users').select(['id', 'email']).where('email_normalized', '=', normalizeEmail(email)).where('removed_at', 'is', null).executeTakeFirst();
  if (!row) return;
  await withTransaction(deps, async (d) => {
    const now = d.clock.now();
    const token = await createLoginToken(d.db, { purpose: 'staff_signin', email: row.email, name: null, memberId: null, staffUserId: row.id, bindingHash: i.bindingHash, deviceId: null, returnTo: safeReturnTo(i.returnTo ?? '/admin') }, now);
    await queueMail(d.db, signInMail(await d.brand(), row.email, `${d.siteUrl}/signin/verify?token=${token}`, 'staff'), now);
  });
  deps.mailQueued();
}

/** Start TOTP enrolment: a secret is stored but not enforced until a code proves the app has it. */
export async function beginTotp(deps: Pick<AccountDeps, 'db'>, staffId: number): Promise<string> {
  const row = await deps.db.selectFrom('staff_users').select(['totp_secret', 'totp_enabled']).where('id', '=', staffId).executeTakeFirstOrThrow();
  if (row.totp_secret && row.totp_enabled === 0) return row.totp_secret;
  if (row.totp_enabled === 1) return row.totp_secret!;
  const secret = newTotpSecret();
  await deps.db.updateTable('staff_users').set({ totp_secret: secret }).where('id', '=', staffId).execute();
  return secret;
}

export async function enableTotp(deps: Pick<AccountDeps, 'db' | 'clock'>, staffId: number, code: string): Promise<void> {
  const row = await deps.db.selectFrom('staff_users').select(['totp_secret']).where('id', '=', staffId).executeTakeFirstOrThrow();
  // The enrolment code is claimed like any other, so it cannot also open a second session.
  if (!(await acceptTotp(deps.db, staffId, row.totp_secret, code, deps.clock.now()))) throw new AppError('invalid_input', 'that code is not right; check the time on your phone and try the current code');
  await deps.db.updateTable('staff_users').set({ totp_enabled: 1 }).where('id', '=', staffId).execute();
  await audit(deps.db, { at: deps.clock.now(), actor: `staff:${staffId}`, action: 'staff.totp_enabled', target: `staff:${staffId}` });
}

export function generatedPassword(): string {
  return randomToken(15);
}

/** Set a staff password (CLI reset or first password). Returns the password that was set. */
export async function setStaffPassword(deps: Pick<AccountDeps, 'db' | 'clock'>, email: string, password: string | undefined, actor: string): Promise<string> {
  const row = await deps.db.selectFrom('staff_users').select(['id']).where('email_normalized', '=', normalizeEmail(email)).executeTakeFirst();
  if (!row) throw notFound('staff user');
  const pw = password ?? generatedPassword();
  checkPasswordPolicy(pw);
  await deps.db.updateTable('staff_users').set({ password_hash: await hashPassword(pw) }).where('id', '=', row.id).execute();
  await audit(deps.db, { at: deps.clock.now(), actor, action: 'staff.password_reset', target: `staff:${row.id}` });
  return pw;
}

export async function changeStaffRole(deps: Pick<AccountDeps, 'db' | 'clock'>, actor: StaffUser, targetId: number, role: StaffRole): Promise<StaffUser> {
  if (!(STAFF_ROLES as readonly string[]).includes(role)) throw new AppError('invalid_input', `role must be one of ${STAFF_ROLES.join(', ')}`);
  const target = await getStaff(deps, targetId);
  if (!target) throw notFound('staff user');
  if (target.role === 'owner' && role !== 'owner') {
    const owners = await deps.db.selectFrom('staff_users').select('id').where('role', '=', 'owner').execute();
    if (owners.length <= 1) throw new AppError('conflict', 'the last owner cannot be demoted; make someone else owner first');
  }
  await deps.db.updateTable('staff_users').set({ role }).where('id', '=', targetId).execute();
  await audit(deps.db, { at: deps.clock.now(), actor: `staff:${actor.id}`, action: 'staff.role_changed', target: `staff:${targetId}`, details: { from: target.role, to: role } });
  return { ...target, role };
}
