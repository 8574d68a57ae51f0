import { audit } from './audit.js';
import { staffChangeRefusal } from './permissions.js';
import type { StaffRole, StaffUser } from './staff.js';
import { withTransaction } from '../db/transaction.js';
import type { Q } from '../db/q.js';
import type { Clock } from '../clock.js';
import { AppError, notFound } from '../errors.js';

/**
 * Managing the staff from the newsroom app: roles, removal, ownership. Every change is checked
 * by staffChangeRefusal (permissions.ts) and written to the audit log in the same transaction.
 */
interface Deps { db: Q; clock: Clock }

async function target(db: Q, id: number): Promise<StaffUser> {
  const r = await db.selectFrom('staff_users').select(['id', 'email', 'name', 'role']).where('id', '=', id).where('removed_at', 'is', null).executeTakeFirst();
  if (!r) throw notFound('staff member');
  return { ...r, role: r.role as StaffRole };
}

const refuse = (reason: string | null) => {
  if (reason) throw new AppError('forbidden', reason);
};

export async function setStaffRole(deps: Deps, actor: StaffUser, id: number, role: StaffRole, ip?: string): Promise<StaffUser> {
  return withTransaction(deps, async (d) => {
    const t = await target(d.db, id);
    refuse(staffChangeRefusal(actor.role, { kind: 'role', self: t.id === actor.id, from: t.role, to: role }));
    if (t.role === role) return t;
    await d.db.updateTable('staff_users').set({ role }).where('id', '=', id).execute();
    await audit(d.db, { at: d.clock.now(), actor: `staff:${actor.id}`, action: 'staff.role_changed', target: `staff:${id}`, ip, details: { from: t.role, to: role } });
    return { ...t, role };
  });
}

/** Removal keeps the row (what they wrote still names them), ends their sessions and revokes their tokens. */
export async function removeStaff(deps: Deps, actor: StaffUser, id: number, ip?: string): Promise<void> {
  await withTransaction(deps, async (d) => {
    const t = await target(d.db, id);
    refuse(staffChangeRefusal(actor.role, { kind: 'remove', self: t.id === actor.id, role: t.role }));
    const now = d.clock.now();
    await d.db.updateTable('staff_users').set({ removed_at: now, password_hash: null }).where('id', '=', id).execute();
    await d.db.updateTable('sessions').set({ revoked_at: now }).where('staff_user_id', '=', id).where('revoked_at', 'is', null).execute();
    await d.db.updateTable('api_tokens').set({ revoked_at: now }).where('user_id', '=', id).where('revoked_at', 'is', null).execute();
    // A sign-in link mailed before the removal must not open a session after it.
    await d.db.updateTable('login_tokens').set({ used_at: now }).where('staff_user_id', '=', id).where('used_at', 'is', null).execute();
    await audit(d.db, { at: now, actor: `staff:${actor.id}`, action: 'staff.removed', target: `staff:${id}`, ip, details: { email: t.email, role: t.role } });
  });
}

/** The owner hands ownership to another staff member and becomes an administrator: there is always one owner. */
export async function transferOwnership(deps: Deps, actor: StaffUser, id: number, ip?: string): Promise<void> {
  await withTransaction(deps, async (d) => {
    const t = await target(d.db, id);
    refuse(staffChangeRefusal(actor.role, { kind: 'transfer', self: t.id === actor.id, role: t.role }));
    const moved = await d.db.updateTable('staff_users').set({ role: 'administrator' }).where('id', '=', actor.id).where('role', '=', 'owner').executeTakeFirst();
    if (!Number(moved.numUpdatedRows)) throw new AppError('conflict', 'you are no longer the owner');
    await d.db.updateTable('staff_users').set({ role: 'owner' }).where('id', '=', id).execute();
    await audit(d.db, { at: d.clock.now(), actor: `staff:${actor.id}`, action: 'staff.ownership_transferred', target: `staff:${id}`, ip, details: { from: actor.id, to: id, previousRole: t.role } });
  });
}
