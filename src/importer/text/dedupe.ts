/**
 * Duplicated bodies. A saved paywalled page holds the article twice: the teaser (the first
 * paragraphs, sometimes cut mid-sentence) and then the full text, or the whole text repeated.
 * We find the second copy by the article's opening paragraph recurring, align the two copies,
 * keep the more complete version of each paragraph once, in order, and treat what sits
 * between the copies as wall chrome. Paragraphs found in both copies are article text.
 */
import { bodyLike, remove, substantial, type Item } from './para.js';

/** Key prefix length used to find truncated copies without comparing every pair. */
const PREFIX = 20;
/** Above this many cells the alignment falls back from LCS to a greedy walk. */
const LCS_CELLS = 4_000_000;

/** The list under `key`, created when missing: appending in place keeps a run of equal keys linear (a copy per append was quadratic). */
function listAt<K, V>(map: Map<K, V[]>, key: K): V[] {
  let list = map.get(key);
  if (!list) map.set(key, (list = []));
  return list;
}

function matchable(it: Item): boolean {
  return it.verdict?.strength !== 'hard' && it.key.length > 0;
}

/** Same paragraph: equal keys, or one is a cut-off start of the other (a truncated teaser). */
export function sameParagraph(a: Item, b: Item): boolean {
  if (a.key === b.key) return true;
  const [s, l] = a.key.length <= b.key.length ? [a, b] : [b, a];
  return s.key.length >= PREFIX && l.key.startsWith(s.key);
}

function align(A: Item[], B: Item[]): [number, number][] {
  const n = A.length;
  const m = B.length;
  if (n * m > LCS_CELLS) return greedyAlign(A, B);
  const w = m + 1;
  const dp = new Uint32Array((n + 1) * w);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      const a = A[i]!;
      const b = B[j]!;
      dp[i * w + j] = matchable(a) && matchable(b) && sameParagraph(a, b)
        ? dp[(i + 1) * w + j + 1]! + 1
        : Math.max(dp[(i + 1) * w + j]!, dp[i * w + j + 1]!);
    }
  }
  const pairs: [number, number][] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    const a = A[i]!;
    const b = B[j]!;
    if (matchable(a) && matchable(b) && sameParagraph(a, b) && dp[i * w + j] === dp[(i + 1) * w + j + 1]! + 1) {
      pairs.push([i, j]);
      i++;
      j++;
    } else if (dp[(i + 1) * w + j]! >= dp[i * w + j + 1]!) i++;
    else j++;
  }
  return pairs;
}

/** Linear fallback for huge inputs: match each A paragraph to the next equal B paragraph. */
function greedyAlign(A: Item[], B: Item[]): [number, number][] {
  const where = new Map<string, number[]>();
  B.forEach((b, j) => { if (matchable(b)) listAt(where, b.key).push(j); });
  const pairs: [number, number][] = [];
  let next = 0;
  A.forEach((a, i) => {
    if (!matchable(a)) return;
    const j = where.get(a.key)?.find((x) => x >= next);
    if (j !== undefined) { pairs.push([i, j]); next = j + 1; }
  });
  return pairs;
}

/** Index of the first later paragraph that is the same as seq[s], or -1. */
function laterCopy(seq: Item[], s: number, byPrefix: Map<string, number[]>): number {
  const a = seq[s]!;
  for (const j of byPrefix.get(a.key.slice(0, PREFIX)) ?? []) {
    if (j > s && matchable(seq[j]!) && sameParagraph(a, seq[j]!)) return j;
  }
  return -1;
}

interface Structure { s: number; c: number; pairs: [number, number][]; mode: 'teaser' | 'repeat' }

export interface DedupeOptions {
  /**
   * Blocks of a page's main content (HTML), where repetition is also how a story is written: a meal
   * plan's items, an interview's labels, a list's "Get it on Amazon" lines. There a second copy is
   * the duplicated body only as a run of blocks from the opening, in the same order, with nothing
   * but flagged chrome left over in the first copy; and a single repeat is swept only when it is a
   * long paragraph (singleRepeatWords), never a short line.
   */
  inContent?: boolean;
}

/** Words a lone repeated block needs, in a page's content, to be swept as a copy (a repeated pull quote). */
export const SINGLE_REPEAT_WORDS = 12;

/** The copy reads as a duplicated body: a run of matches from the opening, leaving only flagged chrome unmatched. */
function runFromOpening(A: Item[], pairs: [number, number][]): boolean {
  const first = pairs[0]!;
  if (first[0] !== 0 || first[1] !== 0) return false;
  if (pairs.length < 2 && A[0]!.words < 15) return false;
  const matched = new Set(pairs.map(([i]) => i));
  return A.every((it, i) => matched.has(i) || it.verdict !== null);
}

/**
 * The article's opening (one of its first three substantial paragraphs) recurring later marks
 * the second copy. Anything else repeated (a pull quote) is left to the final sweep.
 */
function findStructure(seq: Item[], opts: DedupeOptions): Structure | null {
  const byPrefix = new Map<string, number[]>();
  seq.forEach((it, i) => {
    if (!matchable(it)) return;
    const k = it.key.slice(0, PREFIX);
    listAt(byPrefix, k).push(i);
  });
  let tried = 0;
  for (let s = 0; s < seq.length && tried < 3; s++) {
    if (!substantial(seq[s]!)) continue;
    tried++;
    const c = laterCopy(seq, s, byPrefix);
    if (c < 0) continue;
    const A = seq.slice(s, c);
    const B = seq.slice(c);
    const pairs = align(A, B);
    if (!pairs.some(([i]) => substantial(A[i]!))) continue;
    const lastA = pairs[pairs.length - 1]![0];
    // One matched paragraph followed by real prose is a repeated quote, not a teaser.
    if (pairs.length < 2 && A.slice(lastA + 1).some((it) => bodyLike(it) && it.ctaScore <= 0)) continue;
    if (opts.inContent && !runFromOpening(A, pairs)) continue;
    const alignedB = new Set(pairs.map(([, j]) => j));
    const extraInB = B.filter((it, j) => !alignedB.has(j) && bodyLike(it)).length;
    return { s, c, pairs, mode: extraInB > 0 ? 'teaser' : 'repeat' };
  }
  return null;
}

const n = (p: number | null) => (p === null ? 'another paragraph' : `paragraph ${p}`);

/** Applies one structure: returns the surviving items in their merged order. */
function resolve(seq: Item[], st: Structure): Item[] {
  const A = seq.slice(st.s, st.c);
  const B = seq.slice(st.c);
  const out = seq.slice(0, st.s);
  let pa = 0;
  let pb = 0;
  for (const [i, j] of st.pairs) {
    out.push(...A.slice(pa, i), ...B.slice(pb, j));
    const a = A[i]!;
    const b = B[j]!;
    const keepB = b.key.length !== a.key.length ? b.key.length > a.key.length : st.mode === 'teaser';
    const [kept, dropped] = keepB ? [b, a] : [a, b];
    const describe = st.mode === 'teaser'
      ? keepB ? (p: number | null) => `teaser copy of ${n(p)}` : (p: number | null) => `shorter copy of ${n(p)} in the full text`
      : keepB ? (p: number | null) => `truncated first copy of ${n(p)}` : (p: number | null) => `second copy of ${n(p)} (text repeated)`;
    remove(dropped, { reason: 'duplicate', partner: kept, describe });
    if (kept.words >= 4 || kept.terminal) kept.protected = true;
    out.push(kept);
    pa = i + 1;
    pb = j + 1;
  }
  const where = st.mode === 'teaser' ? 'between the teaser and the full text' : 'between the two copies of the text';
  for (const it of A.slice(pa)) {
    if (it.verdict) remove(it, { reason: it.verdict.reason, detail: `${it.verdict.detail}, ${where}` });
    // Real prose (long, a sentence, no call-to-action cues) is never dropped for its position alone.
    else if (bodyLike(it) && it.ctaScore <= 0) out.push(it);
    else remove(it, { reason: 'wall_chrome', detail: `${where} (paywall chrome)` });
  }
  out.push(...B.slice(pb));
  return out.filter((it) => !it.removal);
}

/**
 * Copies left after the structural passes: a paragraph repeated exactly, or cut off (ending in an
 * ellipsis or mid-sentence) where a complete version exists. The complete/first copy stays.
 */
function sweep(seq: Item[], opts: DedupeOptions): Item[] {
  const byKey = new Map<string, Item>();
  const byPrefix = new Map<string, Item[]>();
  for (const it of seq) {
    if (!matchable(it) || (it.words < 4 && !it.terminal) || (opts.inContent && it.words < SINGLE_REPEAT_WORDS)) continue;
    const first = byKey.get(it.key);
    if (first) { remove(it, { reason: 'duplicate', partner: first, describe: (p) => `repeats ${n(p)}` }); continue; }
    byKey.set(it.key, it);
    if (it.key.length >= PREFIX) {
      const k = it.key.slice(0, PREFIX);
      listAt(byPrefix, k).push(it);
    }
  }
  for (const list of byPrefix.values()) {
    for (const short of list) {
      if (short.removal || short.terminal && !/(?:…|\.\.\.)["”’)]*$/.test(short.text)) continue;
      const full = list.find((o) => o !== short && !o.removal && o.key.length > short.key.length && o.key.startsWith(short.key));
      if (full) remove(short, { reason: 'duplicate', partner: full, describe: (p) => `truncated copy of ${n(p)}` });
    }
  }
  return seq.filter((it) => !it.removal);
}

/** Resolves every duplicated-body structure (up to three copies) and then stray repeats. */
export function dedupe(seq: Item[], opts: DedupeOptions = {}): Item[] {
  for (let pass = 0; pass < 3; pass++) {
    const st = findStructure(seq, opts);
    if (!st) break;
    seq = resolve(seq, st);
  }
  return sweep(seq, opts);
}
