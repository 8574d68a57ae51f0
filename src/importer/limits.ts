import { AppError } from '../errors.js';
import { MAX_NESTING, NestingError } from '../content/richtext/limits.js';

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

export const megabytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(bytes < 10 * 1024 * 1024 ? 1 : 0).replace(/\.0$/, '')} MB`;

/** Why a file is too big to read, as a sentence. */
export function tooBigMessage(format: 'text' | 'html' | 'ghost' | 'wxr', size: number | null): string {
  const what = size === null ? 'it is larger than' : `it is ${megabytes(size)};`;
  return format === 'ghost'
    ? `${what} a Ghost export can be at most ${megabytes(MAX_GHOST_BYTES)}`
    : `${what} a single ${format === 'html' ? 'web page' : format === 'wxr' ? 'post' : 'text article'} can be at most ${megabytes(MAX_ITEM_BYTES)}`;
}

export class TooBigError extends AppError {
  constructor(message: string) {
    super('payload_too_large', message);
    this.name = 'TooBigError';
  }
}

/**
 * An item's own failure as the import reports it. The parsers throw sentences on purpose
 * (plain Errors, ItemError, RenderError, AppError); a stack overflow is deep nesting that some
 * walk did not measure; a TypeError and the like is a surprise, named but not fatal.
 */
export function itemErrorMessage(err: unknown): string {
  if (err instanceof RangeError && /call stack/i.test(err.message)) return new NestingError('the item').message;
  if (err instanceof TypeError || err instanceof RangeError || err instanceof ReferenceError || err instanceof SyntaxError) return `could not be read (${err.message})`;
  return err instanceof Error ? err.message : `could not be read (${String(err)})`;
}

export { MAX_NESTING };
