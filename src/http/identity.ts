import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from './context.js';
import { lookupSessionWithMember, SESSION_COOKIE, type SessionInfo } from '../members/sessions.js';
import type { Member } from '../members/members.service.js';
import { getStaff } from '../members/staff-auth.service.js';
import type { StaffUser } from '../members/staff.js';

export interface Identity {
  session?: SessionInfo;
  member?: Member & { commentBanned?: boolean };
  staff?: StaffUser & { totpEnabled: boolean };
}

declare module 'fastify' {
  interface FastifyRequest { identity?: Identity }
}

/**
 * Who is asking, from the session cookie. Anything that does not verify (unknown,
 * expired, revoked, malformed) is simply anonymous: never an error page.
 */
export async function identify(ctx: AppContext, req: FastifyRequest): Promise<Identity> {
  if (req.identity) return req.identity;
  const token = req.cookies?.[SESSION_COOKIE];
  let id: Identity = {};
  if (token) {
    const found = await lookupSessionWithMember(ctx.database.db, token, ctx.clock.now());
    const session = found?.session;
    if (found?.member) {
      const m = found.member;
      id = { session, member: { id: m.id, email: m.email, name: m.name, status: m.status, emailVerified: m.email_verified === 1, hasPassword: m.has_password === 1, createdAt: m.created_at, lastSeenAt: m.last_seen_at, commentBanned: m.comment_banned } };
    } else if (session?.staffUserId) {
      const staff = await getStaff(ctx.database, session.staffUserId);
      if (staff) id = { session, staff };
    }
  }
  req.identity = id;
  return id;
}

export function setSessionCookie(ctx: AppContext, reply: FastifyReply, token: string, maxAgeMs: number): void {
  reply.setCookie(SESSION_COOKIE, token, { path: '/', httpOnly: true, sameSite: 'lax', secure: ctx.config.siteUrl.startsWith('https:'), maxAge: Math.floor(maxAgeMs / 1000) });
}

export function clearSessionCookie(ctx: AppContext, reply: FastifyReply): void {
  reply.clearCookie(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'lax', secure: ctx.config.siteUrl.startsWith('https:') });
}
