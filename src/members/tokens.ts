import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { StaffRole, StaffUser } from './staff.js';
import type { Q } from '../db/q.js';

const sha256 = (s: string) => createHash('sha256').update(s).digest();

/**
 * Admin API tokens look like `mh_<id>_<secret>`. Only a hash of the secret is
 * stored; the id lets us find the row without comparing against every token.
 */
export async function createApiToken(db: Q, userId: number, name: string, now: number): Promise<{ id: number; token: string }> {
  const secret = randomBytes(24).toString('base64url');
  const row = await db.insertInto('api_tokens')
    .values({ user_id: userId, name, token_hash: sha256(secret).toString('hex'), created_at: now, last_used_at: null, revoked_at: null })
    .returning('id').executeTakeFirstOrThrow();
  return { id: row.id, token: `mh_${row.id}_${secret}` };
}

const TOKEN_RE = /^mh_(\d{1,12})_([A-Za-z0-9_-]{20,100})$/;

/** The staff user a bearer token belongs to, or undefined for anything malformed, unknown or revoked. */
export async function verifyApiToken(db: Q, token: string): Promise<(StaffUser & { tokenId: number }) | undefined> {
  const m = TOKEN_RE.exec(token);
  if (!m) return undefined;
  const row = await db.selectFrom('api_tokens as t').innerJoin('staff_users as u', 'u.id', 't.user_id')
    .select(['t.id as token_id', 't.token_hash', 't.revoked_at', 'u.id', 'u.email', 'u.name', 'u.role'])
    .where('t.id', '=', Number(m[1])).where('u.removed_at', 'is', null).executeTakeFirst();
  if (!row || row.revoked_at !== null) return undefined;
  const expected = Buffer.from(row.token_hash, 'hex');
  const given = sha256(m[2]!);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
  return { id: row.id, email: row.email, name: row.name, role: row.role as StaffRole, tokenId: row.token_id };
}

export async function revokeApiToken(db: Q, id: number, now: number): Promise<boolean> {
  const r = await db.updateTable('api_tokens').set({ revoked_at: now }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Whose token this is (to check that a revoker owns it), or undefined when there is none. */
export async function tokenOwner(db: Q, id: number): Promise<number | undefined> {
  return (await db.selectFrom('api_tokens').select(['user_id']).where('id', '=', id).executeTakeFirst())?.user_id;
}

/** Tokens not revoked, newest first, with their owner; one staff user's, or everyone's (undefined). */
export async function listApiTokens(db: Q, userId?: number) {
  let q = db.selectFrom('api_tokens as t').innerJoin('staff_users as u', 'u.id', 't.user_id')
    .select(['t.id', 't.name', 't.user_id', 't.created_at', 't.last_used_at', 'u.name as owner_name', 'u.email as owner_email']).where('t.revoked_at', 'is', null);
  if (userId !== undefined) q = q.where('t.user_id', '=', userId);
  const rows = await q.orderBy('t.id', 'desc').execute();
  return rows.map((r) => ({ id: r.id, name: r.name, userId: r.user_id, owner: r.owner_name || r.owner_email, createdAt: r.created_at, lastUsedAt: r.last_used_at }));
}
