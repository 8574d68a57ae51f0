import { createReadStream } from 'node:fs';
import type { Readable, Writable } from 'node:stream';

/**
 * Just enough of POSIX ustar for `masthead backup`, without a dependency: regular files and
 * directories, names up to 255 bytes (prefix + name), sizes past 8 GiB in GNU base-256 (a large
 * SQLite file). What we write, GNU tar and bsdtar read; we read what we wrote and what tar makes
 * of the same files (GNU long names and PAX path/size honoured, links refused, since a restore
 * must not write outside the data dir). Files are streamed, never held whole.
 */

const BLOCK = 512;

export interface TarEntry {
  /** Relative path with forward slashes; a directory's ends without a slash. */
  name: string;
  type: 'file' | 'directory';
  mode: number;
  mtimeMs: number;
  /** For files: the bytes, or a path to stream them from (then `size` must be its size). */
  data?: Buffer;
  path?: string;
  size?: number;
}

export class TarError extends Error {}

function octal(n: number, width: number): string {
  return n.toString(8).padStart(width - 1, '0') + '\0';
}

function header(e: TarEntry, size: number): Buffer {
  const h = Buffer.alloc(BLOCK);
  const full = e.type === 'directory' ? `${e.name}/` : e.name;
  let name = full;
  let prefix = '';
  if (Buffer.byteLength(full) > 100) {
    // Split at a slash so that the prefix fits 155 bytes and the rest 100.
    const cut = full.lastIndexOf('/', 155);
    if (cut <= 0 || Buffer.byteLength(full.slice(cut + 1)) > 100 || Buffer.byteLength(full.slice(0, cut)) > 155) throw new TarError(`path too long for the archive: ${full}`);
    prefix = full.slice(0, cut);
    name = full.slice(cut + 1);
  }
  h.write(name, 0, 100, 'utf8');
  h.write(octal(e.mode & 0o7777, 8), 100, 8, 'ascii');
  h.write(octal(0, 8), 108, 8, 'ascii');
  h.write(octal(0, 8), 116, 8, 'ascii');
  if (size < 8 ** 11) h.write(octal(size, 12), 124, 12, 'ascii');
  else {
    // GNU base-256: the high bit of the first byte set, the size big-endian in the rest.
    h[124] = 0x80;
    let v = BigInt(size);
    for (let i = 135; i > 124; i--) {
      h[i] = Number(v & 0xffn);
      v >>= 8n;
    }
  }
  h.write(octal(Math.floor(e.mtimeMs / 1000), 12), 136, 12, 'ascii');
  h.fill(' ', 148, 156);
  h.write(e.type === 'directory' ? '5' : '0', 156, 1, 'ascii');
  h.write('ustar\0', 257, 6, 'ascii');
  h.write('00', 263, 2, 'ascii');
  h.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(octal(sum, 7) + ' ', 148, 8, 'ascii');
  return h;
}

async function write(out: Writable, chunk: Buffer): Promise<void> {
  if (!out.write(chunk)) await new Promise<void>((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    out.once('error', onError);
    out.once('drain', () => {
      out.off('error', onError);
      resolve();
    });
  });
}

/** Write `entries` as a tar archive to `out` (which is not ended: the caller may be piping through gzip). */
export async function writeTar(out: Writable, entries: AsyncIterable<TarEntry> | Iterable<TarEntry>): Promise<void> {
  for await (const e of entries) {
    const size = e.type === 'directory' ? 0 : e.data ? e.data.length : e.size ?? 0;
    await write(out, header(e, size));
    if (e.type === 'directory') continue;
    let written = 0;
    if (e.data) {
      await write(out, e.data);
      written = e.data.length;
    } else if (e.path) {
      for await (const chunk of createReadStream(e.path)) {
        written += (chunk as Buffer).length;
        if (written > size) throw new TarError(`${e.path} grew while it was being archived`);
        await write(out, chunk as Buffer);
      }
    }
    if (written !== size) throw new TarError(`${e.path ?? e.name} changed size while it was being archived`);
    const pad = (BLOCK - (size % BLOCK)) % BLOCK;
    if (pad) await write(out, Buffer.alloc(pad));
  }
  await write(out, Buffer.alloc(BLOCK * 2));
}

/** What readTar hands over for each entry: its header and, for files, its bytes as a stream to consume. */
export interface TarItem { name: string; type: 'file' | 'directory'; mode: number; mtimeMs: number; size: number }

function parseNumber(field: Buffer): number {
  if (field[0]! & 0x80) {
    let v = 0n;
    for (let i = 1; i < field.length; i++) v = (v << 8n) | BigInt(field[i]!);
    return Number(v);
  }
  const text = field.toString('ascii').replace(/\0.*$/s, '').trim();
  if (!/^[0-7]*$/.test(text)) throw new TarError('not a tar archive (bad number in a header)');
  return text ? parseInt(text, 8) : 0;
}

const cString = (b: Buffer) => {
  const end = b.indexOf(0);
  return b.subarray(0, end < 0 ? b.length : end).toString('utf8');
};

/**
 * Read a tar archive from `input`, calling `onEntry` for every file and directory in order. A file's
 * bytes are passed as chunks to the sink `onEntry` returns (or skipped when it returns nothing), and
 * `done` is called once they have all been passed.
 */
export type TarSink = (chunk: Buffer) => Promise<void> | void;

export async function readTar(input: Readable, onEntry: (item: TarItem) => Promise<TarSink | void>, done?: (item: TarItem) => Promise<void>): Promise<void> {
  let buf: Buffer = Buffer.alloc(0);
  /** Bytes of the current entry still to come, the padding after them, and where they go. */
  let remaining = 0;
  let padding = 0;
  let sink: TarSink | undefined;
  let current: TarItem | undefined;
  /** A GNU long name ('L') or PAX header ('x') being read, and what it says about the next entry. */
  let meta: { flag: string; bytes: Buffer[] } | undefined;
  let next: { path?: string; size?: number } = {};
  let ended = false;
  let sawEntry = false;

  const finishEntry = async () => {
    if (meta) {
      const text = Buffer.concat(meta.bytes).toString('utf8');
      if (meta.flag === 'L') next.path = text.replace(/\0+$/, '');
      if (meta.flag === 'x') Object.assign(next, paxRecords(text));
      meta = undefined;
    } else if (current) await done?.(current);
    current = undefined;
    sink = undefined;
  };

  for await (const chunk of input) {
    buf = buf.length ? Buffer.concat([buf, chunk as Buffer]) : (chunk as Buffer);
    for (;;) {
      if (remaining > 0) {
        if (!buf.length) break;
        const take = Math.min(remaining, buf.length);
        if (sink) await sink(buf.subarray(0, take));
        buf = buf.subarray(take);
        remaining -= take;
        if (remaining > 0) break;
        await finishEntry();
      }
      if (padding > 0) {
        const take = Math.min(padding, buf.length);
        buf = buf.subarray(take);
        padding -= take;
        if (padding > 0) break;
      }
      if (ended || buf.length < BLOCK) break;
      const h = buf.subarray(0, BLOCK);
      buf = buf.subarray(BLOCK);
      if (h.every((b) => b === 0)) {
        ended = true;
        break;
      }
      let sum = 0;
      for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : h[i]!;
      if (sum !== parseNumber(h.subarray(148, 156))) throw new TarError('not a tar archive, or a damaged one (header checksum mismatch)');
      const flag = String.fromCharCode(h[156]!);
      const size = flag === 'x' || flag === 'L' || next.size === undefined ? parseNumber(h.subarray(124, 136)) : next.size;
      remaining = size;
      padding = (BLOCK - (size % BLOCK)) % BLOCK;
      if (flag === 'x' || flag === 'g' || flag === 'L' || flag === 'K') {
        // Other tars' extended headers: a long name or PAX path/size applies to the next entry.
        const m = { flag, bytes: [] as Buffer[] };
        meta = m;
        sink = flag === 'x' || flag === 'L' ? (c) => void m.bytes.push(Buffer.from(c)) : undefined;
        if (remaining === 0) await finishEntry();
        continue;
      }
      const prefix = h.subarray(257, 262).toString('ascii') === 'ustar' ? cString(h.subarray(345, 500)) : '';
      const raw = next.path ?? (prefix ? `${prefix}/` : '') + cString(h.subarray(0, 100));
      next = {};
      if (flag !== '0' && flag !== '\0' && flag !== '5' && flag !== '7') throw new TarError(`the archive holds ${flag === '1' || flag === '2' ? 'a link' : `an entry of type ${JSON.stringify(flag)}`} (${raw}); only files and folders are restored`);
      const item: TarItem = { name: raw.replace(/\/+$/, ''), type: flag === '5' ? 'directory' : 'file', mode: parseNumber(h.subarray(100, 108)), mtimeMs: parseNumber(h.subarray(136, 148)) * 1000, size };
      sawEntry = true;
      current = item;
      sink = (await onEntry(item)) || undefined;
      if (remaining === 0) await finishEntry();
    }
    if (ended) break;
  }
  if (!sawEntry) throw new TarError('not a tar archive, or an empty one');
  // Without the two zero blocks that close an archive it was cut short, perhaps between two files.
  if (!ended) throw new TarError('the archive is truncated (it stops before its end marker)');
}

/** PAX records ("<length> <key>=<value>\n"…): the path and size, the two that matter here. */
function paxRecords(text: string): { path?: string; size?: number } {
  const out: { path?: string; size?: number } = {};
  for (const line of text.split('\n')) {
    const m = /^\d+ ([^=]+)=(.*)$/s.exec(line);
    if (m?.[1] === 'path') out.path = m[2];
    if (m?.[1] === 'size' && /^\d+$/.test(m[2]!)) out.size = Number(m[2]);
  }
  return out;
}
