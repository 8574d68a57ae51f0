import type { ChildNode, Element } from 'domhandler';
import type { BlockNode, Doc, InlineNode, ListItem, Mark } from './doc.js';
import { isSafeHref, isSafeSrc, MAX_FOOTNOTE } from './doc.js';
import { parseShallowDocument } from './limits.js';

/**
 * Convert HTML (from the Content API, Markdown or an import) into our document.
 * Unknown elements are unwrapped to their text, scripts and styles dropped:
 * nothing in the input survives as markup unless we understand it.
 * `<!--more-->` (WordPress) and `<hr class="preview-break">` mark the preview break.
 * HTML nested deeper than MAX_NESTING is refused (NestingError) while it is parsed, so every
 * walk below recurses at most that deep.
 */
export function htmlToDoc(html: string): Doc {
  const dom = parseShallowDocument(html, { decodeEntities: true });
  const blocks = blocksOf(dom.children);
  return { type: 'doc', content: blocks };
}

const DROP = new Set(['script', 'style', 'noscript', 'template', 'iframe', 'object', 'embed', 'head', 'title', 'meta', 'link', 'form', 'button', 'input', 'select', 'textarea', 'svg', 'canvas', 'nav']);
const BLOCK_CONTAINERS = new Set(['div', 'section', 'article', 'main', 'body', 'html', 'header', 'footer', 'aside', 'center', 'details', 'summary', 'table', 'tbody', 'thead', 'tfoot', 'tr', 'td', 'th', 'dl', 'dd', 'dt']);
const INLINE_MARKS: Record<string, Mark['type']> = { b: 'bold', strong: 'bold', i: 'italic', em: 'italic', s: 'strike', del: 'strike', strike: 'strike', code: 'code' };

function isPreviewBreak(n: ChildNode): boolean {
  if (n.type === 'comment') return /^\s*more\b/i.test(n.data);
  if (n.type === 'tag') {
    const cls = n.attribs.class ?? '';
    return (n.name === 'hr' && /\bpreview-break\b/.test(cls)) || 'data-preview-break' in n.attribs;
  }
  return false;
}

function blocksOf(nodes: ChildNode[]): BlockNode[] {
  const out: BlockNode[] = [];
  let pending: InlineNode[] = [];
  const flush = () => {
    const trimmed = trimInline(pending);
    if (trimmed.length) out.push({ type: 'paragraph', content: trimmed });
    pending = [];
  };
  for (const n of nodes) {
    if (isPreviewBreak(n)) {
      flush();
      if (!out.some((b) => b.type === 'previewBreak')) out.push({ type: 'previewBreak' });
      continue;
    }
    if (n.type === 'text') {
      pending.push(...textNodes(n.data, []));
      continue;
    }
    if (n.type !== 'tag' && n.type !== 'script' && n.type !== 'style') continue;
    const el = n as Element;
    const name = el.name.toLowerCase();
    if (DROP.has(name)) continue;
    const block = blockOf(el, name);
    if (block === 'inline') {
      pending.push(...inlineOf([el], []));
    } else {
      flush();
      out.push(...block);
    }
  }
  flush();
  return out;
}

function blockOf(el: Element, name: string): BlockNode[] | 'inline' {
  switch (name) {
    case 'p': {
      const content = trimInline(inlineOf(el.children, []));
      // A paragraph holding only an image is a figure in disguise (common in CMS output).
      const imgs = findAll(el, 'img');
      if (!content.length && imgs.length) return imgs.map(imageOf).filter((b): b is BlockNode => b !== null);
      return content.length ? [{ type: 'paragraph', content }] : [];
    }
    case 'h1':
    case 'h2':
    case 'h3':
    case 'h4':
    case 'h5':
    case 'h6': {
      const content = trimInline(inlineOf(el.children, []));
      const level = Math.min(4, Math.max(2, Number(name[1]))) as 2 | 3 | 4;
      return content.length ? [{ type: 'heading', attrs: { level }, content }] : [];
    }
    case 'blockquote': {
      const content = blocksOf(el.children).filter((b) => b.type !== 'previewBreak');
      return content.length ? [{ type: 'blockquote', content }] : [];
    }
    case 'ul':
    case 'ol': {
      const items: ListItem[] = el.children
        .filter((c): c is Element => c.type === 'tag' && c.name.toLowerCase() === 'li')
        .map((li) => ({ type: 'listItem' as const, content: blocksOf(li.children).filter((b) => b.type !== 'previewBreak') }))
        .filter((li) => li.content.length > 0);
      if (!items.length) return [];
      if (name === 'ul') return [{ type: 'bulletList', content: items }];
      const start = Number(el.attribs.start);
      return [{ type: 'orderedList', ...(Number.isInteger(start) && start !== 1 ? { attrs: { start } } : {}), content: items }];
    }
    case 'pre': {
      const text = textOf(el);
      return text.trim() ? [{ type: 'codeBlock', content: [{ type: 'text', text: text.replace(/\n$/, '') }] }] : [];
    }
    case 'hr':
      return [{ type: 'horizontalRule' }];
    case 'img': {
      const img = imageOf(el);
      return img ? [img] : [];
    }
    case 'figure': {
      const img = findAll(el, 'img')[0];
      const cap = findAll(el, 'figcaption')[0];
      if (!img) return blocksOf(el.children);
      const node = imageOf(img);
      if (!node || node.type !== 'image') return [];
      const caption = cap ? collapse(textOf(cap)) : '';
      return [{ type: 'image', attrs: { ...node.attrs, ...(caption ? { caption } : {}) } }];
    }
    case 'table':
      return tableOf(el);
    case 'br':
      return 'inline';
    default:
      if (BLOCK_CONTAINERS.has(name) || name === 'li' || name === 'figcaption' || name === 'caption') return blocksOf(el.children);
      return 'inline';
  }
}

type Cell = Extract<BlockNode, { type: 'table' }>['content'][number]['content'][number];
const kids = (el: Element, names: string[]) => el.children.filter((c): c is Element => c.type === 'tag' && names.includes(c.name.toLowerCase()));

/**
 * A table as ours: rows of header and data cells (thead, tbody and tfoot in order), each cell
 * paragraphs. A table whose cells hold anything else (an image, a list: a layout table of an old
 * site) is read as before, block by block, so nothing in it is lost; a caption is a paragraph
 * before the table.
 */
function tableOf(el: Element): BlockNode[] {
  const rows = kids(el, ['thead', 'tbody', 'tfoot', 'tr']).flatMap((g) => (g.name.toLowerCase() === 'tr' ? [g] : kids(g, ['tr'])));
  let flat = false;
  const content = rows.map((tr) => ({
    type: 'tableRow' as const,
    content: kids(tr, ['th', 'td']).slice(0, 100).map((c): Cell => {
      const span = (k: string, max: number) => Math.min(max, Math.max(1, Number.parseInt(c.attribs[k] ?? '1', 10) || 1));
      const colspan = span('colspan', 100);
      const rowspan = span('rowspan', 1000);
      const blocks = blocksOf(c.children);
      if (!blocks.every((b) => b.type === 'paragraph')) flat = true;
      const paragraphs = (blocks as { type: 'paragraph'; content?: InlineNode[] }[]).slice(0, 50);
      return {
        type: c.name.toLowerCase() === 'th' ? 'tableHeader' : 'tableCell',
        ...(colspan > 1 || rowspan > 1 ? { attrs: { ...(colspan > 1 ? { colspan } : {}), ...(rowspan > 1 ? { rowspan } : {}) } } : {}),
        content: paragraphs.length ? paragraphs : [{ type: 'paragraph' }],
      };
    }),
  })).filter((r) => r.content.length > 0).slice(0, 1000);
  if (flat || !content.length) return blocksOf(el.children);
  const caption = kids(el, ['caption'])[0];
  const text = caption ? collapse(textOf(caption)) : '';
  return [...(text ? [{ type: 'paragraph' as const, content: textNodes(text, []) }] : []), { type: 'table', content }];
}

function imageOf(el: Element): BlockNode | null {
  const src = (el.attribs.src ?? el.attribs['data-src'] ?? '').trim();
  if (!src || !isSafeSrc(src)) return null;
  const alt = collapse(el.attribs.alt ?? '');
  return { type: 'image', attrs: { src, ...(alt ? { alt } : {}) } };
}

function inlineOf(nodes: ChildNode[], marks: Mark[]): InlineNode[] {
  const out: InlineNode[] = [];
  for (const n of nodes) {
    if (n.type === 'text') {
      out.push(...textNodes(n.data, marks));
      continue;
    }
    if (n.type !== 'tag') continue;
    const name = n.name.toLowerCase();
    if (DROP.has(name)) continue;
    if (name === 'br') {
      out.push({ type: 'hardBreak' });
      continue;
    }
    if (name === 'img') continue;
    // Our own footnote markup (the Markdown parser writes it for `[^1]`; pasted editor HTML has it).
    if ('data-footnote' in n.attribs) {
      const text = collapse(n.attribs['data-footnote'] ?? '').slice(0, MAX_FOOTNOTE);
      if (text) out.push({ type: 'footnote', attrs: { text } });
      continue;
    }
    const markType = INLINE_MARKS[name];
    if (markType) {
      out.push(...inlineOf(n.children, addMark(marks, { type: markType } as Mark)));
    } else if (name === 'a') {
      const href = (n.attribs.href ?? '').trim();
      out.push(...inlineOf(n.children, href && isSafeHref(href) ? addMark(marks, { type: 'link', attrs: { href } }) : marks));
    } else {
      out.push(...inlineOf(n.children, marks));
    }
  }
  return mergeText(out);
}

function addMark(marks: Mark[], m: Mark): Mark[] {
  return marks.some((x) => x.type === m.type) ? marks : [...marks, m];
}

function textNodes(data: string, marks: Mark[]): InlineNode[] {
  const text = data.replace(/\s+/g, ' ');
  if (!text) return [];
  return [marks.length ? { type: 'text', text, marks } : { type: 'text', text }];
}

function sameMarks(a?: Mark[], b?: Mark[]): boolean {
  return JSON.stringify(a ?? []) === JSON.stringify(b ?? []);
}

function mergeText(nodes: InlineNode[]): InlineNode[] {
  const out: InlineNode[] = [];
  for (const n of nodes) {
    const prev = out[out.length - 1];
    if (n.type === 'text' && prev?.type === 'text' && sameMarks(prev.marks, n.marks)) {
      out[out.length - 1] = { ...prev, text: prev.text + n.text };
    } else out.push(n);
  }
  return out;
}

/** Collapse edge whitespace and whitespace runs across node boundaries; drop empty text. */
function trimInline(nodes: InlineNode[]): InlineNode[] {
  const merged = mergeText(nodes);
  const out: InlineNode[] = [];
  let lastSpace = true;
  for (const n of merged) {
    if (n.type === 'hardBreak') {
      out.push(n);
      lastSpace = true;
      continue;
    }
    if (n.type === 'footnote') {
      out.push(n);
      lastSpace = false;
      continue;
    }
    let t = n.text;
    if (lastSpace) t = t.replace(/^ +/, '');
    if (!t) continue;
    lastSpace = t.endsWith(' ');
    out.push({ ...n, text: t });
  }
  while (out.length) {
    const last = out[out.length - 1]!;
    if (last.type === 'hardBreak') {
      out.pop();
      continue;
    }
    if (last.type === 'footnote') break;
    const t = last.text.replace(/ +$/, '');
    if (t) {
      out[out.length - 1] = { ...last, text: t };
      break;
    }
    out.pop();
  }
  while (out[0]?.type === 'hardBreak') out.shift();
  return out;
}

function textOf(el: Element | ChildNode): string {
  if (el.type === 'text') return el.data;
  if (el.type !== 'tag') return '';
  if (DROP.has(el.name.toLowerCase())) return '';
  return el.children.map(textOf).join('');
}

function findAll(el: Element, tag: string): Element[] {
  const out: Element[] = [];
  const walk = (n: ChildNode) => {
    if (n.type !== 'tag') return;
    if (n.name.toLowerCase() === tag) out.push(n);
    n.children.forEach(walk);
  };
  el.children.forEach(walk);
  return out;
}

const collapse = (s: string) => s.replace(/\s+/g, ' ').trim();
