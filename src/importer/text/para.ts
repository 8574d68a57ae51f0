/** One paragraph candidate as the cleaner's stages see it. */
import { ctaAnalysis, type Verdict } from './boilerplate.js';
import { endsTerminal, keyOf, wordCount } from './normalize.js';

export interface Removal {
  reason: string;
  detail?: string;
  /** For duplicates: the copy that was kept; the detail names its final paragraph number. */
  partner?: Item;
  /** Builds the detail once paragraph numbers are known. */
  describe?: (paragraph: number | null) => string;
}

export interface Item {
  text: string;
  key: string;
  words: number;
  terminal: boolean;
  /** Input order (line, then piece), for reporting removals in order. */
  order: number;
  /** Index of the source block (cleanBlocks) or line (cleanScrapedText). */
  source: number;
  verdict: Verdict | null;
  ctaScore: number;
  /** Appears in both copies of a duplicated body: article text, whatever its shape. */
  protected: boolean;
  removal: Removal | null;
}

export function makeItem(text: string, order: number, source: number, verdict: Verdict | null): Item {
  return {
    text,
    key: keyOf(text),
    words: wordCount(text),
    terminal: endsTerminal(text),
    order,
    source,
    verdict,
    ctaScore: ctaAnalysis(text).score,
    protected: false,
    removal: null,
  };
}

/** Reads as a sentence of article prose: no boilerplate verdict, eight words or more, ends a sentence. */
export function bodyLike(it: Item): boolean {
  return it.verdict === null && it.words >= 8 && it.terminal;
}

/** Enough text that a match between two copies is evidence, not coincidence. */
export function substantial(it: Item): boolean {
  return it.verdict?.strength !== 'hard' && it.words >= 6;
}

export function remove(it: Item, removal: Removal): void {
  if (!it.removal) it.removal = removal;
}
