/**
 * Decides whether a glued line is cut apart. Cutting is only done when a piece is hard
 * boilerplate, so genuine sentences with inner capitals ("iPhone", "McDonald", "U.S.") stay
 * whole; pieces that are not boilerplate are re-joined exactly as they were.
 */
import { classifyLine, isAllCapsLabel, type Verdict } from './boilerplate.js';
import { gluedPieces } from './glue.js';
import { endsTerminal, wordCount } from './normalize.js';

export interface Segment { text: string; /** set when the segment is boilerplate found inside a glued line */ verdict: Verdict | null }

function isContent(text: string, verdict: Verdict | null): boolean {
  return verdict === null && (wordCount(text) >= 4 || endsTerminal(text));
}

/**
 * The line as one or more segments. A single segment with a null verdict means "not glued
 * boilerplate"; callers classify it as usual.
 */
export function splitGlued(line: string): Segment[] {
  const pieces = gluedPieces(line);
  if (pieces.length < 2) return [{ text: line, verdict: null }];
  const verdicts = pieces.map((p) => classifyLine(p.text));
  const hard = verdicts.map((vd) => vd?.strength === 'hard');
  if (!hard.some(Boolean)) return [{ text: line, verdict: null }];

  const whole = classifyLine(line);
  const rescue = pieces.some((p, i) => isContent(p.text, verdicts[i] ?? null));
  if (whole?.strength === 'hard' && !rescue) {
    // Entirely boilerplate. Report the pieces one by one only when each stands as its own
    // notice; otherwise a seam inside a word ("LinkedIn") would produce nonsense fragments.
    if (hard.every(Boolean)) return pieces.map((p, i) => ({ text: p.text, verdict: verdicts[i] ?? null }));
    return [{ text: line, verdict: whole }];
  }

  // A caps label glued to a notice ("COMMENTSYou must…") goes with it.
  const drop = hard.map((h, i) => h
    || (isAllCapsLabel(pieces[i]?.text ?? '') && (hard[i - 1] === true || hard[i + 1] === true)));
  const out: Segment[] = [];
  let from = -1;
  const flush = (to: number) => {
    if (from < 0) return;
    const first = pieces[from];
    const last = pieces[to];
    if (first && last) out.push({ text: line.slice(first.start, last.end).trim(), verdict: null });
    from = -1;
  };
  pieces.forEach((p, i) => {
    if (drop[i]) {
      flush(i - 1);
      const vd = verdicts[i];
      out.push({ text: p.text, verdict: vd ?? { reason: 'all_caps_label', strength: 'hard', detail: 'label glued to a notice' } });
    } else if (from < 0) from = i;
  });
  flush(pieces.length - 1);
  return out;
}
