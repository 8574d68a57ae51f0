import sanitizeHtml from 'sanitize-html';
import { escapeHtml } from '../shared/escape.js';

/**
 * Comments are plain text with a small safe subset: paragraphs, **bold**,
 * *italic*, > quotes, `code` and links. Everything the reader typed is escaped
 * first, so markup they write is shown as text; then the result goes through
 * sanitize-html with an allow-list, so nothing but our own tags can survive.
 */
export const MAX_COMMENT = 5000;

// Links are found in the raw text, before escaping, so quotes and brackets around a URL stay
// outside it; a bare URL never ends in punctuation.
const LINK = /\[([^\]\n]{1,200})\]\((https?:\/\/[^\s()<>"'`]{1,500})\)|(https?:\/\/[^\s<>"'`()[\]{}]{0,499}[^\s<>"'`()[\]{}.,;:!?])/g;

function format(escaped: string): string {
  return escaped
    .replace(/\*\*([^*\n]+)\*\*/g, '<strong>$1</strong>')
    .replace(/(^|[^*])\*([^*\n]+)\*(?!\*)/g, '$1<em>$2</em>')
    .replace(/\n/g, '<br>');
}

function inline(raw: string): string {
  let out = '';
  let last = 0;
  for (const m of raw.matchAll(LINK)) {
    out += format(escapeHtml(raw.slice(last, m.index)));
    const href = escapeHtml(m[2] ?? m[3]!);
    out += `<a href="${href}">${m[1] !== undefined ? format(escapeHtml(m[1])) : href}</a>`;
    last = m.index! + m[0].length;
  }
  return out + format(escapeHtml(raw.slice(last)));
}

function span(raw: string): string {
  // Code spans first: their contents get no formatting at all.
  return raw.split(/(`[^`\n]{1,500}`)/).map((part, i) => (i % 2 ? `<code>${escapeHtml(part.slice(1, -1))}</code>` : inline(part))).join('');
}

const SANITIZE: sanitizeHtml.IOptions = {
  allowedTags: ['p', 'br', 'strong', 'em', 'blockquote', 'code', 'a'],
  allowedAttributes: { a: ['href', 'rel'] },
  allowedSchemes: ['http', 'https'],
  allowProtocolRelative: false,
  disallowedTagsMode: 'escape',
  transformTags: { a: (_tag, attribs) => ({ tagName: 'a', attribs: { href: attribs.href ?? '', rel: 'nofollow ugc noopener' } }) },
};

export function renderComment(text: string): string {
  const paras = text.replace(/\r\n?/g, '\n').trim().split(/\n{2,}/);
  const html = paras.map((p) => {
    const lines = p.split('\n');
    if (lines.every((l) => l.startsWith('>'))) return `<blockquote><p>${span(lines.map((l) => l.replace(/^>\s?/, '')).join('\n'))}</p></blockquote>`;
    return `<p>${span(p)}</p>`;
  }).join('');
  return sanitizeHtml(html, SANITIZE);
}
