import { randomToken, sha256hex } from './crypto.js';
import { sql } from 'kysely';
import type { Q } from '../db/q.js';

export const LINK_TTL_MS = 15 * 60_000;
export type LinkPurpose = 'signin' | 'signup' | 'change_email' | 'staff_signin';

export interface LoginToken {
  id: number;
  purpose: LinkPurpose;
  email: string;
  name: string | null;
  memberId: number | null;
  staffUserId: number | null;
  bindingHash: string | null;
  deviceId: string | null;
  returnTo: string | null;
  /** What the reader was doing when they asked (e.g. "trial": start the free trial on arrival). */
  intent?: string | null;
  /** The newsletters ticked on the sign-up form; null or absent: the form offered none (the defaults apply). */
  newsletters?: number[] | null;
}

/** Single use, 15 minutes, stored only as a hash. Returns the raw token for the link. */
export async function createLoginToken(db: Q, t: Omit<LoginToken, 'id'>, now: number): Promise<string> {
  const token = randomToken();
  await db.insertInto('login_tokens').values({
    token_hash: sha256hex(token), purpose: t.purpose, email: t.email, name: t.name, member_id: t.memberId, staff_user_id: t.staffUserId,
    binding_hash: t.bindingHash, device_id: t.deviceId, return_to: t.returnTo, intent: t.intent ?? null, newsletters: t.newsletters ? JSON.stringify(t.newsletters) : null, created_at: now, expires_at: now + LINK_TTL_MS, used_at: null,
  }).execute();
  return token;
}

export type TokenLookup = { ok: true; token: LoginToken } | { ok: false; reason: 'invalid' | 'expired' | 'used' };

/**
 * Looked up by hash: the database compares digests, so the time taken says
 * nothing about how much of a guessed token was right.
 */
export async function findLoginToken(db: Q, raw: string, now: number): Promise<TokenLookup> {
  if (!/^[A-Za-z0-9_-]{40,60}$/.test(raw)) return { ok: false, reason: 'invalid' };
  const r = await db.selectFrom('login_tokens').selectAll().where('token_hash', '=', sha256hex(raw)).executeTakeFirst();
  if (!r) return { ok: false, reason: 'invalid' };
  if (r.used_at !== null) return { ok: false, reason: 'used' };
  if (r.expires_at <= now) return { ok: false, reason: 'expired' };
  return {
    ok: true,
    token: {
      id: r.id, purpose: r.purpose as LinkPurpose, email: r.email, name: r.name, memberId: r.member_id, staffUserId: r.staff_user_id,
      bindingHash: r.binding_hash, deviceId: r.device_id, returnTo: r.return_to, intent: r.intent,
      newsletters: r.newsletters === null ? null : (JSON.parse(r.newsletters) as number[]),
    },
  };
}

/** Marks the token used; false when another request got there first. */
export async function consumeLoginToken(db: Q, id: number, now: number): Promise<boolean> {
  const r = await db.updateTable('login_tokens').set({ used_at: now }).where('id', '=', id).where('used_at', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Wrong two-factor codes a staff link survives; the next wrong one uses it up. */
export const MAX_CODE_ATTEMPTS = 5;

/**
 * Spend one code attempt on a live link, atomically: the count is raised only while it is under
 * the limit, so parallel requests cannot try more codes than MAX_CODE_ATTEMPTS between them.
 * Returns this attempt's number, or null when the link has none left.
 */
export async function claimCodeAttempt(db: Q, id: number): Promise<number | null> {
  const r = await db.updateTable('login_tokens').set((eb) => ({ failed_attempts: eb('failed_attempts', '+', 1) }))
    .where('id', '=', id).where('used_at', 'is', null).where('failed_attempts', '<', MAX_CODE_ATTEMPTS)
    .returning('failed_attempts').executeTakeFirst();
  return r ? r.failed_attempts : null;
}

/** Every link made for an address, in whatever capitals it was typed (a member's erasure: sign-up links carry the address, not the member). */
export async function deleteLoginTokensFor(db: Q, emailNormalized: string): Promise<void> {
  await db.deleteFrom('login_tokens').where(sql<string>`lower(email)`, '=', emailNormalized).execute();
}

/** The addresses a member's links were made for (their own, or one they were moving to). */
export async function loginTokenEmailsOf(db: Q, memberId: number): Promise<string[]> {
  return (await db.selectFrom('login_tokens').select('email').distinct().where('member_id', '=', memberId).execute()).map((r) => r.email);
}
