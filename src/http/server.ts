import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { AppContext } from './context.js';
import { toHttpFailure, type HttpFailure } from './errors.js';
import { sendHtml } from './reply.js';
import { CSRF_COOKIE } from './forms.js';
import { ErrorPage } from '../web/pages/error.js';
import { escapeHtml } from '../shared/escape.js';
import { readerRoutes } from './routes/reader.js';
import { feedRoutes } from './routes/feeds.js';
import { healthRoutes } from './routes/health.js';
import { adminContentRoutes } from './routes/admin-content.js';
import { accountRoutes } from './routes/accounts.js';
import { staffAuthRoutes } from './routes/staff-auth.js';
import { adminStaffRoutes } from './routes/admin-staff.js';
import { newsletterRoutes } from './routes/newsletters.js';
import { wallRoutes } from './routes/wall.js';
import { billingRoutes } from './routes/billing.js';
import { adminBillingRoutes } from './routes/admin-billing.js';
import { commentRoutes } from './routes/comments.js';
import { adminCommentRoutes } from './routes/admin-comments.js';
import { adminImportRoutes } from './routes/admin-import.js';
import { adminMediaRoutes } from './routes/admin-media.js';
import { adminNewsletterRoutes } from './routes/admin-newsletters.js';
import { newsroomRoutes } from './routes/newsroom.js';
import { adminSettingsRoutes } from './routes/admin-settings.js';
import { previewLinkRoutes } from './routes/preview-links.js';
import { newsroomModerationRoutes } from './routes/newsroom-moderation.js';
import { newsroomStaffRoutes } from './routes/newsroom-staff.js';
import { newsroomBillingRoutes } from './routes/newsroom-billing.js';
import { dashboardRoutes } from './routes/dashboard.js';
import { adminMembersRoutes } from './routes/admin-members.js';
import { adminSettingsImportRoutes } from './routes/admin-settings-import.js';
import { redirectFor } from '../web/reader.service.js';
import { fillReaderHeader } from './reader-header.js';
import { compressPayload, declareCompressionMark } from './compression.js';
import { requestLogger } from './request-log.js';
import { SharedReplies } from './shared-replies.js';
import { lingerOnClose } from './linger.js';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { READER_TTL_MS } from '../web/reader-cache.js';
import cookie, { Signer } from '@fastify/cookie';
import { FormTokens } from './csrf.js';
import { ReaderLane } from './reader-lane.js';
import { ReplyBatch } from './reply-batch.js';
import formbody from '@fastify/formbody';
import csrf from '@fastify/csrf-protection';
import rateLimit from '@fastify/rate-limit';

export const BODY_LIMIT = 4 * 1024 * 1024;

export interface RouteInfo { method: string; url: string }

declare module 'fastify' {
  interface FastifyInstance { routeTable: RouteInfo[]; sharedReplies: SharedReplies; readerLane: ReaderLane | null; formTokens: FormTokens }
}

/**
 * Builds the HTTP server. Every route module is registered here, in one list,
 * and every route lands in `routeTable`: the leak tests enumerate it, so a new
 * route cannot escape them.
 */
export async function buildServer(ctx: AppContext, logger: Logger | false): Promise<FastifyInstance> {
  const batch = new ReplyBatch();
  const shared = new SharedReplies(READER_TTL_MS, 2000, () => ctx.clock.now(), new URL(ctx.config.siteUrl).hostname, batch);
  ctx.cache.onClear(() => shared.clear());
  // One signer for every signed cookie: @fastify/cookie's, and the form tokens' secret (csrf.ts).
  // New signatures use the current secret; the one being retired still verifies (key rotation).
  const signer = new Signer(ctx.config.previousSecret ? [ctx.config.secret, ctx.config.previousSecret] : ctx.config.secret, 'sha256');
  const csrfCookie = { path: '/', httpOnly: true, sameSite: 'lax', secure: ctx.config.siteUrl.startsWith('https:') } as const;
  const formTokens = new FormTokens(signer, csrfCookie);
  // Not while every request is to be logged, as for shared replies: the log stays complete.
  const lane = ctx.config.logRequests ? null : new ReaderLane(ctx, formTokens, shared, batch, ctx.config.trustedProxies);
  const base = {
    logController: new LogController({ disableRequestLogging: !ctx.config.logRequests }),
    bodyLimit: BODY_LIMIT,
    // Client IP from the socket unless TRUSTED_PROXIES names the proxy in front of us.
    trustProxy: ctx.config.trustedProxies.length ? ctx.config.trustedProxies : false,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    return503OnClosing: true,
    // Replies every cookieless reader of a URL gets alike are answered before routing (shared-replies.ts),
    // and article views by the reader lane (reader-lane.ts); not while every request is to be logged,
    // so the log stays complete.
    ...(lane ? {
      serverFactory: (handler: (req: IncomingMessage, res: ServerResponse) => void) => createServer((req, res) => {
        if (shared.serve(req, res)) return;
        if (!lane.serve(req, res, () => handler(req, res))) handler(req, res);
      }),
    } : {}),
  };
  const app: FastifyInstance = logger ? Fastify({ ...base, loggerInstance: logger as FastifyBaseLogger, childLoggerFactory: requestLogger }) : Fastify({ ...base, logger: false });

  const routeTable: RouteInfo[] = [];
  app.decorate('routeTable', routeTable);
  app.decorate('sharedReplies', shared);
  app.decorate('readerLane', lane);
  app.decorate('formTokens', formTokens);
  app.addHook('onRoute', (r) => {
    for (const m of ([] as string[]).concat(r.method)) if (m !== 'HEAD') routeTable.push({ method: m, url: r.url });
  });

  // A keep-alive connection whose request was in flight when close() began would otherwise hold
  // the shutdown for the whole keep-alive timeout: close each one as soon as it falls idle.
  let reaper: NodeJS.Timeout | undefined;
  app.addHook('preClose', async () => {
    // Requests from here on go to the router, which answers them as closing (503).
    if (lane) lane.closing = true;
    reaper = setInterval(() => app.server.closeIdleConnections(), 100);
    reaper.unref();
  });
  app.addHook('onClose', async () => clearInterval(reaper));

  app.setErrorHandler(async (err, req, reply) => {
    const f = toHttpFailure(err);
    if (!f.expected) req.log.error({ err, errorId: f.errorId, url: req.url }, 'unhandled error');
    return sendFailure(ctx, req, reply, f);
  });
  app.setNotFoundHandler(async (req, reply) => {
    // Old permalinks of an imported site keep working. Only reader URLs are looked up: the API 404s as it is.
    if ((req.method === 'GET' || req.method === 'HEAD') && !req.url.startsWith('/api/') && req.url.length <= 1000) {
      const to = await redirectFor(ctx.content, req.url);
      if (to) return reply.header('cache-control', 'public, max-age=300').redirect(to, 301);
    }
    return sendFailure(ctx, req, reply, { status: 404, code: 'not_found', message: 'no such page', expected: true });
  });

  await app.register(cookie, { secret: signer });
  await app.register(formbody, { bodyLimit: 64 * 1024 });
  await app.register(csrf, {
    sessionPlugin: '@fastify/cookie',
    cookieKey: CSRF_COOKIE,
    cookieOpts: { ...csrfCookie, signed: true },
    getToken: (req) => {
      const b = req.body as Record<string, unknown> | undefined;
      // A multipart form's fields arrive as { value } (@fastify/multipart, the media upload form).
      const multipartValue = (b?._csrf as { value?: unknown } | undefined)?.value;
      return (typeof b?._csrf === 'string' ? b._csrf : typeof multipartValue === 'string' ? multipartValue : undefined) ?? (req.headers['x-csrf-token'] as string | undefined) ?? '';
    },
  });
  await app.register(rateLimit, { global: false });

  finishReplies(app, ctx, shared);
  healthRoutes(app, ctx);
  readerRoutes(app, ctx);
  feedRoutes(app, ctx);
  adminContentRoutes(app, ctx);
  accountRoutes(app, ctx);
  staffAuthRoutes(app, ctx);
  adminStaffRoutes(app, ctx);
  wallRoutes(app, ctx);
  newsletterRoutes(app, ctx);
  billingRoutes(app, ctx);
  adminBillingRoutes(app, ctx);
  commentRoutes(app, ctx);
  adminCommentRoutes(app, ctx);
  adminImportRoutes(app, ctx);
  adminMediaRoutes(app, ctx);
  newsroomRoutes(app, ctx);
  adminSettingsRoutes(app, ctx);
  previewLinkRoutes(app, ctx);
  newsroomModerationRoutes(app, ctx);
  newsroomStaffRoutes(app, ctx);
  newsroomBillingRoutes(app, ctx);
  dashboardRoutes(app, ctx);
  adminMembersRoutes(app, ctx);
  adminNewsletterRoutes(app, ctx);
  adminSettingsImportRoutes(app, ctx);
  await app.ready();
  return app;
}

/**
 * The one onSend hook of ours: the header's reader part filled in, then the body compressed (so
 * compression sees the body as it will be sent). A callback hook, answered at once unless the
 * reader needs the database: an async hook cost every reply a promise and a turn of the queue, and
 * two of them two.
 */
function finishReplies(app: FastifyInstance, ctx: AppContext, shared: SharedReplies): void {
  declareCompressionMark(app);
  app.decorateReply('mhShared', false);
  const finish = (req: FastifyRequest, reply: FastifyReply, body: unknown) => {
    const out = compressPayload(req, reply, body);
    if (reply.mhShared) offerShared(shared, req, reply, out);
    // A refusal that closes the connection before the body was all read (an upload over its
    // limit): the client must get to read it, so the socket is not reset under it (linger.ts).
    if (!req.raw.complete && reply.statusCode >= 400 && reply.getHeader('connection') === 'close') lingerOnClose(req.raw);
    return out;
  };
  app.addHook('onSend', (req, reply, payload, done) => {
    const filled = fillReaderHeader(ctx, req, reply, payload);
    if (!(filled instanceof Promise)) return done(null, finish(req, reply, filled));
    filled.then((body) => finish(req, reply, body)).then((body) => done(null, body), done);
  });
}

declare module 'fastify' {
  interface FastifyReply {
    /** Set by the article route when this reply is what every cookieless reader of the URL gets. */
    mhShared: boolean;
  }
}

/** A reply the route marked as every cookieless reader's (see shared-replies.ts), kept as it goes out. */
function offerShared(shared: SharedReplies, req: FastifyRequest, reply: FastifyReply, body: unknown): void {
  if (reply.statusCode !== 200 || !Buffer.isBuffer(body) || reply.hasHeader('set-cookie')) return;
  const headers: string[] = [];
  for (const [k, v] of Object.entries(reply.getHeaders())) {
    if (k === 'content-length') continue;
    if (typeof v === 'string') headers.push(k, v);
    else if (typeof v === 'number') headers.push(k, String(v));
    else return; // a header with several values (cookies) is never shared
  }
  headers.push('content-length', String(body.length));
  shared.offer(req, { body, headers });
}

const TITLES: Record<number, string> = { 400: 'Bad request', 401: 'Sign-in needed', 403: 'Not allowed', 404: 'Page not found', 409: 'Conflict', 413: 'Too large', 415: 'Unsupported', 429: 'Too many requests', 500: 'Something went wrong' };

async function sendFailure(ctx: AppContext, req: FastifyRequest, reply: FastifyReply, f: HttpFailure): Promise<FastifyReply> {
  if (f.retryAfterSeconds !== undefined) reply.header('retry-after', String(f.retryAfterSeconds));
  // Fastify strips the body of HEAD answers from routes, not from these: an error answer to a HEAD has none.
  if (req.method === 'HEAD') return reply.code(f.status).header('cache-control', 'no-store').send();
  if (wantsJson(req)) {
    return reply.code(f.status).header('cache-control', 'no-store')
      .send({ error: { code: f.code, message: f.status === 404 && f.message === 'no such page' ? `no route for ${req.method} ${req.url.split('?')[0]}` : f.message, ...(f.errorId ? { id: f.errorId } : {}) }, ...(f.current ? { current: f.current } : {}) });
  }
  const title = TITLES[f.status] ?? 'Error';
  const message = f.status === 404 ? 'We could not find that page. It may have moved, or the address may be mistyped.' : f.status >= 500 ? f.message : capitalise(f.message);
  try {
    const site = await ctx.site.get();
    return sendHtml(reply, ErrorPage({ site, status: f.status, title, message, errorId: f.errorId }), f.status, 'no-store');
  } catch {
    // The database may be what failed: fall back to a page that needs nothing.
    return sendHtml(reply, `<!doctype html><meta charset="utf-8"><title>${title}</title><h1>${title}</h1><p>${escapeHtml(message)}</p>${f.errorId ? `<p>Reference: ${f.errorId}</p>` : ''}`, f.status, 'no-store');
  }
}

function wantsJson(req: FastifyRequest): boolean {
  return req.url.startsWith('/api/') || req.url.startsWith('/admin/api/') || req.url.startsWith('/webhooks/') || req.url === '/healthz' || req.url === '/readyz';
}

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1) + (/[.!?]$/.test(s) ? '' : '.');
