/**
 * Scrapers drop the markup between adjacent page elements, gluing them into one line:
 * "TRY 14 DAYS FREEAlready a subscriber? Log In", "…article limit.Subscribe and…".
 * This finds the candidate seams. They also occur inside genuine words ("iPhone", "McDonald",
 * "U.S.", "e.g.The"), so callers only cut at a seam when a piece is boilerplate (see split.ts).
 */

export interface Piece { text: string; start: number; end: number }

const UPPER = /\p{Lu}/u;
const LOWER = /\p{Ll}/u;
const DIGIT = /\p{N}/u;

function is(re: RegExp, ch: string | undefined): boolean {
  return ch !== undefined && re.test(ch);
}

/** Offsets where a new element seems to begin with no space before it. */
export function seams(s: string): number[] {
  const out: number[] = [];
  for (let p = 1; p < s.length; p++) {
    if (!is(UPPER, s[p])) continue;
    const a = s[p - 1];
    const b = p >= 2 ? s[p - 2] : undefined;
    if (is(LOWER, a)) out.push(p); // "newsletterSubscribe", "InJoin" (also "iPhone": callers decide)
    else if (a !== undefined && '.!?…'.includes(a) && (is(LOWER, b) || is(DIGIT, b))) out.push(p); // "limit.Subscribe"; not "U.S.A"
    else if (a !== undefined && '"”’)'.includes(a) && b !== undefined && '.!?'.includes(b)) out.push(p); // 'said.”You'
    else if (is(UPPER, a) && is(UPPER, b) && is(LOWER, s[p + 1])) out.push(p); // "FREEAlready"
  }
  return out;
}

/** The line cut at every seam; a single piece when there is none. */
export function gluedPieces(s: string): Piece[] {
  const cuts = seams(s);
  const pieces: Piece[] = [];
  let start = 0;
  for (const c of [...cuts, s.length]) {
    const text = s.slice(start, c).trim();
    if (text) pieces.push({ text, start, end: c });
    start = c;
  }
  return pieces;
}
