/**
 * The scraped-plain-text cleaner: one clean copy of an article's body from a saved paywalled
 * page, with headline, byline and date, and a record of every line it dropped and why.
 *
 * Stages (each a small module):
 *   repair punctuation (mojibake.ts) → join wrapped lines → cut glued boilerplate (split.ts)
 *   → classify lines by shape (boilerplate.ts) and corpus repeats (corpus.ts)
 *   → headline/byline/date (header.ts) → duplicated bodies (dedupe.ts)
 *   → drop boilerplate not protected by the duplication → title (title.ts).
 */
import type { RemovedLine } from '../types.js';
import { classifyLine, type Verdict } from './boilerplate.js';
import { isCorpusRepeat, type CorpusStats } from './corpus.js';
import { dedupe } from './dedupe.js';
import { adLabel, edgeVerdict, isCredit, isTagsHeading } from './edges.js';
import { extractHeader, type Header } from './header.js';
import { repairPunctuation } from './mojibake.js';
import { collapseWhitespace, endsTerminal, keyOf, wordCount } from './normalize.js';
import { bodyLike, makeItem, remove, type Item } from './para.js';
import { splitGlued } from './split.js';
import { titleFromText } from './title.js';

export { buildCorpus, type CorpusStats } from './corpus.js';
export { repairPunctuation } from './mojibake.js';

export interface CleanOptions { corpus?: CorpusStats }

export interface CleanText {
  title: string;
  titleFromBody: boolean;
  byline: string[];
  date: string | null;
  paragraphs: string[];
  removed: RemovedLine[];
}

function judge(text: string, corpus: CorpusStats | undefined): Verdict | null {
  const verdict = classifyLine(text);
  if (verdict?.strength === 'hard') return verdict;
  // A full sentence repeated across stories ("Officers said nothing of value was taken and the shop
  // reopened later the same day.") is still reporting; only shorter lines are judged by repetition alone.
  if (!(endsTerminal(text) && wordCount(text) >= 12) && isCorpusRepeat(text, keyOf(text), corpus)) {
    const n = corpus?.lineDocs.get(keyOf(text)) ?? 0;
    return { reason: 'corpus_repeat', strength: 'soft', detail: `appears in ${n} of ${corpus?.docs ?? 0} documents (site chrome)` };
  }
  return verdict;
}

/**
 * Headlines listed under "Related articles" (up to the next sentence of prose) are not this article.
 * In a page's content (`structure` given) a "Related: headline" line is one link, not the head of
 * a list, and the story's own next heading ends a list.
 */
function markRelatedLists(items: Item[], structure?: (BlockStructure | null)[]): void {
  let inList = false;
  for (const it of items) {
    if (it.removal) continue;
    if (it.verdict?.reason === 'related_heading') { inList = !structure || !/[:：]\s*\S/.test(it.text); continue; }
    if (structure?.[it.source] === 'heading') inList = false;
    if (!inList) continue;
    if (bodyLike(it)) { inList = false; continue; }
    if (it.verdict?.strength !== 'hard') it.verdict = { reason: 'related_list', strength: 'hard', detail: 'headline of another article under a "related" list' };
  }
}

/**
 * A wrapped line: the previous line stops mid-sentence and this one continues in lowercase.
 * Kept conservative (a long previous line, neither part boilerplate) so separate elements are never merged.
 */
function continues(prev: string, line: string): boolean {
  return prev.length >= 30 && /[\p{L}\p{N},-]$/u.test(prev) && /^\p{Ll}/u.test(line)
    && classifyLine(prev)?.strength !== 'hard' && classifyLine(line)?.strength !== 'hard';
}

function logicalLines(text: string): { text: string; source: number }[] {
  const out: { text: string; source: number }[] = [];
  let afterBlank = true;
  text.split(/\r\n?|\n/).forEach((raw, source) => {
    const line = collapseWhitespace(repairPunctuation(raw));
    if (!line) { afterBlank = true; return; }
    const last = out[out.length - 1];
    if (last && !afterBlank && continues(last.text, line)) last.text += (/\p{L}-$/u.test(last.text) ? '' : ' ') + line;
    else out.push({ text: line, source });
    afterBlank = false;
  });
  return out;
}

/** The body stages shared by plain text and HTML blocks: returns the kept items in order. */
function cleanBody(items: Item[], header: Header | null): Item[] {
  let seq = items.filter((it) => !it.removal && it !== header?.headline);
  if (header) {
    for (const it of seq) {
      const echo = header.echoes.find((e) => e.key === it.key);
      if (echo) remove(it, { reason: 'duplicate', detail: `repeats ${echo.what}` });
    }
    seq = seq.filter((it) => !it.removal);
  }
  seq = dedupe(seq);
  for (const it of seq) {
    const v = it.verdict;
    if (v && (v.strength === 'hard' || !it.protected)) remove(it, { reason: v.reason, detail: v.detail });
  }
  seq = seq.filter((it) => !it.removal);
  // Fragments after the last sentence of the article: footer links, captions of other stories.
  if (seq.some(bodyLike)) {
    for (let i = seq.length - 1; i >= 0; i--) {
      const it = seq[i]!;
      // Only fragments with no sentence punctuation at all: a glued "…said.Subscribe" still holds a sentence.
      if (it.protected || /[.!?…]/.test(it.text) || it.words >= 15) break;
      remove(it, { reason: 'trailing_chrome', detail: 'fragment after the end of the article' });
    }
    seq = seq.filter((it) => !it.removal);
  }
  return seq;
}

function report(items: Item[], kept: Item[]): (RemovedLine & { item: Item })[] {
  const number = new Map(kept.map((it, i) => [it, i + 1]));
  return items
    .filter((it) => it.removal)
    .sort((a, b) => a.order - b.order)
    .map((it) => {
      const r = it.removal!;
      const detail = r.describe ? r.describe(r.partner ? number.get(r.partner) ?? null : null) : r.detail;
      return { text: it.text, reason: r.reason, ...(detail ? { detail } : {}), item: it };
    });
}

export function cleanScrapedText(text: string, opts: CleanOptions = {}): CleanText {
  const items: Item[] = [];
  for (const line of logicalLines(text)) {
    for (const seg of splitGlued(line.text)) {
      items.push(makeItem(seg.text, items.length, line.source, seg.verdict ?? judge(seg.text, opts.corpus)));
    }
  }
  markRelatedLists(items);
  const header = extractHeader(items);
  const kept = cleanBody(items, header);
  const paragraphs = kept.map((it) => it.text);
  const removed = report(items, kept).map(({ item: _item, ...r }) => r);

  let title = header.headline?.text ?? '';
  const titleFromBody = !title;
  if (!title) title = titleFromText(paragraphs[0] ?? items[0]?.text ?? '');
  return { title, titleFromBody, byline: header.byline, date: header.date, paragraphs, removed };
}

/** What a block is in its page's markup, when more than a paragraph: structure that makes a short line content. */
export type BlockStructure = 'list' | 'table' | 'caption' | 'heading';

export interface BlockCleanOptions extends CleanOptions {
  /**
   * The blocks are the main content Readability chose from a page (issue 18), each with its
   * structure (null for a paragraph). Inside it, structure and position protect a line; chrome
   * is what stands at the body's edges, or is flagged by the hard rules, or repeats across files.
   */
  content?: { structure: (BlockStructure | null)[] };
}

/** The shape rules that misfire on a story's own short lines: product names, credits, one-line answers. */
const SHAPE_REASONS = new Set(['short_line', 'all_caps_label', 'call_to_action']);
/** A line's opening words, numbers as one shape, to know a trailing "Get it on Amazon for $12" or "16:40" as one of the story's own. */
const opening = (it: Item) => it.key.replace(/\p{N}+/gu, '0').split(' ').slice(0, 3).join(' ');

/**
 * The body stages for a page's main content. Duplicates are judged strictly (dedupe's inContent);
 * then a soft shape or corpus verdict stands only in the runs of flagged blocks that touch the
 * content's start or end, and even there structure (a list, table, caption, heading or credit)
 * or opening as a protected line inside does overrules it; the edge rules (edges.ts) judge what
 * stands before the first or after the last paragraph of prose. Hard verdicts (paywall, cookie,
 * newsletter, share…) stand anywhere.
 */
function cleanContent(items: Item[], structure: (BlockStructure | null)[]): Item[] {
  let seq = dedupe(items.filter((it) => !it.removal), { inContent: true });
  // A comment policy or a disclosure is written in sentences: it does not make the body reach the edge.
  const edgeChrome = seq.map((it) => edgeVerdict(it.text));
  const body = seq.map((it, i) => (bodyLike(it) && !edgeChrome[i] ? i : -1)).filter((i) => i >= 0);
  const first = body[0] ?? seq.length;
  const last = body[body.length - 1] ?? -1;
  // Chrome touches an edge: the runs of flagged blocks at the very start and end of the content.
  // A short line between the last paragraph of prose and such a run ("Att: 412" above a credit) is the story's.
  const flagged = (i: number) => seq[i]!.verdict !== null || edgeChrome[i] !== null;
  let head = 0;
  while (head < first && flagged(head)) head++;
  let tail = seq.length - 1;
  while (tail > last && flagged(tail)) tail--;
  const atEdge = (i: number) => i < head || i > tail;
  const sheltered = (it: Item, i: number): boolean => {
    const v = it.verdict!;
    // A line repeated across the import's files is chrome at the body's edges; inside the story it is the story's own.
    const shape = SHAPE_REASONS.has(v.reason) || v.reason === 'corpus_repeat';
    if ((structure[it.source] || isCredit(it.text)) && shape) return true;
    return !atEdge(i) && v.strength === 'soft' && shape;
  };
  const inside = new Set<string>();
  seq.forEach((it, i) => { if (it.verdict && sheltered(it, i)) inside.add(opening(it)); });
  seq.forEach((it, i) => {
    const edge = i < first || i > last;
    // "Topics" over a list of them: the heading and its list are one tags block.
    const prev = seq[i - 1];
    const ev = !edge ? null : edgeChrome[i] ?? (structure[it.source] === 'list' && prev && isTagsHeading(prev.text) ? edgeVerdict(`${prev.text}: ${it.text}`) : null);
    if (ev) return remove(it, { reason: ev.reason, detail: ev.detail });
    const v = it.verdict;
    if (!v || sheltered(it, i)) return;
    if (v.strength === 'soft' && (it.protected || (SHAPE_REASONS.has(v.reason) && inside.has(opening(it))))) return;
    remove(it, { reason: v.reason, detail: v.detail });
  });
  seq = seq.filter((it) => !it.removal);
  return seq;
}

/**
 * The block-level classifier shared with the HTML importer: given a page's blocks as plain
 * text, which are boilerplate/duplicates. A block is kept or dropped whole: one that glues a
 * notice to article text is kept, since dropping it would lose the article text.
 */
export function cleanBlocks(blocks: string[], opts: BlockCleanOptions = {}): { keep: boolean[]; removed: (RemovedLine & { index: number })[] } {
  const items: Item[] = [];
  blocks.forEach((block, index) => {
    const text = collapseWhitespace(repairPunctuation(block));
    if (!text) return; // an empty block (an image, a rule) is not ours to judge
    const segments = splitGlued(text);
    const allNotice = segments.length > 1 && segments.every((s) => s.verdict?.strength === 'hard');
    let verdict = allNotice ? segments[0]!.verdict : judge(text, opts.corpus);
    if (segments.length > 1 && !allNotice && verdict?.strength === 'hard') verdict = null;
    if (opts.content) verdict = adLabel(text) ?? verdict;
    items.push(makeItem(text, index, index, verdict));
  });
  markRelatedLists(items, opts.content?.structure);
  const kept = opts.content ? cleanContent(items, opts.content.structure) : cleanBody(items, null);
  const keep = blocks.map(() => true);
  const removed = report(items, kept).map(({ item, ...r }) => {
    keep[item.source] = false;
    return { ...r, index: item.source };
  });
  return { keep, removed };
}
