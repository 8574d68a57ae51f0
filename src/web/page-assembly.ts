import type { ArticleShell } from './reader-cache.js';
import { CSRF_MARK } from './pages/comments.js';
import { deflatePiece, gzipJoin, storedPiece } from '../shared/gzip-pieces.js';

/**
 * A reader-specific part of the article page: a cached template, with CSRF_MARK wherever this
 * reader's own bytes go, and those bytes (HTML, already escaped): their form token when the template
 * has forms; in the header, their name.
 */
export interface Fragment { template: string; token?: string }

/** Entries kept oldest first under a budget in bytes; each one let go is handed to `onEvict`. */
class ByteBudget<K, V> {
  private readonly entries = new Map<K, { value: V; bytes: number }>();
  bytes = 0;

  constructor(private readonly budget: number, private readonly onEvict?: (key: K, value: V) => void) {}

  get(key: K): V | undefined {
    return this.entries.get(key)?.value;
  }

  set(key: K, value: V, bytes: number): void {
    while (this.bytes + bytes > this.budget && this.entries.size) {
      const [oldest, e] = this.entries.entries().next().value!;
      this.entries.delete(oldest);
      this.bytes -= e.bytes;
      this.onEvict?.(oldest, e.value);
    }
    this.entries.set(key, { value, bytes });
    this.bytes += bytes;
  }
}

/**
 * Templates, encoded once and cut at their token marks. They come from caches that hand out the
 * same few strings to every reader (a slot per decision, a comment block per article), so the
 * per-view work is copying bytes, not encoding kilobytes of text: on the wall page, where every
 * reader's sign-in form carries its own token, encoding the middle was a sixth of the view.
 */
const encoded: ByteBudget<string, Buffer[]> = new ByteBudget(16 * 1024 * 1024);

function partsOf(template: string): Buffer[] {
  let parts = encoded.get(template);
  if (!parts) {
    parts = template.split(CSRF_MARK).map((s) => Buffer.from(s));
    encoded.set(template, parts, parts.reduce((n, p) => n + p.length, 0));
  }
  return parts;
}

/**
 * Whole pages kept for reuse, across all shells: a budget in bytes, because a page is 10 to 50 KB
 * and the variants per article (meter notices, comment pages) are for readers to pick. A page let
 * go is taken out of its shell's map, where assemblePage finds it.
 */
const memo: ByteBudget<Buffer, { shell: ArticleShell; header: string; slot: string; comments: string }> = new ByteBudget(32 * 1024 * 1024, (_, where) => {
  const bySlot = where.shell.pages.get(where.header);
  const byComments = bySlot?.get(where.slot);
  byComments?.delete(where.comments);
  if (byComments && !byComments.size) bySlot!.delete(where.slot);
  if (bySlot && !bySlot.size) where.shell.pages.delete(where.header);
});

function remember(shell: ArticleShell, header: string, slot: string, comments: string, page: Buffer): void {
  memo.set(page, { shell, header, slot, comments }, page.length);
  let bySlot = shell.pages.get(header);
  if (!bySlot) shell.pages.set(header, (bySlot = new Map()));
  let byComments = bySlot.get(slot);
  if (!byComments) bySlot.set(slot, (byComments = new Map()));
  byComments.set(comments, page);
}

/** A page as its parts: the shell's and the templates' (cached, the same for many readers) and the reader's own. */
type Parts = { bytes: Buffer; own: boolean }[];

function push(list: Parts, f: Fragment): void {
  const parts = partsOf(f.template);
  // The mark is never sent: a template with forms and no token (which the routes do not make) gets an empty one.
  const token = Buffer.from(f.token ?? '');
  for (let i = 0; i < parts.length; i++) {
    if (i > 0) list.push({ bytes: token, own: true });
    list.push({ bytes: parts[i]!, own: false });
  }
}

function partsOfPage(shell: ArticleShell, header: Fragment, slot: Fragment, comments: Fragment): Parts {
  const list: Parts = [{ bytes: shell.top, own: false }];
  push(list, header);
  list.push({ bytes: shell.head, own: false });
  push(list, slot);
  push(list, comments);
  list.push({ bytes: shell.tail, own: false });
  return list;
}

function build(shell: ArticleShell, header: Fragment, slot: Fragment, comments: Fragment): Buffer {
  return Buffer.concat(partsOfPage(shell, header, slot, comments).map((p) => p.bytes));
}

/** Each shared part's deflate piece, made once and kept as long as the part itself. */
const deflated = new WeakMap<Buffer, Buffer>();
function pieceOf(b: Buffer): Buffer {
  let p = deflated.get(b);
  if (!p) deflated.set(b, (p = deflatePiece(b)));
  return p;
}

/**
 * A page for one reader (it carries their token or name), gzipped without compressing the page
 * per view: the shell and template parts are deflated once, the reader's few bytes go in as
 * stored blocks, and the pieces are joined into one gzip stream.
 */
export function assembleGzip(shell: ArticleShell, header: Fragment, slot: Fragment, comments: Fragment): Buffer {
  const parts = partsOfPage(shell, header, slot, comments);
  return gzipJoin(parts.map((p) => (p.own ? storedPiece(p.bytes) : pieceOf(p.bytes))), parts.map((p) => p.bytes));
}

/**
 * The article page from its shell and the reader's fragments: the header's reader part (see
 * web/reader-nav), the slot and the comments. Fragments without a token make a page other readers
 * get too, so that page is built once per shell and then sent as it is (no allocation or copy per
 * view) while the shell is the one the cache hands out, a second at most.
 */
export function assemblePage(shell: ArticleShell, header: Fragment, slot: Fragment, comments: Fragment): Buffer {
  if (header.token !== undefined || slot.token !== undefined || comments.token !== undefined) return build(shell, header, slot, comments);
  // Signed-out readers of one shell share one header (its links name the same page), so there are
  // as many variants as before the header was a part.
  const hit = shell.pages.get(header.template)?.get(slot.template)?.get(comments.template);
  if (hit) return hit;
  const page = build(shell, header, slot, comments);
  remember(shell, header.template, slot.template, comments.template, page);
  return page;
}

/**
 * A cached page that is the same for every reader but its header (home, listings, and every page
 * rendered with the layout): the reader part put in at READER_MARK. Used for pages sent as strings.
 */
export function fillHeader(page: string, mark: string, header: Fragment): string {
  const at = page.indexOf(mark);
  if (at < 0) return page;
  const part = header.token === undefined ? header.template : header.template.split(CSRF_MARK).join(header.token);
  return page.slice(0, at) + part + page.slice(at + mark.length);
}

/** Bytes of whole pages kept for reuse (for tests and diagnostics). */
export const pageMemoBytes = (): number => memo.bytes;
