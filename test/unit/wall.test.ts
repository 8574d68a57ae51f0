import { describe, expect, it } from 'vitest';
import { ReaderSlot, wallHasForm, type WallProps } from '../../src/web/pages/wall.js';
import { DEFAULT_RULES } from '../../src/access/rules.js';
import type { AccessDecision } from '../../src/access/decision.js';

/** Issue 13: every metered wall says the free articles are used, how many, when they come back; members get member actions. */
const wall = (decision: Partial<AccessDecision>, o: Partial<WallProps> = {}) => ReaderSlot({
  decision: { full: false, reason: 'limit_reached', left: 0, count: false, resetsAt: null, ...decision },
  reader: 'anonymous', rules: DEFAULT_RULES, articleId: 1, returnTo: '/articles/x', trialDays: 14, csrf: 'TOKEN', ...o,
}).value.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');

describe('the wall’s words', () => {
  it.each([
    ['anonymous at the daily meter, members get more', { reason: 'registration_required' as const }, {}, ['You’ve read your 3 free articles today', 'come back at midnight', 'read 2 more articles today', 'Already a subscriber?']],
    ['member at the weekly meter', {}, { reader: 'member' as const, rules: { ...DEFAULT_RULES, period: 'week' as const } }, ['You’ve read your 5 free articles this week', 'come back on Monday', 'start your free 14-day trial', 'Try 14 days free']],
    ['anonymous, monthly, no member bonus', {}, { rules: { ...DEFAULT_RULES, period: 'calendar_month' as const, memberAllowance: 3 } }, ['You’ve read your 3 free articles this month', 'on the first of the month']],
    ['rolling 24 hours', {}, { rules: { ...DEFAULT_RULES, period: 'rolling_24h' as const, memberAllowance: 3 } }, ['in the last 24 hours', 'a day after each article was read']],
    ['a paid article, for a member', { reason: 'paid_only' as const, left: null }, { reader: 'member' as const }, ['This article is for subscribers', 'You can start your free 14-day trial now']],
  ])('%s', (_name, decision, props, phrases) => {
    const text = wall(decision, props);
    for (const p of phrases) expect(text).toContain(p);
  });

  it('never shows a signed-in member a sign-in or sign-up form, and needs no token for them', () => {
    for (const reason of ['limit_reached', 'registration_required', 'paid_only'] as const) {
      const html = ReaderSlot({ decision: { full: false, reason, left: reason === 'paid_only' ? null : 0, count: false, resetsAt: null }, reader: 'member', rules: DEFAULT_RULES, articleId: 1, returnTo: '/a', trialDays: 14 }).value;
      expect(html, reason).not.toMatch(/<form|Log in|Already a subscriber/);
      expect(wallHasForm({ full: false, reason, left: 0, count: false, resetsAt: null }, 'member'), reason).toBe(false);
    }
  });
});
