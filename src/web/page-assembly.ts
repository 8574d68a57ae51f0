import type { ArticleShell } from './reader-cache.js';
import { CSRF_MARK } from './pages/comments.js';

/**
 * A reader-specific part of the article page: a cached template, with CSRF_MARK wherever this
 * reader's form token goes, and the token when the template has forms.
 */
export interface Fragment { template: string; token?: string }

/**
 * Templates, encoded once and cut at their token marks. They come from caches that hand out the
 * same few strings to every reader (a slot per decision, a comment block per article), so the
 * per-view work is copying bytes, not encoding kilobytes of text: on the wall page, where every
 * reader's sign-in form carries its own token, encoding the middle was a sixth of the view.
 */
const encoded = new Map<string, Buffer[]>();
let encodedBytes = 0;
const ENCODED_BYTES = 16 * 1024 * 1024;

function partsOf(template: string): Buffer[] {
  let parts = encoded.get(template);
  if (!parts) {
    parts = template.split(CSRF_MARK).map((s) => Buffer.from(s));
    const bytes = parts.reduce((n, p) => n + p.length, 0);
    // Oldest first, until the new one fits: the budget is bytes, not entries.
    while (encodedBytes + bytes > ENCODED_BYTES && encoded.size) {
      const [oldest, old] = encoded.entries().next().value!;
      encoded.delete(oldest);
      encodedBytes -= old.reduce((n, p) => n + p.length, 0);
    }
    encoded.set(template, parts);
    encodedBytes += bytes;
  }
  return parts;
}

/**
 * Whole pages kept for reuse, oldest first, across all shells: a budget in bytes, because a page
 * is 10 to 50 KB and the variants per article (meter notices, comment pages) are for readers to pick.
 */
const memo = new Map<Buffer, { shell: ArticleShell; slot: string }>();
let memoBytes = 0;
const MEMO_BYTES = 32 * 1024 * 1024;

function remember(shell: ArticleShell, slot: string, comments: string, page: Buffer): void {
  while (memoBytes + page.length > MEMO_BYTES && memo.size) {
    const [old, where] = memo.entries().next().value!;
    memo.delete(old);
    memoBytes -= old.length;
    const bySlot = where.shell.pages.get(where.slot);
    if (bySlot) {
      for (const [k, v] of bySlot) if (v === old) bySlot.delete(k);
      if (!bySlot.size) where.shell.pages.delete(where.slot);
    }
  }
  let bySlot = shell.pages.get(slot);
  if (!bySlot) shell.pages.set(slot, (bySlot = new Map()));
  bySlot.set(comments, page);
  memo.set(page, { shell, slot });
  memoBytes += page.length;
}

function build(shell: ArticleShell, fragments: Fragment[]): Buffer {
  const list: Buffer[] = [shell.head];
  for (const f of fragments) {
    const parts = partsOf(f.template);
    // The mark is never sent: a template with forms and no token (which the routes do not make) gets an empty one.
    const token = Buffer.from(f.token ?? '');
    for (let i = 0; i < parts.length; i++) {
      if (i > 0) list.push(token);
      list.push(parts[i]!);
    }
  }
  list.push(shell.tail);
  return Buffer.concat(list);
}

/**
 * The article page from its shell and the reader's fragments. Fragments without a token make a
 * page other readers get too, so that page is built once per shell and then sent as it is (no
 * allocation or copy per view) while the shell is the one the cache hands out, a second at most.
 */
export function assemblePage(shell: ArticleShell, slot: Fragment, comments: Fragment): Buffer {
  if (slot.token !== undefined || comments.token !== undefined) return build(shell, [slot, comments]);
  const hit = shell.pages.get(slot.template)?.get(comments.template);
  if (hit) return hit;
  const page = build(shell, [slot, comments]);
  remember(shell, slot.template, comments.template, page);
  return page;
}

/** Bytes of whole pages kept for reuse (for tests and diagnostics). */
export const pageMemoBytes = (): number => memoBytes;
