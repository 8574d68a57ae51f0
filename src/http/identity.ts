import type { FastifyReply } from 'fastify';
import type { AppContext } from './context.js';
import type { ReaderRequest } from './reader-request.js';
import { lookupSessionWithMember, SESSION_COOKIE, type SessionInfo } from '../members/sessions.js';
import type { Member } from '../members/members.service.js';
import { staffUserOf } from '../members/staff-auth.service.js';
import type { StaffUser } from '../members/staff.js';

export interface Identity {
  session?: SessionInfo;
  member?: Member & { commentBanned?: boolean };
  staff?: StaffUser & { totpEnabled: boolean };
}

declare module 'fastify' {
  interface FastifyRequest { identity?: Identity }
}

type Lookup = Awaited<ReturnType<typeof lookupSessionWithMember>>;
/** `identity`: what the lookup means, made on the first view that uses it (shared by the views of that second, never changed). */
interface CachedLookup { found: Lookup; version: number; from: number; identity?: Identity }
const lookupsByDb = new WeakMap<object, Map<string, CachedLookup>>();
const LOOKUP_MS = 1000;
const LOOKUP_MAX = 20_000;

/**
 * A signed-in reader's every page view looked their session up again: a fifth of a subscriber's
 * article view. On SQLite the lookup is remembered for a second of the site's clock, and only
 * while nothing this process wrote could change it (`sessionDataVersion`, bumped by every write to
 * sessions, members or comment bans): a sign-out, a subscription or a ban is seen at once. What
 * the CLI changes is seen within the second. PostgreSQL, with other instances writing, looks up
 * every time.
 */
function remembered(ctx: AppContext, token: string): CachedLookup | undefined {
  const version = ctx.database.sessionDataVersion?.();
  if (version === undefined) return undefined;
  const hit = lookupsByDb.get(ctx.database)?.get(token);
  const now = ctx.clock.now();
  return hit && hit.version === version && now >= hit.from && now - hit.from < LOOKUP_MS ? hit : undefined;
}

async function freshLookup(ctx: AppContext, token: string): Promise<Lookup> {
  const now = ctx.clock.now();
  const found = await lookupSessionWithMember(ctx.database.db, token, now);
  if (!ctx.database.sessionDataVersion) return found;
  let lookups = lookupsByDb.get(ctx.database);
  if (!lookups) lookupsByDb.set(ctx.database, (lookups = new Map()));
  // The lookup itself may write (last seen): the version to trust is the one after it.
  if (lookups.size >= LOOKUP_MAX) lookups.delete(lookups.keys().next().value!);
  lookups.set(token, { found, version: ctx.database.sessionDataVersion(), from: now });
  return found;
}

/**
 * Who is asking, from the session cookie. Anything that does not verify (unknown,
 * expired, revoked, malformed) is simply anonymous: never an error page.
 */
export async function identify(ctx: AppContext, req: ReaderRequest): Promise<Identity> {
  return identifyNow(ctx, req);
}

/**
 * identify, answered without a promise when nothing needs the database: the request was identified
 * already, it carries no session cookie, or its member's session lookup is remembered. Most page
 * views are one of these, and each asks who is reading two or three times (facts, header, comments).
 */
export function identifyNow(ctx: AppContext, req: ReaderRequest): Identity | Promise<Identity> {
  if (req.identity) return req.identity;
  const token = req.cookies?.[SESSION_COOKIE];
  if (!token) return (req.identity = {});
  const hit = remembered(ctx, token);
  // A staff session is looked up afresh every time: a removal or a change of role counts at once.
  if (hit && !(hit.found?.session?.staffUserId && !hit.found.member)) return (req.identity = hit.identity ??= identityOf(hit.found));
  return lookUp(req, freshLookup(ctx, token));
}

function identityOf(found: Lookup): Identity {
  const m = found?.member;
  if (!m) return {};
  return { session: found.session, member: { id: m.id, email: m.email, name: m.name, status: m.status, emailVerified: m.email_verified === 1, hasPassword: m.has_password === 1, createdAt: m.created_at, lastSeenAt: m.last_seen_at, commentBanned: m.comment_banned } };
}

async function lookUp(req: ReaderRequest, lookup: Promise<Lookup>): Promise<Identity> {
  const found = await lookup;
  let id = identityOf(found);
  const session = found?.session;
  // A staff session's user comes with it (removed staff have none: then the session is nobody's).
  if (!id.member && session?.staffUserId && found?.staff) id = { session, staff: staffUserOf(found.staff) };
  req.identity = id;
  return id;
}

export function setSessionCookie(ctx: AppContext, reply: FastifyReply, token: string, maxAgeMs: number): void {
  reply.setCookie(SESSION_COOKIE, token, { path: '/', httpOnly: true, sameSite: 'lax', secure: ctx.config.siteUrl.startsWith('https:'), maxAge: Math.floor(maxAgeMs / 1000) });
}

export function clearSessionCookie(ctx: AppContext, reply: FastifyReply): void {
  reply.clearCookie(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'lax', secure: ctx.config.siteUrl.startsWith('https:') });
}
