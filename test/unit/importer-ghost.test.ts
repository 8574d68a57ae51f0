import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { htmlToDoc } from '../../src/content/richtext/from-html.js';
import { outline as outlineOf } from '../helpers/outline.js';
const outline = (html: string) => outlineOf(html, { alt: true });
import { parseGhost } from '../../src/importer/ghost/parse.js';
import type { ImportItem, ParsedEntry } from '../../src/importer/types.js';

const json = readFileSync(join(import.meta.dirname, '../fixtures/importer/skerrow-ghost.json'), 'utf8');
const entries = [...parseGhost(json)];
const items = (es: ParsedEntry[]) => es.filter((e): e is { ok: true; item: ImportItem } => e.ok).map((e) => e.item);
const post = (n: number) => items(entries).find((i) => i.sourceId === `ghost:6650a1f0c1d2e30001a1b00${n}`)!;


describe('parseGhost', () => {
  it('yields the posts in order, skips pages, and reports unreadable posts by position', () => {
    expect(entries.map((e) => (e.ok ? e.item.title : e.error))).toEqual([
      'Council votes to buy the old ferry terminal',
      'Inside the lifeboat crew\'s longest night',
      'Where did the harbour trust\'s money go?',
      'Community council notebook',
      { position: 'posts[5] (id 6650a1f0c1d2e30001a1b006)', message: 'the Lexical body is not valid JSON' },
      { position: 'posts[6] (id 6650a1f0c1d2e30001a1b007)', message: 'no title' },
    ]);
  });

  it('reads a public post: authors and tags in sort order, internal tags ignored, __GHOST_URL__ made site-relative', () => {
    const { html, ...rest } = post(1);
    expect(rest).toEqual({
      sourceId: 'ghost:6650a1f0c1d2e30001a1b001',
      position: 'posts[0] (id 6650a1f0c1d2e30001a1b001)',
      kind: 'post',
      title: 'Council votes to buy the old ferry terminal',
      slug: 'council-buys-ferry-terminal',
      dek: 'The building has stood empty since 2011.',
      authors: [
        { name: 'Jonas Eriksen', slug: 'jonas', email: 'jonas@skerrowcourier.example' },
        { name: 'Catriona Flett', slug: 'catriona', email: 'catriona@skerrowcourier.example' },
      ],
      sections: [{ name: 'Council', slug: 'council' }],
      tags: ['Council', 'Harbour'],
      publishedAt: '2024-05-02T09:00:00Z',
      sourceStatus: 'published',
      accessLevel: 'free',
      featureImageUrl: '/content/images/2024/05/terminal.jpg',
      featureImageAlt: 'The old ferry terminal',
      oldPaths: ['/council-buys-ferry-terminal/'],
      flags: [],
      removed: [],
    });
    expect(outline(html)).toEqual([
      ['paragraph', 'Skerrow community council voted 7–2 to buy the old ferry terminal for £1.'],
      ['image', '/content/images/2024/05/terminal.jpg (The terminal)'],
      ['paragraph', 'See our history of the terminal.'],
    ]);
    expect(html).toContain('href="/ferry-history/"');
  });

  it('turns the members-only paywall marker into the preview break', () => {
    const item = post(2);
    expect(item).toMatchObject({ accessLevel: 'registered', featureImageUrl: 'https://images.unsplash.example/photo-lifeboat.jpg', sections: [{ name: 'Lifeboat', slug: 'lifeboat' }] });
    expect(item.dek).toBeUndefined();
    expect(outline(item.html)).toEqual([
      ['paragraph', 'At 2 a.m. the pager went.'],
      ['paragraph', 'Eleven hours later the crew came home.'],
      ['previewBreak', ''],
      ['paragraph', 'Coxswain Ruaridh Moar tells the story.'],
    ]);
  });

  it('renders a Lexical-only post, paywall card included, and flags the card it dropped', () => {
    const item = post(3);
    expect(item).toMatchObject({ accessLevel: 'paid', sourceStatus: 'published', publishedAt: '2030-01-15T07:00:00Z', flags: ['unsupported_card'] });
    expect(item.featureImageUrl).toBeUndefined();
    expect(outline(item.html)).toEqual([
      ['paragraph', 'The harbour trust has not published its accounts for two years, says the charity register.'],
      ['previewBreak', ''],
      ['heading', 'Where the money went'],
      ['orderedList', 'Dredging / Legal fees'],
      ['blockquote', 'We have nothing to hide.'],
      ['image', "/content/images/2024/06/trust-office.jpg (The trust's office) | The trust's office on Quay Street"],
    ]);
    const first = htmlToDoc(item.html).content[0];
    expect(first).toEqual({
      type: 'paragraph',
      content: [
        { type: 'text', text: 'The harbour trust has ' },
        { type: 'text', text: 'not', marks: [{ type: 'bold' }] },
        { type: 'text', text: ' published its accounts for ' },
        { type: 'text', text: 'two years', marks: [{ type: 'italic' }] },
        { type: 'text', text: ', says ' },
        { type: 'text', text: 'the charity register', marks: [{ type: 'link', attrs: { href: 'https://register.example/skerrow-harbour-trust' } }] },
        { type: 'text', text: '.' },
      ],
    });
  });

  it('renders a Mobiledoc-only post: markdown card, markups, soft returns, paywall and image cards', () => {
    const item = post(4);
    expect(item).toMatchObject({ accessLevel: 'paid', sourceStatus: 'draft', publishedAt: null, sections: [], tags: [], authors: [{ name: 'Catriona Flett' }] });
    expect(outline(item.html)).toEqual([
      ['paragraph', 'The community council met on Monday.'],
      ['bulletList', 'Roads / Ferries'],
      ['paragraph', 'Read the minutes online.'],
      ['previewBreak', ''],
      ['heading', 'Ferries'],
      ['paragraph', 'Line one\nline two'],
      ['image', 'https://cdn.skerrow.example/hall.jpg (The hall) | Skerrow hall'],
    ]);
  });

  it('includes pages only when asked', () => {
    expect(items(entries).some((i) => i.kind === 'page')).toBe(false);
    const page = items([...parseGhost(json, { includePages: true })]).find((i) => i.kind === 'page');
    expect(page).toMatchObject({ sourceId: 'ghost:6650a1f0c1d2e30001a1b005', title: 'About us', slug: 'about', oldPaths: ['/about/'] });
  });

  it('gives one error entry for invalid JSON or a file that is not a Ghost export', () => {
    for (const text of ['{"db": [', '<?xml version="1.0"?><rss/>', '{"posts": []}', '[]']) {
      const out = [...parseGhost(text)];
      expect(out).toHaveLength(1);
      expect(out[0]).toMatchObject({ ok: false, error: { position: 'file', message: expect.stringMatching(/^not a Ghost export: /) } });
    }
  });

  it('accepts the top-level { meta, data } shape and Ghost 0.x/1.x fields', () => {
    const old = JSON.stringify({
      meta: { version: '1.25.0' },
      data: {
        posts: [
          { id: 7, title: 'Old post', slug: 'old-post', html: '<p>Hi</p>', page: false, status: 'published', visibility: 'public', published_at: '2016-05-05 10:00:00', author_id: 1 },
          { id: 8, title: 'Old page', slug: 'old-page', html: '<p>Page</p>', page: true, status: 'published', published_at: 1462442400000 },
        ],
        users: [{ id: 1, name: 'Hamish Tulloch', slug: 'hamish', email: 'hamish@skerrowcourier.example' }],
      },
    });
    const out = items([...parseGhost(old, { includePages: true })]);
    expect(out.map((i) => [i.sourceId, i.kind, i.publishedAt, i.authors])).toEqual([
      ['ghost:7', 'post', '2016-05-05T10:00:00Z', [{ name: 'Hamish Tulloch', slug: 'hamish', email: 'hamish@skerrowcourier.example' }]],
      ['ghost:8', 'page', '2016-05-05T10:00:00Z', []],
    ]);
  });

  it('reports an unreadable date as an error for that post only', () => {
    const doc = JSON.stringify({ db: [{ data: { posts: [
      { id: 'a', title: 'When?', html: '<p>x</p>', published_at: 'last Tuesday' },
      { id: 'b', title: 'Fine', html: '<p>y</p>', published_at: null },
    ] } }] });
    expect([...parseGhost(doc)].map((e) => (e.ok ? e.item.title : e.error))).toEqual([
      { position: 'posts[0] (id a)', message: 'unreadable published_at "last Tuesday"' },
      'Fine',
    ]);
  });
});
