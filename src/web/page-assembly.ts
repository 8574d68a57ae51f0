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
const ENCODED_MAX = 256;

function partsOf(template: string): Buffer[] {
  let parts = encoded.get(template);
  if (!parts) {
    if (encoded.size >= ENCODED_MAX) encoded.clear();
    parts = template.split(CSRF_MARK).map((s) => Buffer.from(s));
    encoded.set(template, parts);
  }
  return parts;
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
 * allocation or copy per view); it lives as long as the shell, a second at most.
 */
export function assemblePage(shell: ArticleShell, slot: Fragment, comments: Fragment): Buffer {
  if (slot.token !== undefined || comments.token !== undefined) return build(shell, [slot, comments]);
  let bySlot = shell.pages.get(slot.template);
  if (!bySlot) {
    if (shell.pages.size >= 64) shell.pages.clear();
    shell.pages.set(slot.template, (bySlot = new Map()));
  }
  let out = bySlot.get(comments.template);
  if (!out) {
    if (bySlot.size >= 16) bySlot.clear();
    bySlot.set(comments.template, (out = build(shell, [slot, comments])));
  }
  return out;
}
