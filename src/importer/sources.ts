import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, extname, join, relative, resolve } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { documentLimit, MAX_ITEM_BYTES, tooBigMessage } from './limits.js';
import { positionOf } from './wxr/entry.js';
import { parseWxr, type BuildEntry } from './wxr/parse.js';
import type { FormatChoice, ImportFormat, ParsedEntry } from './types.js';
import type { Converter, TaskOutcome } from './worker/converter.js';
import { detectFormat } from './detect.js';

export { detectFormat };

/** Where an import reads from: a file or directory, standard input, or an upload already in memory. */
export type ImportInput =
  | { kind: 'path'; path: string }
  | { kind: 'stream'; stream: AsyncIterable<Buffer | string>; name: string }
  | { kind: 'buffer'; data: Buffer; name: string };


export interface ReadOptions {
  format: FormatChoice;
  includePages: boolean;
  /** Bytes read so far, for a progress bar; called often, must be cheap. */
  onBytes?: (n: number) => void;
  /** Where every item is converted: the import's worker thread. */
  converter: Converter;
}

export interface SourceEntry { format: ImportFormat; entry: ParsedEntry }

const sha = (s: string | Buffer) => createHash('sha256').update(s).digest('base64url').slice(0, 22);

const KNOWN_EXTENSIONS = new Set(['.txt', '.text', '.html', '.htm', '.xml', '.wxr', '.json']);

/** Text and HTML pages are named by where they came from, so a re-import of the same file updates its article. */
const fileId = (format: ImportFormat, name: string) => `${format}:file:${name}`;

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    if (e.name.startsWith('.')) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listFiles(p)));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

async function readHead(path: string): Promise<string> {
  const { open } = await import('node:fs/promises');
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(4096);
    const { bytesRead } = await fh.read(buf, 0, 4096, 0);
    return buf.subarray(0, bytesRead).toString('utf8');
  } finally {
    await fh.close();
  }
}

/** Total bytes an input will read, for the progress bar's ETA (0 when unknown, as for stdin). */
export async function inputSize(input: ImportInput): Promise<number> {
  if (input.kind === 'buffer') return input.data.length;
  if (input.kind === 'stream') return 0;
  const s = await stat(input.path);
  if (!s.isDirectory()) return s.size;
  let total = 0;
  for (const f of await listFiles(input.path)) total += (await stat(f)).size;
  return total;
}

async function* counted(stream: AsyncIterable<Buffer | string>, onBytes?: (n: number) => void): AsyncGenerator<Buffer | string> {
  for await (const chunk of stream) {
    onBytes?.(typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length);
    yield chunk;
  }
}

async function* chunks(data: Buffer): AsyncGenerator<Buffer> {
  for (let i = 0; i < data.length; i += 1 << 16) {
    // Slices of a buffer are there at once: without a turn of the event loop between them, a
    // whole upload would be read (and its XML tokenized) before any other request is served.
    if (i) await nextTurn();
    yield data.subarray(i, i + (1 << 16));
  }
}

/** The whole stream, or null as soon as it passes `limit` bytes (the rest is not read). */
async function collectBytes(stream: AsyncIterable<Buffer | string>, limit: number): Promise<Buffer | null> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const c of stream) {
    const b = typeof c === 'string' ? Buffer.from(c) : c;
    size += b.length;
    if (size > limit) return null;
    parts.push(b);
  }
  return Buffer.concat(parts);
}

/** A task's outcome as an entry: a failure of the item is its error entry; a thread that cannot start stops the run. */
function entryOf(outcome: TaskOutcome<ParsedEntry>, position: string): ParsedEntry {
  if (outcome.ok) return outcome.value;
  if (outcome.fatal) throw outcome.fatal;
  return { ok: false, error: { position, message: outcome.message } };
}

let ghostSessions = 0;

/**
 * Pages saved from older sites are often not UTF-8. A byte-order mark or a declared charset
 * (`<meta charset="windows-1252">`) is honoured; bytes that are not valid UTF-8 and declare
 * nothing are read as Windows-1252, the usual culprit, and the article is flagged for review.
 */
export function decodeDocument(buf: Buffer): { text: string; flag?: string } {
  if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) return { text: buf.subarray(3).toString('utf8') };
  if (buf[0] === 0xff && buf[1] === 0xfe) return { text: new TextDecoder('utf-16le').decode(buf.subarray(2)) };
  if (buf[0] === 0xfe && buf[1] === 0xff) return { text: new TextDecoder('utf-16be').decode(buf.subarray(2)) };
  const head = buf.subarray(0, 4096).toString('latin1');
  const declared = /<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)/i.exec(head)?.[1]?.toLowerCase();
  if (declared && !/^utf-?8$/.test(declared)) {
    try {
      return { text: new TextDecoder(declared).decode(buf) };
    } catch {
      // An unknown label: fall through to the checks below.
    }
  }
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(buf) };
  } catch {
    return { text: new TextDecoder('windows-1252').decode(buf), flag: 'decoded_as_windows_1252' };
  }
}

/**
 * One document (not a directory) → its entries. WXR streams; the others are read whole (a page,
 * or a Ghost export), up to their limit. What each item holds is converted on the worker thread.
 * `size`, when known (a file), refuses an oversized document before a byte of it is read.
 */
async function* documentEntries(format: ImportFormat, name: string, stream: AsyncIterable<Buffer | string>, opts: ReadOptions, id = name, size?: number): AsyncGenerator<SourceEntry> {
  const { converter } = opts;
  if (format === 'wxr') {
    const build: BuildEntry = (raw, itemKind, channel) => {
      const p = converter.run({ kind: 'wxr', raw, itemKind, channel }).then((o) => entryOf(o, positionOf(raw)));
      // Awaited in order by parseWxr; should the import stop first, a failure must not go unhandled.
      p.catch(() => {});
      return p;
    };
    for await (const entry of parseWxr(counted(stream, opts.onBytes), { includePages: opts.includePages, build })) yield { format, entry };
    return;
  }
  const limit = documentLimit(format);
  const bytes = size !== undefined && size > limit ? null : await collectBytes(counted(stream, opts.onBytes), limit);
  if (!bytes) {
    yield { format, entry: { ok: false, error: { position: name, message: tooBigMessage(format, size ?? null) } } };
    return;
  }
  const { text, flag } = decodeDocument(bytes);
  if (format === 'ghost') {
    yield* ghostEntries(text, opts);
    return;
  }
  if (!text.trim()) {
    yield { format, entry: { ok: false, error: { position: name, message: 'the file is empty' } } };
    return;
  }
  const outcome = format === 'html'
    ? await converter.run({ kind: 'html', text, fallbackId: fileId('html', id), position: name })
    : await converter.run({ kind: 'text', text, sourceId: fileId('text', id), position: name });
  const entry = entryOf(outcome, name);
  if (entry.ok && flag) entry.item.flags.push(flag);
  yield { format, entry };
}

/**
 * A Ghost export, opened on the worker thread and read there post by post, each post a task of
 * its own: a post that takes too long is skipped, and the thread that replaces the stopped one
 * opens the export again before the next post.
 */
async function* ghostEntries(json: string, opts: ReadOptions): AsyncGenerator<SourceEntry> {
  const { converter } = opts;
  const format = 'ghost' as const;
  const session = ++ghostSessions;
  const key = `ghost:${session}`;
  try {
    const opened = await converter.run({ kind: 'ghost-open', session, json, includePages: opts.includePages }, { keep: key });
    if (!opened.ok) {
      yield { format, entry: entryOf(opened, 'file') };
      return;
    }
    if ('fileError' in opened.value) {
      yield { format, entry: opened.value.fileError };
      return;
    }
    const { positions } = opened.value;
    for (let i = 0; i < positions.length; i++) {
      const r = await converter.run({ kind: 'ghost-post', session, index: i });
      if (r.ok) {
        if (r.value) yield { format, entry: r.value };
        continue;
      }
      if (r.lost) {
        const left = positions.length - i;
        yield { format, entry: { ok: false, error: { position: positions[i]!, message: `${r.message}; the export could not be opened again, so ${left === 1 ? 'this post was' : `this and the ${left - 1} posts after it were`} not read` } } };
        return;
      }
      yield { format, entry: entryOf(r, positions[i]!) };
    }
  } finally {
    converter.forget(key);
    void converter.run({ kind: 'ghost-close', session });
  }
}

/**
 * Every entry of an input, lazily: the next file is not opened, nor the next WXR chunk read,
 * until the previous entry has been imported, which keeps memory bounded.
 * In a directory, plain-text files and saved pages are read once first to learn which lines repeat
 * across the whole corpus (site chrome), then cleaned one by one with that knowledge.
 */
export async function* readEntries(input: ImportInput, opts: ReadOptions): AsyncGenerator<SourceEntry> {
  if (input.kind === 'buffer' || input.kind === 'stream') {
    const stream = input.kind === 'buffer' ? chunks(input.data) : input.stream;
    // Without a path, an upload is named by its content: the same page uploaded twice is one article.
    if (input.kind === 'buffer') {
      const format = opts.format === 'auto' ? detectFormat(input.name, input.data.subarray(0, 4096).toString('utf8')) : opts.format;
      const name = format === 'text' || format === 'html' ? `${input.name}#${sha(input.data)}` : input.name;
      yield* documentEntries(format, name, stream, opts, name, input.data.length);
      return;
    }
    // Standard input: read the start to sniff the format, then hand on the rest.
    const it = stream[Symbol.asyncIterator]();
    const first = await it.next();
    const head = first.done ? '' : String(first.value);
    const format = opts.format === 'auto' ? detectFormat(input.name, head) : opts.format;
    async function* rest(): AsyncGenerator<Buffer | string> {
      if (!first.done) yield first.value;
      for (let n = await it.next(); !n.done; n = await it.next()) yield n.value;
    }
    if (format === 'text' || format === 'html') {
      // Named by content, which must be read whole first (up to the limit); it is decoded once, in documentEntries.
      const all = await collectBytes(counted(rest(), opts.onBytes), MAX_ITEM_BYTES);
      if (!all) {
        yield { format, entry: { ok: false, error: { position: input.name, message: tooBigMessage(format, null, 'the input') } } };
        return;
      }
      const name = `${input.name}#${sha(all)}`;
      yield* documentEntries(format, name, chunks(all), { ...opts, onBytes: undefined }, name, all.length);
      return;
    }
    yield* documentEntries(format, input.name, rest(), opts);
    return;
  }

  const s = await stat(input.path);
  if (!s.isDirectory() && !s.isFile()) {
    // A pipe or a device (`import <(zcat export.xml.gz)`): no seeking, so it is read like standard input.
    yield* readEntries({ kind: 'stream', stream: createReadStream(input.path), name: basename(input.path) }, opts);
    return;
  }
  const root = s.isDirectory() ? input.path : null;
  // In a folder, only files with an extension the importer knows: a browser's "save page" folder
  // also holds stylesheets, scripts and images, which are not articles.
  const files = root ? (await listFiles(root)).filter((f) => KNOWN_EXTENSIONS.has(extname(f).toLowerCase())) : [input.path];
  const named: { path: string; name: string; format: ImportFormat | null; size: number; error?: string }[] = [];
  // One file at a time: a folder of 100,000 pages must not open them all at once.
  for (const path of files) {
    const name = root ? relative(root, path) : basename(path);
    try {
      const size = (await stat(path)).size;
      named.push({ path, name, size, format: opts.format === 'auto' ? detectFormat(path, await readHead(path)) : opts.format });
    } catch (err) {
      named.push({ path, name, size: 0, format: null, error: (err as Error).message });
    }
  }
  // Saved pages count too: a line on many pages of one site is its chrome (judged at the body's edges, extract.ts).
  const texts = named.filter((f) => (f.format === 'text' || f.format === 'html') && f.size <= MAX_ITEM_BYTES);
  if (texts.length >= 3) {
    // The thread reads the texts one at a time and keeps line counts, not the texts; the counts
    // come back here too, to be handed to a replacement thread without reading the folder again.
    const built = await opts.converter.run({ kind: 'corpus-build', paths: texts.map((f) => f.path), pages: texts.filter((f) => f.format === 'html').map((f) => f.path) }, { timeLimitMs: null });
    if (!built.ok && built.fatal) throw built.fatal;
    if (built.ok) await opts.converter.run({ kind: 'corpus', corpus: built.value }, { keep: 'corpus' });
  }
  try {
    for (const f of named) {
      if (!f.format) {
        yield { format: 'text', entry: { ok: false, error: { position: f.name, message: `cannot read the file: ${f.error}` } } };
        continue;
      }
      // Files are identified by their absolute path: two folders' index.html are two articles.
      const id = resolve(f.path);
      const tooBig = f.size > documentLimit(f.format);
      const entries = documentEntries(f.format, f.name, tooBig ? emptyStream() : createReadStream(f.path, { highWaterMark: 1 << 16 }), opts, id, f.size);
      try {
        for await (const e of entries) {
          // In a folder, say which file an item came from.
          if (root && !e.entry.ok && !e.entry.error.position.startsWith(f.name)) e.entry.error.position = `${f.name}: ${e.entry.error.position}`;
          if (root && e.entry.ok && !e.entry.item.position.startsWith(f.name)) e.entry.item.position = `${f.name}: ${e.entry.item.position}`;
          yield e;
        }
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === undefined) throw err;
        yield { format: f.format, entry: { ok: false, error: { position: f.name, message: `cannot read the file: ${(err as Error).message}` } } };
      }
    }
  } finally {
    opts.converter.forget('corpus');
  }
}

// An oversized file is refused by its size; it is never opened.
async function* emptyStream(): AsyncGenerator<Buffer> {}
