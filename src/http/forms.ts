import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';

/** A urlencoded or JSON body as strings; anything else counts as missing. */
export function formField(req: FastifyRequest, name: string): string {
  const body = req.body as Record<string, unknown> | undefined;
  const v = body && typeof body === 'object' ? body[name] : undefined;
  return typeof v === 'string' ? v : '';
}

export function queryField(req: FastifyRequest, name: string): string {
  const q = req.query as Record<string, unknown> | undefined;
  const v = q?.[name];
  return typeof v === 'string' ? v : '';
}

/** A per-email throttle hit: a 429 with Retry-After, like the per-address limit. */
export function throttled(reply: FastifyReply, seconds: number): never {
  reply.header('retry-after', String(seconds));
  throw new AppError('rate_limited', `too many attempts; try again in ${Math.ceil(seconds / 60)} minute${seconds > 60 ? 's' : ''}`);
}

/** A fresh CSRF token for a page with forms; such pages are private to the reader. */
export async function csrfToken(reply: FastifyReply): Promise<string> {
  reply.header('cache-control', 'private, no-store');
  return reply.generateCsrf();
}
