import { constants, crc32, deflateRawSync } from 'node:zlib';

/**
 * Raw deflate pieces that join into one stream: each ends on a byte boundary (a sync flush) and
 * none is final, so a page made of cached pieces and a few fresh ones is compressed without
 * compressing the cached parts again. gzipJoin wraps them.
 */
export function deflatePiece(b: Buffer): Buffer {
  return deflateRawSync(b, { level: 6, finishFlush: constants.Z_SYNC_FLUSH });
}

/**
 * A few bytes that differ per reader (a form token, a name) as a stored deflate block: no
 * compression, so no zlib stream is set up per response. Byte-aligned and not final, like a piece.
 */
export function storedPiece(b: Buffer): Buffer {
  if (!b.length) return EMPTY;
  const out = Buffer.allocUnsafe(b.length + 5);
  out[0] = 0;
  out.writeUInt16LE(b.length, 1);
  out.writeUInt16LE(~b.length & 0xffff, 3);
  b.copy(out, 5);
  return out;
}
const EMPTY = Buffer.alloc(0);

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
