/** Byline lines: "By Jane Smith", "By Jane Smith and Tom Ng", "By JANE SMITH, Staff writer | Nov 3, 2025". */
import { findDates, parseDateLine } from './dates.js';

export interface HeaderLine { names: string[]; date: string | null }

const PREFIX = /^(?:(?:words|story|written|reporting|report|text)\s+)?by\s+(?=\p{Lu})/iu;
const PARTICLE = /^(?:de|del|della|der|den|da|di|du|dos|das|la|le|van|von|bin|al|el|y|st\.?)$/;
const ROLE = /\b(?:staff|writer|reporter|editor|correspondent|contributor|columnist|photographer|intern|bureau|chief|senior|desk|team|newsroom|wire|press|service|producer|journalist|freelance|special|political|business|sports|reporting)\b/i;

function titleCaseIfShouted(name: string): string {
  if (/\p{Ll}/u.test(name)) return name;
  return name.toLowerCase().replace(/(^|[\s'’-])(\p{Ll})/gu, (_m, sep: string, ch: string) => sep + ch.toUpperCase());
}

function isName(part: string): boolean {
  const tokens = part.split(/\s+/);
  if (tokens.length < 1 || tokens.length > 5) return false;
  if (!/^\p{Lu}/u.test(tokens[0] ?? '') || /^the$/i.test(tokens[0] ?? '') || ROLE.test(part)) return false;
  return tokens.every((t) => /^\p{Lu}[\p{L}'’.-]*$/u.test(t) || PARTICLE.test(t));
}

/** Names (and a date, when one rides along) from a byline line, or null when the line is not a byline. */
export function parseByline(line: string): HeaderLine | null {
  if (line.length > 160) return null;
  const m = PREFIX.exec(line);
  if (!m) return null;
  let rest = line.slice(m[0].length);
  // A sentence ("By Monday, the harbour was closed.") ends with a period; a byline does not,
  // unless its last word is an initial or "Jr.".
  if (/\.$/.test(rest) && !/(?:^|\s)(?:\p{Lu}|Jr|Sr)\.$/u.test(rest)) return null;
  let date: string | null = null;
  const dates = findDates(rest);
  for (const d of [...dates].reverse()) {
    date = d.iso;
    rest = rest.slice(0, d.index) + ' | ' + rest.slice(d.index + d.length);
  }
  const parts = rest.split(/\s*[,|•·;]\s*|\s+(?:and|&)\s+|\s+[-–—]\s+/i).map((p) => p.trim()).filter(Boolean);
  const names: string[] = [];
  for (const part of parts) {
    if (isName(part)) names.push(titleCaseIfShouted(part));
    else if (names.length === 0) return null; // the first thing after "By" must be a person
    else if (parseDateLine(part)) date ??= parseDateLine(part);
    else if (!(ROLE.test(part) || /^the\s/i.test(part) || /^\p{Lu}/u.test(part) || /^(?:published|updated|posted)\b/i.test(part))) return null;
  }
  return names.length ? { names, date } : null;
}

/**
 * A line holding a byline, a date, or both separated by "|" or "•". Null when any segment is
 * neither: then it is not a header line at all.
 */
export function parseHeaderLine(line: string): HeaderLine | null {
  const byline = parseByline(line);
  if (byline) return byline;
  const date = parseDateLine(line);
  if (date) return { names: [], date };
  const segments = line.split(/\s*[|•·]\s*/).filter(Boolean);
  if (segments.length < 2) return null;
  const out: HeaderLine = { names: [], date: null };
  for (const seg of segments) {
    const b = parseByline(seg);
    const d = b ? null : parseDateLine(seg);
    if (b) { out.names.push(...b.names); out.date ??= b.date; } else if (d) out.date ??= d;
    else return null;
  }
  return out;
}
