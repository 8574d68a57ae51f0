/**
 * Import fidelity, measured as the extraction benchmarks do (issue 18): the body text as word
 * 4-shingles, counted with multiplicity, against a hand-made ground truth. Precision is how much
 * of what we kept is article text, recall how much of the article text we kept. A text too short
 * for a shingle is one shingle of its words.
 *
 * runFidelityCorpus reads a folder of saved pages, each `name.html` beside its truth `name.txt`
 * (one block of the body per line), imports each with the cleaner on and off, and checks every
 * line the cleaner removed against the truth. The test and `npm run bench:fidelity` both use it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { htmlToDoc } from '../content/richtext/from-html.js';
import { blocksText } from '../content/richtext/render.js';
import { extractHtmlPage } from './html/extract.js';
import { keyOf } from './text/normalize.js';
import type { RemovedLine } from './types.js';

const SHINGLE = 4;

export const words = (text: string): string[] => keyOf(text).split(' ').filter(Boolean);

/** The text's word 4-shingles with their counts. */
export function shingles(text: string): Map<string, number> {
  const w = words(text);
  const out = new Map<string, number>();
  const n = w.length < SHINGLE ? (w.length ? 1 : 0) : w.length - SHINGLE + 1;
  for (let i = 0; i < n; i++) {
    const s = w.slice(i, i + SHINGLE).join(' ');
    out.set(s, (out.get(s) ?? 0) + 1);
  }
  return out;
}

export interface Score { precision: number; recall: number; f1: number }

/** Precision, recall and F1 of `got` against `truth`, shingles counted with multiplicity. Empty against empty is perfect. */
export function score(got: string, truth: string): Score {
  const g = shingles(got);
  const t = shingles(truth);
  let common = 0;
  let gn = 0;
  let tn = 0;
  for (const [s, n] of g) { gn += n; common += Math.min(n, t.get(s) ?? 0); }
  for (const n of t.values()) tn += n;
  const precision = gn ? common / gn : tn ? 0 : 1;
  const recall = tn ? common / tn : 1;
  const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
  return { precision, recall, f1 };
}

/** The body text an import kept, as a reader sees it (table cells and embed titles included). */
export const itemText = (html: string): string => blocksText(htmlToDoc(html).content);

/**
 * A removal that cost article text: the removed line is a line of the truth, or most of its
 * shingles are in the truth. A duplicate is wrong only when its text is no longer in the kept body.
 */
export function wrongRemoval(r: RemovedLine, truthLines: string[], kept: string): boolean {
  const key = keyOf(r.text);
  if (!key) return false;
  if (r.reason === 'duplicate') return !keyOf(kept).includes(key);
  if (truthLines.some((l) => keyOf(l) === key)) return true;
  const mine = shingles(r.text);
  const truth = shingles(truthLines.join('\n'));
  let inTruth = 0;
  let all = 0;
  for (const [s, n] of mine) { all += n; inTruth += Math.min(n, truth.get(s) ?? 0); }
  return words(r.text).length >= SHINGLE && inTruth / all > 0.5;
}

/**
 * Truth lines not found whole in the kept text. Shingle recall also drops a little when a block the
 * truth does not have (an embed's title) is kept between two of its lines, since the shingles across
 * that boundary go; a missing line is text lost.
 */
export function missingLines(truthLines: string[], kept: string): string[] {
  const k = ` ${keyOf(kept)} `;
  return truthLines.filter((l) => keyOf(l) && !k.includes(` ${keyOf(l)} `));
}

export interface PageResult {
  name: string;
  on: Score;
  off: Score;
  /** What the cleaner removed, by reason. */
  removed: RemovedLine[];
  /** Removals that cost article text. */
  wrong: RemovedLine[];
  /** Lines of the truth that are not, whole, in the kept body. */
  missing: string[];
}

export function scorePage(name: string, html: string, truth: string): PageResult {
  const opts = { fallbackId: name, position: `${name}.html` };
  const on = extractHtmlPage(html, opts);
  const off = extractHtmlPage(html, { ...opts, clean: false });
  const kept = itemText(on.html);
  const truthLines = truth.split('\n').filter((l) => l.trim());
  // The byline line is the article's byline, not its body, in both runs (it is in neither truth nor body).
  const removed = (on.removed ?? []).filter((r) => r.reason !== 'byline');
  return {
    name,
    on: score(kept, truth),
    off: score(itemText(off.html), truth),
    removed,
    wrong: removed.filter((r) => wrongRemoval(r, truthLines, kept)),
    missing: missingLines(truthLines, kept),
  };
}

export function runFidelityCorpus(dir: string): PageResult[] {
  return readdirSync(dir).filter((f) => f.endsWith('.html')).sort().map((f) => {
    const name = f.replace(/\.html$/, '');
    return scorePage(name, readFileSync(join(dir, f), 'utf8'), readFileSync(join(dir, `${name}.txt`), 'utf8'));
  });
}

/** Micro-averaged over the corpus would weight long pages; the benchmarks average per page, as this does. */
export function meanScore(scores: Score[]): Score {
  const m = (k: keyof Score) => scores.reduce((a, s) => a + s[k], 0) / (scores.length || 1);
  return { precision: m('precision'), recall: m('recall'), f1: m('f1') };
}

/** The table the fidelity note quotes: F1 / P / R per page, cleaner on and off, and the mean. */
export function fidelityTable(results: PageResult[]): string {
  const f = (n: number) => n.toFixed(3);
  const row = (name: string, on: Score, off: Score, removed: number | string, wrong: number | string) =>
    `| ${name} | ${f(on.f1)} | ${f(on.precision)} | ${f(on.recall)} | ${f(off.f1)} | ${f(off.precision)} | ${f(off.recall)} | ${removed} | ${wrong} |`;
  return [
    '| page | on F1 | on P | on R | off F1 | off P | off R | removed | wrong |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...results.map((r) => row(r.name, r.on, r.off, r.removed.length, r.wrong.length)),
    row('**mean**', meanScore(results.map((r) => r.on)), meanScore(results.map((r) => r.off)), results.reduce((a, r) => a + r.removed.length, 0), results.reduce((a, r) => a + r.wrong.length, 0)),
  ].join('\n');
}
