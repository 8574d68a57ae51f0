/**
 * Chrome that a page's content area carries at its ends: the date line, the tags list, the
 * comment policy, an advertisement label. Readability keeps them because they sit inside the
 * article element; the cleaner judges them only before the first or after the last paragraph of
 * prose (edgeVerdict), where chrome lives, so the same words inside the story are left alone.
 */
import type { Verdict } from './boilerplate.js';
import { parseDateLine } from './dates.js';
import { wordCount } from './normalize.js';

const TAGS_WORDS = String.raw`(?:tags?|tagged(?: with| as)?|topics?|filed (?:under|in)|categor(?:y|ies)|posted in|keywords|related topics|more about)`;
const TAGS = new RegExp(String.raw`^${TAGS_WORDS}\s*[:：]`, 'i');
const TAGS_HEADING = new RegExp(String.raw`^${TAGS_WORDS}\s*[:：]?$`, 'i');
/** "Follow us on X", "Like us on Facebook": a social prompt, whatever the network. */
const SOCIAL = /^(?:follow|like|join|find|connect with) (?:us|@[\w.]+|the [\w ]{1,40}?) on (?:x|twitter|facebook|instagram|tiktok|bluesky|threads|mastodon|linkedin|youtube|whatsapp|telegram|social media)\b/i;
const DATE_LEAD = /^(?:published|updated|first published|last (?:updated|modified)|posted|originally published)\b[\s:]*/i;
const COMMENT_POLICY = /\b(?:comments?|commenting|commenters?|discussion)\b[^.]*\b(?:moderat\w*|polic(?:y|ies)|guidelines|standards|terms|civil|respectful|off[- ]topic|abusive|reserve the right|closed|pre-?moderated|approved)\b|\b(?:community|house|commenting) (?:guidelines|rules|standards)\b/i;
/** A label a page puts where an advertisement was. Judged anywhere: it is never a sentence of a story. */
const AD_LABEL = /^(?:advertisement|advert|ad|sponsored(?: content)?|story continues below(?: advertisement)?|article continues below(?: this)?(?: advertisement| ad)?|continue reading below|scroll to continue(?: with content)?)$/i;

const AFFILIATE = /\b(?:earn|receive|get) (?:a )?(?:small )?(?:commission|share of (?:the )?(?:sale|revenue))\b|\baffiliate (?:links?|partners?|programmes?|programs?)\b/i;
/** A credit line: who took the photographs, styled the food, added reporting. Content wherever it stands. */
const CREDIT = /^(?:(?:additional )?(?:photo(?:graph)?s?|photography|pictures?|images?|words|text|illustrations?|video|film|graphics?|styling|food styling|prop styling|recipe|reporting|editing|edited|produced|production|design|interview)(?: and [a-z ]+)?(?:\s*(?:by|[:：])))\s*\p{Lu}/iu;

/** A heading that names a tags list below it ("Topics", "Tags:"). */
export function isTagsHeading(s: string): boolean {
  return TAGS_HEADING.test(s.trim());
}

export function isCredit(s: string): boolean {
  return CREDIT.test(s.trim()) && wordCount(s) <= 20;
}

const v = (reason: string, detail: string): Verdict => ({ reason, strength: 'hard', detail });

/** An advertisement placeholder's label: dropped wherever it stands. */
export function adLabel(s: string): Verdict | null {
  return AD_LABEL.test(s.trim().replace(/[.:…\s]+$/, '')) ? v('ad_label', 'where an advertisement was') : null;
}

/** The verdict for a block at an edge of the body (outside the first … last paragraph of prose), or null. */
export function edgeVerdict(s: string): Verdict | null {
  const t = s.trim();
  const words = wordCount(t);
  if ((TAGS.test(t) || TAGS_HEADING.test(t)) && words <= 40) return v('tags_line', 'a list of tags or topics at the edge of the body');
  if (SOCIAL.test(t) && words <= 30) return v('social_prompt', 'a follow-us prompt at the edge of the body');
  if (parseDateLine(t.replace(DATE_LEAD, '')) !== null || (DATE_LEAD.test(t) && words <= 12 && /\d/.test(t))) return v('date_line', 'a date line at the edge of the body');
  if (COMMENT_POLICY.test(t) && words <= 80) return v('comment_policy', 'a comment policy at the edge of the body');
  if (AFFILIATE.test(t) && words <= 60) return v('affiliate_notice', 'an affiliate-link disclosure at the edge of the body');
  return null;
}
