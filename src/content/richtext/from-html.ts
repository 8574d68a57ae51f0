import type { ChildNode, Element } from 'domhandler';
import type { BlockNode, Doc, EmbedAttrs, InlineNode, ListItem, Mark, TableCell, TableRow } from './doc.js';
import { embedHost, isEmbedUrl, isSafeHref, isSafeSrc, MAX_FOOTNOTE } from './doc.js';
import { parseShallowDocument } from './limits.js';

/**
 * Convert HTML (from the Content API, Markdown or an import) into our document.
 * Unknown elements are unwrapped to their text, scripts and styles dropped:
 * nothing in the input survives as markup unless we understand it.
 * `<!--more-->` (WordPress) and `<hr class="preview-break">` mark the preview break.
 * HTML nested deeper than MAX_NESTING is refused (NestingError) while it is parsed, so every
 * walk below recurses at most that deep.
 * A data table becomes a `table` (a layout table, one cell or holding another table, is unwrapped);
 * an embedded post or video (an iframe, a tweet's blockquote, a video element) becomes an `embed`
 * link card, or stays as its text when it names no http(s) URL: neither is dropped without a trace.
 */
export function htmlToDoc(html: string, opts: { onDropped?: (what: string) => void } = {}): Doc {
  const dom = parseShallowDocument(html, { decodeEntities: true });
  // The conversion is synchronous, so the listener is this call's alone.
  dropped = opts.onDropped ?? null;
  try {
    return { type: 'doc', content: blocksOf(dom.children) };
  } finally {
    dropped = null;
  }
}

/** Told of embedded media that could not become an embed card (no http(s) address), so an import can say so. */
let dropped: ((what: string) => void) | null = null;

const DROP = new Set(['script', 'style', 'noscript', 'template', 'iframe', 'object', 'embed', 'head', 'title', 'meta', 'link', 'form', 'button', 'input', 'select', 'textarea', 'svg', 'canvas', 'nav']);
const BLOCK_CONTAINERS = new Set(['div', 'section', 'article', 'main', 'body', 'html', 'header', 'footer', 'aside', 'center', 'details', 'summary', 'table', 'tbody', 'thead', 'tfoot', 'tr', 'td', 'th', 'dl', 'dd', 'dt']);
/** Elements that carry an embedded post or player: looked at before DROP throws the rest of their kind away. */
const EMBED_TAGS = new Set(['iframe', 'embed', 'object', 'video', 'audio']);
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
    if (EMBED_TAGS.has(name)) {
      const embed = mediaEmbed(el, name);
      if (embed) {
        flush();
        out.push(embed);
      }
      continue;
    }
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
      // A player inside a paragraph (WordPress wraps iframes in <p>) follows the paragraph's text.
      const embeds = [...EMBED_TAGS].flatMap((t) => findAll(el, t).map((e) => mediaEmbed(e, t))).filter((b): b is BlockNode => b !== null);
      // A paragraph holding only an image is a figure in disguise (common in CMS output).
      const imgs = findAll(el, 'img');
      if (!content.length && imgs.length) return [...imgs.map(imageOf).filter((b): b is BlockNode => b !== null), ...embeds];
      return [...(content.length ? [{ type: 'paragraph' as const, content }] : []), ...embeds];
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
      const post = postEmbed(el);
      if (post) return [post];
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
      const card = ownEmbedCard(el);
      if (card) return [card];
      const img = findAll(el, 'img')[0];
      const cap = findAll(el, 'figcaption')[0];
      if (!img) return blocksOf(el.children);
      const node = imageOf(img);
      if (!node || node.type !== 'image') return [];
      const caption = cap ? collapse(textOf(cap)) : '';
      return [{ type: 'image', attrs: { ...node.attrs, ...(caption ? { caption } : {}) } }];
    }
    case 'table':
      return tableOf(el) ?? blocksOf(el.children);
    case 'br':
      return 'inline';
    default:
      if (BLOCK_CONTAINERS.has(name) || name === 'li' || name === 'figcaption' || name === 'caption') return blocksOf(el.children);
      return 'inline';
  }
}

/** Limits of the stored table (doc.ts): wider tables are unwrapped to paragraphs, longer ones split. */
const MAX_ROWS = 1000;
const MAX_CELLS = 100;
const MAX_CELL_PARAGRAPHS = 50;

const tagName = (n: ChildNode): string | null => (n.type === 'tag' ? n.name.toLowerCase() : null);

/** The table's own rows: under it directly or in its thead/tbody/tfoot, not a nested table's. */
function rowsOf(table: Element): Element[] {
  const out: Element[] = [];
  for (const c of table.children) {
    const t = tagName(c);
    if (t === 'tr') out.push(c as Element);
    else if (t === 'thead' || t === 'tbody' || t === 'tfoot') for (const r of (c as Element).children) if (tagName(r) === 'tr') out.push(r as Element);
  }
  return out;
}

/** A cell's blocks as the paragraphs a stored cell holds: headings, list items and quotes become paragraphs of their text. */
function cellParagraphs(blocks: BlockNode[]): { type: 'paragraph'; content?: InlineNode[] }[] {
  const out: { type: 'paragraph'; content?: InlineNode[] }[] = [];
  const walk = (b: BlockNode) => {
    switch (b.type) {
      case 'paragraph':
      case 'heading':
      case 'codeBlock':
        if (b.content?.length) out.push({ type: 'paragraph', content: b.content });
        break;
      case 'blockquote':
        b.content.forEach(walk);
        break;
      case 'bulletList':
      case 'orderedList':
        for (const li of b.content) li.content.forEach(walk);
        break;
      case 'image':
        if (b.attrs.caption || b.attrs.alt) out.push({ type: 'paragraph', content: [{ type: 'text', text: (b.attrs.caption ?? b.attrs.alt)! }] });
        break;
      case 'embed':
        out.push({ type: 'paragraph', content: [{ type: 'text', text: b.attrs.title ?? b.attrs.url, marks: [{ type: 'link', attrs: { href: b.attrs.url } }] }] });
        break;
      default:
        break;
    }
  };
  blocks.forEach(walk);
  if (out.length > MAX_CELL_PARAGRAPHS) {
    // Past the limit the paragraphs are joined with line breaks into the last one: no text is lost.
    const rest = out.splice(MAX_CELL_PARAGRAPHS - 1);
    out.push({ type: 'paragraph', content: rest.flatMap((p, i) => [...(i ? [{ type: 'hardBreak' as const }] : []), ...(p.content ?? [])]) });
  }
  return out.length ? out : [{ type: 'paragraph' }];
}

const span = (v: string | undefined, max: number): number | undefined => {
  const n = Number(v);
  return Number.isInteger(n) && n > 1 ? Math.min(n, max) : undefined;
};

/**
 * A data table as a stored `table`, with its caption as a paragraph above it; null for a layout
 * table (a single cell, or one holding another table), which is unwrapped like a div.
 */
function tableOf(table: Element): BlockNode[] | null {
  const rows = rowsOf(table);
  const cellsOf = (tr: Element) => tr.children.filter((c): c is Element => tagName(c) === 'td' || tagName(c) === 'th');
  const cellCount = rows.reduce((a, r) => a + cellsOf(r).length, 0);
  if (cellCount < 2 || findAll(table, 'table').length > 0 || rows.some((r) => cellsOf(r).length > MAX_CELLS)) return null;
  const stored: TableRow[] = [];
  for (const tr of rows) {
    let hasImage = false;
    const cells: TableCell[] = cellsOf(tr).map((td) => {
      const blocks = blocksOf(td.children);
      // An image in a cell is an old site's layout table: read block by block, so the image is kept.
      if (blocks.some((b) => b.type === 'image')) hasImage = true;
      const colspan = span(td.attribs.colspan, 100);
      const rowspan = span(td.attribs.rowspan, 1000);
      return {
        type: tagName(td) === 'th' ? 'tableHeader' : 'tableCell',
        ...(colspan || rowspan ? { attrs: { ...(colspan ? { colspan } : {}), ...(rowspan ? { rowspan } : {}) } } : {}),
        content: cellParagraphs(blocks),
      };
    });
    if (hasImage) return null;
    if (cells.length) stored.push({ type: 'tableRow', content: cells });
  }
  const out: BlockNode[] = [];
  const caption = table.children.find((c): c is Element => tagName(c) === 'caption');
  const captionText = caption ? trimInline(inlineOf(caption.children, [])) : [];
  if (captionText.length) out.push({ type: 'paragraph', content: captionText });
  for (let i = 0; i < stored.length; i += MAX_ROWS) out.push({ type: 'table', content: stored.slice(i, i + MAX_ROWS) });
  return out;
}

/** Who hosts an embed, by its URL's host; null for a host we do not name (the card shows the host). */
const PROVIDERS: [RegExp, string][] = [
  [/(^|\.)(youtube\.com|youtube-nocookie\.com|youtu\.be)$/, 'YouTube'],
  [/(^|\.)vimeo\.com$/, 'Vimeo'],
  [/(^|\.)dailymotion\.com$/, 'Dailymotion'],
  [/(^|\.)(twitter\.com|x\.com)$/, 'X (Twitter)'],
  [/(^|\.)instagram\.com$/, 'Instagram'],
  [/(^|\.)tiktok\.com$/, 'TikTok'],
  [/(^|\.)facebook\.com$/, 'Facebook'],
  [/(^|\.)bsky\.app$/, 'Bluesky'],
  [/(^|\.)threads\.net$/, 'Threads'],
  [/(^|\.)spotify\.com$/, 'Spotify'],
  [/(^|\.)soundcloud\.com$/, 'SoundCloud'],
  [/(^|\.)reddit\.com$/, 'Reddit'],
  [/(^|\.)datawrapper\.de$/, 'Datawrapper'],
  [/(^|\.)flourish\.studio$/, 'Flourish'],
  [/(^|\.)google\.com$/, 'Google'],
  [/(^|\.)twitch\.tv$/, 'Twitch'],
];

export function embedProvider(url: string): string | null {
  let host: string;
  try {
    host = new URL(url).hostname.toLowerCase();
  } catch {
    return null;
  }
  return PROVIDERS.find(([re]) => re.test(host))?.[1] ?? null;
}

/** An embed URL as a link a reader can follow: protocol-relative made https, players turned into their pages. */
function embedUrl(raw: string | undefined): string | null {
  let url = (raw ?? '').trim();
  if (url.startsWith('//')) url = `https:${url}`;
  if (!isEmbedUrl(url) || url.length > 2000) return null;
  const yt = /^https?:\/\/(?:www\.)?youtube(?:-nocookie)?\.com\/embed\/([\w-]{6,20})/i.exec(url);
  if (yt) return `https://www.youtube.com/watch?v=${yt[1]}`;
  const vimeo = /^https?:\/\/player\.vimeo\.com\/video\/(\d+)/i.exec(url);
  if (vimeo) return `https://vimeo.com/${vimeo[1]}`;
  return url;
}

/** Player titles that say nothing about the clip. */
const GENERIC_TITLE = /^(?:(?:youtube|vimeo|video|audio|embedded?|spotify|soundcloud)(?: (?:video|audio|player|content|embed|media))*|iframe|player|untitled)$/i;

function embedNode(url: string, title: string): BlockNode {
  const t = collapse(title).slice(0, 1000);
  const provider = embedProvider(url);
  const attrs: EmbedAttrs = { url, ...(provider ? { provider } : {}), ...(t && !GENERIC_TITLE.test(t) ? { title: t } : {}) };
  return { type: 'embed', attrs };
}

/** An iframe, video, audio, embed or object: an embed card when it points at an http(s) URL. */
function mediaEmbed(el: Element, name: string): BlockNode | null {
  const source = (name === 'video' || name === 'audio') ? findAll(el, 'source')[0]?.attribs.src : undefined;
  const url = embedUrl(el.attribs.src ?? el.attribs['data-src'] ?? el.attribs.data ?? source);
  if (!url) {
    dropped?.(`an embedded ${name} with no http(s) address${el.attribs.title ? ` (${collapse(el.attribs.title).slice(0, 80)})` : ''}`);
    return null;
  }
  return embedNode(url, el.attribs.title ?? el.attribs['aria-label'] ?? '');
}

/** Our own rendering of an embed (render.ts), read back as the embed it was: an import's HTML comes this way. */
function ownEmbedCard(el: Element): BlockNode | null {
  if (!/\bembed-card\b/.test(el.attribs.class ?? '')) return null;
  const a = findAll(el, 'a')[0];
  const url = a ? (a.attribs.href ?? '').trim() : '';
  if (!a || !isEmbedUrl(url)) return null;
  const part = (cls: string) => {
    const span = findAll(a, 'span').find((s) => (s.attribs.class ?? '').split(/\s+/).includes(cls));
    return span ? collapse(textOf(span)) : '';
  };
  const who = part('embed-provider');
  const title = part('embed-title');
  const host = embedHost(url);
  const attrs: EmbedAttrs = { url, ...(who && who !== host ? { provider: who } : {}), ...(title && title !== `View on ${who}` ? { title } : {}) };
  return { type: 'embed', attrs };
}

/** Blockquotes that the providers' scripts turn into embedded posts (the script is long gone by now). */
const POST_CLASSES = /\b(?:twitter-tweet|twitter-video|instagram-media|tiktok-embed|bluesky-embed|text-post-media|fb-xfbml-parse-ignore|reddit-embed-bq|mastodon-embed)\b/;

/** An embedded post: its permalink (cite, data attributes or the last link to the post) and its text as the title. */
function postEmbed(el: Element): BlockNode | null {
  if (!POST_CLASSES.test(el.attribs.class ?? '')) return null;
  const links = findAll(el, 'a').map((a) => embedUrl(a.attribs.href)).filter((u): u is string => u !== null);
  const url = embedUrl(el.attribs.cite) ?? embedUrl(el.attribs['data-instgrm-permalink']) ?? embedUrl(el.attribs['data-bluesky-uri'])
    ?? links.filter((u) => /\/status(?:es)?\/\d|\/p\/|\/video\/|\/post\//.test(u)).pop() ?? links.pop() ?? null;
  // Without a link the post's text is all there is: it stays, as a quotation.
  if (!url) return null;
  const para = findAll(el, 'p')[0];
  return embedNode(url, para ? textOf(para) : textOf(el));
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
