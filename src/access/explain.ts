import type { MeterRules } from './rules.js';

/** How long an allowance lasts, as the end of a sentence ("3 free articles a day"). */
const PER: Record<MeterRules['period'], string> = {
  calendar_day: 'a day',
  rolling_24h: 'in any 24 hours',
  week: 'a week',
  calendar_month: 'a month',
};

const articles = (n: number) => (n === 0 ? 'no free articles' : `${n} free article${n === 1 ? '' : 's'}`);

/**
 * The meter rules in plain words, for the settings page: one sentence per rule, in the order a
 * reader meets them. The figures are the ones access/decision.ts applies (the address meter is
 * anonymousAllowance × sharedAddressFactor; the ceiling counts metered articles per address).
 */
export function explainMeter(rules: MeterRules, timezone: string): string[] {
  const per = PER[rules.period];
  const anon = rules.anonymousAllowance;
  const member = rules.memberAllowance;
  const out: string[] = [];
  const first = `Readers who are not signed in get ${articles(anon)}${anon === 0 ? '' : ` ${per}`}`;
  if (member > anon) out.push(`${first}; registering gives ${member}${anon === 0 ? ` ${per}` : ''}.`);
  else if (member === anon) out.push(`${first}; registering gives no more.`);
  else out.push(`${first}; registered readers get ${member === 0 ? 'none' : `only ${member}`}.`);
  out.push({
    calendar_day: `The count starts again at midnight, ${timezone} time.`,
    rolling_24h: 'Each article read counts for 24 hours, then frees its place.',
    week: `The count starts again on Monday at midnight, ${timezone} time.`,
    calendar_month: `The count starts again on the first of each month, ${timezone} time.`,
  }[rules.period]);
  out.push('An article already opened in the period stays open and is not counted twice.');
  if (anon > 0) {
    out.push(`Browsers that keep no cookie are counted by address and browser; together they get at most ${anon * rules.sharedAddressFactor} articles ${per} from one address (${rules.sharedAddressFactor} × ${anon}, room for readers who share one).`);
    out.push(`However many browsers it names, one address gets at most ${rules.addressCeiling} metered article${rules.addressCeiling === 1 ? '' : 's'} ${per} without a cookie.`);
  }
  out.push(rules.verifiedCrawlers
    ? 'Search engine crawlers verified by their address (Googlebot) read every metered article in full.'
    : 'Search engine crawlers get the preview, like any reader over the meter.');
  out.push('Subscribers and staff are never metered.');
  return out;
}
