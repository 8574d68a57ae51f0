import { Marked } from 'marked';
import type { Doc } from './doc.js';
import { escapeHtml } from '../../shared/escape.js';
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
  return htmlToDoc(markdownToHtml(withFootnotes(markdown)));
}

const FOOTNOTE_DEF = /^\[\^([^\]\s]{1,40})\]:[ \t]+(\S.*)$/;
const FOOTNOTE_REF = /(?<!\\)\[\^([^\]\s]{1,40})\]/g;
const FENCE_LINE = /^ {0,3}(`{3,}|~{3,})/;

/**
 * GFM-style footnotes, which marked does not parse: a line `[^label]: text` defines a note (one
 * line of plain text), `[^label]` elsewhere refers to it. Each reference becomes our footnote
 * markup for htmlToDoc, carrying the note's text; the definitions leave the body. A reference to
 * no definition stays as typed, and nothing inside fenced code is touched.
 */
export function withFootnotes(markdown: string): string {
  if (!markdown.includes('[^')) return markdown;
  const lines = markdown.split('\n');
  const defs = new Map<string, string>();
  const kept: { line: string; code: boolean }[] = [];
  let fence: string | null = null;
  for (const line of lines) {
    const f = FENCE_LINE.exec(line);
    if (fence !== null) {
      if (f && f[1]![0] === fence) fence = null;
      kept.push({ line, code: true });
      continue;
    }
    if (f) {
      fence = f[1]![0]!;
      kept.push({ line, code: true });
      continue;
    }
    const d = FOOTNOTE_DEF.exec(line);
    if (d && !defs.has(d[1]!)) defs.set(d[1]!, d[2]!.trim());
    else kept.push({ line, code: false });
  }
  if (!defs.size) return markdown;
  return kept.map(({ line, code }) => (code ? line : line.replace(FOOTNOTE_REF, (m, label: string) => {
    const text = defs.get(label);
    return text === undefined ? m : `<sup data-footnote="${escapeHtml(text)}"></sup>`;
  }))).join('\n');
}
