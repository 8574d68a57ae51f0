import { describe, expect, it } from 'vitest';
import { extractHtmlPage } from '../../src/importer/html/extract.js';

/** Issue 13: an in-body byline line became the first paragraph, doubling the byline and taking the drop cap. */
const page = (lead: string) => `<!doctype html><html><head><title>Council approves harbour wall repairs</title></head><body><main><article>
<h1>Council approves harbour wall repairs</h1>${lead}
<p>The council has approved £2.4m of repairs to the harbour wall after a storm in October damaged two sections near the ferry terminal.</p>
<p>Councillors voted 31 to 4 in favour on Tuesday night, after engineers warned that a second winter without repairs could close the slipway.</p>
<p>The work is expected to start in January and last eleven weeks, the council said in a statement on Wednesday morning.</p>
</article></main></body></html>`;

describe('a saved page’s byline line', () => {
  it.each([
    ['byline, role and date', '<p>By Maya Okafor, Local Democracy Reporter · 3 November 2025</p>', ['Maya Okafor'], '2025-11-03'],
    ['byline alone', '<p>By Maya Okafor</p>', ['Maya Okafor'], null],
    ['byline, then a date line', '<p>By Maya Okafor and Tom Ng</p><p>3 November 2025</p>', ['Maya Okafor', 'Tom Ng'], '2025-11-03'],
  ])('%s is the byline and date, not the first paragraph', (_n, lead, names, date) => {
    const item = extractHtmlPage(page(lead), { fallbackId: 'x', position: 'page.html' });
    expect(item.html.startsWith('<p>The council has approved')).toBe(true);
    expect(item.html).not.toContain('By Maya');
    expect(item.authors?.map((a) => a.name)).toEqual(names);
    if (date) expect(String(item.publishedAt)).toContain(date);
  });

  it('keeps a first paragraph that only starts like a byline', () => {
    const item = extractHtmlPage(page('<p>By Monday, the harbour wall had given way in two places and the ferry was cancelled.</p>'), { fallbackId: 'x', position: 'page.html' });
    expect(item.html.startsWith('<p>By Monday, the harbour wall')).toBe(true);
  });
});
