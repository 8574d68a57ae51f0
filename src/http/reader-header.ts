import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from './context.js';
import type { ReaderRequest } from './reader-request.js';
import { identifyNow, type Identity } from './identity.js';
import { queryField } from './forms.js';
import { fillHeader, type Fragment } from '../web/page-assembly.js';
import { HEADER_NOTICES, READER_MARK, readerNav, type HeaderNotice, type HeaderReader } from '../web/reader-nav.js';
import { PRIVATE } from './reply.js';

/** The header's reader part for this request: who is signed in, and a notice named by a fixed key. */
export async function readerHeader(ctx: AppContext, req: ReaderRequest): Promise<Fragment> {
  return readerHeaderNow(ctx, req);
}

/** readerHeader without a promise when the reader is known without the database (see identifyNow). */
export function readerHeaderNow(ctx: AppContext, req: ReaderRequest): Fragment | Promise<Fragment> {
  const id = identifyNow(ctx, req);
  return id instanceof Promise ? id.then((known) => headerFor(req, known)) : headerFor(req, id);
}

const SIGNED_OUT: HeaderReader = { kind: 'anonymous' };

function headerFor(req: ReaderRequest, id: Identity): Fragment {
  const reader: HeaderReader = id.member
    ? { kind: 'member', name: id.member.name, status: id.member.status }
    : id.staff ? { kind: 'staff', name: id.staff.name } : SIGNED_OUT;
  const key = queryField(req, 'notice');
  const notice = key && Object.hasOwn(HEADER_NOTICES, key) ? (key as HeaderNotice) : undefined;
  return readerNav(reader, pathOf(req.url), notice);
}

const pathOf = (url: string) => {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
};

/**
 * A cached page with the signed-out header filled in, kept while the page is, as bytes: every
 * signed-out reader of it gets the same Buffer, so it is neither searched for the mark nor encoded
 * again per view, and its compressed form is made once (http/compression).
 */
const filled = new Map<string, { template: string; page: Buffer | string }>();
function signedOutPage(page: string, template: string): Buffer | string {
  const hit = filled.get(page);
  if (hit && hit.template === template) return hit.page;
  const out = page.includes(READER_MARK) ? Buffer.from(fillHeader(page, READER_MARK, { template })) : page;
  if (filled.size >= 500) filled.delete(filled.keys().next().value!);
  filled.set(page, { template, page: out });
  return out;
}

/**
 * Every HTML page sent as a string (cached home and listings, and the pages rendered per request)
 * gets its header's reader part here, so no route can forget it and no shared cache entry ever holds
 * one reader's name. The article page is sent as bytes and assembled with its header by the route
 * (page-assembly), so the hot path never scans or re-encodes a page. A page showing who is signed in
 * is private; a signed-out page may stay public, but only for requests with the same cookies.
 * Part of the one onSend hook (server.ts): the body as filled in, or a promise of it when the
 * reader needs the database.
 */
export function fillReaderHeader(ctx: AppContext, req: FastifyRequest, reply: FastifyReply, payload: unknown): unknown {
  if (typeof payload !== 'string' || !String(reply.getHeader('content-type') ?? '').startsWith('text/html')) return payload;
  let header: Fragment | Promise<Fragment>;
  try {
    header = readerHeaderNow(ctx, req);
  } catch (err) {
    header = Promise.reject(err);
  }
  if (!(header instanceof Promise)) return withHeader(reply, payload, header);
  return header.then((h) => withHeader(reply, payload, h), (err: unknown) => {
    // An error page for a failing database must still go out: signed out is always true enough to show.
    req.log.warn({ err }, 'reader header: identity unavailable, showing the signed-out header');
    return withHeader(reply, payload, readerNav(SIGNED_OUT, pathOf(req.url)));
  });
}

function withHeader(reply: FastifyReply, payload: string, header: Fragment): string | Buffer {
  if (header.token !== undefined) {
    if (!payload.includes(READER_MARK)) return payload;
    reply.header('cache-control', PRIVATE);
    return fillHeader(payload, READER_MARK, header);
  }
  if (String(reply.getHeader('cache-control') ?? '').startsWith('public')) reply.header('vary', 'Accept-Encoding, Cookie');
  return signedOutPage(payload, header.template);
}
