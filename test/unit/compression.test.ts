import { describe, expect, it } from 'vitest';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { compress, pickEncoding } from '../../src/http/compression.js';
import { deflatePiece, gzipJoin, storedPiece } from '../../src/shared/gzip-pieces.js';

describe('pickEncoding', () => {
  it.each([
    [undefined, null],
    ['', null],
    ['gzip', 'gzip'],
    ['gzip, br', 'br'],
    ['br;q=0, gzip', 'gzip'],
    ['gzip;q=0, br;q=0', null],
    ['identity', null],
    ['*', 'br'],
    ['*;q=0', null],
    ['deflate, gzip;q=0.5', 'gzip'],
    ['GZIP', 'gzip'],
    [['gzip', 'br'], 'br'],
    ['br;q=abc, gzip', 'gzip'],
    ['x'.repeat(600) + ', gzip', null],
  ] as const)('%j → %j', (header, expected) => {
    expect(pickEncoding(header as string | string[] | undefined)).toBe(expected);
  });
});

describe('compressed bodies', () => {
  it('round-trips brotli and gzip', () => {
    const body = Buffer.from('<p>The harbour board met.</p>'.repeat(200));
    expect(brotliDecompressSync(compress(body, 'br')).equals(body)).toBe(true);
    expect(gunzipSync(compress(body, 'gzip')).equals(body)).toBe(true);
  });

  it('joins deflate pieces compressed apart into one valid gzip stream', () => {
    const parts = ['<!doctype html><head>'.repeat(50), 'TOKEN-abc123', '', '<main>story</main>'.repeat(80), 'x', '</html>'].map((s) => Buffer.from(s));
    const joined = gzipJoin(parts.map(deflatePiece), parts);
    expect(gunzipSync(joined).equals(Buffer.concat(parts))).toBe(true);
    // Any order and any split: the pieces do not depend on each other.
    const reversed = [...parts].reverse();
    expect(gunzipSync(gzipJoin(reversed.map(deflatePiece), reversed)).equals(Buffer.concat(reversed))).toBe(true);
  });

  it('mixes stored pieces (a reader’s token, uncompressed) with deflated ones', () => {
    const parts = ['<form><input name="_csrf" value="', 'tok-ÄÖ-123', '"></form>'.repeat(40), '', 'Maya'].map((s) => Buffer.from(s));
    const pieces = parts.map((p, i) => (i % 2 ? storedPiece(p) : deflatePiece(p)));
    expect(gunzipSync(gzipJoin(pieces, parts)).equals(Buffer.concat(parts))).toBe(true);
  });
});
