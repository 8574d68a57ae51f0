import type { ReaderFacts } from '../reading/facts.js';
import type { AppContext } from './context.js';
import type { ReaderRequest } from './reader-request.js';
import { identify, type Identity } from './identity.js';
import { isHead } from './forms.js';
import { referrerDomain } from '../dashboard/rules.js';

let own: { url: string; host: string } | undefined;
/** The site's own host, worked out once per site URL: a click within the site is not a referral. */
const ownHost = (siteUrl: string) => (own?.url === siteUrl ? own.host : (own = { url: siteUrl, host: new URL(siteUrl).hostname }).host);

/** Speculative loads (prefetch, prerender, link previews) neither count nor get gated text. */
function isPrefetch(h: Record<string, string | string[] | undefined>): boolean {
  const has = (x: string | string[] | undefined, word: string) => x !== undefined && (Array.isArray(x) ? x.join(',') : x).toLowerCase().includes(word);
  return has(h['sec-purpose'], 'prefetch') || has(h['purpose'], 'prefetch') || has(h['x-purpose'], 'preview') || has(h['x-moz'], 'prefetch');
}

/**
 * The request as the reader rules see it, built in this one place: who is asking (session →
 * member or staff), the meter's device, the client address (TRUSTED_PROXIES decide it, through
 * Fastify's req.ip), the browser, and whether this is a prefetch or a HEAD.
 */
export async function readerFacts(ctx: AppContext, req: ReaderRequest, id?: Identity): Promise<ReaderFacts> {
  return factsOf(ctx, req, id ?? (await identify(ctx, req)));
}

/** readerFacts for a reader already identified: no promise (the article view builds them on every request). */
export function factsOf(ctx: AppContext, req: ReaderRequest, who: Identity): ReaderFacts {
  return {
    member: who.member ? { id: who.member.id, status: who.member.status, commentBanned: who.member.commentBanned } : undefined,
    staff: !!who.staff,
    staffId: who.staff?.id,
    deviceId: ctx.deviceIdOf(req),
    ip: req.ip,
    userAgent: req.headers['user-agent'] ?? '',
    prefetch: isPrefetch(req.headers),
    referrer: req.headers.referer ? referrerDomain(req.headers.referer, ownHost(ctx.config.siteUrl)) : null,
    look: isHead(req),
  };
}
