import { Marked } from 'marked';
import type { Doc } from './doc.js';
import { htmlToDoc } from './from-html.js';
import { assertMarkdownDepth, NestingError } from './limits.js';

// A private instance: no global option changes leak in from elsewhere.
const marked = new Marked({ gfm: true, breaks: false, async: false });

/**
 * Markdown → HTML with marked, after the nesting check marked itself lacks. Should some
 * construct the check does not measure still run marked out of stack, that is the same
 * refusal, not a crash.
 */
export function markdownToHtml(markdown: string, what = 'the Markdown'): string {
  assertMarkdownDepth(markdown, what);
  try {
    return marked.parse(markdown) as string;
  } catch (err) {
    if (err instanceof RangeError || /Maximum call stack/.test((err as Error)?.message ?? '')) throw new NestingError(what);
    throw err;
  }
}

/** Markdown → HTML → our document. A `<!--more-->` line marks the preview break. */
export function markdownToDoc(markdown: string): Doc {
  return htmlToDoc(markdownToHtml(markdown));
}
