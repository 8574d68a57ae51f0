import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../db/schema.js';
import { randomToken, sha256hex } from './crypto.js';

type Q = Kysely<DB> | Transaction<DB>;

export const SESSION_COOKIE = 'mh_session';
const DAY = 86_400_000;
/** Readers stay signed in for long (news is a habit); staff sessions are short. */
export const LIFETIMES = {
  member: { idle: 30 * DAY, absolute: 365 * DAY },
  staff: { idle: 12 * 3_600_000, absolute: 7 * DAY },
} as const;
/** last_seen is written at most this often, so a page view is not a write. */
const TOUCH_EVERY = 5 * 60_000;

export interface SessionInfo { id: string; memberId: number | null; staffUserId: number | null }

/** The cookie holds a random token; the table holds only its hash. */
export async function createSession(db: Q, who: { memberId: number } | { staffUserId: number }, userAgent: string, now: number): Promise<{ token: string; id: string; maxAgeMs: number }> {
  const token = randomToken();
  const id = sha256hex(token);
  const life = 'memberId' in who ? LIFETIMES.member : LIFETIMES.staff;
  await db.insertInto('sessions').values({
    id,
    member_id: 'memberId' in who ? who.memberId : null,
    staff_user_id: 'staffUserId' in who ? who.staffUserId : null,
    created_at: now,
    last_seen_at: now,
    idle_expires_at: now + life.idle,
    expires_at: now + life.absolute,
    user_agent: userAgent.slice(0, 300),
    revoked_at: null,
  }).execute();
  return { token, id, maxAgeMs: life.absolute };
}

/** A live session for a cookie value, or undefined for anything unknown, expired or revoked. */
export async function lookupSession(db: Q, token: string, now: number): Promise<SessionInfo | undefined> {
  if (!/^[A-Za-z0-9_-]{40,60}$/.test(token)) return undefined;
  const id = sha256hex(token);
  const row = await db.selectFrom('sessions').select(['id', 'member_id', 'staff_user_id', 'last_seen_at', 'idle_expires_at', 'expires_at', 'revoked_at'])
    .where('id', '=', id).executeTakeFirst();
  if (!row || row.revoked_at !== null || row.expires_at <= now || row.idle_expires_at <= now) return undefined;
  if (now - row.last_seen_at > TOUCH_EVERY) {
    const life = row.member_id !== null ? LIFETIMES.member : LIFETIMES.staff;
    await db.updateTable('sessions').set({ last_seen_at: now, idle_expires_at: Math.min(row.expires_at, now + life.idle) }).where('id', '=', id).execute();
    if (row.member_id !== null) await db.updateTable('members').set({ last_seen_at: now }).where('id', '=', row.member_id).execute();
  }
  return { id: row.id, memberId: row.member_id, staffUserId: row.staff_user_id };
}

export async function revokeSession(db: Q, id: string, now: number): Promise<void> {
  await db.updateTable('sessions').set({ revoked_at: now }).where('id', '=', id).execute();
}

export async function revokeMemberSessions(db: Q, memberId: number, now: number, exceptId?: string): Promise<number> {
  let q = db.updateTable('sessions').set({ revoked_at: now }).where('member_id', '=', memberId).where('revoked_at', 'is', null);
  if (exceptId) q = q.where('id', '!=', exceptId);
  const r = await q.executeTakeFirst();
  return Number(r.numUpdatedRows);
}

export async function listMemberSessions(db: Q, memberId: number, now: number) {
  return db.selectFrom('sessions').select(['id', 'created_at', 'last_seen_at', 'user_agent'])
    .where('member_id', '=', memberId).where('revoked_at', 'is', null).where('expires_at', '>', now).where('idle_expires_at', '>', now)
    .orderBy('last_seen_at', 'desc').execute();
}
