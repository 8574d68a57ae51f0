import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { docSchema, type Doc } from '../../src/content/richtext/doc.js';
import { htmlToDoc } from '../../src/content/richtext/from-html.js';
import { markdownToDoc } from '../../src/content/richtext/from-markdown.js';
import { MAX_NESTING } from '../../src/content/richtext/limits.js';
import { renderDoc } from '../../src/content/richtext/render.js';
import { parseGhost } from '../../src/importer/ghost/parse.js';
import { renderLexical } from '../../src/importer/ghost/lexical.js';
import { renderMobiledoc } from '../../src/importer/ghost/mobiledoc.js';
import { extractHtmlPage } from '../../src/importer/html/extract.js';
import { htmlToText } from '../../src/importer/markup-text.js';
import { cleanScrapedText } from '../../src/importer/text/clean.js';
import type { ImportItem, ParsedEntry } from '../../src/importer/types.js';
import { parseWxr } from '../../src/importer/wxr/parse.js';
import { cleanWordPressHtml } from '../../src/importer/wxr/wp-content.js';
import {
  deepAttrsDocJson, DEPTHS, ghostExport, lexicalStory, MARKDOWN, mobiledocMarkdown, mobiledocMarkups, nestedDocJson, nestedHtml, nestedLexical,
  nestedShortcodes, storyHtml, storyPage, wxrExport,
} from '../helpers/hostile.js';

const TOO_DEEP = new RegExp(`nested too deeply \\(more than ${MAX_NESTING} levels\\)`);

/** Runs `f` and returns what it threw, failing the test if it did not throw. */
function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (err) {
    return err;
  }
  throw new Error('expected a refusal, got a result');
}

const entryOf = (e: ParsedEntry | undefined): ImportItem => {
  if (!e?.ok) throw new Error(e ? e.error.message : 'no entry');
  return e.item;
};

/**
 * Every way in for a document: the Content API's three body formats, and each renderer and
 * cleaner the importer runs over an item. Each takes a nesting depth and parses input that deep.
 */
const PARSERS: [string, (depth: number) => unknown][] = [
  ['htmlToDoc (Content API html)', (d) => htmlToDoc(nestedHtml(d))],
  ['htmlToDoc, unclosed inline tags', (d) => htmlToDoc('<b>'.repeat(d) + 'deep')],
  ...Object.entries(MARKDOWN).map(([name, md]): [string, (d: number) => unknown] => [`markdownToDoc, ${name} (Content API markdown)`, (d) => markdownToDoc(md(d))]),
  ['docSchema (Content API doc)', (d) => {
    const r = docSchema.safeParse(JSON.parse(nestedDocJson(d)));
    if (!r.success) throw new AppError('invalid_input', r.error.issues[0]!.message);
    return r.data;
  }],
  ['docSchema, deep attrs (kept as sent, then stringified)', (d) => {
    const r = docSchema.safeParse(JSON.parse(deepAttrsDocJson(d)));
    if (!r.success) throw new AppError('invalid_input', r.error.issues[0]!.message);
    return r.data;
  }],
  ['renderDoc on a document that skipped validation', (d) => renderDoc(JSON.parse(nestedDocJson(d)) as Doc)],
  ['Ghost Lexical body', (d) => renderLexical(nestedLexical(d))],
  ['Ghost Mobiledoc Markdown card', (d) => renderMobiledoc(mobiledocMarkdown(MARKDOWN.quotes!(d)))],
  ['Ghost Lexical Markdown card', (d) => renderLexical(JSON.stringify({ root: { type: 'root', children: [{ type: 'markdown', markdown: MARKDOWN.lists!(d) }] } }))],
  ['WordPress content: nested containers', (d) => cleanWordPressHtml(nestedHtml(d, 'blockquote'))],
  ['WordPress content: nested shortcodes', (d) => cleanWordPressHtml(nestedShortcodes(Math.min(d, 20_000)))],
  ['HTML fragment to text (WXR and Ghost titles, excerpts)', (d) => htmlToText(nestedHtml(d))],
  ['saved web page (linkedom + Readability)', (d) => extractHtmlPage(storyPage('the pier', storyHtml('the pier') + nestedHtml(d)), { fallbackId: 'x', position: 'page.html' })],
];

describe('every parser refuses input nested past the limit, and reads input within it', () => {
  describe.each(PARSERS)('%s', (_name, parse) => {
    it.each(DEPTHS)('%i levels: a NestingError with a sentence, not a stack overflow or a stall', (depth) => {
      const started = Date.now();
      const err = thrown(() => parse(depth));
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).code).toBe('invalid_input');
      expect((err as Error).message).toMatch(TOO_DEEP);
      // A behaviour bound, not a benchmark: before the limit, 2,000 levels ran for minutes or overflowed.
      expect(Date.now() - started).toBeLessThan(5_000);
    });

    it('a dozen levels, as real articles have, is read', () => {
      expect(() => parse(12)).not.toThrow();
    });
  });

  it('the limit is exact for HTML and for documents', () => {
    expect(htmlToDoc(nestedHtml(MAX_NESTING)).content).toHaveLength(1);
    expect((thrown(() => htmlToDoc(nestedHtml(MAX_NESTING + 1))) as Error).message).toMatch(TOO_DEEP);
    // The doc node is not a level: MAX_NESTING - 2 blockquotes, a paragraph and its text.
    expect(docSchema.safeParse(JSON.parse(nestedDocJson(MAX_NESTING - 2))).success).toBe(true);
    expect(docSchema.safeParse(JSON.parse(nestedDocJson(MAX_NESTING - 1))).success).toBe(false);
  });

  it('Markdown that only looks deep is read: fenced code, rules, intraword underscores, a long quote', () => {
    const md = ['```', '>'.repeat(500), '- '.repeat(500), '```', '', '***', '', 'snake_case_name and 2*3*4 '.repeat(200), '', '> one\n> two\n> three', '', `${'> '.repeat(90)}ninety levels`].join('\n');
    expect(() => markdownToDoc(md)).not.toThrow();
  });
});

describe('Ghost and WordPress exports: a deep item is an error entry, the items around it are read', () => {
  it('Ghost: Lexical, Mobiledoc and Markdown bodies nested too deeply are reported by position', () => {
    const json = ghostExport([
      { id: 'a', title: 'First', body: { lexical: lexicalStory('the slipway') } },
      { id: 'b', title: 'Deep quotes', body: { lexical: nestedLexical(20_000) } },
      { id: 'c', title: 'Deep card', body: { mobiledoc: mobiledocMarkdown(MARKDOWN.quotes!(100_000)) } },
      { id: 'd', title: 'Last', body: { html: storyHtml('the ferry') } },
    ]);
    const entries = [...parseGhost(json)];
    expect(entries.map((e) => (e.ok ? e.item.title : e.error))).toEqual([
      'First',
      { position: 'posts[1] (id b)', message: expect.stringMatching(TOO_DEEP) },
      { position: 'posts[2] (id c)', message: expect.stringMatching(TOO_DEEP) },
      'Last',
    ]);
    const big = [...parseGhost(ghostExport([
      { id: 'huge', title: 'Huge', body: { lexical: ' '.repeat(9 * 1024 * 1024) } },
      { id: 'next', title: 'Next', body: { html: storyHtml('the ferry') } },
    ]))];
    expect(big.map((e) => (e.ok ? e.item.title : e.error))).toEqual([{ position: 'posts[0] (id huge)', message: 'its lexical is larger than 8 MB, the most one post can be' }, 'Next']);
    // Deeply nested markups are iterative in the renderer; the body is refused where items are checked (the worker).
    expect(() => renderMobiledoc(mobiledocMarkups(100_000))).not.toThrow();
  });

  const collect = async (xml: string) => {
    const out: ParsedEntry[] = [];
    for await (const e of parseWxr((async function* () { yield xml; })())) out.push(e);
    return out;
  };

  it('WXR: a post whose content nests too deeply, or whose shortcodes do, is skipped', async () => {
    const entries = await collect(wxrExport([
      { id: 1, title: 'First', content: storyHtml('the slipway') },
      { id: 2, title: 'Deep', content: nestedHtml(50_000) },
      { id: 3, title: 'Shortcodes', content: nestedShortcodes(5_000) },
      { id: 4, title: 'Last', content: storyHtml('the ferry') },
    ]));
    expect(entries.map((e) => (e.ok ? e.item.title : e.error.message))).toEqual(['First', expect.stringMatching(TOO_DEEP), expect.stringMatching(TOO_DEEP), 'Last']);
  });

  it('WXR: a field past 8 MB makes its post an error without being held whole', async () => {
    const entries = await collect(wxrExport([
      { id: 1, title: 'Huge', content: 'x'.repeat(9 * 1024 * 1024) },
      { id: 2, title: 'Next', content: storyHtml('the ferry') },
    ]));
    expect(entries[0]).toEqual({ ok: false, error: { position: expect.stringMatching(/^item 1 /), message: '<content:encoded> is larger than 8 MB, the most one post can be' } });
    expect(entryOf(entries[1]).title).toBe('Next');
  });

  it('WXR: XML nested past the limit ends the read with an entry saying where; the posts before it stand', async () => {
    const xml = wxrExport([
      { id: 1, title: 'First', content: storyHtml('the slipway') },
      { id: 2, title: 'Second', content: storyHtml('the pier') },
    ]).replace('<wp:post_id>2</wp:post_id>', `<wp:post_id>2</wp:post_id>${'<x>'.repeat(200_000)}`);
    const started = Date.now();
    const entries = await collect(xml);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(entryOf(entries[0]).title).toBe('First');
    expect(entries[1]).toEqual({ ok: false, error: { position: expect.stringMatching(/^item 2 \(near line \d+\)$/), message: expect.stringMatching(new RegExp(`${TOO_DEEP.source}; the rest of the file was not read$`)) } });
    expect(entries).toHaveLength(2);
  });
});

describe('the text cleaner on hostile lines', () => {
  it('a 4 MB line without a space is judged, not a regular-expression stack overflow', () => {
    expect(() => cleanScrapedText('x'.repeat(4 * 1024 * 1024))).not.toThrow();
  });

  it('80,000 identical lines are cleaned in seconds (they took minutes: the duplicate finder copied a list per line)', () => {
    const line = 'The harbour board met on Tuesday and agreed the budget.';
    const started = Date.now();
    const c = cleanScrapedText(Array.from({ length: 80_000 }, () => line).join('\n'));
    expect(c.paragraphs).toEqual([line]);
    expect(Date.now() - started).toBeLessThan(15_000);
  });
});
