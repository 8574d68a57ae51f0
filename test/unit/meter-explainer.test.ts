import { describe, expect, it } from 'vitest';
import { explainMeter } from '../../src/access/explain.js';
import { DEFAULT_RULES, type MeterRules } from '../../src/access/rules.js';

const rules = (o: Partial<MeterRules>): MeterRules => ({ ...DEFAULT_RULES, ...o });

/** The meter rules in words: the first sentence (the allowances) and the reset, case by case. */
describe('explainMeter', () => {
  const FIRST: [Partial<MeterRules>, string][] = [
    [{}, 'Readers who are not signed in get 3 free articles a day; registering gives 5.'],
    [{ anonymousAllowance: 1, memberAllowance: 1 }, 'Readers who are not signed in get 1 free article a day; registering gives no more.'],
    [{ anonymousAllowance: 0, memberAllowance: 4, period: 'week' }, 'Readers who are not signed in get no free articles; registering gives 4 a week.'],
    [{ anonymousAllowance: 0, memberAllowance: 0 }, 'Readers who are not signed in get no free articles; registering gives no more.'],
    [{ anonymousAllowance: 5, memberAllowance: 2, period: 'calendar_month' }, 'Readers who are not signed in get 5 free articles a month; registered readers get only 2.'],
    [{ anonymousAllowance: 2, memberAllowance: 0 }, 'Readers who are not signed in get 2 free articles a day; registered readers get none.'],
    [{ anonymousAllowance: 10, memberAllowance: 20, period: 'rolling_24h' }, 'Readers who are not signed in get 10 free articles in any 24 hours; registering gives 20.'],
  ];
  it.each(FIRST)('%j → %s', (o, sentence) => {
    expect(explainMeter(rules(o), 'UTC')[0]).toBe(sentence);
  });

  const RESET: [MeterRules['period'], string][] = [
    ['calendar_day', 'The count starts again at midnight, Europe/London time.'],
    ['rolling_24h', 'Each article read counts for 24 hours, then frees its place.'],
    ['week', 'The count starts again on Monday at midnight, Europe/London time.'],
    ['calendar_month', 'The count starts again on the first of each month, Europe/London time.'],
  ];
  it.each(RESET)('%s resets: %s', (period, sentence) => {
    expect(explainMeter(rules({ period }), 'Europe/London')[1]).toBe(sentence);
  });

  it('gives the cookieless figures the decision applies, and leaves them out when nobody signed out reads free', () => {
    const words = explainMeter(rules({ anonymousAllowance: 3, sharedAddressFactor: 4, addressCeiling: 25 }), 'UTC').join(' ');
    expect(words).toContain('at most 12 articles a day from one address (4 × 3');
    expect(words).toContain('at most 25 metered articles a day without a cookie');
    expect(explainMeter(rules({ anonymousAllowance: 0 }), 'UTC').join(' ')).not.toContain('cookie');
  });

  it('says what crawlers get', () => {
    expect(explainMeter(rules({ verifiedCrawlers: true }), 'UTC').join(' ')).toContain('Googlebot) read every metered article in full');
    expect(explainMeter(rules({ verifiedCrawlers: false }), 'UTC').join(' ')).toContain('crawlers get the preview');
  });
});
