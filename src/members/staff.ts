import { z } from 'zod';
import { conflict } from '../errors.js';
import type { Q } from '../db/q.js';

export const STAFF_ROLES = ['owner', 'administrator', 'editor', 'author', 'contributor'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

export interface StaffUser { id: number; email: string; name: string; role: StaffRole }

export const emailSchema = z.string().trim().max(320).pipe(z.email({ message: 'is not a valid email address' }));

/** Case-insensitive identity; the original spelling is kept for display. */
export const normalizeEmail = (email: string) => email.trim().toLowerCase();

export async function createStaffUser(db: Q, i: { email: string; name?: string; role: StaffRole; now: number }): Promise<StaffUser> {
  const email = emailSchema.parse(i.email);
  const norm = normalizeEmail(email);
  const existing = await db.selectFrom('staff_users').select('id').where('email_normalized', '=', norm).executeTakeFirst();
  if (existing) throw conflict(`a staff user with email ${email} exists`);
  const row = await db.insertInto('staff_users')
    .values({ email, email_normalized: norm, name: i.name ?? '', role: i.role, password_hash: null, totp_secret: null, totp_enabled: 0, created_at: i.now })
    .returning(['id', 'email', 'name', 'role']).executeTakeFirstOrThrow();
  return { ...row, role: row.role as StaffRole };
}

export async function findStaffByEmail(db: Q, email: string): Promise<StaffUser | undefined> {
  const row = await db.selectFrom('staff_users').select(['id', 'email', 'name', 'role']).where('email_normalized', '=', normalizeEmail(email)).where('removed_at', 'is', null).executeTakeFirst();
  return row ? { ...row, role: row.role as StaffRole } : undefined;
}

export async function firstOwner(db: Q): Promise<StaffUser | undefined> {
  const row = await db.selectFrom('staff_users').select(['id', 'email', 'name', 'role']).where('role', '=', 'owner').orderBy('id').limit(1).executeTakeFirst();
  return row ? { ...row, role: row.role as StaffRole } : undefined;
}

/** Every staff user still on the staff, oldest first, for the Admin API's staff list and the staff page. */
export async function listStaff(db: Q) {
  const rows = await db.selectFrom('staff_users').select(['id', 'email', 'name', 'role', 'totp_enabled', 'created_at']).where('removed_at', 'is', null).orderBy('id').execute();
  return rows.map((r) => ({ id: r.id, email: r.email, name: r.name, role: r.role as StaffRole, twoFactor: r.totp_enabled === 1, createdAt: r.created_at }));
}
