import { escapeHtml } from '../../shared/escape.js';
import { figureHtml, linkCardHtml, markdownToHtml, RenderError, type Rendered } from './cards.js';
import { isObject, parseBody, str } from './json.js';
import { deeperThan, NestingError } from '../../content/richtext/limits.js';

/**
 * Ghost's Lexical documents (Ghost 5.x) → HTML, for posts exported without their rendered `html`.
 * We render what an article body is made of — paragraphs, headings, lists, quotes, images, links,
 * bold/italic/strike/code — and the cards that carry text (html, markdown, code, bookmark, embed)
 * or meaning (paywall → `<!--more-->`). Other cards are dropped and named, so the item can be flagged.
 */

interface LexNode {
  type?: unknown;
  children?: unknown;
  [key: string]: unknown;
}

const FORMAT_TAGS: [number, string][] = [[16, 'code'], [4, 's'], [2, 'em'], [1, 'strong']];
const HEADINGS = new Set(['h1', 'h2', 'h3', 'h4', 'h5', 'h6']);

export function renderLexical(json: string): Rendered {
  const doc = parseBody(json, 'Lexical');
  const root = isNode(doc) && isNode(doc.root) ? doc.root : null;
  if (!root || !Array.isArray(root.children)) throw new RenderError('the Lexical body has no root');
  // block, inline and listItem recurse once per level: measure the tree before walking it.
  if (deeperThan(root, (n) => (isNode(n) && Array.isArray(n.children) ? n.children : undefined))) throw new NestingError('the Lexical body');
  const dropped: string[] = [];
  const html = blocks(root.children, dropped);
  return { html, dropped };
}

const isNode = isObject as (v: unknown) => v is LexNode;
const kids = (n: LexNode): LexNode[] => (Array.isArray(n.children) ? n.children.filter(isNode) : []);

function blocks(nodes: unknown[], dropped: string[]): string {
  let out = '';
  for (const n of nodes) if (isNode(n)) out += block(n, dropped);
  return out;
}

function block(n: LexNode, dropped: string[]): string {
  const type = str(n.type);
  switch (type) {
    case 'paragraph': {
      const inner = inline(kids(n));
      return inner.trim() ? `<p>${inner}</p>` : '';
    }
    case 'heading':
    case 'extended-heading': {
      const tag = HEADINGS.has(str(n.tag)) ? str(n.tag) : 'h2';
      return `<${tag}>${inline(kids(n))}</${tag}>`;
    }
    case 'quote':
    case 'extended-quote':
    case 'aside':
      return `<blockquote><p>${inline(kids(n))}</p></blockquote>`;
    case 'list': {
      const ordered = n.listType === 'number';
      const start = typeof n.start === 'number' && n.start !== 1 && ordered ? ` start="${n.start}"` : '';
      const items = kids(n).map((li) => `<li>${listItem(li, dropped)}</li>`).join('');
      return ordered ? `<ol${start}>${items}</ol>` : `<ul>${items}</ul>`;
    }
    case 'horizontalrule':
      return '<hr>';
    case 'paywall':
      return '<!--more-->';
    case 'image':
      return figureHtml(str(n.src), str(n.alt), str(n.caption));
    case 'gallery':
      return Array.isArray(n.images) ? n.images.filter(isNode).map((i) => figureHtml(str(i.src), str(i.alt), str(i.caption))).join('') : '';
    case 'html':
      return str(n.html);
    case 'markdown':
      return markdownToHtml(str(n.markdown));
    case 'codeblock':
      return `<pre><code>${escapeHtml(str(n.code))}</code></pre>`;
    case 'callout':
      return str(n.calloutText) ? `<p>${str(n.calloutText)}</p>` : '';
    case 'bookmark':
    case 'embed': {
      const meta = isNode(n.metadata) ? n.metadata : {};
      return linkCardHtml(str(n.url), str(meta.title));
    }
    default:
      // An unknown element node still has text in its children; a leaf is a card we cannot show.
      if (Array.isArray(n.children)) return blocks(n.children, dropped);
      dropped.push(type || 'unknown');
      return '';
  }
}

function listItem(li: LexNode, dropped: string[]): string {
  // A list item holds inline nodes, or a nested list.
  let out = '';
  let run: LexNode[] = [];
  for (const c of kids(li)) {
    if (c.type === 'list') {
      out += inline(run) + block(c, dropped);
      run = [];
    } else run.push(c);
  }
  return out + inline(run);
}

function inline(nodes: LexNode[]): string {
  let out = '';
  for (const n of nodes) {
    switch (str(n.type)) {
      case 'text':
      case 'extended-text': {
        let t = escapeHtml(str(n.text));
        const format = typeof n.format === 'number' ? n.format : 0;
        for (const [bit, tag] of FORMAT_TAGS) if (format & bit) t = `<${tag}>${t}</${tag}>`;
        out += t;
        break;
      }
      case 'link':
      case 'autolink':
        out += `<a href="${escapeHtml(str(n.url))}">${inline(kids(n))}</a>`;
        break;
      case 'linebreak':
        out += '<br>';
        break;
      case 'tab':
        out += ' ';
        break;
      default:
        out += inline(kids(n));
    }
  }
  return out;
}
