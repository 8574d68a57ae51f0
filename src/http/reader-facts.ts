import type { FastifyRequest } from 'fastify';
import type { ReaderFacts } from '../reading/facts.js';
import type { AppContext } from './context.js';
import { identify, type Identity } from './identity.js';
import { isHead } from './forms.js';

/** Speculative loads (prefetch, prerender, link previews) neither count nor get gated text. */
function isPrefetch(h: Record<string, string | string[] | undefined>): boolean {
  const v = (x: string | string[] | undefined) => (Array.isArray(x) ? x.join(',') : x ?? '').toLowerCase();
  return v(h['sec-purpose']).includes('prefetch') || v(h['purpose']).includes('prefetch') || v(h['x-purpose']).includes('preview') || v(h['x-moz']).includes('prefetch');
}

/**
 * The request as the reader rules see it, built in this one place: who is asking (session →
 * member or staff), the meter's device, the client address (TRUSTED_PROXIES decide it, through
 * Fastify's req.ip), the browser, and whether this is a prefetch or a HEAD.
 */
export async function readerFacts(ctx: AppContext, req: FastifyRequest, id?: Identity): Promise<ReaderFacts> {
  const who = id ?? (await identify(ctx, req));
  return {
    member: who.member ? { id: who.member.id, status: who.member.status, commentBanned: who.member.commentBanned } : undefined,
    staff: !!who.staff,
    staffId: who.staff?.id,
    deviceId: ctx.deviceIdOf(req),
    ip: req.ip,
    userAgent: req.headers['user-agent'] ?? '',
    prefetch: isPrefetch(req.headers),
    look: isHead(req),
  };
}
