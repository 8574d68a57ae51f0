import { StringDecoder } from 'node:string_decoder';
import { Parser } from 'htmlparser2';
import type { ImportItem, ParsedEntry } from '../types.js';
import { NestingError } from '../../content/richtext/limits.js';
import { buildEntry, positionOf } from './entry.js';
import { detach, WxrReader, type RawItem, type WxrChannel } from './reader.js';

/**
 * Turns one raw item into its entry: buildEntry here, or the same function on the import's
 * worker thread (importer/worker), where a slow or hostile post cannot hold up the process.
 * The channel passed is just what this item needs of it (see channelFor).
 */
export type BuildEntry = (raw: RawItem, kind: 'post' | 'page', channel: WxrChannel) => ParsedEntry | Promise<ParsedEntry>;

export interface WxrOptions {
  includePages?: boolean;
  build?: BuildEntry;
}

type Pending = ParsedEntry | Promise<ParsedEntry>;

/** Statuses WordPress itself never shows or exports on purpose; skipped without a word. */
const SKIPPED_STATUSES = new Set(['trash', 'auto-draft']);
/**
 * How many posts may wait for their feature image's attachment to stream past. WordPress exports
 * in id order and an image is usually uploaded while its post is being written, so the attachment
 * tends to come just after the post. Past this many, the oldest waiting post goes out without its
 * image (flagged `feature_image_missing`): memory stays bounded (≈ 500 × one post).
 */
const MAX_WAITING = 500;
/** A WXR file names its channel in the first few kilobytes; this much without one is not WXR. */
const SNIFF_CHARS = 4 * 1024 * 1024;

/**
 * Streams items out of a WXR export: bounded memory whatever the file size (2 GB exports exist).
 *
 * Each chunk read is parsed and the entries it completed are yielded before the next read, so
 * a slow consumer slows the reading (for-await pulls the stream). Entries come in file order,
 * except that a post whose feature image is an attachment later in the file is held back until
 * that attachment is seen (at most MAX_WAITING posts). Attachments are remembered (id → URL, alt)
 * for the whole run — the one structure that grows with the file, roughly 200 bytes per image.
 *
 * Input that is not XML at all gives a single error entry; a truncated file gives an error for
 * the item it ends in; any other broken item gives an error entry and parsing goes on.
 */
export async function* parseWxr(input: AsyncIterable<string | Buffer>, opts: WxrOptions = {}): AsyncGenerator<ParsedEntry> {
  const out: Pending[] = [];
  const items = new ItemSink(opts, out);
  const lines = new LineCounter();
  const reader = new WxrReader((raw) => items.add(raw, reader.channel), (i) => lines.lineAt(i));
  const parser = new Parser(reader, { xmlMode: true, decodeEntities: true });
  const decoder = new StringDecoder('utf8');
  let sniffed = false;
  let read = 0;

  for await (const chunk of input) {
    const text = typeof chunk === 'string' ? chunk : decoder.write(chunk);
    if (!text) continue;
    if (!sniffed) {
      const first = /[^\s\uFEFF]/.exec(text);
      if (first) {
        sniffed = true;
        if (first[0] !== '<') {
          yield notWxr('it does not start with "<"');
          return;
        }
      }
    }
    lines.push(text);
    const stopped = feed(() => parser.write(text));
    read += text.length;
    if (stopped) {
      yield* drain(out);
      yield stopped;
      return;
    }
    if (!reader.sawChannel && read > SNIFF_CHARS) {
      yield notWxr('no <channel> in its first 4 MB');
      return;
    }
    if (out.length) yield* drain(out);
  }
  const tail = decoder.end();
  const stopped = feed(() => {
    if (tail) {
      lines.push(tail);
      parser.write(tail);
    }
    reader.ending = true;
    parser.end();
  });
  items.finish();
  if (stopped) {
    yield* drain(out);
    yield stopped;
    return;
  }
  if (!reader.sawChannel && reader.itemCount === 0) {
    yield notWxr('no <channel> element');
    return;
  }
  yield* drain(out);

  /** Runs the parser; XML nested past the limit ends the read with an entry saying where and why. */
  function feed(write: () => void): ParsedEntry | null {
    try {
      write();
      return null;
    } catch (err) {
      if (!(err instanceof NestingError)) throw err;
      // The items read so far stand; those still waiting for an image go out without it.
      items.finish();
      const where = reader.openItem ? positionOf(reader.openItem) : `near line ${lines.lineAt(parser.startIndex)}`;
      return { ok: false, error: { position: where, message: `${err.message}; the rest of the file was not read` } };
    }
  }
}

async function* drain(out: Pending[]): AsyncGenerator<ParsedEntry> {
  for (const e of out.splice(0)) yield await e;
}

function notWxr(why: string): ParsedEntry {
  return { ok: false, error: { position: 'file', message: `not a WordPress export (WXR): ${why}` } };
}

interface Waiting {
  entry: Pending;
  thumbnailId: string;
}

/** Raw items → entries: skips what is not an article, resolves feature images through attachments. */
class ItemSink {
  private readonly attachments = new Map<string, { url: string; alt?: string }>();
  /** Posts waiting for an attachment, oldest first (Map keeps insertion order). */
  private readonly waiting = new Map<number, Waiting>();
  private readonly byThumbnail = new Map<string, number[]>();
  private seq = 0;
  private readonly build: BuildEntry;

  constructor(
    private readonly opts: WxrOptions,
    private readonly out: Pending[],
  ) {
    this.build = opts.build ?? buildEntry;
  }

  add(raw: RawItem, channel: WxrChannel): void {
    const type = raw.fields.postType?.trim() || undefined;
    const wanted = type === undefined || type === 'post' || (type === 'page' && this.opts.includePages === true);
    // A broken item we would have skipped anyway is no news, but a truncated file always is.
    if (raw.problems.length && (wanted || raw.truncated)) {
      const more = raw.problems.length - 3;
      const message = raw.problems.slice(0, 3).join('; ') + (more > 0 ? ` (and ${more} more)` : '');
      this.out.push({ ok: false, error: { position: positionOf(raw), message } });
      return;
    }
    if (type === 'attachment') return this.attachment(raw);
    if (!wanted || raw.problems.length) return;
    if (SKIPPED_STATUSES.has(raw.fields.status?.trim() ?? '')) return;

    const built = this.build(raw, type === 'page' ? 'page' : 'post', channelFor(raw, channel));
    const thumbnailId = raw.meta._thumbnail_id?.trim();
    // An item known to be broken goes out at once; one still being built may wait for its image.
    if (!thumbnailId || thumbnailId === '0' || (!(built instanceof Promise) && !built.ok)) return this.emit(built);
    const image = this.attachments.get(thumbnailId);
    if (image) return this.emit(mapEntry(built, (item) => withImage(item, image)));
    this.hold(built, thumbnailId);
  }

  /** End of input: whatever still waits has no attachment in this file. */
  finish(): void {
    for (const seq of [...this.waiting.keys()]) this.release(seq);
  }

  private attachment(raw: RawItem): void {
    const id = raw.fields.postId?.trim();
    const url = raw.fields.attachmentUrl?.trim();
    if (!id || !url) return;
    const alt = raw.meta._wp_attachment_image_alt?.trim();
    const image = alt ? { url: detach(url), alt: detach(alt) } : { url: detach(url) };
    this.attachments.set(detach(id), image);
    const seqs = this.byThumbnail.get(id);
    if (!seqs) return;
    this.byThumbnail.delete(id);
    for (const seq of seqs) {
      const w = this.waiting.get(seq);
      if (!w) continue;
      this.waiting.delete(seq);
      this.emit(mapEntry(w.entry, (item) => withImage(item, image)));
    }
  }

  private hold(entry: Pending, thumbnailId: string): void {
    const seq = ++this.seq;
    this.waiting.set(seq, { entry, thumbnailId });
    const list = this.byThumbnail.get(thumbnailId);
    if (list) list.push(seq);
    else this.byThumbnail.set(thumbnailId, [seq]);
    if (this.waiting.size > MAX_WAITING) this.release(this.waiting.keys().next().value!);
  }

  private release(seq: number): void {
    const w = this.waiting.get(seq)!;
    this.waiting.delete(seq);
    const list = this.byThumbnail.get(w.thumbnailId);
    if (list) {
      const rest = list.filter((s) => s !== seq);
      if (rest.length) this.byThumbnail.set(w.thumbnailId, rest);
      else this.byThumbnail.delete(w.thumbnailId);
    }
    this.emit(mapEntry(w.entry, (item) => {
      item.flags.push('feature_image_missing');
      return item;
    }));
  }

  private emit(entry: Pending): void {
    this.out.push(entry);
  }
}

/** Applies `f` to the item of an entry that may still be in the making. */
function mapEntry(entry: Pending, f: (item: ImportItem) => ImportItem): Pending {
  const apply = (e: ParsedEntry): ParsedEntry => (e.ok ? { ok: true, item: f(e.item) } : e);
  return entry instanceof Promise ? entry.then(apply) : apply(entry);
}

/**
 * The part of the channel one item refers to: its author, the slugs of its categories and of
 * the primary category. Sent with the item to the worker thread instead of every author and
 * category of the site.
 */
export function channelFor(raw: RawItem, channel: WxrChannel): WxrChannel {
  const login = raw.fields.creator?.trim();
  const author = login ? channel.authors.get(login) : undefined;
  const primaryId = raw.meta._yoast_wpseo_primary_category?.trim();
  const primary = primaryId ? channel.categorySlugs.get(primaryId) : undefined;
  const byName = new Map<string, string>();
  for (const c of raw.categories) {
    const slug = channel.categoryByName.get(c.name.trim());
    if (slug) byName.set(c.name.trim(), slug);
  }
  return {
    link: channel.link,
    baseBlogUrl: channel.baseBlogUrl,
    authors: author && login ? new Map([[login, author]]) : new Map(),
    categorySlugs: primary && primaryId ? new Map([[primaryId, primary]]) : new Map(),
    categoryByName: byName,
  };
}

function withImage(item: ImportItem, image: { url: string; alt?: string }): ImportItem {
  item.featureImageUrl = image.url;
  if (image.alt) item.featureImageAlt = image.alt;
  return item;
}

/**
 * Character index → line number, for messages. Counts each chunk's newlines once, as the parser
 * moves forward through it; a tag that began in the previous chunk gets that chunk's last line.
 */
class LineCounter {
  private chunk = '';
  private chunkStart = 0;
  private chunkLine = 1;
  private pos = 0;
  private line = 1;

  push(text: string): void {
    this.line += countNewlines(this.chunk, this.pos, this.chunk.length);
    this.chunkStart += this.chunk.length;
    this.chunk = text;
    this.chunkLine = this.line;
    this.pos = 0;
  }

  lineAt(index: number): number {
    const rel = index - this.chunkStart;
    if (rel <= 0) return this.chunkLine;
    if (rel < this.pos) return this.chunkLine + countNewlines(this.chunk, 0, rel);
    this.line += countNewlines(this.chunk, this.pos, Math.min(rel, this.chunk.length));
    this.pos = Math.min(rel, this.chunk.length);
    return this.line;
  }
}

function countNewlines(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = s.indexOf('\n', from); i >= 0 && i < to; i = s.indexOf('\n', i + 1)) n++;
  return n;
}
