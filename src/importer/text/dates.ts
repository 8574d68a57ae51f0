/** Date lines under a headline: "November 3, 2025", "Nov. 3, 2025", "3 Nov 2025", "2025-11-03". */

const MONTHS = 'jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?';
const MDY = new RegExp(String.raw`\b(${MONTHS})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})\b`, 'gi');
const DMY = new RegExp(String.raw`\b(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?(${MONTHS})\.?,?\s+(\d{4})\b`, 'gi');
const YMD = /\b(\d{4})[-/](\d{1,2})[-/](\d{1,2})\b/g;
const MONTH_INDEX = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

interface Found { iso: string; index: number; length: number }

function iso(y: number, m: number, d: number): string | null {
  if (m < 1 || m > 12 || d < 1 || y < 1800 || y > 2200) return null;
  const days = new Date(Date.UTC(y, m, 0)).getUTCDate();
  if (d > days) return null;
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

const month = (name: string) => MONTH_INDEX.indexOf(name.slice(0, 3).toLowerCase()) + 1;

/** Every parseable date in the string, in order of position. */
export function findDates(s: string): Found[] {
  const out: Found[] = [];
  for (const m of s.matchAll(MDY)) {
    const d = iso(Number(m[3]), month(m[1] ?? ''), Number(m[2]));
    if (d) out.push({ iso: d, index: m.index, length: m[0].length });
  }
  for (const m of s.matchAll(DMY)) {
    const d = iso(Number(m[3]), month(m[2] ?? ''), Number(m[1]));
    if (d) out.push({ iso: d, index: m.index, length: m[0].length });
  }
  for (const m of s.matchAll(YMD)) {
    const d = iso(Number(m[1]), Number(m[2]), Number(m[3]));
    if (d) out.push({ iso: d, index: m.index, length: m[0].length });
  }
  return out.sort((a, b) => a.index - b.index);
}

/** Words a date line may carry besides the date itself. */
const FILLER = /\b(?:published|updated|posted|last|modified|first|on|at|date|mon(?:day)?|tue(?:s(?:day)?)?|wed(?:nesday)?|thu(?:rs(?:day)?)?|fri(?:day)?|sat(?:urday)?|sun(?:day)?|[ap]\.?m\.?|noon|midnight)\b/gi;
/** Time zone abbreviations (EST, NZDT, UTC), case-sensitive so ordinary words are not mistaken for them. */
const ZONE = /\b(?:[A-Z]{1,3}[SD]?T|UTC|GMT)\b/g;

/** The ISO date when the whole line is a date line (a date plus filler such as "Published", a weekday or a time). */
export function parseDateLine(s: string): string | null {
  if (s.length > 100) return null;
  const dates = findDates(s);
  const first = dates[0];
  if (!first) return null;
  let rest = s;
  for (const d of [...dates].reverse()) rest = rest.slice(0, d.index) + ' ' + rest.slice(d.index + d.length);
  rest = rest.replace(/\b\d{1,2}(?:[:.]\d{2})?\s*(?:[ap]\.?m\.?)?/gi, ' ').replace(FILLER, ' ').replace(ZONE, ' ');
  const leftover = rest.match(/\p{L}{2,}/gu) ?? [];
  return leftover.length === 0 ? first.iso : null;
}
