import { escapeHtml } from '../../shared/escape.js';
import type { BlockNode, Doc, InlineNode, ListItem, Mark } from './doc.js';
import { embedHost, isEmbedUrl, isSafeHref, isSafeSrc } from './doc.js';
import { MAX_NESTING, NestingError } from './limits.js';

/**
 * Rendering happens once, when an article is saved; readers are served the
 * stored HTML. Every string is escaped here: the document is the only source.
 */
export interface RenderedBody {
  /** The whole body. */
  fullHtml: string;
  /** What a reader without access may see. */
  previewHtml: string;
  /** Plain text of the preview, for search, feeds and meta descriptions. */
  previewText: string;
  /** Plain text past the preview, for entitled search only. */
  gatedText: string;
  hasBreak: boolean;
}

/** Without an explicit break, the preview is at most this many leading blocks… */
export const DEFAULT_PREVIEW_BLOCKS = 2;
/** …and never more than this share of the article's text. */
export const MAX_PREVIEW_SHARE = 1 / 3;

/**
 * Where a reader without access stops. The rule must fail closed: the preview is always
 * strictly shorter than the body, so something is always left behind the wall.
 * - `break`: the editor's preview break, when gated text follows it.
 * - `blocks`: no (usable) break: the leading blocks, at most DEFAULT_PREVIEW_BLOCKS of them and
 *   never all of them, that fit in MAX_PREVIEW_SHARE of the text.
 * - `teaser`: not even the first block fits (a one- or two-paragraph story): the first
 *   MAX_PREVIEW_SHARE of the text, cut at a word, stands as the preview.
 */
export type PreviewPlan =
  | { kind: 'break'; blocks: number }
  | { kind: 'blocks'; blocks: number; breakIgnored: boolean }
  | { kind: 'teaser'; chars: number; breakIgnored: boolean };

export function previewPlan(doc: Doc): PreviewPlan {
  const all = doc.content;
  const breakAt = all.findIndex((b) => b.type === 'previewBreak');
  const blocks = all.filter((b) => b.type !== 'previewBreak');
  if (breakAt >= 0 && blocksText(all.slice(breakAt + 1)).length > 0) return { kind: 'break', blocks: all.slice(0, breakAt).filter((b) => b.type !== 'previewBreak').length };
  const breakIgnored = breakAt >= 0;
  const lengths = blocks.map((b) => blocksText([b]).length);
  const budget = Math.floor(lengths.reduce((a, b) => a + b, 0) * MAX_PREVIEW_SHARE);
  let k = 0;
  let used = 0;
  while (k < Math.min(DEFAULT_PREVIEW_BLOCKS, blocks.length - 1) && used + lengths[k]! <= budget) used += lengths[k++]!;
  // The blocks taken must leave text behind, not only images or rules.
  if (k > 0 && blocksText(blocks.slice(k)).length > 0) return { kind: 'blocks', blocks: k, breakIgnored };
  return { kind: 'teaser', chars: budget, breakIgnored };
}

/**
 * Blocks as HTML, then the notes they refer to. The notes are numbered in document order, so a
 * preview (the leading blocks) lists a prefix of the article's notes: the ones it shows the
 * references of, and never a note whose reference is behind the wall.
 */
function blocksHtml(blocks: BlockNode[]): string {
  const notes: string[] = [];
  const html = blocks.map((b) => blockAt(b, 1, notes)).join('');
  return html + footnotesHtml(notes);
}

/** The notes as a list after the body, each with a link back to its reference. */
function footnotesHtml(notes: string[]): string {
  if (!notes.length) return '';
  const items = notes.map((text, i) => `<li id="fn-${i + 1}"><p>${escapeHtml(text)} <a href="#fnref-${i + 1}" class="footnote-back" aria-label="Back to reference ${i + 1}">↩</a></p></li>`).join('');
  return `<section class="footnotes" aria-labelledby="footnotes-h"><h2 id="footnotes-h">Notes</h2><ol>${items}</ol></section>`;
}

export function renderDoc(doc: Doc): RenderedBody {
  const plan = previewPlan(doc);
  const blocks = doc.content.filter((b) => b.type !== 'previewBreak');
  const fullHtml = blocksHtml(blocks);
  if (plan.kind === 'teaser') {
    const text = teaser(blocksText(blocks), plan.chars);
    return { fullHtml, previewHtml: text ? `<p>${escapeHtml(text)}</p>` : '', previewText: text, gatedText: blocksText(blocks), hasBreak: false };
  }
  const head = blocks.slice(0, plan.blocks);
  const tail = blocks.slice(plan.blocks);
  return {
    // The full body starts with the preview's bytes (a full view is the preview, then the rest)
    // unless the preview lists notes of its own; then articles.queries loadBody sends the whole body.
    previewHtml: blocksHtml(head),
    fullHtml,
    previewText: blocksText(head),
    gatedText: blocksText(tail),
    hasBreak: plan.kind === 'break',
  };
}

/** The first `chars` characters of `text`, cut back to a word, with an ellipsis; '' when nothing fits. */
function teaser(text: string, chars: number): string {
  if (chars <= 0) return '';
  const flat = text.replace(/\s+/g, ' ');
  let cut = flat.slice(0, chars);
  const space = cut.lastIndexOf(' ');
  if (space > chars / 2) cut = cut.slice(0, space);
  cut = cut.replace(/[\s,;:.!?\u2013\u2014-]+$/u, '');
  return cut ? `${cut}…` : '';
}

/**
 * Documents reach the renderer validated (docSchema) or converted from depth-checked HTML, so
 * the depth is bounded already; the count keeps that true for a document built any other way.
 */
function blockAt(node: BlockNode, depth: number, notes: string[]): string {
  if (depth > MAX_NESTING) throw new NestingError();
  const inner = (b: BlockNode) => blockAt(b, depth + 1, notes);
  const item = (li: ListItem) => listItem(li, depth + 1, notes);
  const inline = (nodes: InlineNode[] | undefined) => inlineHtml(nodes, notes);
  switch (node.type) {
    case 'paragraph':
      return `<p>${inline(node.content)}</p>`;
    case 'heading':
      return `<h${node.attrs.level}>${inline(node.content)}</h${node.attrs.level}>`;
    case 'blockquote':
      return `<blockquote>${node.content.map(inner).join('')}</blockquote>`;
    case 'bulletList':
      return `<ul>${node.content.map(item).join('')}</ul>`;
    case 'orderedList': {
      const start = node.attrs?.start;
      return `<ol${start !== undefined && start !== 1 ? ` start="${start}"` : ''}>${node.content.map(item).join('')}</ol>`;
    }
    case 'codeBlock':
      return `<pre><code>${(node.content ?? []).map((n) => (n.type === 'text' ? escapeHtml(n.text) : '\n')).join('')}</code></pre>`;
    case 'horizontalRule':
      return '<hr>';
    case 'image': {
      if (!isSafeSrc(node.attrs.src)) return '';
      const img = `<img src="${escapeHtml(node.attrs.src)}" alt="${escapeHtml(node.attrs.alt ?? '')}" loading="lazy">`;
      return node.attrs.caption
        ? `<figure>${img}<figcaption>${escapeHtml(node.attrs.caption)}</figcaption></figure>`
        : `<figure>${img}</figure>`;
    }
    case 'table':
      return `<div class="table-wrap"><table><tbody>${node.content.map((row) => `<tr>${row.content.map((cell) => {
        const tag = cell.type === 'tableHeader' ? 'th' : 'td';
        const span = `${cell.attrs?.colspan && cell.attrs.colspan > 1 ? ` colspan="${cell.attrs.colspan}"` : ''}${cell.attrs?.rowspan && cell.attrs.rowspan > 1 ? ` rowspan="${cell.attrs.rowspan}"` : ''}`;
        // One paragraph renders bare, as a list item's does; more keep their <p>s.
        const inner = cell.content.length === 1 ? inline(cell.content[0]!.content) : cell.content.map((p) => `<p>${inline(p.content)}</p>`).join('');
        return `<${tag}${span}>${inner}</${tag}>`;
      }).join('')}</tr>`).join('')}</tbody></table></div>`;
    case 'embed': {
      // A link card, never the provider's script or iframe: a reader page loads nothing from a third party.
      if (!isEmbedUrl(node.attrs.url)) return '';
      const who = node.attrs.provider ?? embedHost(node.attrs.url);
      const title = node.attrs.title ?? `View on ${who}`;
      return `<figure class="embed-card"><a href="${escapeHtml(node.attrs.url)}" rel="nofollow noopener"><span class="embed-provider">${escapeHtml(who)}</span> <span class="embed-title">${escapeHtml(title)}</span></a></figure>`;
    }
    case 'previewBreak':
      return '';
  }
}

function listItem(item: ListItem, depth: number, notes: string[]): string {
  // A tight item (one paragraph) renders without its <p>, as Markdown and editors intend.
  const only = item.content.length === 1 ? item.content[0] : undefined;
  if (only?.type === 'paragraph') return `<li>${inlineHtml(only.content, notes)}</li>`;
  return `<li>${item.content.map((b) => blockAt(b, depth + 1, notes)).join('')}</li>`;
}

const MARK_ORDER: Record<Mark['type'], number> = { link: 0, bold: 1, italic: 2, strike: 3, code: 4 };

function inlineHtml(nodes: InlineNode[] | undefined, notes: string[]): string {
  if (!nodes) return '';
  let out = '';
  for (const n of nodes) {
    if (n.type === 'hardBreak') {
      out += '<br>';
      continue;
    }
    if (n.type === 'footnote') {
      const i = notes.push(n.attrs.text);
      // The number is the link's name; aria-describedby says what kind of link it is.
      out += `<sup class="footnote-ref"><a href="#fn-${i}" id="fnref-${i}" aria-describedby="footnotes-h">${i}</a></sup>`;
      continue;
    }
    let html = escapeHtml(n.text);
    const marks = [...(n.marks ?? [])].sort((a, b) => MARK_ORDER[b.type] - MARK_ORDER[a.type]);
    for (const m of marks) html = wrap(m, html);
    out += html;
  }
  return out;
}

function wrap(mark: Mark, html: string): string {
  switch (mark.type) {
    case 'bold':
      return `<strong>${html}</strong>`;
    case 'italic':
      return `<em>${html}</em>`;
    case 'strike':
      return `<s>${html}</s>`;
    case 'code':
      return `<code>${html}</code>`;
    case 'link':
      return isSafeHref(mark.attrs.href) ? `<a href="${escapeHtml(mark.attrs.href.trim())}">${html}</a>` : html;
  }
}

export function blocksText(blocks: BlockNode[]): string {
  const parts: string[] = [];
  const walk = (b: BlockNode | ListItem, depth: number): void => {
    if (depth > MAX_NESTING) throw new NestingError();
    switch (b.type) {
      case 'paragraph':
      case 'heading':
      case 'codeBlock':
        parts.push((b.content ?? []).map((n) => (n.type === 'text' ? n.text : ' ')).join(''));
        break;
      case 'blockquote':
      case 'bulletList':
      case 'orderedList':
      case 'listItem':
        for (const c of b.content as (BlockNode | ListItem)[]) walk(c, depth + 1);
        break;
      case 'image':
        if (b.attrs.caption) parts.push(b.attrs.caption);
        break;
      case 'embed':
        if (b.attrs.title) parts.push(b.attrs.title);
        break;
      case 'table':
        for (const row of b.content) parts.push(row.content.map((cell) => cell.content.map((p) => (p.content ?? []).map((n) => (n.type === 'text' ? n.text : ' ')).join('')).join(' ')).join(' | '));
        break;
      default:
        break;
    }
  };
  for (const b of blocks) walk(b, 1);
  return parts.join('\n\n').trim();
}
