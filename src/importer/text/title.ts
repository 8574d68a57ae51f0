/** Headline detection and the fallback title taken from the body's first sentence. */
import { endsTerminal, wordCount } from './normalize.js';

/** Abbreviations whose period does not end a sentence ("Mr. Ruiz", "Gov. Hale", "Jan. 4"). */
const ABBREVIATIONS = new Set([
  'mr', 'mrs', 'ms', 'mx', 'dr', 'st', 'jr', 'sr', 'no', 'gov', 'sen', 'rep', 'lt', 'col', 'gen', 'sgt', 'capt', 'cpt',
  'prof', 'inc', 'co', 'corp', 'ltd', 'vs', 'mt', 'ft', 'ave', 'rd', 'dept', 'approx', 'cllr', 'supt', 'insp', 'hon',
  'rev', 'fr', 'jan', 'feb', 'mar', 'apr', 'jun', 'jul', 'aug', 'sep', 'sept', 'oct', 'nov', 'dec', 'est', 'fig', 'vol',
]);
/** Small words a cut title should not end on. */
const DANGLING = /\s+(?:a|an|the|and|or|but|of|to|in|on|at|for|with|by|from|as|that|which|who|its|their|his|her)$/i;

export const TITLE_MAX = 90;
export const HEADLINE_MAX = 150;

/** The first sentence of a paragraph, without splitting after abbreviations or initials. */
export function firstSentence(p: string): string {
  const re = /[.!?…]["”’)]*(?=\s+["“‘(]?[\p{Lu}\p{N}])/gu;
  for (const m of p.matchAll(re)) {
    const before = p.slice(0, m.index);
    const word = /(\S+)$/.exec(before)?.[1] ?? '';
    const bare = word.replace(/^[^\p{L}]+/u, '');
    if (m[0].startsWith('.') && (/^\p{L}$/u.test(bare) || bare.includes('.') || ABBREVIATIONS.has(bare.toLowerCase()))) continue;
    return p.slice(0, m.index + m[0].length);
  }
  return p;
}

/**
 * A title from body text: the first sentence, without its final period, cut at a word boundary
 * when longer than TITLE_MAX. A cut title ends in a whole word followed by "…", never in
 * punctuation or a dangling "and"/"the".
 */
export function titleFromText(p: string): string {
  let s = firstSentence(p.trim()).trim();
  if (s.length <= TITLE_MAX) return s.replace(/(?<![.\s]\p{L})\.$/u, '').replace(/[,;:]$/, '').trim();
  s = s.slice(0, TITLE_MAX + 1);
  const space = s.lastIndexOf(' ');
  s = space > 20 ? s.slice(0, space) : s.slice(0, TITLE_MAX);
  let prev = '';
  while (prev !== s) {
    prev = s;
    s = s.replace(/[\s,;:\-–—(“"‘'/&]+$/u, '').replace(DANGLING, '');
  }
  return `${s}…`;
}

/**
 * Whether a line looks like a headline: short, not a sentence ending in a period (question and
 * exclamation marks are fine), at least two words.
 */
export function headlineShaped(s: string): boolean {
  if (s.length > HEADLINE_MAX || wordCount(s) < 2) return false;
  if (endsTerminal(s) && !/[?!]["”’)]*$/.test(s)) return false;
  return !/[,;:]$/.test(s);
}
