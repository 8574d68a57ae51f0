import { describe, expect, it } from 'vitest';
import { docSchema, type BlockNode } from '../../src/content/richtext/doc.js';
import { htmlToDoc } from '../../src/content/richtext/from-html.js';
import { renderDoc } from '../../src/content/richtext/render.js';
import { NestingError } from '../../src/content/richtext/limits.js';
import { extractHtmlPage } from '../../src/importer/html/extract.js';
import { cleanBlocks, type BlockStructure } from '../../src/importer/text/clean.js';
import { adLabel, edgeVerdict, isCredit } from '../../src/importer/text/edges.js';

/** Issue 18: what a page's structure becomes, and which lines its structure protects. */
const blocks = (html: string) => htmlToDoc(html).content;
const para = (text: string) => ({ type: 'paragraph', content: [{ type: 'text', text }] });

describe('tables from HTML', () => {
  it('a data table is a table: header cells, spans, cells of paragraphs, the caption above it', () => {
    const doc = htmlToDoc(`<table><caption>Island League</caption><thead><tr><th>Team</th><th colspan="2">Points</th></tr></thead>
      <tbody><tr><td>Calder</td><td rowspan="2"><p>29</p><ul><li>top</li></ul></td></tr><tr><td>Inchmore</td></tr></tbody></table>`);
    expect(doc.content).toEqual([
      para('Island League'),
      { type: 'table', content: [
        { type: 'tableRow', content: [{ type: 'tableHeader', content: [para('Team')] }, { type: 'tableHeader', attrs: { colspan: 2 }, content: [para('Points')] }] },
        { type: 'tableRow', content: [{ type: 'tableCell', content: [para('Calder')] }, { type: 'tableCell', attrs: { rowspan: 2 }, content: [para('29'), para('top')] }] },
        { type: 'tableRow', content: [{ type: 'tableCell', content: [para('Inchmore')] }] },
      ] },
    ]);
    expect(docSchema.safeParse(doc).success).toBe(true);
  });

  it('a layout table (one cell, or one holding another table) is unwrapped as before', () => {
    expect(blocks('<table><tr><td><p>The whole story.</p></td></tr></table>')).toEqual([para('The whole story.')]);
    const nested = blocks('<table><tr><td><table><tr><td>a</td><td>b</td></tr></table></td><td>side</td></tr></table>');
    expect(nested.map((b) => b.type)).toEqual(['table', 'paragraph']);
  });

  it('stays within the stored limits: a long table is split, never cut, and empty cells stay cells', () => {
    const rows = Array.from({ length: 1001 }, (_, i) => `<tr><td>${i}</td><td></td></tr>`).join('');
    const out = blocks(`<table>${rows}</table>`);
    expect(out.map((b) => (b.type === 'table' ? b.content.length : 0))).toEqual([1000, 1]);
    expect(docSchema.safeParse({ type: 'doc', content: out }).success).toBe(true);
  });

  it('survives the round trip through rendered HTML (an import hands its body on as HTML)', () => {
    const doc = htmlToDoc('<table><tr><th>Route</th><th>Fare</th></tr><tr><td>Calder</td><td>£4</td></tr></table>');
    expect(htmlToDoc(renderDoc(doc).fullHtml)).toEqual(doc);
  });
});

describe('embeds from HTML', () => {
  it.each([
    ['a YouTube iframe in a paragraph', '<p><iframe src="//www.youtube.com/embed/dQw4w9WgXcQ" title="YouTube video player"></iframe></p>', { url: 'https://www.youtube.com/watch?v=dQw4w9WgXcQ', provider: 'YouTube' }],
    ['a Vimeo player', '<iframe src="https://player.vimeo.com/video/76979871" title="The new ferry"></iframe>', { url: 'https://vimeo.com/76979871', provider: 'Vimeo', title: 'The new ferry' }],
    ['a tweet', '<blockquote class="twitter-tweet"><p>Stay back from the wall.</p>&mdash; Coastguard <a href="https://twitter.com/hmcg/status/1">3 November</a></blockquote>', { url: 'https://twitter.com/hmcg/status/1', provider: 'X (Twitter)', title: 'Stay back from the wall.' }],
    ['an Instagram post', '<blockquote class="instagram-media" data-instgrm-permalink="https://www.instagram.com/p/Cx/"><p>First crossing!</p></blockquote>', { url: 'https://www.instagram.com/p/Cx/', provider: 'Instagram', title: 'First crossing!' }],
    ['a video file', '<video title="Arrival"><source src="https://cdn.example.org/a.mp4"></video>', { url: 'https://cdn.example.org/a.mp4', title: 'Arrival' }],
  ])('%s becomes an embed card', (_n, html, attrs) => {
    expect(blocks(html)).toEqual([{ type: 'embed', attrs }]);
  });

  it('an embed without an http(s) address is reported, not dropped in silence; a post without a link stays as its text', () => {
    const dropped: string[] = [];
    expect(htmlToDoc('<iframe src="javascript:alert(1)" title="x"></iframe><p>After.</p>', { onDropped: (w) => dropped.push(w) }).content).toEqual([para('After.')]);
    expect(dropped).toEqual(['an embedded iframe with no http(s) address (x)']);
    expect(blocks('<blockquote class="twitter-tweet"><p>No link here.</p></blockquote>')).toEqual([{ type: 'blockquote', content: [para('No link here.')] }]);
  });

  it('a saved page lists its unaddressable embeds among the removed lines (--explain)', () => {
    const page = `<html><head><title>Ferry</title></head><body><article><h1>Ferry</h1>
      <p>The new ferry made her first crossing to Inchmore on Thursday, three years after she was ordered from the yard.</p>
      <p><iframe src="https://www.youtube.com/embed/abcdefgh" title="YouTube video player"></iframe></p>
      <p>Hundreds of islanders lined the pier to watch her arrive, and the school pipe band played her in that afternoon.</p>
      <p><video src="blob:whatever"></video></p>
      <p>The operator says the new ship will take over every sailing from Monday, and the old one will be sold.</p></article></body></html>`;
    const item = extractHtmlPage(page, { fallbackId: 'x', position: 'ferry.html' });
    expect(item.html).toContain('<figure class="embed-card"><a href="https://www.youtube.com/watch?v=abcdefgh" rel="nofollow noopener"><span class="embed-provider">YouTube</span>');
    expect(item.html).not.toMatch(/<iframe|<video|<script/);
    expect(item.removed).toContainEqual(expect.objectContaining({ reason: 'embed_without_url' }));
  });

  it('the rendered card reads back as the same embed', () => {
    for (const attrs of [{ url: 'https://twitter.com/a/status/1', provider: 'X (Twitter)', title: 'Hello.' }, { url: 'https://example.org/v' }]) {
      const doc = { type: 'doc' as const, content: [{ type: 'embed', attrs } as BlockNode] };
      expect(htmlToDoc(renderDoc(doc).fullHtml)).toEqual(doc);
    }
  });

  it('deep embeds are refused like any deep HTML', () => {
    expect(() => htmlToDoc(`${'<div>'.repeat(150)}<iframe src="https://www.youtube.com/embed/x"></iframe>`)).toThrow(NestingError);
  });
});

describe('edge rules (edges.ts)', () => {
  it.each([
    ['Published 26 November 2026', 'date_line'],
    ['Last updated: 26 November 2026 at 09:12', 'date_line'],
    ['Updated 3 Nov 2026, 4.40pm GMT', 'date_line'],
    ['Tags: Weather, Ferries, Storm Bram', 'tags_line'],
    ['Filed under: Harbour', 'tags_line'],
    ['Comments on this live blog are pre-moderated. Please read our community guidelines before posting.', 'comment_policy'],
    ['We may earn a commission when you buy through links on our site.', 'affiliate_notice'],
    ['The council will meet on 3 December to decide.', null],
    ['Tags were found on three of the birds.', null],
    ['The updated plan was published on Monday.', null],
  ])('%s → %s', (line, reason) => {
    expect(edgeVerdict(line)?.reason ?? null).toBe(reason);
  });

  it.each([
    ['Advertisement', true], ['ADVERTISEMENT', true], ['Story continues below advertisement', true], ['Advertisement for the new ferry', false],
  ])('ad label %s → %s', (line, yes) => expect(adLabel(line) !== null).toBe(yes));

  it.each([
    ['Photograph: Calum Reid', true], ['Photographs by Calum Reid', true], ['Food styling: Ailsa Grant', true], ['Additional reporting by Tom Ng', true],
    ['photographs of the pier', false], ['Share this article', false],
  ])('credit %s → %s', (line, yes) => expect(isCredit(line)).toBe(yes));
});

describe('cleanBlocks inside a page’s content', () => {
  const prose = (n: number) => `This is paragraph ${n} of the story, and it is written as a full sentence of reporting.`;
  const run = (lines: string[], structure: (BlockStructure | null)[] = lines.map(() => null)) => cleanBlocks(lines, { content: { structure } });
  const kept = (lines: string[], r: ReturnType<typeof cleanBlocks>) => lines.filter((_, i) => r.keep[i]);

  it('repeated short lines inside the story are the story’s: labels, answers, buying lines', () => {
    const lines = [prose(1), 'Ledger:', 'Did you ever think of leaving?', 'MacPhail:', 'Not once', prose(2), 'Ledger:', 'And you?', 'MacPhail:', 'Day shifts', 'Get it on Amazon for £14.99', prose(3), 'Get it on Amazon for £14.99'];
    expect(kept(lines, run(lines))).toEqual(lines);
  });

  it('a meal plan’s items repeated day after day are not a duplicated body', () => {
    const lines = [prose(1), 'Monday', 'Breakfast: porridge with grated apple and a spoon of honey', 'Lunch: lentil soup and bread', prose(2), 'Tuesday', 'Breakfast: porridge with grated apple and a spoon of honey', 'Lunch: lentil soup and bread', prose(3)];
    const r = run(lines);
    expect(r.removed).toEqual([]);
  });

  it('the paywalled teaser repeated above the full text still goes, with the wall between', () => {
    const lines = [prose(1), prose(2), 'You have read all your free articles this month.', 'Subscribe for £1 a week to keep reading.', prose(1), prose(2), prose(3)];
    const r = run(lines);
    expect(r.removed.map((x) => x.reason)).toEqual(['duplicate', 'duplicate', 'paywall', 'paywall']);
    expect(kept(lines, r)).toEqual([prose(1), prose(2), prose(3)]);
  });

  it('a long paragraph repeated on its own (a pull quote) still goes; a short one stays', () => {
    const quote = '“We are not against the work, we are against paying for all of it at once,” he said.';
    const lines = [prose(1), quote, prose(2), quote, prose(3), 'Not once', prose(4), 'Not once'];
    expect(run(lines).removed.map((x) => [x.reason, x.text])).toEqual([['duplicate', quote]]);
  });

  it('structure protects a line at the edge too; shape rules still drop chrome there', () => {
    const lines = ['Apples Pears', prose(1), prose(2), 'Plums Figs', 'Share this article', 'Print'];
    const r = run(lines, ['list', null, null, 'list', null, null]);
    expect(kept(lines, r)).toEqual(['Apples Pears', prose(1), prose(2), 'Plums Figs']);
  });

  it('chrome rules fire anywhere: a newsletter box in the middle of the story goes', () => {
    const lines = [prose(1), 'Sign up for our morning newsletter to get stories like this in your inbox.', prose(2)];
    expect(run(lines).removed.map((x) => x.reason)).toEqual(['newsletter']);
  });

  it('a "Related: headline" line goes alone: the story’s next heading is not taken for a related list', () => {
    const lines = [prose(1), 'Related: Council approves harbour wall repairs', 'Where does the money go?', prose(2)];
    const r = run(lines, [null, null, 'heading', null]);
    expect(r.removed.map((x) => x.text)).toEqual(['Related: Council approves harbour wall repairs']);
  });

  it('a "Topics" heading over a list of them goes with its list, at the edge', () => {
    const lines = [prose(1), prose(2), 'Topics', 'Business Skerrow Jobs'];
    expect(run(lines, [null, null, 'heading', 'list']).removed.map((x) => x.reason)).toEqual(['tags_line', 'tags_line']);
  });

  it('a short line goes at an edge only in the run of chrome that touches it', () => {
    const lines = [prose(1), prose(2), 'Att: 412', 'Report by Rory Dunn', 'Follow us on X for live updates from every match.', 'Back to top'];
    expect(run(lines).removed.map((x) => [x.reason, x.text])).toEqual([['social_prompt', lines[4]], ['short_line', 'Back to top']]);
  });

  it('the edge rules judge only the edges: a date line inside a live blog stays', () => {
    const lines = ['Updated 3 November 2026, 16:40', prose(1), '3 November 2026', prose(2), 'Tags: Weather, Ferries'];
    expect(run(lines).removed.map((x) => x.reason)).toEqual(['date_line', 'tags_line']);
  });
});
