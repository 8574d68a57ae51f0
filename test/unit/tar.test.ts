import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createReadStream, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { readTar, TarError, writeTar, type TarEntry, type TarItem } from '../../src/shared/tar.js';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'masthead-tar-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

async function toBuffer(entries: TarEntry[]): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  await writeTar(out, entries);
  out.end();
  return Buffer.concat(chunks);
}

async function read(source: Readable): Promise<{ item: TarItem; data: string }[]> {
  const got: { item: TarItem; data: string }[] = [];
  await readTar(source, async (item) => {
    const entry = { item, data: '' };
    got.push(entry);
    return (chunk) => void (entry.data += chunk.toString('latin1'));
  });
  return got;
}

const longName = `data/${'uploads/'.repeat(14)}a-photo-with-a-long-name.jpg`;
const binary = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7) % 256));

describe('tar', () => {
  it('reads back what it writes: folders, empty and binary files, names longer than 100 bytes, small chunks', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'streamed.bin'), binary);
    const tar = await toBuffer([
      { name: 'data', type: 'directory', mode: 0o700, mtimeMs: 1_700_000_000_000 },
      { name: 'data/secret', type: 'file', mode: 0o600, mtimeMs: 1_700_000_000_000, data: Buffer.from('s3cret\n') },
      { name: 'data/empty', type: 'file', mode: 0o644, mtimeMs: 0, data: Buffer.alloc(0) },
      { name: longName, type: 'file', mode: 0o644, mtimeMs: 0, path: join(dir, 'streamed.bin'), size: binary.length },
    ]);
    expect(tar.length % 512).toBe(0);
    // Fed 100 bytes at a time, so headers and bodies straddle chunks.
    const pieces = Array.from({ length: Math.ceil(tar.length / 100) }, (_, i) => tar.subarray(i * 100, i * 100 + 100));
    const got = await read(Readable.from(pieces));
    expect(got.map((g) => [g.item.name, g.item.type, g.item.mode, g.item.size])).toEqual([
      ['data', 'directory', 0o700, 0],
      ['data/secret', 'file', 0o600, 7],
      ['data/empty', 'file', 0o644, 0],
      [longName, 'file', 0o644, binary.length],
    ]);
    expect(got[1]!.data).toBe('s3cret\n');
    expect(Buffer.from(got[3]!.data, 'latin1').equals(binary)).toBe(true);
    expect(got[1]!.item.mtimeMs).toBe(1_700_000_000_000);
  });

  it('writes archives that GNU tar lists and extracts, and reads the ones GNU tar makes', async () => {
    const dir = tempDir();
    const file = join(dir, 'ours.tar');
    writeFileSync(file, await toBuffer([
      { name: 'data', type: 'directory', mode: 0o755, mtimeMs: 0 },
      { name: longName, type: 'file', mode: 0o644, mtimeMs: 0, data: binary },
    ]));
    const out = join(dir, 'out');
    mkdirSync(out);
    const x = spawnSync('tar', ['xf', file, '-C', out], { encoding: 'utf8' });
    expect(x.status, x.stderr).toBe(0);
    expect(readFileSync(join(out, longName)).equals(binary)).toBe(true);

    // GNU tar's own format spells long names as ././@LongLink records, PAX as extended headers.
    for (const format of ['gnu', 'pax']) {
      const theirs = join(dir, `theirs-${format}.tar`);
      expect(spawnSync('tar', [`--format=${format}`, '-cf', theirs, '-C', out, 'data']).status).toBe(0);
      const got = await read(createReadStream(theirs));
      const f = got.find((g) => g.item.name === longName);
      expect(f, `${format}: ${got.map((g) => g.item.name).join(', ')}`).toBeDefined();
      expect(Buffer.from(f!.data, 'latin1').equals(binary)).toBe(true);
    }
  });

  it('refuses what it cannot trust: a damaged header, a cut archive, a link, a name too long to store', async () => {
    const good = await toBuffer([{ name: 'a', type: 'file', mode: 0o644, mtimeMs: 0, data: Buffer.from('x'.repeat(600)) }]);
    const damaged = Buffer.from(good);
    damaged[10] = 0x41;
    await expect(read(Readable.from([damaged]))).rejects.toThrow(/checksum mismatch/);
    await expect(read(Readable.from([good.subarray(0, 1024)]))).rejects.toThrow(/truncated/);
    await expect(read(Readable.from([Buffer.alloc(1024)]))).rejects.toThrow(/not a tar archive/);

    const dir = tempDir();
    writeFileSync(join(dir, 'target'), 't');
    spawnSync('ln', ['-s', 'target', join(dir, 'link')]);
    const withLink = join(dir, 'link.tar');
    expect(spawnSync('tar', ['cf', withLink, '-C', dir, 'link']).status).toBe(0);
    await expect(read(createReadStream(withLink))).rejects.toThrow(/holds a link/);

    await expect(toBuffer([{ name: 'x'.repeat(120), type: 'file', mode: 0o644, mtimeMs: 0, data: Buffer.alloc(0) }])).rejects.toBeInstanceOf(TarError);
  });
});
