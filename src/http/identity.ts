import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from './context.js';
import { lookupSession, SESSION_COOKIE, type SessionInfo } from '../members/sessions.js';
import { getMember, type Member } from '../members/members.service.js';
import { getStaff } from '../members/staff-auth.service.js';
import type { StaffUser } from '../members/staff.js';

export interface Identity {
  session?: SessionInfo;
  member?: Member;
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
    const session = await lookupSession(ctx.database.db, token, ctx.clock.now());
    if (session?.memberId) {
      const member = await getMember(ctx.database.db, session.memberId);
      if (member) id = { session, member };
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
