/**
 * Lines repeated across many files of one import are site chrome (mastheads, taglines, footer
 * links), whatever their wording: the corpus finds them without knowing the site.
 */
import { repairPunctuation } from './mojibake.js';
import { collapseWhitespace, keyOf, wordCount } from './normalize.js';
import { gluedPieces } from './glue.js';

export interface CorpusStats {
  /** documents seen */
  docs: number;
  /** normalised line key → number of documents containing it */
  lineDocs: Map<string, number>;
}

/** Counts each normalised line once per document; glued lines also count their pieces. */
export function buildCorpus(texts: Iterable<string>): CorpusStats {
  const lineDocs = new Map<string, number>();
  let docs = 0;
  for (const text of texts) {
    docs++;
    const seen = new Set<string>();
    for (const raw of text.split(/\r\n?|\n/)) {
      const line = collapseWhitespace(repairPunctuation(raw));
      if (!line) continue;
      seen.add(keyOf(line));
      const pieces = gluedPieces(line);
      if (pieces.length > 1) for (const p of pieces) seen.add(keyOf(p.text));
    }
    for (const k of seen) if (k) lineDocs.set(k, (lineDocs.get(k) ?? 0) + 1);
  }
  return { docs, lineDocs };
}

/** Longer than this, a line reads as prose; prose is never dropped on corpus grounds alone. */
const CORPUS_MAX_WORDS = 25;

/** In at least max(3, 30 % of documents) of a corpus of three or more. */
export function isCorpusRepeat(text: string, key: string, corpus: CorpusStats | undefined): boolean {
  if (!corpus || corpus.docs < 3 || !key) return false;
  const n = corpus.lineDocs.get(key) ?? 0;
  return n >= Math.max(3, 0.3 * corpus.docs) && wordCount(text) <= CORPUS_MAX_WORDS;
}
