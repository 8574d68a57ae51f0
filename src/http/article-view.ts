import type { AppContext } from './context.js';
import type { ReaderRequest } from './reader-request.js';
import { PAGE_HEADERS, PRIVATE } from './reply.js';
import { acceptsGzip, compressShared, encodingFor, type Encoding } from './compression.js';
import { factsOf } from './reader-facts.js';
import { identifyNow } from './identity.js';
import { readerHeaderNow } from './reader-header.js';
import { CSRF_COOKIE, type FormTokens } from './csrf.js';
import { DEVICE_COOKIE } from '../access/access.service.js';
import { readArticle } from '../reading/article.js';
import type { CommentQuery, Part } from '../reading/comment-block.js';
import { assembleGzip, assemblePage, type Fragment } from '../web/page-assembly.js';

/** GET /articles/:slug as a reply: the page with its headers, or what the router should answer instead. */
export type ArticleReply =
  | {
    kind: 'page';
    /** Names and values in turn (name, value, name, value…), as node's writeHead takes them; Set-Cookie is in `cookies`. Shared: never changed. */
    headers: readonly string[];
    cookies: string[];
    body: Buffer;
    /** The same bytes every cookieless reader of this URL gets (shared-replies.ts may keep them). */
    shareable: boolean;
  }
  | { kind: 'redirect'; to: string }
  | { kind: 'missing' };

/** The headers of every article page, one list per encoding: made once, not per view. */
const BASE = [...Object.entries(PAGE_HEADERS).flat(), 'cache-control', PRIVATE, 'vary', 'Accept-Encoding'];
const HEADERS: Record<'identity' | Encoding, readonly string[]> = {
  identity: Object.freeze(BASE),
  gzip: Object.freeze([...BASE, 'content-encoding', 'gzip']),
  br: Object.freeze([...BASE, 'content-encoding', 'br']),
};

/**
 * The article view, answered in full from plain facts: used by the Fastify route and by the reader
 * lane alike (http/reader-lane.ts), so an article page is made in this one place whichever of the
 * two took the request. A redirect or a missing article is handed back before anything is decided
 * or counted: the router answers those.
 */
export async function articleReply(ctx: AppContext, tokens: FormTokens, req: ReaderRequest, slug: string, cq: CommentQuery): Promise<ArticleReply> {
  // What is known without the database is taken without a promise: only a miss is awaited.
  const site = ctx.site.current() ?? (await ctx.site.get());
  const id = identifyNow(ctx, req);
  const facts = factsOf(ctx, req, id instanceof Promise ? await id : id);
  const read = await readArticle(ctx, site, slug, cq, facts);
  if (read.kind !== 'ok') return read;
  const cookies: string[] = [];
  // During a key rotation, a device still signed with the retiring key gets its own id signed anew.
  const device = read.newDeviceId ?? (facts.deviceId && ctx.deviceCookieRetiring(req) ? facts.deviceId : null);
  // Every view by a new device sets this cookie: written directly rather than serialised and
  // validated per request (the attributes never change).
  if (device) cookies.push(`${DEVICE_COOKIE}=${ctx.access.deviceCookie.sign(device)}${deviceCookieAttributes(ctx)}`);
  // One token for every form on the page, made only when a part has a form.
  let token: string | undefined;
  if (read.slot.needsToken || read.comments.needsToken) {
    const t = tokens.forCookie(req.cookies[CSRF_COOKIE]);
    token = t.token;
    if (t.setCookie) cookies.push(t.setCookie);
  }
  // A part without a form is its own fragment (no token): nothing is allocated for it.
  const fill = (p: Part): Fragment => (p.needsToken ? { template: p.template, token } : p);
  // The header's reader part (signed in or not): the same for every signed-out reader of this page.
  const headerNow = readerHeaderNow(ctx, req);
  const header = headerNow instanceof Promise ? await headerNow : headerNow;
  const slot = fill(read.slot);
  const comments = fill(read.comments);
  // Everything below depends on who is reading: never for shared caches.
  if (token !== undefined || header.token !== undefined) {
    // This reader's own page: gzip sewn from pieces compressed once, or the bytes as they are.
    if (!facts.look && acceptsGzip(req.headers['accept-encoding'])) {
      return { kind: 'page', headers: HEADERS.gzip, cookies, body: assembleGzip(read.shell, header, slot, comments), shareable: false };
    }
    return { kind: 'page', headers: HEADERS.identity, cookies, body: assemblePage(read.shell, header, slot, comments), shareable: false };
  }
  // A page with no token is built once per shell and handed to every such reader: kept compressed too.
  const page = assemblePage(read.shell, header, slot, comments);
  const e = encodingFor(req.headers['accept-encoding'], page.length, facts.look);
  // A free article is the same for every reader without cookies: such replies are answered before routing next time.
  const shareable = read.article.access === 'free' && !device && read.decision.full;
  return { kind: 'page', headers: HEADERS[e ?? 'identity'], cookies, body: e ? compressShared(page, e) : page, shareable };
}

const attributes = new WeakMap<AppContext, string>();
const deviceCookieAttributes = (ctx: AppContext) => {
  let a = attributes.get(ctx);
  if (a === undefined) attributes.set(ctx, (a = `; Max-Age=${400 * 86_400}; Path=/; HttpOnly; SameSite=Lax${ctx.config.siteUrl.startsWith('https:') ? '; Secure' : ''}`));
  return a;
};
