/**
 * Punctuation repair for scraped text: UTF-8 that was decoded as Windows-1252 or Latin-1
 * ("mojibake"), odd spaces, and left quotes used as apostrophes. Letters of words are never
 * rewritten except where a mojibake sequence decodes to the letter it always was ("Ã©" → "é").
 */

/** Windows-1252 bytes 0x80–0x9F that are not the same code point in Unicode. */
const CP1252_SPECIALS: Record<number, number> = {
  0x20ac: 0x80, 0x201a: 0x82, 0x0192: 0x83, 0x201e: 0x84, 0x2026: 0x85, 0x2020: 0x86, 0x2021: 0x87,
  0x02c6: 0x88, 0x2030: 0x89, 0x0160: 0x8a, 0x2039: 0x8b, 0x0152: 0x8c, 0x017d: 0x8e, 0x2018: 0x91,
  0x2019: 0x92, 0x201c: 0x93, 0x201d: 0x94, 0x2022: 0x95, 0x2013: 0x96, 0x2014: 0x97, 0x02dc: 0x98,
  0x2122: 0x99, 0x0161: 0x9a, 0x203a: 0x9b, 0x0153: 0x9c, 0x017e: 0x9e, 0x0178: 0x9f,
};

/** The byte a character stood for when UTF-8 was misread as Windows-1252/Latin-1, or -1. */
function byteOf(ch: number): number {
  if (ch >= 0x80 && ch <= 0xff) return ch; // Latin-1, including the C1 controls lenient decoders emit for 0x81, 0x8D, 0x9D…
  return CP1252_SPECIALS[ch] ?? -1;
}

const CONT = '\\u0080-\\u00BF\\u0152\\u0153\\u0160\\u0161\\u0178\\u017D\\u017E\\u0192\\u02C6\\u02DC\\u2013\\u2014\\u2018-\\u201E\\u2020-\\u2022\\u2026\\u2030\\u2039\\u203A\\u20AC\\u2122';
/** A lead byte (Â–ô) followed by at least one continuation-byte character: the only places worth decoding. */
const CANDIDATE = new RegExp(`[\\u00C2-\\u00F4][${CONT}]+`, 'g');

/**
 * Whether a decoded code point is a plausible original. Two-byte results are limited to Latin
 * letters/symbols and Greek/Cyrillic so that genuine text such as "CAFÉ”" (É + ”) is left alone.
 */
function plausible(cp: number, len: number): boolean {
  if (len === 2) return (cp >= 0xa0 && cp <= 0x17f) || (cp >= 0x370 && cp <= 0x4ff);
  if (cp >= 0xd800 && cp <= 0xdfff) return false;
  return len === 3 ? cp >= 0x800 : cp >= 0x10000 && cp <= 0x10ffff;
}

function decodeRun(run: string): string {
  let out = '';
  let i = 0;
  while (i < run.length) {
    const lead = run.charCodeAt(i);
    const len = lead >= 0xc2 && lead <= 0xdf ? 2 : lead >= 0xe0 && lead <= 0xef ? 3 : lead >= 0xf0 && lead <= 0xf4 ? 4 : 0;
    if (len > 0 && i + len <= run.length) {
      let cp = lead & (len === 2 ? 0x1f : len === 3 ? 0x0f : 0x07);
      let ok = true;
      for (let k = 1; k < len; k++) {
        const b = byteOf(run.charCodeAt(i + k));
        if (b < 0x80 || b > 0xbf) { ok = false; break; }
        cp = (cp << 6) | (b & 0x3f);
      }
      if (ok && plausible(cp, len)) {
        out += String.fromCodePoint(cp);
        i += len;
        continue;
      }
    }
    out += run[i];
    i++;
  }
  return out;
}

/** "â€" left over once decoding is done: the closing quote whose last byte was lost (below). */
const BARE_QUOTE = new RegExp(`â€\\uFFFD?(?![${CONT}])`, 'g');

function repairMojibake(s: string): string {
  // Text mangled twice ("Ã¢â‚¬â„¢") needs two passes; three is a safe ceiling.
  for (let pass = 0; pass < 3; pass++) {
    const next = s.replace(CANDIDATE, decodeRun);
    if (next === s) break;
    s = next;
  }
  // The closing quote's last byte (0x9D) is undefined in Windows-1252 and is often dropped or
  // replaced, leaving a bare "â€"; no real word contains "â€", so it can only be that quote.
  return s.replace(BARE_QUOTE, '\u201D');
}

/**
 * Repairs punctuation without touching words:
 * - mojibake sequences (â€™ → ’, â€œ → “, â€” → —, Ã© → é, double-encoded too), decoded only when
 *   the bytes form valid UTF-8 that decodes to a plausible character;
 * - non-breaking and other fixed-width spaces → space; zero-width spaces, BOMs and soft hyphens removed;
 * - a LEFT single quote between two letters ("don‘t") → right single quote/apostrophe ("don’t").
 *   A ‘ next to a digit or a space ("the ‘90s", "‘Yes’") is ambiguous with an opening quote and is kept.
 */
export function repairPunctuation(s: string): string {
  let out = /[\u00C2-\u00F4]/.test(s) ? repairMojibake(s) : s;
  out = out
    .replace(/[\u00A0\u2007\u202F\u2000-\u2006\u2008-\u200A\u205F\u3000]/g, ' ')
    .replace(/[\u200B\uFEFF\u00AD]/g, '')
    .replace(/(?<=\p{L})\u2018(?=\p{L})/gu, '\u2019');
  return out;
}
