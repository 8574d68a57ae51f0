/**
 * The top of a saved page: an optional kicker, the headline, then byline and date lines.
 * Boilerplate above the headline (cookie banners, the site name repeated across the corpus)
 * is skipped over and left for the body stages to remove.
 */
import { parseHeaderLine } from './byline.js';
import { remove, type Item } from './para.js';
import { headlineShaped } from './title.js';

export interface Header {
  headline: Item | null;
  byline: string[];
  date: string | null;
  /** Headline, byline and date lines: a later line with the same key is a repeat of them. */
  echoes: { key: string; what: string }[];
}

/** How far below the headline byline and date lines are looked for. */
const HEADER_SCAN = 6;

const chrome = (it: Item) => it.verdict?.strength === 'hard' || it.verdict?.reason === 'corpus_repeat';
const label = (it: Item) => it.verdict?.reason === 'short_line' || it.verdict?.reason === 'all_caps_label';

function isHeadline(it: Item, next: Item | undefined): boolean {
  if (chrome(it) || !headlineShaped(it.text) || parseHeaderLine(it.text)) return false;
  // The body's own opening line (its start repeated as the first paragraph) is not a headline.
  return !(next && it.key.length >= 10 && next.key.startsWith(it.key));
}

/** Finds the header and marks byline/date lines (and a kicker above the headline) as removed. */
export function extractHeader(items: Item[]): Header {
  const out: Header = { headline: null, byline: [], date: null, echoes: [] };
  let i = 0;
  // Above the headline, even a soft call to action ("Manage preferences") is banner chrome.
  const above = (it: Item) => chrome(it) || it.verdict?.reason === 'call_to_action' || it.verdict?.reason === 'paywall';
  while (i < items.length && above(items[i]!) && !parseHeaderLine(items[i]!.text)) i++;
  const nextBody = (from: number) => items.slice(from).find((x) => !chrome(x) && !parseHeaderLine(x.text));

  const takeHeadline = () => {
    let cand = items[i];
    if (!cand || !isHeadline(cand, nextBody(i + 1))) return;
    const after = items[i + 1];
    // A section label ("LOCAL NEWS") sitting above a longer headline.
    if (cand.words <= 3 && after && after.words > cand.words && isHeadline(after, nextBody(i + 2))) {
      remove(cand, { reason: cand.verdict?.reason ?? 'short_line', detail: 'section label above the headline' });
      cand = after;
      i++;
    }
    out.headline = cand;
    out.echoes.push({ key: cand.key, what: 'the headline' });
    i++;
  };
  /** Byline and date lines from i on; true when at least one was found. */
  const takeBylineAndDate = () => {
    let found = false;
    for (let seen = 0; i < items.length && seen < HEADER_SCAN; i++, seen++) {
      const it = items[i]!;
      const h = parseHeaderLine(it.text);
      if (h) {
        found = true;
        if (out.byline.length === 0 && h.names.length) out.byline = h.names;
        out.date ??= h.date;
        const reason = h.names.length ? 'byline' : 'dateline';
        const detail = [h.names.length ? `author: ${h.names.join(', ')}` : '', h.date ? `date: ${h.date}` : ''].filter(Boolean).join('; ');
        remove(it, { reason, detail });
        out.echoes.push({ key: it.key, what: `the ${reason === 'byline' ? 'byline' : 'date line'}` });
      } else if (!chrome(it) && !label(it)) break;
    }
    return found;
  };

  takeHeadline();
  // Some templates put the byline or date above the headline.
  if (takeBylineAndDate() && !out.headline) {
    takeHeadline();
    if (out.headline) takeBylineAndDate();
  }
  return out;
}
