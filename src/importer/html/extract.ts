import { parseHTML } from 'linkedom';
import { Readability } from '@mozilla/readability';
import { htmlToDoc } from '../../content/richtext/from-html.js';
import { assertHtmlDepth, deeperThan, jsonChildren } from '../../content/richtext/limits.js';
import { renderDoc } from '../../content/richtext/render.js';
import type { BlockNode, Doc, InlineNode } from '../../content/richtext/doc.js';
import { cleanBlocks, repairPunctuation, type BlockStructure, type CorpusStats } from '../text/clean.js';
import { parseHeaderLine } from '../text/byline.js';
import { titleFromText } from '../text/title.js';
import type { ImportItem, RemovedLine } from '../types.js';

/** The little of the DOM we use; linkedom's types and the DOM lib are not in this project. */
interface El {
  getAttribute(name: string): string | null;
  textContent: string | null;
  querySelector(sel: string): El | null;
  querySelectorAll(sel: string): Iterable<El>;
}

export interface PageMeta {
  title: string | null;
  byline: string[];
  publishedAt: string | null;
  description: string | null;
  canonicalUrl: string | null;
  image: string | null;
  section: string | null;
  tags: string[];
}

const text = (s: string | null | undefined) => repairPunctuation((s ?? '').replace(/\s+/g, ' ').trim());

function metaContent(doc: El, ...selectors: string[]): string | null {
  for (const sel of selectors) {
    const v = doc.querySelector(sel)?.getAttribute('content');
    if (v && v.trim()) return text(v);
  }
  return null;
}

type Json = Record<string, unknown>;
const ARTICLE_TYPES = /^(NewsArticle|Article|BlogPosting|ReportageNewsArticle|AnalysisNewsArticle|OpinionNewsArticle|ReviewNewsArticle|Report|WebPage)$/;

/** The first Article-like object in the page's JSON-LD, looking inside @graph arrays. */
function jsonLdArticle(doc: El): Json | null {
  const found: Json[] = [];
  const visit = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(visit);
    else if (v && typeof v === 'object') {
      const o = v as Json;
      const types = ([] as unknown[]).concat(o['@type'] ?? []).map(String);
      if (types.some((t) => ARTICLE_TYPES.test(t))) found.push(o);
      if (o['@graph']) visit(o['@graph']);
    }
  };
  for (const s of doc.querySelectorAll('script[type="application/ld+json"]')) {
    let ld: unknown;
    try {
      ld = JSON.parse(s.textContent ?? '');
    } catch {
      // Broken JSON-LD is common in the wild; the meta tags still have what we need.
      continue;
    }
    // `visit` recurses; JSON-LD nested past the limit is as useless as broken JSON-LD.
    if (!deeperThan(ld, jsonChildren)) visit(ld);
  }
  // Prefer a real article over the WebPage wrapper most CMSs also emit.
  return found.find((o) => !String(o['@type']).includes('WebPage')) ?? found[0] ?? null;
}

const names = (v: unknown): string[] =>
  ([] as unknown[]).concat(v ?? []).map((a) => (typeof a === 'string' ? a : a && typeof a === 'object' ? String((a as Json).name ?? '') : '')).map(text).filter(Boolean);

const firstString = (v: unknown): string | null => {
  const x = Array.isArray(v) ? v[0] : v;
  if (typeof x === 'string') return text(x) || null;
  if (x && typeof x === 'object' && typeof (x as Json).url === 'string') return text((x as Json).url as string) || null;
  return null;
};

/** "By Jane Smith and Tom Lee" → ["Jane Smith", "Tom Lee"]. */
export function splitByline(s: string): string[] {
  return s.replace(/^\s*by\s+/i, '').split(/\s*(?:,|\band\b|&)\s*/i).map((x) => x.trim())
    .filter((x) => x && x.length <= 80 && !/staff writer|correspondent|reporter|editor$/i.test(x));
}

const isoDate = (s: string | null | undefined): string | null => {
  if (!s) return null;
  const t = Date.parse(s);
  return Number.isFinite(t) ? new Date(t).toISOString() : null;
};

/** Title, byline, date, description and canonical URL from meta tags and JSON-LD; the page body is not consulted. */
export function pageMeta(doc: El): PageMeta {
  const ld = jsonLdArticle(doc);
  const h1 = text(doc.querySelector('h1')?.textContent);
  const titleTag = text(doc.querySelector('title')?.textContent).replace(/\s+[|–—-]\s+[^|–—-]{2,60}$/, '');
  const title = metaContent(doc, 'meta[property="og:title"]', 'meta[name="twitter:title"]') ?? (typeof ld?.headline === 'string' ? text(ld.headline) : null) ?? (h1 || titleTag || null);
  const metaAuthor = metaContent(doc, 'meta[name="author"]', 'meta[property="article:author"]');
  const byline = names(ld?.author).length ? names(ld?.author) : metaAuthor && !/^https?:/.test(metaAuthor) ? splitByline(metaAuthor) : [];
  const timeEl = doc.querySelector('time[datetime]')?.getAttribute('datetime');
  const published = metaContent(doc, 'meta[property="article:published_time"]', 'meta[name="date"]', 'meta[name="publish-date"]', 'meta[itemprop="datePublished"]')
    ?? (typeof ld?.datePublished === 'string' ? ld.datePublished : null) ?? timeEl ?? null;
  const canonical = doc.querySelector('link[rel="canonical"]')?.getAttribute('href') ?? metaContent(doc, 'meta[property="og:url"]') ?? (typeof ld?.url === 'string' ? ld.url : null);
  const keywords = ld?.keywords;
  const tags = [...doc.querySelectorAll('meta[property="article:tag"]')].map((m) => text(m.getAttribute('content'))).filter(Boolean);
  return {
    title: title || null,
    byline,
    publishedAt: isoDate(published),
    description: metaContent(doc, 'meta[name="description"]', 'meta[property="og:description"]') ?? (typeof ld?.description === 'string' ? text(ld.description) : null),
    canonicalUrl: canonical && /^https?:\/\//i.test(canonical.trim()) ? canonical.trim() : null,
    image: metaContent(doc, 'meta[property="og:image"]', 'meta[name="twitter:image"]') ?? firstString(ld?.image),
    section: metaContent(doc, 'meta[property="article:section"]') ?? (typeof ld?.articleSection === 'string' ? text(ld.articleSection) : null),
    tags: tags.length ? tags : typeof keywords === 'string' ? keywords.split(',').map(text).filter(Boolean) : names(keywords),
  };
}

function inlineText(nodes: InlineNode[] | undefined): string {
  return (nodes ?? []).map((n) => (n.type === 'text' ? n.text : ' ')).join('');
}

/** The text a reader sees in a block, used to judge it as boilerplate or a duplicate. */
export function blockText(b: BlockNode): string {
  switch (b.type) {
    case 'paragraph':
    case 'heading':
    case 'codeBlock':
      return inlineText(b.content);
    case 'blockquote':
      return b.content.map(blockText).join(' ');
    case 'bulletList':
    case 'orderedList':
      return b.content.map((li) => li.content.map(blockText).join(' ')).join('\n');
    default:
      return '';
  }
}

/** Repairs mojibake in every text node; markup and URLs are left alone. */
function repairDoc(doc: Doc): Doc {
  const fixInline = (nodes?: InlineNode[]) => nodes?.map((n) => (n.type === 'text' ? { ...n, text: repairPunctuation(n.text) } : n));
  const fix = (b: BlockNode): BlockNode => {
    switch (b.type) {
      case 'paragraph':
      case 'heading':
        return { ...b, content: fixInline(b.content) } as BlockNode;
      case 'blockquote':
        return { ...b, content: b.content.map(fix) };
      case 'bulletList':
      case 'orderedList':
        return { ...b, content: b.content.map((li) => ({ ...li, content: li.content.map(fix) })) } as BlockNode;
      case 'image':
        return { ...b, attrs: { ...b.attrs, ...(b.attrs.caption ? { caption: repairPunctuation(b.attrs.caption) } : {}), ...(b.attrs.alt ? { alt: repairPunctuation(b.attrs.alt) } : {}) } };
      default:
        return b;
    }
  };
  return { type: 'doc', content: doc.content.map(fix) };
}

/**
 * A page's blocks as lines, for the import's corpus of repeated lines (text/corpus.ts): the whole
 * page, chrome and all, without Readability (which would double the cost of a folder).
 */
export function pageLines(html: string): string {
  assertHtmlDepth(html, 'the page');
  return htmlToDoc(html).content.map(blockText).join('\n');
}

export interface ExtractOptions {
  /** The source id when the page has no canonical URL (e.g. the file's path). */
  fallbackId: string;
  position: string;
  corpus?: CorpusStats;
  /** False: Readability's content as it is, no block cleaner (the fidelity table's "cleaner off" column). */
  clean?: boolean;
}

/** What a block is in the markup, for the cleaner: a list, a table, a heading, or a caption (a short line right under an image). */
function structureOf(b: BlockNode, prev: BlockNode | undefined): BlockStructure | null {
  if (b.type === 'bulletList' || b.type === 'orderedList') return 'list';
  if (b.type === 'table') return 'table';
  if (b.type === 'heading') return 'heading';
  if (b.type === 'paragraph' && (prev?.type === 'image' || prev?.type === 'embed' || prev?.type === 'table')) return 'caption';
  return null;
}

/** Readability strips classes: our embed cards keep theirs, so that from-html reads them back as embeds. */
const READABILITY_OPTIONS = { charThreshold: 200, classesToPreserve: ['embed-card', 'embed-provider', 'embed-title'] };

/** The DOM calls the embed pass makes, on linkedom's elements. */
interface MediaEl extends El {
  outerHTML: string;
  setAttribute(name: string, value: string): void;
  closest(sel: string): MediaEl | null;
  insertAdjacentHTML(where: 'afterend', html: string): void;
  remove(): void;
}

const MEDIA = 'iframe, video, audio, embed, object';
const POSTS = 'blockquote';
const URL_ATTRS = ['src', 'data-src', 'data', 'cite', 'data-instgrm-permalink'];

/**
 * Embedded posts and players become our own embed cards before Readability runs: Readability
 * keeps iframes from a few video sites only, and drops a paragraph that holds nothing but a
 * video, so an embed would otherwise vanish without a trace. Each element is converted by
 * from-html (the one place the embed rules live) with relative addresses resolved against the
 * page's URL; one with no http(s) address is reported among the removed lines.
 */
function embedCards(doc: El, base: string | null, lost: RemovedLine[]): void {
  const convert = (el: MediaEl, media: boolean) => {
    for (const a of URL_ATTRS) {
      const v = el.getAttribute(a)?.trim();
      if (v && base && !/^(?:https?:)?\/\//i.test(v) && !/^[a-z][a-z0-9+.-]*:/i.test(v)) {
        try {
          el.setAttribute(a, new URL(v, base).href);
        } catch {
          // Left as it is: from-html reports it below as an embed without an address.
        }
      }
    }
    const what: string[] = [];
    const embed = htmlToDoc(el.outerHTML, { onDropped: (w) => what.push(w) }).content.find((b) => b.type === 'embed');
    if (embed) {
      // A card inside a paragraph would be read as the paragraph's text: it goes after the paragraph.
      (el.closest('p') ?? el).insertAdjacentHTML('afterend', renderDoc({ type: 'doc', content: [embed] }).fullHtml);
      el.remove();
    } else if (media) {
      lost.push(...what.map((w) => ({ text: w, reason: 'embed_without_url', detail: 'embedded media with no http(s) address to link to' })));
    }
  };
  for (const el of [...doc.querySelectorAll(POSTS)] as MediaEl[]) convert(el, false);
  for (const el of [...doc.querySelectorAll(MEDIA)] as MediaEl[]) convert(el, true);
}

/**
 * Byline and date lines at the very top of the content, before the first paragraph of the story:
 * at most two of them, each a short paragraph that reads as a byline, a date, or both.
 */
function leadingHeaderLines(blocks: Doc['content']): { count: number; names: string[]; date: string | null; removed: RemovedLine[] } {
  const out = { count: 0, names: [] as string[], date: null as string | null, removed: [] as RemovedLine[] };
  for (const b of blocks.slice(0, 2)) {
    if (b.type !== 'paragraph') break;
    const line = blockText(b).trim();
    const h = line && line.length <= 160 ? parseHeaderLine(line) : null;
    if (!h) break;
    out.count++;
    out.names.push(...h.names);
    out.date ??= h.date;
    out.removed.push({ text: line, reason: 'byline', detail: 'byline or date line above the story: kept as the article’s byline and date' });
  }
  return out;
}

/**
 * A saved web page → one article: Readability finds the main content over a server-side
 * DOM; the shared block cleaner then drops paywall chrome and duplicated teasers.
 */
export function extractHtmlPage(html: string, opts: ExtractOptions): ImportItem {
  // linkedom builds the tree and Readability scores it with walks that grow with the square of
  // the depth or worse (800 nested divs took 15 s): deep pages are refused before either runs.
  assertHtmlDepth(html, 'the page');
  const { document } = parseHTML(html);
  const meta = pageMeta(document as unknown as El);
  // Readability rewrites the document it is given, so metadata is read first.
  const lostMedia: RemovedLine[] = [];
  embedCards(document as unknown as El, meta.canonicalUrl, lostMedia);
  const article = new Readability(document as never, READABILITY_OPTIONS).parse();
  const content = article?.content ?? (document as unknown as El).querySelector('body')?.textContent ?? '';
  const parsed = repairDoc(htmlToDoc(String(content)));

  const title = meta.title ?? (article?.title ? text(article.title) : null);
  // The headline often survives inside the content as well: it is the title, not the body.
  const headless = parsed.content.filter((b, i) => !(i < 2 && b.type === 'heading' && title && norm(blockText(b)) === norm(title)));
  // So does the byline line ("By Maya Okafor, Local Democracy Reporter · 3 November 2025"): it is the
  // article's byline and date, not its first paragraph (where it doubled the byline and took the drop cap).
  const header = leadingHeaderLines(headless);
  const blocks = headless.slice(header.count);
  const judged = blocks.map(blockText);
  const textual = judged.map((t, i) => (t.trim() ? i : -1)).filter((i) => i >= 0);
  const structure = textual.map((i) => structureOf(blocks[i]!, blocks[i - 1]));
  const verdict = opts.clean === false ? { removed: [] } : cleanBlocks(textual.map((i) => judged[i]!), { corpus: opts.corpus, content: { structure } });
  const drop = new Set<number>();
  const removed: RemovedLine[] = [];
  for (const r of verdict.removed) {
    const at = textual[r.index]!;
    // In HTML the markup says what a heading is: a short one is a subheading, not a stray line.
    if (blocks[at]!.type === 'heading' && r.reason === 'short_line') continue;
    // Readability has already cut the page down to the article: a fact box or a credit at its end is content.
    if (r.reason === 'trailing_chrome') continue;
    drop.add(at);
    removed.push({ text: r.text, reason: r.reason, ...(r.detail ? { detail: r.detail } : {}) });
  }
  const body: Doc = { type: 'doc', content: blocks.filter((_, i) => !drop.has(i)) };
  if (!body.content.some((b) => blockText(b).trim())) throw new Error('no article text found in the page');
  removed.unshift(...header.removed);
  removed.push(...lostMedia);
  const byline = meta.byline.length ? meta.byline : header.names.length ? header.names : article?.byline ? splitByline(text(article.byline)) : [];
  const flags: string[] = [];
  let finalTitle = title;
  if (!finalTitle) {
    // The same rule as scraped text: the first sentence, cut at a word boundary.
    finalTitle = titleFromText(judged.find((t) => t.trim()) ?? '') || 'Untitled';
    flags.push('title_from_body');
  }
  let oldPaths: string[] = [];
  if (meta.canonicalUrl) {
    try {
      const u = new URL(meta.canonicalUrl);
      if (u.pathname !== '/') oldPaths = [u.pathname + u.search];
    } catch {
      // An unparseable canonical URL is simply not used.
    }
  }
  return {
    // A canonical URL names the story only when it is a story's URL: many sites point every page at the home page.
    sourceId: oldPaths.length ? `html:${meta.canonicalUrl}` : opts.fallbackId,
    position: opts.position,
    kind: 'post',
    title: finalTitle,
    dek: meta.description ?? article?.excerpt ?? undefined,
    html: renderDoc(body).fullHtml,
    authors: byline.map((name) => ({ name })),
    sections: meta.section ? [{ name: meta.section }] : [],
    tags: meta.tags,
    publishedAt: meta.publishedAt ?? isoDate(article?.publishedTime) ?? header.date,
    sourceStatus: 'published',
    ...(meta.image && /^https?:\/\//i.test(meta.image) ? { featureImageUrl: meta.image } : {}),
    ...(meta.canonicalUrl ? { canonicalUrl: meta.canonicalUrl } : {}),
    oldPaths,
    flags,
    removed,
  };
}

const norm = (s: string) => s.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
