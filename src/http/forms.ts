import type { FastifyReply, FastifyRequest } from 'fastify';
import { tooManyAttempts } from '../errors.js';
import { PRIVATE } from './reply.js';
import { CSRF_COOKIE } from './csrf.js';

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
export function isHead(req: { readonly method: string }): boolean {
  return req.method === 'HEAD';
}

export function queryField(req: { readonly query: unknown }, name: string): string {
  const q = req.query as Record<string, unknown> | undefined;
  const v = q?.[name];
  return typeof v === 'string' ? v : '';
}

/** A per-email throttle hit: a 429 with Retry-After, like the per-address limit. */
export function throttled(reply: FastifyReply, seconds: number): never {
  reply.header('retry-after', String(seconds));
  throw tooManyAttempts(seconds);
}

/** A CSRF token for this reader (see csrf.ts: the same tokens the reader lane puts in article pages). */
export async function csrfFor(req: FastifyRequest, reply: FastifyReply): Promise<string> {
  return csrfForNow(req, reply);
}

/** A request's token when it had no secret cookie: made once, so every form of one reply shares the one secret sent. */
const minted = new WeakMap<FastifyRequest, string>();

/** csrfFor without a promise: the token is made (or remembered) synchronously. */
export function csrfForNow(req: FastifyRequest, reply: FastifyReply): string {
  const made = minted.get(req);
  if (made) return made;
  const t = reply.server.formTokens.forCookie(req.cookies?.[CSRF_COOKIE]);
  if (t.setCookie) {
    reply.header('set-cookie', t.setCookie);
    minted.set(req, t.token);
  }
  return t.token;
}

export { CSRF_COOKIE };

/** A CSRF token for a page with forms; such pages are private to the reader. */
export async function csrfToken(reply: FastifyReply): Promise<string> {
  reply.header('cache-control', PRIVATE);
  return csrfFor(reply.request, reply);
}
