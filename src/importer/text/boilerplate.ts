/**
 * Line-level boilerplate classifier. It judges a line by its shape (length, case, terminal
 * punctuation, grammatical person, imperative opening) plus a small, publication-neutral
 * vocabulary of call-to-action verbs and paywall nouns — never by one site's exact phrases.
 *
 * `hard` verdicts are dropped wherever they appear; `soft` ones (short lines, caps labels, corpus
 * repeats) are dropped unless the line is part of the duplicated article body, which is stronger
 * evidence that it is article text.
 */
import { endsTerminal, wordCount } from './normalize.js';

export type Strength = 'hard' | 'soft';
export interface Verdict { reason: string; strength: Strength; detail: string }

/** Verbs a call to action opens with. "sign", "log", "read"… only count with their particle (below). */
const CTA_VERBS = new Set([
  'subscribe', 'join', 'register', 'share', 'follow', 'download', 'accept', 'click', 'tap', 'get', 'start',
  'become', 'upgrade', 'unlock', 'support', 'donate', 'renew', 'claim', 'activate', 'buy', 'gift', 'discover',
  'explore', 'enjoy', 'listen', 'watch', 'view', 'see', 'continue', 'try', 'login', 'signup', 'manage', 'save',
  'reject', 'allow', 'agree', 'create', 'show', 'load', 'leave', 'tweet', 'install', 'keep', 'stay',
]);
const CTA_PHRASES = /^(?:sign[\s-]?(?:up|in|on)|log[\s-]?(?:in|out|on)|read (?:more|next|also|on|our|the full|the rest)|learn more|find out more|don[’']?t miss|be the first|click here|tap here)\b/;
/** Politeness or pointers a call to action may open with before its verb. */
const CTA_LEAD = /^(?:please|now|just|simply|click here to|tap here to|to)\s+/;

/** Offer, limit and account words: phrases a paywall uses and news prose rarely does. */
const PAYWALL_STRONG = new RegExp([
  String.raw`\bsubscri(?:ber|bers|ption|ptions)\b`,
  String.raw`\bfree trial\b`,
  String.raw`\b(?:\d+|one|two|three|four|seven|ten|fourteen|thirty)[\s-](?:days?|weeks?|months?)\s+(?:for\s+)?free\b`,
  String.raw`\b(?:free|remaining|premium|subscriber[- ]only) (?:articles?|stor(?:y|ies)|reads?)\b`,
  String.raw`\b(?:articles?|stor(?:y|ies)|reading) limit\b`,
  String.raw`\bpaywall\b`,
  String.raw`\balready (?:a |an )?(?:member|subscriber|registered)\b`,
  String.raw`\bunlimited (?:digital )?access\b`,
  String.raw`[$£€]\s?\d[\d.,]*\s*/\s*(?:mo|month|week|wk|year|yr|day)\b`,
  String.raw`[$£€]\s?\d[\d.,]*\s*(?:a|per|for(?: your first| the first| one| 1)?)\s+(?:month|week)s?\b`,
].join('|'), 'i');
/** Weaker paywall signals: a nudge, not proof. Counted at most once. */
const PAYWALL_WEAK = /\b(?:access|members?|membership|premium|insider|exclusive|unlimited|offer|trial|subscribe|subscribing|journalism|continue reading|keep reading|to continue|to read|to view|to comment)\b/i;
const GATED = /\b(?:for|exclusive to) (?:paid |paying |digital )?(?:subscribers|members)\b|\b(?:subscribers?|members) only\b/i;
const SECOND_PERSON = /\b(?:you|your|yours)\b/i;
const CTA_ANYWHERE = /\b(?:subscribe|log[\s-]?in|login|sign[\s-]?(?:in|up)|register)\b/i;
/** Something for the reader to act on: what separates "Share this article" from a subheading "Support grows". */
const CTA_OBJECT = /\b(?:you|your|our|us|now|today|here|free|more|this (?:article|story|page|post)|below|newsletter|account|app)\b/i;
/** What makes a whole sentence a call to action: it speaks to the reader or of our offer. */
const SENTENCE_CTA_OBJECT = /\b(?:you|your|yours|our|us|free|this (?:article|story|page|post)|newsletter|account|app)\b/i;
/** Reported speech and quotation: article prose, even when it talks about subscribing. */
const PROSE_CUES = /["“”]|\b(?:said|says|told|according to)\b/i;

const SHARE_ONLY = /^(?:(?:share(?: (?:this|on|via)(?: (?:article|story|post|page))?)?|facebook|twitter|x|e-?mail|whatsapp|linkedin|reddit|pinterest|print|copy(?: link)?|messenger|telegram|bluesky|threads|mastodon|flipboard|sms|tweet|link)[\s|•·,/:]*)+$/i;
const RELATED_HEADING = /^(?:related(?: (?:articles?|stories|content|coverage|news|reading|links?))?|more (?:from|on|in|stories|news|articles|headlines|like this)|recommended(?: for you)?|popular|most (?:read|popular|viewed|shared)|trending(?: now)?|top stories|latest(?: news| stories)?|you (?:may|might) also like|also read|read (?:more|next|also)|see also|further reading|editor[’']?s picks|in other news)\b/i;

function firstWords(s: string): string {
  return s.toLowerCase().replace(/^[^\p{L}\p{N}]+/u, '').replace(CTA_LEAD, '');
}

/** Whether the line opens like an imperative call to action. */
export function opensWithCta(s: string): boolean {
  const head = firstWords(s);
  if (CTA_PHRASES.test(head)) return true;
  const first = /^[\p{L}]+/u.exec(head)?.[0];
  return first !== undefined && CTA_VERBS.has(first);
}

export interface CtaAnalysis { score: number; paywall: boolean; object: boolean }

/**
 * How much a line reads as a call to action or paywall notice. Three or more is boilerplate.
 * Long lines, quotation and reported speech pull the score down: a council report that the
 * town "voted to subscribe to the regional water scheme" is news, not an offer.
 */
export function ctaAnalysis(s: string): CtaAnalysis {
  const words = wordCount(s);
  const start = opensWithCta(s);
  const paywall = PAYWALL_STRONG.test(s);
  // A full declarative sentence ("Support for the timetable has grown among members…") opens with a
  // CTA verb by accident; only when it also addresses the reader or names our offer is it a call to action.
  const sentence = words >= 10 && /[.…]["”’)]*$/.test(s.trim()) && !SECOND_PERSON.test(s);
  const nudge = !sentence || SENTENCE_CTA_OBJECT.test(s) || (start && paywall);
  let score = 0;
  if (start && nudge) score += 2;
  if (start && words <= 4) score += 1;
  if (paywall) score += 2;
  if (GATED.test(s)) score += 1;
  if (nudge && PAYWALL_WEAK.test(s)) score += 1;
  if (SECOND_PERSON.test(s)) score += 1;
  if (!start && CTA_ANYWHERE.test(s)) score += 1;
  if (!endsTerminal(s) || /[!?]["”’)]*$/.test(s)) score += 1;
  if (words > 30) score -= 3;
  if (PROSE_CUES.test(s)) score -= 2;
  return { score, paywall, object: paywall || (nudge && (CTA_OBJECT.test(s) || PAYWALL_WEAK.test(s))) };
}

export function isAllCapsLabel(s: string): boolean {
  const letters = s.replace(/[^\p{L}]/gu, '');
  // Capitals are a label's mark only in scripts that have them: a line of Chinese is not "all caps".
  return letters.length >= 2 && /\p{Lu}/u.test(letters) && !/\p{Ll}/u.test(letters) && wordCount(s) <= 6;
}

export function isRelatedHeading(s: string): boolean {
  return RELATED_HEADING.test(s.replace(/^[^\p{L}]+/u, '')) && wordCount(s) <= 6 && !/\.$/.test(s);
}

const v = (reason: string, strength: Strength, detail: string): Verdict => ({ reason, strength, detail });

const MAX_SHARE_LINE = 1_000;

/** The intrinsic verdict for one line, or null when it reads as article text. Corpus and position are judged elsewhere. */
export function classifyLine(s: string): Verdict | null {
  const words = wordCount(s);
  if (words === 0) return v('short_line', 'soft', 'no words');
  const lower = s.toLowerCase();
  const second = SECOND_PERSON.test(s);
  const terminal = endsTerminal(s);
  const start = opensWithCta(s);

  // A row of share buttons is short; on a line of megabytes the pattern's backtracking overflows the regex stack.
  if (s.length <= MAX_SHARE_LINE && SHARE_ONLY.test(s)) return v('share_line', 'hard', 'share buttons');
  if (/^(?:©|\(c\)\s|copyright\b)|\ball rights reserved\b/i.test(s) && words <= 20) return v('copyright', 'hard', 'copyright notice');
  if (/^share\b/i.test(s) && words <= 6 && !terminal) return v('share_line', 'hard', 'share prompt');
  if (/\bcookies?\b/.test(lower) && words <= 40 && (second || /\b(?:accept|consent|privacy|polic(?:y|ies)|browsing|preferences|agree)\b/.test(lower)))
    return v('cookie_notice', 'hard', 'cookie banner');
  if (/^comments?\b/.test(lower) && words <= 4) return v('comments_prompt', 'hard', 'comments heading');
  if (/\b(?:comments?|commenting|conversation)\b/.test(lower) && words <= 25
    && (second || start || !terminal || /\b(?:subscriber|log ?in|sign in)\b/.test(lower)) && !PROSE_CUES.test(s))
    return v('comments_prompt', 'hard', 'comment section prompt');
  if (/\bnewsletters?\b/.test(lower) && words <= 30 && (second || start || !terminal || /\bsign[\s-]?up\b/.test(lower)) && !PROSE_CUES.test(s))
    return v('newsletter', 'hard', 'newsletter sign-up');
  if (isRelatedHeading(s)) return v('related_heading', 'hard', 'heading of a list of other articles');

  const cta = ctaAnalysis(s);
  if (cta.score >= 3) {
    const reason = cta.paywall ? 'paywall' : 'call_to_action';
    const detail = cta.paywall ? 'paywall or subscription offer' : 'imperative call to action';
    return v(reason, cta.object ? 'hard' : 'soft', detail);
  }
  if (isAllCapsLabel(s) && !terminal) return v('all_caps_label', 'soft', 'short all-caps label');
  if (words <= 3 && !terminal) return v('short_line', 'soft', 'short line without a sentence');
  return null;
}
