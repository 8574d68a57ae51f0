import { z } from 'zod';
import { deeperThan, jsonChildren, MAX_NESTING } from './limits.js';

/**
 * Article bodies are ProseMirror/TipTap-compatible JSON. We accept the subset a
 * news story needs; anything else is rejected at the edge rather than guessed at.
 * `previewBreak` is our own block node: the free preview ends where it stands.
 */
export type Mark =
  | { type: 'bold' }
  | { type: 'italic' }
  | { type: 'strike' }
  | { type: 'code' }
  | { type: 'link'; attrs: { href: string } };

/**
 * A footnote is one inline node holding its own text: where it stands is its reference, and the
 * renderer numbers the notes in order and lists them at the end. A note cannot lose its
 * reference, and the notes a preview lists are exactly those its blocks refer to.
 */
export type FootnoteNode = { type: 'footnote'; attrs: { text: string } };
export type InlineNode = { type: 'text'; text: string; marks?: Mark[] } | { type: 'hardBreak' } | FootnoteNode;
/** The most text one footnote holds. */
export const MAX_FOOTNOTE = 5000;

export type BlockNode =
  | { type: 'paragraph'; content?: InlineNode[] }
  | { type: 'heading'; attrs: { level: 2 | 3 | 4 }; content?: InlineNode[] }
  | { type: 'blockquote'; content: BlockNode[] }
  | { type: 'bulletList'; content: ListItem[] }
  | { type: 'orderedList'; attrs?: { start?: number }; content: ListItem[] }
  | { type: 'codeBlock'; content?: InlineNode[] }
  | { type: 'horizontalRule' }
  | { type: 'image'; attrs: { src: string; alt?: string; caption?: string } }
  | { type: 'table'; content: TableRow[] }
  | { type: 'embed'; attrs: EmbedAttrs }
  | { type: 'previewBreak' };

/**
 * An embedded post or video (a tweet, a YouTube clip) kept as a link card: the URL, who hosts it
 * and a title. Reader pages never load the provider's script or iframe; the card is a link.
 */
export type EmbedAttrs = { url: string; provider?: string; title?: string };

export type ListItem = { type: 'listItem'; content: BlockNode[] };
/** A table: rows of header or data cells, each holding paragraphs (the newsroom editor's tables). */
export type TableRow = { type: 'tableRow'; content: TableCell[] };
export type TableCell = { type: 'tableHeader' | 'tableCell'; attrs?: { colspan?: number; rowspan?: number }; content: { type: 'paragraph'; content?: InlineNode[] }[] };
export type Doc = { type: 'doc'; content: BlockNode[] };

const MAX_TEXT = 200_000;

/** http(s), mailto, site-relative and fragment links only: no javascript:, data: and friends. */
export function isSafeHref(href: string): boolean {
  const h = href.trim();
  if (h.startsWith('/') && !h.startsWith('//')) return true;
  if (h.startsWith('#')) return true;
  return /^(https?:\/\/|mailto:)/i.test(h);
}
/** An embed links out to its provider's page: absolute http(s) only. */
export function isEmbedUrl(url: string): boolean {
  if (url !== url.trim() || /\s/.test(url)) return false;
  try {
    const u = new URL(url);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname.length > 0;
  } catch {
    return false;
  }
}

/** The host a reader sees on an embed's card ("youtube.com"), without a leading www. */
export function embedHost(url: string): string {
  try {
    return new URL(url).hostname.replace(/^www\./, '');
  } catch {
    return '';
  }
}
export function isSafeSrc(src: string): boolean {
  const s = src.trim();
  return (s.startsWith('/') && !s.startsWith('//')) || /^https?:\/\//i.test(s);
}

const markSchema: z.ZodType<Mark> = z.discriminatedUnion('type', [
  z.object({ type: z.literal('bold') }).strict(),
  z.object({ type: z.literal('italic') }).strict(),
  z.object({ type: z.literal('strike') }).strict(),
  z.object({ type: z.literal('code') }).strict(),
  z.object({
    type: z.literal('link'),
    attrs: z.object({ href: z.string().max(2000).refine(isSafeHref, 'link must be http(s), mailto or site-relative') }).passthrough(),
  }).strict(),
]) as z.ZodType<Mark>;

const inlineSchema: z.ZodType<InlineNode> = z.union([
  z.object({ type: z.literal('text'), text: z.string().min(1).max(MAX_TEXT), marks: z.array(markSchema).max(8).optional() }).strict(),
  z.object({ type: z.literal('hardBreak') }).strict(),
  z.object({ type: z.literal('footnote'), attrs: z.object({ text: z.string().trim().min(1, 'a footnote needs its text').max(MAX_FOOTNOTE) }).strict() }).strict(),
]);

const inlineContent = z.array(inlineSchema).max(5000).optional();

const cellSchema = z.object({
  type: z.enum(['tableHeader', 'tableCell']),
  attrs: z.object({ colspan: z.number().int().min(1).max(100).optional(), rowspan: z.number().int().min(1).max(1000).optional() }).strict().optional(),
  content: z.array(z.object({ type: z.literal('paragraph'), content: inlineContent }).strict()).min(1).max(50),
}).strict();
const rowSchema = z.object({ type: z.literal('tableRow'), content: z.array(cellSchema).min(1).max(100) }).strict();

const listItemSchema: z.ZodType<ListItem> = z.lazy(() =>
  z.object({ type: z.literal('listItem'), content: z.array(blockSchema).max(200) }).strict(),
);

const blockSchema: z.ZodType<BlockNode> = z.lazy(() =>
  z.discriminatedUnion('type', [
    z.object({ type: z.literal('paragraph'), content: inlineContent }).strict(),
    z.object({ type: z.literal('heading'), attrs: z.object({ level: z.union([z.literal(2), z.literal(3), z.literal(4)]) }).strict(), content: inlineContent }).strict(),
    z.object({ type: z.literal('blockquote'), content: z.array(blockSchema).max(500) }).strict(),
    z.object({ type: z.literal('bulletList'), content: z.array(listItemSchema).max(500) }).strict(),
    z.object({ type: z.literal('orderedList'), attrs: z.object({ start: z.number().int().min(0).optional() }).passthrough().optional(), content: z.array(listItemSchema).max(500) }).strict(),
    z.object({ type: z.literal('codeBlock'), attrs: z.record(z.string(), z.unknown()).optional(), content: inlineContent }).strict(),
    z.object({ type: z.literal('horizontalRule') }).strict(),
    z.object({
      type: z.literal('image'),
      attrs: z.object({
        src: z.string().max(2000).refine(isSafeSrc, 'image src must be http(s) or site-relative'),
        alt: z.string().max(1000).optional(),
        caption: z.string().max(2000).optional(),
      }).strict(),
    }).strict(),
    z.object({ type: z.literal('table'), content: z.array(rowSchema).min(1).max(1000) }).strict(),
    z.object({
      type: z.literal('embed'),
      attrs: z.object({
        url: z.string().max(2000).refine(isEmbedUrl, 'embed url must be an absolute http(s) URL'),
        provider: z.string().min(1).max(100).optional(),
        title: z.string().min(1).max(1000).optional(),
      }).strict(),
    }).strict(),
    z.object({ type: z.literal('previewBreak') }).strict(),
  ]) as z.ZodType<BlockNode>,
);

const docShape = z.object({
  type: z.literal('doc'),
  content: z.array(blockSchema).max(10_000),
}).strict();

const nodeContent = (n: unknown): readonly unknown[] | undefined => {
  const content = n !== null && typeof n === 'object' ? (n as { content?: unknown }).content : undefined;
  return Array.isArray(content) ? content : undefined;
};

/**
 * Two JSON levels per node (the node and its content array) and a few for a node's marks and
 * attrs: a document within MAX_NESTING nodes is within this many JSON levels. Attrs are kept
 * as sent (passthrough), so a value nested deep inside them counts too: the document is stored
 * and served with JSON.stringify, which recurses.
 */
const MAX_JSON_LEVELS = 2 * MAX_NESTING + 8;

/**
 * The schema above is recursive, and so is zod: a document 20,000 blockquotes deep would run it
 * out of stack. The depth is measured first, without recursion, and a deeper document is refused
 * before the shape is checked. The doc node itself is not a level.
 */
export const docSchema: z.ZodType<Doc> = z.unknown()
  .superRefine((v, ctx) => {
    if (deeperThan(v, nodeContent, MAX_NESTING + 1) || deeperThan(v, jsonChildren, MAX_JSON_LEVELS)) {
      ctx.addIssue({ code: 'custom', message: `nested too deeply (more than ${MAX_NESTING} levels)` });
    }
  })
  .pipe(docShape)
  .transform((d) => { checked.add(d); return d; }) as unknown as z.ZodType<Doc>;

/**
 * The documents docSchema made, as it made them. A document checked at the edge reaches the
 * service that stores it unchanged; checking a long read twice was a save's largest single step.
 * Only the object the schema returned counts: any other (converted, built in code) is checked.
 */
const checked = new WeakSet<object>();
export const isCheckedDoc = (d: unknown): d is Doc => typeof d === 'object' && d !== null && checked.has(d);

export const emptyDoc = (): Doc => ({ type: 'doc', content: [] });
