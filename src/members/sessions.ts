import { CompiledQuery, PostgresAdapter } from 'kysely';
import { randomToken, sha256hex } from './crypto.js';
import type { Q } from '../db/q.js';
import { DAY } from '../shared/time.js';

export const SESSION_COOKIE = 'mh_session';
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
  return (await lookupSessionWithMember(db, token, now))?.session;
}

export interface SessionMember { id: number; email: string; name: string; status: string; email_verified: number; has_password: number; created_at: number; last_seen_at: number | null; comment_banned: boolean }

interface SessionRow {
  id: string; member_id: number | null; staff_user_id: number | null; last_seen_at: number; idle_expires_at: number; expires_at: number; revoked_at: number | null;
  m_id: number | null; m_email: string | null; m_name: string | null; m_status: string | null; m_email_verified: number | null; m_password_hash: string | null; m_created_at: number | null; m_last_seen_at: number | null;
  m_banned: number | null;
  st_id: number | null; st_email: string | null; st_name: string | null; st_role: string | null; st_totp_enabled: number | null;
}

/** A staff session's user, found with the session (every staff page and autosave asks). */
export interface SessionStaff { id: number; email: string; name: string; role: string; totp_enabled: number }

// Plain SQL, not built per request: it runs on every request that carries a session cookie.
const SESSION_SQL = `select s.id, s.member_id, s.staff_user_id, s.last_seen_at, s.idle_expires_at, s.expires_at, s.revoked_at,
  m.id as m_id, m.email as m_email, m.name as m_name, m.status as m_status, m.email_verified as m_email_verified,
  m.password_hash as m_password_hash, m.created_at as m_created_at, m.last_seen_at as m_last_seen_at,
  b.member_id as m_banned,
  st.id as st_id, st.email as st_email, st.name as st_name, st.role as st_role, st.totp_enabled as st_totp_enabled
  from sessions s left join members m on m.id = s.member_id and m.deleted_at is null
  left join comment_bans b on b.member_id = m.id and (b.expires_at is null or b.expires_at > ?)
  left join staff_users st on st.id = s.staff_user_id and st.removed_at is null where s.id = ?`;
const SESSION_SQL_PG = SESSION_SQL.replace('?', '$1').replace('?', '$2');

/**
 * The session and, for a reader, their member row (for staff, their user) in one query: this runs
 * on every article view by a signed-in reader and on every staff page.
 */
export async function lookupSessionWithMember(db: Q, token: string, now: number): Promise<{ session: SessionInfo; member?: SessionMember; staff?: SessionStaff } | undefined> {
  if (!/^[A-Za-z0-9_-]{40,60}$/.test(token)) return undefined;
  const id = sha256hex(token);
  const text = db.getExecutor().adapter instanceof PostgresAdapter ? SESSION_SQL_PG : SESSION_SQL;
  const row = (await db.executeQuery<SessionRow>(CompiledQuery.raw(text, [now, id]))).rows[0];
  if (!row || row.revoked_at !== null || row.expires_at <= now || row.idle_expires_at <= now) return undefined;
  if (now - row.last_seen_at > TOUCH_EVERY) {
    const life = row.member_id !== null ? LIFETIMES.member : LIFETIMES.staff;
    await db.updateTable('sessions').set({ last_seen_at: now, idle_expires_at: Math.min(row.expires_at, now + life.idle) }).where('id', '=', id).execute();
    if (row.member_id !== null) await db.updateTable('members').set({ last_seen_at: now }).where('id', '=', row.member_id).execute();
  }
  const session = { id: row.id, memberId: row.member_id, staffUserId: row.staff_user_id };
  const member = row.m_id !== null
    ? { id: row.m_id, email: row.m_email!, name: row.m_name!, status: row.m_status!, email_verified: row.m_email_verified!, has_password: row.m_password_hash !== null ? 1 : 0, created_at: row.m_created_at!, last_seen_at: row.m_last_seen_at, comment_banned: row.m_banned !== null }
    : undefined;
  const staff = row.st_id !== null ? { id: row.st_id, email: row.st_email!, name: row.st_name!, role: row.st_role!, totp_enabled: row.st_totp_enabled! } : undefined;
  return { session, member, staff };
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
