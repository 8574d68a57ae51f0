import { AppError } from '../errors.js';
import type { ImportFormat } from './types.js';

/**
 * What one import may cost. Each limit turns input that would stall or exhaust the process into
 * a sentence about the item (or file) it concerns; the rest of the import goes on.
 */

/**
 * One article's source: a text or HTML file, or one post's content in a WXR or Ghost export.
 * The longest articles are a few hundred kilobytes and a saved page with its scripts and
 * styles a few megabytes; the cleaner and Readability take seconds at this size.
 */
export const MAX_ITEM_BYTES = 8 * 1024 * 1024;
/** A Ghost export is read whole; exports hold text only, tens of megabytes for a large site. */
export const MAX_GHOST_BYTES = 128 * 1024 * 1024;
/** Converting one item (cleaning, Readability, rendering a Lexical body) may take this long. */
export const ITEM_TIME_LIMIT_MS = 15_000;
/** The heap of the thread that converts items, a Ghost export held in it included. */
export const WORKER_MEMORY_MB = 1024;

/** The most bytes a document of this format may have; a WXR export is streamed, item by item. */
export function documentLimit(format: ImportFormat): number {
  return format === 'ghost' ? MAX_GHOST_BYTES : format === 'wxr' ? Infinity : MAX_ITEM_BYTES;
}

export const megabytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(bytes < 10 * 1024 * 1024 ? 1 : 0).replace(/\.0$/, '')} MB`;

const KIND: Record<ImportFormat, string> = { text: 'a text article', html: 'a web page', ghost: 'a Ghost export', wxr: 'one post' };

/** Why a document is too big to read, as a sentence; `size` null when only "more than the limit" is known. */
export function tooBigMessage(format: ImportFormat, size: number | null, subject = 'the file'): string {
  const limit = format === 'ghost' ? MAX_GHOST_BYTES : MAX_ITEM_BYTES;
  return size === null
    ? `${subject} is larger than ${megabytes(limit)}, the most ${KIND[format]} can be`
    : `${subject} is ${megabytes(size)}; ${KIND[format]} can be at most ${megabytes(limit)}`;
}

export class TooBigError extends AppError {
  constructor(message: string) {
    super('payload_too_large', message);
    this.name = 'TooBigError';
  }
}

/**
 * An item's own failure as the import reports it. The parsers throw sentences on purpose
 * (plain Errors, ItemError, RenderError, AppError); a stack overflow (a walk or a regular
 * expression that measured nothing) and a TypeError and the like are surprises, named but not fatal.
 */
export function itemErrorMessage(err: unknown): string {
  if (err instanceof RangeError && /call stack/i.test(err.message)) return 'could not be read (a parser ran out of stack: is it nested very deeply?)';
  if (err instanceof TypeError || err instanceof RangeError || err instanceof ReferenceError || err instanceof SyntaxError) return `could not be read (${err.message})`;
  return err instanceof Error ? err.message : `could not be read (${String(err)})`;
}

/** An image an archive links to, fetched into the media library: the upload limit, and a time limit. */
export const IMAGE_FETCH_BYTES = 20 * 1024 * 1024;
export const IMAGE_FETCH_TIMEOUT_MS = 15_000;
