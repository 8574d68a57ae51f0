import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fidelityTable, meanScore, runFidelityCorpus, score, shingles, wrongRemoval } from '../../src/importer/fidelity.js';

/**
 * Issue 18: the HTML importer on hand-written pages (tables, lists, Q&A, a recipe, a live blog, a
 * gallery, a paywalled teaser, product round-ups, chrome at the body's edges, embeds), each with a
 * hand-made truth. The cleaner may only add precision: no page loses a line of body text (shingle
 * recall at least 0.97, 1.0 on every page but the embeds page), and every line any rule removed is
 * checked against the truth.
 */
const DIR = join(import.meta.dirname, '../fixtures/importer/fidelity');
const results = runFidelityCorpus(DIR);

describe('the fidelity scorer', () => {
  it.each([
    ['the same text', 'one two three four five', 'one two three four five', 1, 1],
    ['nothing in common', 'one two three four', 'five six seven eight', 0, 0],
    ['half the truth', 'a b c d', 'a b c d e f g h i j k l m n o p', 1, 1 / 13],
    ['the truth and as much again', 'a b c d w x y z', 'a b c d', 1 / 5, 1],
    ['a second copy adds nothing to what is matched', 'a b c d a b c d', 'a b c d', 1 / 5, 1],
    ['case and punctuation do not count', 'The ferry, cancelled!', 'the ferry cancelled', 1, 1],
    ['empty against empty', '', '', 1, 1],
  ])('%s', (_n, got, truth, precision, recall) => {
    const s = score(got, truth);
    expect(s.precision).toBeCloseTo(precision, 6);
    expect(s.recall).toBeCloseTo(recall, 6);
  });

  it('counts short texts as one shingle and repeated shingles with their count', () => {
    expect([...shingles('Not once')]).toEqual([['not once', 1]]);
    expect(shingles('a b c d a b c d').get('a b c d')).toBe(2);
  });

  it('calls a removal wrong when it is a line of the truth, or a duplicate whose text is gone', () => {
    const truth = ['Not once', 'The council said the cut was applied equally to every school in the region.'];
    expect(wrongRemoval({ text: 'Not once', reason: 'short_line' }, truth, '')).toBe(true);
    expect(wrongRemoval({ text: 'Share this article', reason: 'share_line' }, truth, '')).toBe(false);
    expect(wrongRemoval({ text: truth[1]!, reason: 'duplicate' }, truth, truth[1]!)).toBe(false);
    expect(wrongRemoval({ text: truth[1]!, reason: 'duplicate' }, truth, 'Not once')).toBe(true);
  });
});

describe('the fidelity corpus', () => {
  it('covers every kind of page the issue names', () => {
    expect(results.map((r) => r.name)).toEqual(expect.arrayContaining(['standings', 'meal-plan', 'interview', 'recipe', 'live-blog', 'gallery', 'paywall', 'products', 'edges', 'embeds', 'faq', 'paywall-truncated', 'obituary', 'results']));
  });

  it.each(results.map((r) => [r.name, r] as const))('%s: no body text is lost, and the cleaner only adds precision', (_name, r) => {
    // Every line of the truth is kept whole; shingle recall may dip below 1 only where a kept block
    // the truth lacks (a video's title on its card) splits the shingles across its two neighbours.
    expect(r.missing).toEqual([]);
    expect(r.on.recall).toBeGreaterThanOrEqual(0.97);
    expect(r.on.recall).toBeGreaterThanOrEqual(r.off.recall);
    expect(r.on.precision).toBeGreaterThanOrEqual(r.off.precision);
    expect(r.on.f1).toBeGreaterThanOrEqual(r.off.f1);
  });

  it('every line any rule removed is chrome by the hand-made truth', () => {
    const wrong = results.flatMap((r) => r.wrong.map((w) => `${r.name}: ${w.reason}: ${w.text}`));
    expect(wrong).toEqual([]);
    // Each rule was exercised: the check is not passing on an empty list.
    const reasons = new Set(results.flatMap((r) => r.removed.map((x) => x.reason)));
    for (const reason of ['duplicate', 'paywall', 'ad_label', 'tags_line', 'date_line', 'comment_policy', 'affiliate_notice', 'social_prompt', 'copyright', 'related_heading', 'newsletter', 'call_to_action']) expect(reasons, reason).toContain(reason);
  });

  it('the paywalled page loses its teaser copy and its wall, and keeps one whole copy of the story', () => {
    const r = results.find((x) => x.name === 'paywall')!;
    expect(r.removed.filter((x) => x.reason === 'duplicate')).toHaveLength(2);
    expect(r.removed.filter((x) => x.reason === 'paywall')).toHaveLength(4);
    expect(r.on.f1).toBe(1);
  });

  it('prints the table the note quotes, the cleaner on beating it off', () => {
    const on = meanScore(results.map((r) => r.on));
    const off = meanScore(results.map((r) => r.off));
    expect(on.f1).toBeGreaterThan(off.f1);
    expect(fidelityTable(results)).toMatch(/^\| page \| on F1 .*\n.*\n(?:\| [\w-]+ \|.*\n){10,}\| \*\*mean\*\* \|/);
  });
});
