/** Small text measures shared by the cleaner's modules. Inputs are already punctuation-repaired. */

/** Ends a sentence: . ! ? or … optionally followed by closing quotes/brackets. */
const TERMINAL = /[.!?…](?:["'”’)\]]+)?$/u;
const WORD = /[\p{L}\p{N}]+(?:['’.\-][\p{L}\p{N}]+)*/gu;

export function endsTerminal(s: string): boolean {
  return TERMINAL.test(s);
}

export function wordCount(s: string): number {
  let n = 0;
  WORD.lastIndex = 0;
  while (WORD.exec(s)) n++;
  return n;
}

export function collapseWhitespace(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

/**
 * Comparison key: lowercased, accents and apostrophes dropped, every other run of
 * non-alphanumerics collapsed to one space. Copies that differ only by whitespace, quote
 * style, dashes or repaired mojibake get the same key.
 */
export function keyOf(s: string): string {
  return s
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/['’‘`´]/g, '')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}
