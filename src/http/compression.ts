import { brotliCompressSync, constants, crc32, deflateRawSync, gzipSync } from 'node:zlib';
import type { FastifyReply } from 'fastify';

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
  if (!accept) return null;
  const header = Array.isArray(accept) ? accept.join(',') : accept;
  if (header.length > 500) return null;
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
  const ok = (e: string) => (q[e] ?? q['*'] ?? 0) > 0;
  if (ok('br')) return 'br';
  if (ok('gzip')) return 'gzip';
  return null;
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

/**
 * Send a body compressed as the client asks. `shared`: the same body goes to many readers (kept
 * compressed); otherwise it is compressed for this response alone.
 */
export function sendCompressed(reply: FastifyReply, body: string | Buffer, o: { shared: boolean }): FastifyReply {
  reply.header('vary', 'Accept-Encoding');
  const size = typeof body === 'string' ? body.length : body.length;
  const e = size >= MIN_BYTES ? pickEncoding(reply.request.headers['accept-encoding']) : null;
  if (!e) return reply.send(body);
  const out = o.shared ? shared.get(body, e) : compress(typeof body === 'string' ? Buffer.from(body) : body, e);
  return reply.header('content-encoding', e).send(out);
}

/**
 * Raw deflate pieces that join into one stream: each ends on a byte boundary (a sync flush) and
 * none is final, so a page made of cached pieces and a few fresh ones is compressed without
 * compressing the cached parts again. gzipJoin wraps them.
 */
export function deflatePiece(b: Buffer): Buffer {
  return deflateRawSync(b, { level: 6, finishFlush: constants.Z_SYNC_FLUSH });
}

/** A fixed-Huffman block with BFINAL set and nothing in it: ends the deflate stream. */
const FINAL_BLOCK = Buffer.from([0x03, 0x00]);
const GZIP_HEADER = Buffer.from([0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 0xff]);

/** A gzip member from deflate pieces and the plain bytes they hold (for the CRC and length). */
export function gzipJoin(pieces: Buffer[], plain: Buffer[]): Buffer {
  let crc = 0;
  let size = 0;
  for (const p of plain) {
    // Empty parts are skipped: Node 20's crc32 answers 0 for some empty buffers, whatever the running value.
    if (!p.length) continue;
    crc = crc32(p, crc);
    size += p.length;
  }
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc >>> 0, 0);
  trailer.writeUInt32LE(size >>> 0, 4);
  return Buffer.concat([GZIP_HEADER, ...pieces, FINAL_BLOCK, trailer]);
}
