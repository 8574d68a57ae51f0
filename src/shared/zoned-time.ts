/**
 * Wall-clock times in a named zone, for forms: `<input type="datetime-local">` speaks local time
 * without a zone, and the newsroom schedules in the site's zone, not the browser's.
 */
const formats = new Map<string, Intl.DateTimeFormat>();
function parts(ms: number, tz: string): Record<string, number> {
  let f = formats.get(tz);
  if (!f) formats.set(tz, (f = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' })));
  const out: Record<string, number> = {};
  for (const p of f.formatToParts(ms)) if (p.type !== 'literal') out[p.type] = Number(p.value);
  return out;
}
const offsetAt = (ms: number, tz: string) => {
  const p = parts(ms, tz);
  return Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!) - Math.floor(ms / 1000) * 1000;
};

const pad = (n: number) => String(n).padStart(2, '0');

/** `2026-03-10T09:30` as it reads in `tz`. */
export function toLocalInput(ms: number, tz: string): string {
  const p = parts(ms, tz);
  return `${p.year}-${pad(p.month!)}-${pad(p.day!)}T${pad(p.hour!)}:${pad(p.minute!)}`;
}

/**
 * The instant a local `YYYY-MM-DDTHH:MM` names in `tz`, or null when it is not such a string. A
 * time skipped by a DST jump moves forward by the jump; a repeated one takes its first instant.
 */
export function fromLocalInput(value: string, tz: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value.trim());
  if (!m) return null;
  const guess = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +(m[6] ?? 0));
  if (Number.isNaN(guess)) return null;
  // The offset from half a day before, then from half a day after: the first that reads back as
  // this wall time wins (the earlier instant of a repeated hour).
  const before = guess - offsetAt(guess - 12 * 3_600_000, tz);
  if (offsetAt(before, tz) === guess - before) return before;
  const after = guess - offsetAt(guess + 12 * 3_600_000, tz);
  if (offsetAt(after, tz) === guess - after) return after;
  // Neither: the wall time falls in a DST gap, and `before` is it moved forward by the jump.
  return before;
}

/** "10 Mar 2026, 09:30 (Europe/London)": what the newsroom reads next to a scheduled time. */
export function formatInZone(ms: number, tz: string, locale = 'en-GB'): string {
  // A formatter costs far more to build than to use, and a members page formats a hundred times.
  const key = `${locale}|${tz}`;
  let f = ZONE_FORMATS.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, { timeZone: tz, day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    if (ZONE_FORMATS.size > 100) ZONE_FORMATS.clear();
    ZONE_FORMATS.set(key, f);
  }
  return `${f.format(ms)} (${tz})`;
}
const ZONE_FORMATS = new Map<string, Intl.DateTimeFormat>();
