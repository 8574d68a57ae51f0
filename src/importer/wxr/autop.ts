import { MAX_NESTING, NestingError } from '../../content/richtext/limits.js';

/**
 * A small `wpautop`: classic-editor posts store paragraphs as text separated by blank lines,
 * and WordPress adds the `<p>` tags only when it renders them. We do the same, but structurally
 * rather than with WordPress's chain of regex fix-ups: block elements are found whole (with
 * their matching close tag) and kept verbatim; only the loose text between them is paragraphed.
 * Block content from the block editor therefore passes through untouched.
 */

const BLOCK = new Set([
  'address', 'article', 'aside', 'blockquote', 'caption', 'col', 'colgroup', 'dd', 'details', 'div', 'dl', 'dt',
  'fieldset', 'figcaption', 'figure', 'footer', 'form', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'header', 'hgroup', 'hr',
  'legend', 'li', 'main', 'map', 'math', 'menu', 'nav', 'ol', 'p', 'pre', 'section', 'summary', 'table', 'tbody',
  'td', 'tfoot', 'th', 'thead', 'tr', 'ul', 'script', 'style', 'iframe', 'object', 'video', 'audio', 'noscript',
]);
const VOID_BLOCK = new Set(['hr', 'col']);
/** Containers whose own loose text is paragraphed too (a classic-editor quote of two paragraphs). */
const RECURSE = new Set(['blockquote', 'div', 'section', 'article', 'aside', 'main']);

const TAG_RE = /<!--more-->|<(\/?)([A-Za-z][A-Za-z0-9]*)\b[^>]*>/g;
const URL_LINE = /^https?:\/\/[^\s<>"']+$/;
const closeRes = new Map<string, RegExp>();

/**
 * `depth` counts the containers recursed into. The content was depth-checked as HTML, but this
 * matches tags by pattern (one hidden in an attribute value counts here), so it keeps its own count.
 */
export function autop(html: string, depth = 0): string {
  if (depth > MAX_NESTING) throw new NestingError('the post’s content');
  const out: string[] = [];
  // Tags known to have no close after some point: many unclosed <p>s must not make this quadratic.
  const unclosed = new Set<string>();
  let textStart = 0;
  // Our own index: recursion into containers reuses TAG_RE.
  let pos = 0;
  for (;;) {
    TAG_RE.lastIndex = pos;
    const m = TAG_RE.exec(html);
    if (!m) break;
    const start = m.index;
    pos = start + m[0].length;
    if (m[0] === '<!--more-->') {
      paragraphs(html.slice(textStart, start), out);
      out.push('<!--more-->');
      textStart = pos;
      continue;
    }
    const name = m[2]!.toLowerCase();
    if (!BLOCK.has(name)) continue;
    paragraphs(html.slice(textStart, start), out);
    const closingTag = m[1] === '/';
    const selfClosed = m[0].endsWith('/>');
    let end = pos;
    if (!closingTag && !selfClosed && !VOID_BLOCK.has(name)) {
      const close = unclosed.has(name) ? null : findClose(html, name, pos);
      if (close) {
        end = close.end;
        const inner = html.slice(pos, close.start);
        const closeTag = html.slice(close.start, close.end);
        if (RECURSE.has(name)) out.push(m[0] + autop(inner, depth + 1) + closeTag);
        else if (name === 'p' && inner.includes('<!--more-->')) {
          // htmlToDoc sees the preview break only between blocks: split the paragraph around it.
          out.push(inner.split('<!--more-->').map((part) => m[0] + part.trim() + closeTag).join('\n<!--more-->\n'));
        } else out.push(html.slice(start, end));
        pos = textStart = end;
        continue;
      }
      unclosed.add(name);
    }
    // A stray or unclosed tag stands alone; the HTML parser downstream repairs the nesting.
    out.push(html.slice(start, end));
    pos = textStart = end;
  }
  paragraphs(html.slice(textStart), out);
  return out.join('\n');
}

function findClose(html: string, name: string, from: number): { start: number; end: number } | null {
  let re = closeRes.get(name);
  if (!re) {
    re = new RegExp(`<(/?)${name}\\b[^>]*>`, 'gi');
    closeRes.set(name, re);
  }
  re.lastIndex = from;
  let depth = 1;
  for (let m = re.exec(html); m; m = re.exec(html)) {
    if (m[1] === '/') {
      if (--depth === 0) return { start: m.index, end: m.index + m[0].length };
    } else if (!m[0].endsWith('/>')) depth++;
  }
  return null;
}

/** Loose text (with inline markup): blank lines separate paragraphs, single newlines are line breaks. */
function paragraphs(text: string, out: string[]): void {
  if (!text.trim()) return;
  for (const raw of text.split(/\n[ \t\u00a0]*\n/)) {
    const part = raw.trim();
    if (!part) continue;
    if (URL_LINE.test(part)) {
      // WordPress turns a URL on its own line into an embed; a link is what we can keep.
      out.push(`<p><a href="${part}">${part}</a></p>`);
      continue;
    }
    out.push(`<p>${part.indexOf('\n') >= 0 ? lineBreaks(part) : part}</p>`);
  }
}

/** Newlines outside tags become `<br>`; a newline inside a tag (between attributes) is just space. */
function lineBreaks(s: string): string {
  let out = '';
  let inTag = false;
  let last = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 60 /* < */) inTag = true;
    else if (c === 62 /* > */) inTag = false;
    else if (c === 10 && !inTag) {
      const line = s.slice(last, i).replace(/[ \t]+$/, '');
      // "text<br />" followed by a newline is already one break, not two.
      out += (/<br\s*\/?>$/i.test(line) ? line : line + '<br>') + '\n';
      last = i + 1;
      while (last < s.length && (s[last] === ' ' || s[last] === '\t')) last++;
      i = last - 1;
    }
  }
  return out + s.slice(last);
}
