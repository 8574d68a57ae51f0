import type { BlockNode, Doc } from './richtext/doc.js';
import { blocksText } from './richtext/render.js';
import { previewWarnings } from './preview-warnings.js';
import type { AccessLevel } from './types.js';

export interface PrePublishWarning { code: 'no_title' | 'no_preview_break' | 'preview_break_ignored' | 'image_without_alt' | 'placeholder'; message: string }

/** "TK" (to come) is the newsroom's mark for a fact still missing; nobody means to publish one. */
const PLACEHOLDER = /\bTK\b/;

function images(blocks: BlockNode[], out: { alt?: string }[] = []): { alt?: string }[] {
  for (const b of blocks) {
    if (b.type === 'image') out.push(b.attrs);
    else if (b.type === 'blockquote') images(b.content, out);
    else if (b.type === 'bulletList' || b.type === 'orderedList') for (const li of b.content) images(li.content, out);
  }
  return out;
}

/** What the editor warns about before an article goes live. Warnings, not refusals: the editor decides. */
export function prePublishWarnings(a: { title: string; dek: string; access: AccessLevel; body: Doc }): PrePublishWarning[] {
  const out: PrePublishWarning[] = [];
  if (!a.title.trim()) out.push({ code: 'no_title', message: 'the article has no title' });
  out.push(...previewWarnings(a));
  const missing = images(a.body.content).filter((i) => !i.alt?.trim()).length;
  if (missing) out.push({ code: 'image_without_alt', message: `${missing === 1 ? 'an image has' : `${missing} images have`} no alt text` });
  if (PLACEHOLDER.test(a.title) || PLACEHOLDER.test(a.dek) || PLACEHOLDER.test(blocksText(a.body.content))) out.push({ code: 'placeholder', message: 'the article still has a "TK" placeholder' });
  return out;
}

/** What the server refuses from the editor, with the reason: a node the model has no place for, or a second paywall break. */
export function editorDocProblem(doc: unknown): string | null {
  const known = new Set(['paragraph', 'heading', 'blockquote', 'bulletList', 'orderedList', 'listItem', 'codeBlock', 'horizontalRule', 'image', 'previewBreak', 'text', 'hardBreak', 'footnote', 'table', 'tableRow', 'tableHeader', 'tableCell', 'embed']);
  let breaks = 0;
  const stack: unknown[] = [doc];
  while (stack.length) {
    const n = stack.pop() as { type?: unknown; content?: unknown } | null;
    if (!n || typeof n !== 'object') continue;
    if (n !== doc) {
      if (typeof n.type !== 'string' || !known.has(n.type)) return `the document has a block of an unknown type (${JSON.stringify(String(n.type)).slice(0, 60)}); the editor cannot store it`;
      if (n.type === 'previewBreak' && ++breaks > 1) return 'the document has more than one paywall break; an article has one, where readers without access stop';
    }
    if (Array.isArray(n.content)) stack.push(...n.content);
  }
  return null;
}
