import { describe, expect, it } from 'vitest';
import { fillWallCopy, wallCopySchema, wallKind, DEFAULT_WALL_COPY } from '../../src/access/wall-copy.js';
import { ReaderSlot } from '../../src/web/pages/wall.js';
import { DEFAULT_RULES } from '../../src/access/rules.js';

const FIGURES = { free: '3 free articles', period: 'today', resets: 'at midnight', more: '2', trial_days: '14' };

describe('the wall’s own words', () => {
  it.each([
    [true, true, 'register'], [true, false, 'limit'], [false, true, 'registered'], [false, false, 'paid'],
  ] as const)('metered %s, register %s → %s', (metered, register, kind) => {
    expect(wallKind(metered, register)).toBe(kind);
  });

  it.each([
    ['You have read {free} {period}.', 'You have read 3 free articles today.'],
    ['Back {resets}; {more} more if you register.', 'Back at midnight; 2 more if you register.'],
    ['{trial_days} days free', '14 days free'],
    ['No placeholders', 'No placeholders'],
  ])('%s → %s', (template, out) => {
    expect(fillWallCopy(template, FIGURES)).toBe(out);
  });

  it('refuses a placeholder it does not know, and empty text', () => {
    const r = wallCopySchema.partial().safeParse({ limitTitle: 'Read {freee}' });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.message).toMatch(/^uses a placeholder we do not know; use \{free\}/);
    expect(wallCopySchema.partial().safeParse({ limitTitle: '   ' }).success).toBe(false);
  });

  it('is used by the wall with the real figures, and the built-in wording when unset', () => {
    const slot = (copy = DEFAULT_WALL_COPY) => ReaderSlot({
      decision: { full: false, reason: 'limit_reached', left: 0, count: false, resetsAt: null },
      reader: 'member', rules: DEFAULT_RULES, articleId: 1, returnTo: '/a', trialDays: 0, copy,
    }).value;
    expect(slot()).toContain('You’ve read your 5 free articles today');
    const own = slot({ ...DEFAULT_WALL_COPY, limitTitle: 'That was {free} {period}', limitText: 'Come back {resets} & <b>subscribe</b>' });
    expect(own).toContain('That was 5 free articles today');
    expect(own).toContain('Come back at midnight &amp; &lt;b&gt;subscribe&lt;/b&gt;');
  });
});
