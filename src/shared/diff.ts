/** A line diff (longest common subsequence), for the revision history. */
export type DiffLine = { op: 'same' | 'add' | 'del'; text: string };

/** Inputs past this many lines each are compared as removed-then-added: the table is quadratic. */
const MAX_LINES = 3000;

export function lineDiff(before: string[], after: string[]): DiffLine[] {
  let start = 0;
  while (start < before.length && start < after.length && before[start] === after[start]) start++;
  let end = 0;
  while (end < before.length - start && end < after.length - start && before[before.length - 1 - end] === after[after.length - 1 - end]) end++;
  const a = before.slice(start, before.length - end);
  const b = after.slice(start, after.length - end);
  const head = before.slice(0, start).map((text): DiffLine => ({ op: 'same', text }));
  const tail = before.slice(before.length - end).map((text): DiffLine => ({ op: 'same', text }));
  if (a.length > MAX_LINES || b.length > MAX_LINES) {
    return [...head, ...a.map((text): DiffLine => ({ op: 'del', text })), ...b.map((text): DiffLine => ({ op: 'add', text })), ...tail];
  }
  const w = b.length + 1;
  const t = new Uint32Array((a.length + 1) * w);
  for (let i = a.length - 1; i >= 0; i--) for (let j = b.length - 1; j >= 0; j--) {
    t[i * w + j] = a[i] === b[j] ? t[(i + 1) * w + j + 1]! + 1 : Math.max(t[(i + 1) * w + j]!, t[i * w + j + 1]!);
  }
  const mid: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) { mid.push({ op: 'same', text: a[i]! }); i++; j++; }
    else if (t[(i + 1) * w + j]! >= t[i * w + j + 1]!) mid.push({ op: 'del', text: a[i++]! });
    else mid.push({ op: 'add', text: b[j++]! });
  }
  while (i < a.length) mid.push({ op: 'del', text: a[i++]! });
  while (j < b.length) mid.push({ op: 'add', text: b[j++]! });
  return [...head, ...mid, ...tail];
}
