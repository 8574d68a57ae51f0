import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * Response compression: brotli or gzip when the client asks and the body is over MIN_BYTES.
 * Bodies that many readers get (assets, public pages, token-free article pages) are compressed
 * once and kept; a per-reader article page is sewn from deflate pieces compressed once per shell
 * and template (see gzipPieces), so only its few bytes of token are compressed per view.
 */
export type Encoding = 'br' | 'gzip';

export const MIN_BYTES = 1024;

/**
 * The encoding to send for an Accept-Encoding header: brotli over gzip, both only when the client
 * names them with a non-zero q (or `*`). Null: send the body as it is.
 */
export function pickEncoding(accept: string | string[] | undefined): Encoding | null {
  const ok = weights(accept);
  if (ok('br')) return 'br';
  if (ok('gzip')) return 'gzip';
  return null;
}

/** The encoding a body of `length` bytes goes out in: none for a HEAD (no body) or under MIN_BYTES. */
export function encodingFor(accept: string | string[] | undefined, length: number, head: boolean): Encoding | null {
  return head || length < MIN_BYTES ? null : pickEncoding(accept);
}

/** Whether the client takes gzip (a per-reader page is sent as gzip pieces even to a brotli client). */
export function acceptsGzip(accept: string | string[] | undefined): boolean {
  return weights(accept)('gzip');
}

function weights(accept: string | string[] | undefined): (coding: string) => boolean {
  if (!accept) return () => false;
  const header = Array.isArray(accept) ? accept.join(',') : accept;
  if (header.length > 500) return () => false;
  const q: Record<string, number> = {};
  for (const part of header.split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (!name) continue;
    let weight = 1;
    for (const p of params) {
      const m = /^\s*q\s*=(.*)$/.exec(p);
      // A weight that is not a number refuses the coding rather than taking it at full weight.
      if (m) weight = /^\s*[0-9.]+\s*$/.test(m[1]!) ? Number(m[1]) : 0;
    }
    if (Number.isFinite(weight)) q[name] = weight;
  }
  return (e) => (q[e] ?? q['*'] ?? 0) > 0;
}

// Quality 5 and level 6: within a few per cent of the smallest output at a tenth of the time (a
// shared body is compressed again each time its cache turns over, every second for a busy page).
const BROTLI = { params: { [constants.BROTLI_PARAM_QUALITY]: 5, [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT } };
const GZIP = { level: 6 };

export function compress(body: Buffer, e: Encoding): Buffer {
  return e === 'br' ? brotliCompressSync(body, BROTLI) : gzipSync(body, GZIP);
}

/** Compressed forms of shared bodies, under a byte budget, oldest let go first. */
class SharedBodies {
  private readonly byString = new Map<string, { br?: Buffer; gzip?: Buffer; bytes: number }>();
  private readonly byBuffer = new WeakMap<Buffer, { br?: Buffer; gzip?: Buffer }>();
  private bytes = 0;

  constructor(private readonly budget: number) {}

  get(body: string | Buffer, e: Encoding): Buffer {
    if (Buffer.isBuffer(body)) {
      // A Buffer that is shared (an asset, a built article page) lives as long as its owner: the
      // compressed form is kept beside it and goes with it.
      let entry = this.byBuffer.get(body);
      if (!entry) this.byBuffer.set(body, (entry = {}));
      return (entry[e] ??= compress(body, e));
    }
    let entry = this.byString.get(body);
    if (!entry) {
      entry = { bytes: 0 };
      this.byString.set(body, entry);
    }
    let out = entry[e];
    if (!out) {
      out = entry[e] = compress(Buffer.from(body), e);
      entry.bytes += out.length + body.length;
      this.bytes += out.length + body.length;
      for (const [k, v] of this.byString) {
        if (this.bytes <= this.budget || k === body) break;
        this.byString.delete(k);
        this.bytes -= v.bytes;
      }
    }
    return out;
  }
}

const shared = new SharedBodies(32 * 1024 * 1024);

/** A body many readers get, compressed once and kept (see SharedBodies). */
export function compressShared(body: Buffer, e: Encoding): Buffer {
  return shared.get(body, e);
}

declare module 'fastify' {
  interface FastifyReply {
    /** Whether this reply's body may be compressed, and whether that body goes to many readers. */
    mhCompress: { shared: boolean } | null;
  }
}

const SHARED = Object.freeze({ shared: true });
const OWN = Object.freeze({ shared: false });

/**
 * Mark this reply's body for compression. `shared`: the same body goes to many readers, so its
 * compressed form is kept; otherwise it is compressed for this response alone. The body itself is
 * compressed in the onSend hook (compressPayload), after every step that still changes it.
 */
export function markCompressible(reply: FastifyReply, o: { shared: boolean }): void {
  reply.mhCompress = o.shared ? SHARED : OWN;
  reply.header('vary', 'Accept-Encoding');
}

/** Declared on every reply, so setting the mark does not change the reply object's shape per request. */
export function declareCompressionMark(app: FastifyInstance): void {
  app.decorateReply('mhCompress', null);
}

/**
 * The body to send for a marked reply: compressed as the client asks. The last step of the one
 * onSend hook (server.ts), after every step that still changes the body.
 */
export function compressPayload(req: FastifyRequest, reply: FastifyReply, payload: unknown): unknown {
  const mark = reply.mhCompress;
  if (!mark || reply.hasHeader('content-encoding')) return payload;
  if (typeof payload !== 'string' && !Buffer.isBuffer(payload)) return payload;
  const e = encodingFor(req.headers['accept-encoding'], payload.length, req.method === 'HEAD');
  if (!e) return payload;
  reply.header('content-encoding', e);
  return mark.shared ? shared.get(payload, e) : compress(typeof payload === 'string' ? Buffer.from(payload) : payload, e);
}
