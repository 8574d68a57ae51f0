import { Marked } from 'marked';
import type { Doc } from './doc.js';
import { htmlToDoc } from './from-html.js';

// A private instance: no global option changes leak in from elsewhere.
const marked = new Marked({ gfm: true, breaks: false, async: false });

/** Markdown → HTML → our document. A `<!--more-->` line marks the preview break. */
export function markdownToDoc(markdown: string): Doc {
  return htmlToDoc(marked.parse(markdown) as string);
}
