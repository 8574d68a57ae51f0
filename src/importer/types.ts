import type { AccessLevel } from '../content/types.js';

/** The formats `masthead import` reads. */
export const IMPORT_FORMATS = ['text', 'html', 'wxr', 'ghost'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];
/** What `--format` accepts: a format, or `auto` (by file name, then by the first bytes). */
export const FORMAT_CHOICES = ['auto', ...IMPORT_FORMATS] as const;
export type FormatChoice = (typeof FORMAT_CHOICES)[number];

/** A line (or block) the cleaner dropped, and why: `--explain` prints these. */
export interface RemovedLine {
  text: string;
  /** A short stable code such as `duplicate`, `call_to_action`, `corpus_repeat`, `short_line`, `comments_prompt`. */
  reason: string;
  /** A sentence a person understands, e.g. "repeats paragraphs 1–3 (teaser shown above the wall)". */
  detail?: string;
}

export interface ImportPerson { name: string; slug?: string; email?: string }
export interface ImportTerm { name: string; slug?: string }

/**
 * One article as a source format yields it, before it touches the database.
 * Parsers are pure (text in, items out); the import service maps items to articles.
 */
export interface ImportItem {
  /**
   * Stable identity within its source, namespaced by format, e.g. `wxr:old.example.com:123`,
   * `ghost:5f0c…`, `text:<sha256 of the file's path or content>`. Re-importing updates by this id.
   */
  sourceId: string;
  /** Where the item was found, for messages: "item 57", "posts[3]", a file path. */
  position: string;
  kind: 'post' | 'page';
  title: string;
  slug?: string;
  /** Excerpt or description. */
  dek?: string;
  /**
   * The cleaned body as HTML that `htmlToDoc` understands (p, h2–h4, ul/ol, blockquote, figure/img/figcaption, a, em, strong, hr).
   * The preview break is `<!--more-->`.
   */
  html: string;
  authors: ImportPerson[];
  /** Sections; the first is the primary section. */
  sections: ImportTerm[];
  tags: string[];
  /** ISO 8601 with offset, or null when the source has none. */
  publishedAt: string | null;
  /** Whether the source had it live (published/scheduled) or as a draft. */
  sourceStatus: 'published' | 'draft';
  accessLevel?: AccessLevel;
  featureImageUrl?: string;
  featureImageAlt?: string;
  canonicalUrl?: string;
  /** Site-relative paths of the item's old URLs ("/2019/03/harbour-dues/", "/?p=123"); each becomes a 301 to the new URL. */
  oldPaths: string[];
  /** Reasons a person should look at this article, e.g. `title_from_body`. */
  flags: string[];
  /** What the cleaner removed, for `--explain`. */
  removed: RemovedLine[];
}

/** A source item that could not be read: reported with its position and skipped. */
export interface ImportItemError { position: string; message: string }

export type ParsedEntry = { ok: true; item: ImportItem } | { ok: false; error: ImportItemError };
