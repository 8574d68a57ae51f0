import type { IncomingMessage, ServerResponse } from 'node:http';
import proxyAddr from '@fastify/proxy-addr';
import { fastifyCookie } from '@fastify/cookie';
import type { AppContext } from './context.js';
import type { ReaderRequest } from './reader-request.js';
import type { FormTokens } from './csrf.js';
import type { SharedReplies } from './shared-replies.js';
import type { ReplyBatch } from './reply-batch.js';
import { articleReply } from './article-view.js';
import { DEFAULT_COMMENT_QUERY } from '../reading/comment-block.js';
import { isSlug } from '../content/slug.js';

/**
 * The reader lane: GET /articles/:slug answered in front of Fastify's router, by the same
 * `articleReply` the route calls (http/article-view.ts).
 *
 * Why: a metered article view cannot be answered from a shared copy (each is decided, and most
 * are counted), and Fastify's own work per request — routing, the request and reply objects, the
 * hook chains, header handling — measured about 40% of the bare server's rate on its own with
 * this page's bytes: below the 0.5 the metered views are held to, before any of Masthead's work.
 *
 * The lane takes only the plain case: a GET of the canonical address (no query string, no
 * trailing slash, no percent-escapes), no request body, while the server is not closing. Anything
 * else, and every answer that is not the page (a redirect, a missing article), goes to the router
 * before anything was decided or counted; a failure goes to the router with the error attached
 * (`laneFailure`), so the one error handler answers it.
 */
const PREFIX = '/articles/';
const FAILURE = Symbol('reader lane failure');

type Raw = IncomingMessage & { [FAILURE]?: unknown };

/** The slug when the lane may take this request, else null. */
export function laneSlug(req: IncomingMessage): string | null {
  if (req.method !== 'GET') return null;
  const url = req.url;
  if (!url?.startsWith(PREFIX)) return null;
  const h = req.headers;
  if (h['transfer-encoding'] !== undefined || (h['content-length'] !== undefined && h['content-length'] !== '0')) return null;
  // The route's own test of a slug: anything else (a query, a slash, an escape) is the router's.
  const slug = url.slice(PREFIX.length);
  return isSlug(slug) ? slug : null;
}

/** The route's first step: a failure in the lane is thrown again there, for the error handler. */
export function laneFailure(req: IncomingMessage): void {
  const raw = req as Raw;
  if (FAILURE in raw) {
    const err = raw[FAILURE];
    delete raw[FAILURE];
    throw err;
  }
}

const NO_QUERY = Object.freeze({});

export class ReaderLane {
  /** Requests answered here (diagnostics and tests). */
  served = 0;
  closing = false;
  private readonly ipOf: (req: IncomingMessage) => string;

  constructor(private readonly ctx: AppContext, private readonly tokens: FormTokens, private readonly shared: SharedReplies, private readonly batch: ReplyBatch, trustedProxies: string[]) {
    // Fastify's own rule (lib/request.js), so both see the same address.
    const trust = trustedProxies.length ? proxyAddr.compile(trustedProxies) : null;
    this.ipOf = trust
      ? (req) => {
        const all = proxyAddr.all(req, trust);
        return all[all.length - 1] ?? '';
      }
      : (req) => req.socket.remoteAddress ?? '';
  }

  /** Takes the request (true) or leaves it to the router (false); `router` answers what the lane hands back. */
  serve(req: IncomingMessage, res: ServerResponse, router: () => void): boolean {
    if (this.closing) return false;
    const slug = laneSlug(req);
    if (slug === null) return false;
    const h = req.headers;
    const reader: ReaderRequest = { method: 'GET', url: req.url!, headers: h, cookies: h.cookie ? fastifyCookie.parse(h.cookie) : {}, ip: this.ipOf(req), query: NO_QUERY };
    let queued = false;
    articleReply(this.ctx, this.tokens, reader, slug, DEFAULT_COMMENT_QUERY).then((out) => {
      if (out.kind !== 'page') return router();
      const length = String(out.body.length);
      const flat = out.headers.concat('content-length', length);
      for (const c of out.cookies) flat.push('set-cookie', c);
      this.batch.send(res, flat, out.body);
      queued = true;
      this.served++;
      if (out.shareable && !out.cookies.length) this.shared.offer({ raw: req }, { body: out.body, headers: flat });
    }, (err: unknown) => {
      (req as Raw)[FAILURE] = err;
      router();
    }).catch(() => {
      // Nothing above throws in practice; if it did, the connection is not left waiting for an answer.
      if (!queued) res.destroy();
    });
    return true;
  }
}
