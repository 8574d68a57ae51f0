import { escapeHtml } from '../../web/escape.js';
import type { BlockNode, Doc, InlineNode, ListItem, Mark } from './doc.js';
import { isSafeHref, isSafeSrc } from './doc.js';
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

/** Without an explicit break, the preview is this many leading blocks. */
export const DEFAULT_PREVIEW_BLOCKS = 2;

export function renderDoc(doc: Doc): RenderedBody {
  const blocks = doc.content;
  const breakAt = blocks.findIndex((b) => b.type === 'previewBreak');
  const hasBreak = breakAt >= 0;
  const cut = hasBreak ? breakAt : Math.min(DEFAULT_PREVIEW_BLOCKS, blocks.length);
  const head = blocks.slice(0, cut).filter((b) => b.type !== 'previewBreak');
  const tail = blocks.slice(cut).filter((b) => b.type !== 'previewBreak');
  const previewHtml = head.map(block).join('');
  return {
    previewHtml,
    fullHtml: previewHtml + tail.map(block).join(''),
    previewText: blocksText(head),
    gatedText: blocksText(tail),
    hasBreak,
  };
}

function block(node: BlockNode): string {
  return blockAt(node, 1);
}

/**
 * Documents reach the renderer validated (docSchema) or converted from depth-checked HTML, so
 * the depth is bounded already; the count keeps that true for a document built any other way.
 */
function blockAt(node: BlockNode, depth: number): string {
  if (depth > MAX_NESTING) throw new NestingError();
  const inner = (b: BlockNode) => blockAt(b, depth + 1);
  const item = (li: ListItem) => listItem(li, depth + 1);
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
    case 'previewBreak':
      return '';
  }
}

function listItem(item: ListItem, depth: number): string {
  // A tight item (one paragraph) renders without its <p>, as Markdown and editors intend.
  const only = item.content.length === 1 ? item.content[0] : undefined;
  if (only?.type === 'paragraph') return `<li>${inline(only.content)}</li>`;
  return `<li>${item.content.map((b) => blockAt(b, depth + 1)).join('')}</li>`;
}

const MARK_ORDER: Record<Mark['type'], number> = { link: 0, bold: 1, italic: 2, strike: 3, code: 4 };

function inline(nodes: InlineNode[] | undefined): string {
  if (!nodes) return '';
  let out = '';
  for (const n of nodes) {
    if (n.type === 'hardBreak') {
      out += '<br>';
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
      default:
        break;
    }
  };
  for (const b of blocks) walk(b, 1);
  return parts.join('\n\n').trim();
}
