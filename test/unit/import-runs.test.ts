import { describe, expect, it } from 'vitest';
import { checkArchive, countOutcome, NO_COUNTS } from '../../src/importer/import-runs.service.js';
import type { ImportOutcome } from '../../src/importer/import.service.js';

const WXR = '<?xml version="1.0"?><rss version="2.0" xmlns:wp="http://wordpress.org/export/1.2/"><channel></channel></rss>\n';

describe('checkArchive: what Settings → Import takes', () => {
  it.each([
    ['export.xml', WXR, 'wxr'],
    ['export', WXR, 'wxr'],
    ['site.wxr', WXR, 'wxr'],
    ['ghost.json', '{"db":[{"data":{"posts":[]}}]}', 'ghost'],
    ['page.html', '<!doctype html><html><body><h1>Hi</h1></body></html>', 'html'],
    ['fragment.htm', '<article><h1>Hi</h1><p>Text</p></article>', 'html'],
  ])('takes %s as %s', (name, text, format) => {
    expect(checkArchive(name, Buffer.from(text))).toEqual({ ok: true, format });
  });

  it.each([
    ['notes.txt', 'Just notes.', 'not an archive'],
    ['upload', 'Plain words, no markup.', 'not an archive'],
    ['photos.zip', 'PK\u0003\u0004…', 'not an archive'],
    ['export.xml', WXR.slice(0, 60), 'cut short'],
    ['ghost.json', '{"db":[{"data":', 'not valid JSON'],
    ['page.html', '<html><body><p>The ferry', 'cut short'],
    ['export.xml', '', 'empty'],
  ])('refuses %s (%s…): %s', (name, text, words) => {
    const r = checkArchive(name, Buffer.from(text));
    expect(r.ok).toBe(false);
    expect(r.ok ? '' : r.message).toContain(words);
  });
});

describe('countOutcome: a run’s counts, one outcome at a time', () => {
  const ok = (kind: 'created' | 'updated' | 'unchanged' | 'kept', articleId: number, flags: string[] = []): ImportOutcome =>
    ({ kind, position: `item ${articleId}`, sourceId: `wxr:x:${articleId}`, articleId, title: 'T', slug: 't', path: '/articles/t', status: 'draft', flags, removed: [] }) as ImportOutcome;
  it.each<[string, ImportOutcome[], Partial<typeof NO_COUNTS>]>([
    ['nothing', [], { created: 0, flaggedIds: [] }],
    ['two created, one flagged', [ok('created', 1), ok('created', 2, ['title_from_body'])], { created: 2, flagged: 1, flaggedIds: [2] }],
    ['updated and unchanged or kept', [ok('updated', 3), ok('unchanged', 4), ok('kept', 5)], { updated: 1, unchanged: 2 }],
    ['a failure keeps its reason', [{ kind: 'failed', position: 'item 9', message: 'no content' } as ImportOutcome], { failed: 1, failures: [{ position: 'item 9', message: 'no content' }] }],
  ])('%s', (_name, outcomes, expected) => {
    expect(outcomes.reduce(countOutcome, NO_COUNTS)).toMatchObject(expected);
  });
});
