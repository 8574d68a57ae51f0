import type { FastifyReply, FastifyRequest } from 'fastify';
import { tooManyAttempts } from '../errors.js';
import { PRIVATE } from './reply.js';

/** A urlencoded or JSON body as strings; anything else counts as missing. */
export function formField(req: FastifyRequest, name: string): string {
  const body = req.body as Record<string, unknown> | undefined;
  const v = body && typeof body === 'object' ? body[name] : undefined;
  return typeof v === 'string' ? v : '';
}

/**
 * A notice named by a query parameter, from a fixed set of our own sentences. Own keys only:
 * `?notice=constructor` must not find Object's prototype.
 */
export function knownNotice(notices: Readonly<Record<string, string>>, key: string): string | undefined {
  return Object.hasOwn(notices, key) ? notices[key] : undefined;
}

/**
 * Fastify answers HEAD with the GET handler and drops the body. Whatever a GET would change
 * (a meter read, a counted click, a used link) must not happen for a HEAD: nothing was read.
 */
export function isHead(req: FastifyRequest): boolean {
  return req.method === 'HEAD';
}

export function queryField(req: FastifyRequest, name: string): string {
  const q = req.query as Record<string, unknown> | undefined;
  const v = q?.[name];
  return typeof v === 'string' ? v : '';
}

/** A per-email throttle hit: a 429 with Retry-After, like the per-address limit. */
export function throttled(reply: FastifyReply, seconds: number): never {
  reply.header('retry-after', String(seconds));
  throw tooManyAttempts(seconds);
}

/**
 * A CSRF token for this reader. A token stays valid as long as the reader's
 * secret cookie, so one made for a given cookie is reused rather than hashed
 * anew on every page view (the article page embeds forms for many readers).
 */
const byServer = new WeakMap<object, Map<string, string>>();
export async function csrfFor(req: FastifyRequest, reply: FastifyReply): Promise<string> {
  return csrfForNow(req, reply);
}

/** csrfFor without a promise: the token is made (or remembered) synchronously, and the article view asks on every request. */
export function csrfForNow(req: FastifyRequest, reply: FastifyReply): string {
  let tokens = byServer.get(reply.server);
  if (!tokens) byServer.set(reply.server, (tokens = new Map()));
  const cookie = req.cookies?.[CSRF_COOKIE];
  const known = cookie ? tokens.get(cookie) : undefined;
  if (known) return known;
  const token = reply.generateCsrf();
  if (cookie) {
    if (tokens.size >= 100_000) tokens.delete(tokens.keys().next().value!);
    tokens.set(cookie, token);
  }
  return token;
}

export const CSRF_COOKIE = 'mh_csrf';

/** A CSRF token for a page with forms; such pages are private to the reader. */
export async function csrfToken(reply: FastifyReply): Promise<string> {
  reply.header('cache-control', PRIVATE);
  return csrfFor(reply.request, reply);
}
