import { createReadStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { getSchema } from '@tiptap/core';
import { Node as PMNode } from '@tiptap/pm/model';
import { toDoc } from '../../src/content/body.js';
import { demoArticles } from '../../src/content/demo/articles.js';
import { renderDoc } from '../../src/content/richtext/render.js';
import { docToMarkdown } from '../../src/content/richtext/to-markdown.js';
import type { Doc } from '../../src/content/richtext/doc.js';
import { docSchema } from '../../src/content/richtext/doc.js';
import { parseGhost } from '../../src/importer/ghost/parse.js';
import { parseWxr } from '../../src/importer/wxr/parse.js';
import { textItem } from '../../src/importer/text/item.js';
import { extractHtmlPage } from '../../src/importer/html/extract.js';
import type { ParsedEntry } from '../../src/importer/types.js';
import { editorExtensions } from '../../src/web/editor/schema.js';
import { fromStored, toStored } from '../../src/web/editor/model.js';
import { markdownToDoc } from '../../src/content/richtext/from-markdown.js';

/**
 * Every document Masthead stores today opens in the editor's model and is written back as it was:
 * the demo publication, each importer fixture through its real parser, and Content API inputs
 * covering every node, mark and attribute the stored format has.
 */
const FIX = join(import.meta.dirname, '../fixtures/importer');
const schema = getSchema(editorExtensions());

/** ProseMirror keeps a text node's marks in its schema's order; the stored order carries no meaning (the renderer sorts them). */
function marksSorted(doc: unknown): unknown {
  return JSON.parse(JSON.stringify(doc), (k, v) => (k === 'marks' && Array.isArray(v) ? [...v].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))) : v));
}

function roundTrip(doc: Doc): unknown {
  const node = PMNode.fromJSON(schema, fromStored(doc));
  node.check(); // the content fits the schema, not merely parses
  return toStored(node.toJSON());
}

const apiDocs: [string, Doc][] = [
  ['every node and mark', {
    type: 'doc',
    content: [
      { type: 'heading', attrs: { level: 2 }, content: [{ type: 'text', text: 'Heading two' }] },
      { type: 'heading', attrs: { level: 4 }, content: [{ type: 'text', text: 'Four' }] },
      { type: 'paragraph', content: [
        { type: 'text', text: 'Bold', marks: [{ type: 'bold' }] }, { type: 'text', text: ' italic', marks: [{ type: 'italic' }] },
        { type: 'text', text: ' struck', marks: [{ type: 'strike' }] }, { type: 'text', text: ' code', marks: [{ type: 'code' }] },
        { type: 'hardBreak' },
        { type: 'text', text: 'a link', marks: [{ type: 'link', attrs: { href: 'https://example.org/a?b=1' } }, { type: 'bold' }] },
        { type: 'text', text: ' local', marks: [{ type: 'link', attrs: { href: '/articles/x' } }] },
      ] },
      { type: 'paragraph' },
      { type: 'blockquote', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'Quoted.' }] }] },
      { type: 'bulletList', content: [{ type: 'listItem', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'one' }] }, { type: 'bulletList', content: [{ type: 'listItem', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'nested' }] }] }] }] }] },
      { type: 'orderedList', content: [{ type: 'listItem', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'first' }] }] }] },
      { type: 'orderedList', attrs: { start: 4 }, content: [{ type: 'listItem', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'fourth' }] }] }] },
      { type: 'previewBreak' },
      { type: 'codeBlock', content: [{ type: 'text', text: 'let x = 1;\nx++' }] },
      { type: 'codeBlock', attrs: { language: 'js' }, content: [{ type: 'text', text: 'y()' }] },
      { type: 'horizontalRule' },
      { type: 'image', attrs: { src: '/media/a.jpg', alt: 'A harbour', caption: 'The harbour at dawn.' } },
      { type: 'image', attrs: { src: 'https://example.org/b.png' } },
      { type: 'image', attrs: { src: '/c.png', alt: '' } },
    ],
  } as Doc],
  ['a table', { type: 'doc', content: [
    { type: 'paragraph', content: [{ type: 'text', text: 'Fares:' }] },
    { type: 'table', content: [
      { type: 'tableRow', content: [{ type: 'tableHeader', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'Route' }] }] }, { type: 'tableHeader', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'Fare' }] }] }] },
      { type: 'tableRow', content: [{ type: 'tableCell', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'Calder', marks: [{ type: 'bold' }] }] }] }, { type: 'tableCell', content: [{ type: 'paragraph' }] }] },
      { type: 'tableRow', content: [{ type: 'tableCell', attrs: { colspan: 2 }, content: [{ type: 'paragraph', content: [{ type: 'text', text: 'Both ways' }] }, { type: 'paragraph', content: [{ type: 'text', text: 'Two paragraphs' }] }] }] },
    ] },
  ] } as Doc],
  ['footnotes', { type: 'doc', content: [
    { type: 'paragraph', content: [{ type: 'text', text: 'Dues rise' }, { type: 'footnote', attrs: { text: 'Harbour board minutes, 3 March.' } }, { type: 'text', text: ' by ' }, { type: 'text', text: 'a fifth', marks: [{ type: 'italic' }] }, { type: 'footnote', attrs: { text: 'Before VAT.' } }] },
    { type: 'bulletList', content: [{ type: 'listItem', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'In a list' }, { type: 'footnote', attrs: { text: 'A note in a list.' } }] }] }] },
    { type: 'previewBreak' },
    { type: 'heading', attrs: { level: 2 }, content: [{ type: 'text', text: 'Behind the wall' }, { type: 'footnote', attrs: { text: 'A note <b>escaped</b> & gated.' } }] },
  ] } as Doc],
  ['embeds', { type: 'doc', content: [
    { type: 'paragraph', content: [{ type: 'text', text: 'The minister replied within the hour:' }] },
    { type: 'embed', attrs: { url: 'https://twitter.com/harbourledger/status/1850000000000000001', provider: 'X (Twitter)', title: 'The ferry will run on Sunday after all.' } },
    { type: 'embed', attrs: { url: 'https://www.youtube.com/watch?v=abc123' } },
  ] } as Doc],
  ['an empty body', { type: 'doc', content: [] }],
  ['a body ending in an image', { type: 'doc', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'Text.' }] }, { type: 'image', attrs: { src: '/x.jpg', alt: 'x' } }] }],
];

async function importerDocs(): Promise<[string, Doc][]> {
  const out: [string, Doc][] = [];
  const add = (label: string, e: ParsedEntry) => { if (e.ok) out.push([`${label}: ${e.item.title}`, toDoc({ html: e.item.html })]); };
  for (const e of parseGhost(readFileSync(join(FIX, 'skerrow-ghost.json'), 'utf8'))) add('ghost', e);
  for await (const e of parseWxr(createReadStream(join(FIX, 'skerrow-courier.wxr')))) add('wxr', e);
  const text = textItem(readFileSync(join(FIX, 'cli/harbour-dues.txt'), 'utf8'), { sourceId: 'text:x', position: 'harbour-dues.txt' });
  out.push([`text: ${text.title}`, toDoc({ html: text.html })]);
  const page = extractHtmlPage(readFileSync(join(FIX, 'html/ferry-timetable.html'), 'utf8'), { fallbackId: 'x', position: 'ferry-timetable.html' });
  out.push([`html: ${page.title}`, toDoc({ html: page.html })]);
  return out;
}

describe('editor round trip', () => {
  const demo: [string, Doc][] = demoArticles.map((a) => [`demo: ${a.title}`, toDoc({ markdown: a.markdown })]);

  it.each([...demo, ...apiDocs])('%s opens in the editor and saves back unchanged', (_label, doc) => {
    const back = roundTrip(doc);
    expect(marksSorted(back)).toEqual(marksSorted(doc));
    // What is saved is a document the server accepts, and it renders to the same bytes.
    const parsed = docSchema.parse(back);
    expect(renderDoc(parsed)).toEqual(renderDoc(doc));
  });

  it('opens every importer fixture and saves it back unchanged', async () => {
    const docs = await importerDocs();
    expect(docs.length).toBeGreaterThan(8);
    for (const [label, doc] of docs) {
      const back = roundTrip(doc);
      expect(marksSorted(back), label).toEqual(marksSorted(doc));
      expect(renderDoc(docSchema.parse(back)), label).toEqual(renderDoc(doc));
    }
  });

  it('renders a table for readers, escaped, with spans and header cells', () => {
    const doc = apiDocs.find(([l]) => l === 'a table')![1];
    expect(renderDoc(docSchema.parse(doc)).fullHtml).toBe('<p>Fares:</p><div class="table-wrap"><table><tbody><tr><th>Route</th><th>Fare</th></tr><tr><td><strong>Calder</strong></td><td></td></tr><tr><td colspan="2"><p>Both ways</p><p>Two paragraphs</p></td></tr></tbody></table></div>');
  });

  it('keeps footnotes through the Markdown fallback, and tables too', () => {
    for (const label of ['footnotes', 'a table']) {
      const doc = apiDocs.find(([l]) => l === label)![1];
      const md = docToMarkdown(doc);
      // Column spans and a cell's second paragraph have no GFM form: the spanned column comes back as an empty cell, the paragraphs as one.
      const expected = label === 'a table'
        ? JSON.parse(JSON.stringify(doc).replace('{"type":"tableCell","attrs":{"colspan":2},"content":[{"type":"paragraph","content":[{"type":"text","text":"Both ways"}]},{"type":"paragraph","content":[{"type":"text","text":"Two paragraphs"}]}]}', '{"type":"tableCell","content":[{"type":"paragraph","content":[{"type":"text","text":"Both ways Two paragraphs"}]}]},{"type":"tableCell","content":[{"type":"paragraph"}]}'))
        : doc;
      expect(markdownToDoc(md), md).toEqual(expected);
    }
    expect(docToMarkdown(apiDocs.find(([l]) => l === 'footnotes')![1])).toBe('Dues rise[^1] by _a fifth_[^2]\n\n- In a list[^3]\n\n<!--more-->\n\n## Behind the wall[^4]\n\n[^1]: Harbour board minutes, 3 March.\n[^2]: Before VAT.\n[^3]: A note in a list.\n[^4]: A note <b>escaped</b> & gated.');
  });

  it('renders an embed as a link card with no third-party script or iframe, and as a link in Markdown', () => {
    const doc = docSchema.parse(apiDocs.find(([l]) => l === 'embeds')![1]);
    const html = renderDoc(doc).fullHtml;
    expect(html).toContain('<figure class="embed-card"><a href="https://twitter.com/harbourledger/status/1850000000000000001" rel="nofollow noopener"><span class="embed-provider">X (Twitter)</span> <span class="embed-title">The ferry will run on Sunday after all.</span></a></figure>');
    expect(html).toContain('<span class="embed-provider">youtube.com</span> <span class="embed-title">View on youtube.com</span>');
    expect(html).not.toMatch(/<script|<iframe/);
    expect(docToMarkdown(doc)).toContain('[The ferry will run on Sunday after all.](https://twitter.com/harbourledger/status/1850000000000000001)');
  });

  it.each([
    ['javascript:', 'javascript:alert(1)'],
    ['data:', 'data:text/html,<script>alert(1)</script>'],
    ['site-relative', '/articles/x'],
    ['protocol-relative', '//evil.example/x'],
    ['spaces', 'https://example.org/a b'],
  ])('refuses an embed whose url is %s', (_n, url) => {
    expect(docSchema.safeParse({ type: 'doc', content: [{ type: 'embed', attrs: { url } }] }).success).toBe(false);
  });

  it('holds every demo and fixture document, so none of them is skipped by being empty', async () => {
    expect(demoArticles.length).toBeGreaterThan(5);
    for (const [, doc] of [...(await importerDocs())]) expect(doc.content.length).toBeGreaterThan(0);
  });
});
