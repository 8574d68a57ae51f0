import type { FastifyReply } from 'fastify';
import { markCompressible } from './compression.js';

/** Headers every HTML page carries. Reader pages need no script; the CSP says so. */
export const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': "default-src 'self'; img-src 'self' https: data:; style-src 'self' 'unsafe-inline'; script-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'strict-origin-when-cross-origin',
  'x-frame-options': 'DENY',
} as const;

/**
 * The CSP of a page whose form sends the reader on to Stripe (Checkout answers our POST with a 303
 * to checkout.stripe.com): browsers apply form-action to that redirect too, so 'self' alone blocks it.
 */
export const STRIPE_FORM_CSP = PAGE_HEADERS['content-security-policy'].replace("form-action 'self'", "form-action 'self' https://checkout.stripe.com https://billing.stripe.com");

/**
 * An HTML page, compressed as the client asks. `shared`: the same bytes go to many readers, so
 * their compressed form is kept (public pages are; a page with a reader's token is not).
 */
/** Cache-Control for a reply that is one person's (a session's page, a form with its token): never stored anywhere. */
export const PRIVATE = 'private, no-store';

export function sendHtml(reply: FastifyReply, html: { value: string } | string | Buffer, status = 200, cache = 'public, max-age=60', o?: { shared?: boolean; csp?: string }): FastifyReply {
  reply.code(status).headers(PAGE_HEADERS).header('cache-control', cache);
  if (o?.csp) reply.header('content-security-policy', o.csp);
  markCompressible(reply, (o?.shared ?? cache.startsWith('public')) ? SHARED : OWN);
  return reply.send(typeof html === 'string' || Buffer.isBuffer(html) ? html : html.value);
}

// The marks as constants: a page view allocates none.
const SHARED = { shared: true } as const;
const OWN = { shared: false } as const;

export function sendXml(reply: FastifyReply, body: string, type = 'application/xml; charset=utf-8'): FastifyReply {
  reply.header('content-type', type).header('x-content-type-options', 'nosniff').header('cache-control', 'public, max-age=300');
  markCompressible(reply, SHARED);
  return reply.send(body);
}
