/** Small text measures shared by the cleaner's modules. Inputs are already punctuation-repaired. */

/** Ends a sentence: . ! ? or … (or the full-width 。！？ of Chinese and Japanese), optionally followed by closing quotes/brackets. */
const TERMINAL = /[.!?…。！？．](?:["'”’)\]」』]+)?$/u;
/** Scripts written without spaces between words: each character counts as a word, near enough for judging length. */
const UNSPACED = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}]/gu;
const WORD = /[\p{L}\p{N}]+(?:['’.\-][\p{L}\p{N}]+)*/gu;

export function endsTerminal(s: string): boolean {
  return TERMINAL.test(s);
}

export function wordCount(s: string): number {
  const unspaced = s.match(UNSPACED)?.length ?? 0;
  const rest = unspaced ? s.replace(UNSPACED, ' ') : s;
  let n = unspaced;
  WORD.lastIndex = 0;
  while (WORD.exec(rest)) n++;
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
