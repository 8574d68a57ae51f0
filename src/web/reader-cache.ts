import type { Clock } from '../clock.js';
import { TtlCache } from '../shared/ttl-cache.js';
import type { ArticleSummary, TagRef } from '../content/types.js';
import type { CommentView } from '../comments/comments.service.js';

/** How long a reader page stays cached (a local write clears it at once). */
export const READER_TTL_MS = 1000;
const TTL_MS = READER_TTL_MS;

/**
 * Kept as bytes: the page is sent as one buffer, so the shared parts are never re-encoded per request.
 * The page is `top`, the header's reader part, `head`, the reader slot, the comments, `tail`.
 * `pages` holds whole pages already built from this shell, by header and reader slot then comments
 * block, for the parts that carry no per-reader token: most readers of an article see one of a few
 * such pages (the same meter notice, the same comment prompt), and sending a built page costs no
 * allocation or copy. The entries live as long as the shell (a second), so they never go stale.
 */
export interface ArticleShell { top: Buffer; head: Buffer; tail: Buffer; pages: Map<string, Map<string, Map<string, Buffer>>> }

/**
 * Caches for the reader path, all cleared together when content changes.
 * - pages: whole responses that are the same for every reader (home, listings, feeds);
 * - articles: an article's summary and tags by slug (no body);
 * - shells: a rendered article page per part ('full' or 'preview'), split at the reader slot;
 * - threads: a page of an article's comments as data, for the thread's per-author variants.
 * A shell for the preview never contains gated text, and which shell a request
 * gets is chosen by the access decision.
 */
export class ReaderCache {
  /**
   * `needsToken`: the body has a CSRF mark, where the reader's form token goes; `part`: the body as a
   * page part (both set where a part is rendered, so a view makes neither).
   */
  readonly pages: TtlCache<{ body: string; type: string; needsToken?: boolean; part?: { template: string; needsToken: boolean } }>;
  readonly articles: TtlCache<{ article: ArticleSummary; tags: TagRef[]; shellKeys?: { full: string; preview: string } } | null>;
  readonly shells: TtlCache<ArticleShell>;
  readonly threads: TtlCache<{ threads: CommentView[]; hasNext: boolean; total: number }>;

  constructor(clock: Clock) {
    const now = () => clock.now();
    this.pages = new TtlCache(TTL_MS, 2000, now);
    this.articles = new TtlCache(TTL_MS, 20_000, now);
    this.shells = new TtlCache(TTL_MS, 5000, now);
    this.threads = new TtlCache(TTL_MS, 5000, now);
  }

  private readonly alsoOnClear: (() => void)[] = [];

  /** Caches kept elsewhere (the HTTP layer's shared replies) that hold pages built from these. */
  onClear(fn: () => void): void {
    this.alsoOnClear.push(fn);
  }

  clear(): void {
    for (const fn of this.alsoOnClear) fn();
    this.pages.clear();
    this.articles.clear();
    this.shells.clear();
    this.threads.clear();
  }
}
