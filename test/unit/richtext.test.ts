import { describe, expect, it } from 'vitest';
import { htmlToDoc } from '../../src/content/richtext/from-html.js';
import { markdownToDoc } from '../../src/content/richtext/from-markdown.js';
import { blocksText, previewPlan, renderDoc } from '../../src/content/richtext/render.js';
import { docSchema, type Doc } from '../../src/content/richtext/doc.js';
import { h, raw, Fragment } from '../../src/shared/jsx.js';
import { slugify } from '../../src/content/slug.js';

describe('HTML to document', () => {
  const cases: [string, string, string][] = [
    ['keeps paragraphs, headings and marks', '<h2>Title</h2><p>A <b>bold</b> and <em>soft</em> <a href="https://example.org/x">link</a>.</p>', '<h2>Title</h2><p>A <strong>bold</strong> and <em>soft</em> <a href="https://example.org/x">link</a>.</p>'],
    ['drops scripts, styles and event handlers', '<p onclick="evil()">Hi<script>alert(1)</script><style>p{}</style></p><iframe src="x"></iframe>', '<p>Hi</p>'],
    ['unwraps javascript: links to their text', '<p><a href="javascript:alert(1)">click</a></p>', '<p>click</p>'],
    ['drops data: and protocol-relative images', '<img src="data:image/png;base64,AAAA"><img src="//evil.example/x.png"><img src="https://cdn.example/a.jpg" alt="A">', '<figure><img src="https://cdn.example/a.jpg" alt="A" loading="lazy"></figure>'],
    ['keeps a data table, with its caption before it and its spans', '<table><caption>Fares</caption><thead><tr><th>Route</th><th>Fare</th></tr></thead><tbody><tr><td colspan="2">Both <b>ways</b></td></tr></tbody></table>', '<p>Fares</p><div class="table-wrap"><table><tbody><tr><th>Route</th><th>Fare</th></tr><tr><td colspan="2">Both <strong>ways</strong></td></tr></tbody></table></div>'],
    ['reads a layout table (an image in a cell) block by block, losing nothing', '<table><tr><td><img src="/a.jpg" alt="Quay"></td><td>Beside it.</td></tr></table>', '<figure><img src="/a.jpg" alt="Quay" loading="lazy"></figure><p>Beside it.</p>'],
    ['keeps our footnote markup as footnotes', '<p>Dues<sup data-footnote="  Board   minutes. "></sup> rise.</p>', '<p>Dues<sup class="footnote-ref"><a href="#fn-1" id="fnref-1" aria-describedby="footnotes-h">1</a></sup> rise.</p><section class="footnotes" aria-labelledby="footnotes-h"><h2 id="footnotes-h">Notes</h2><ol><li id="fn-1"><p>Board minutes. <a href="#fnref-1" class="footnote-back" aria-label="Back to reference 1">↩</a></p></li></ol></section>'],
    ['keeps lists and quotes', '<ul><li>One</li><li>Two</li></ul><ol start="3"><li>Three</li></ol><blockquote><p>Said.</p></blockquote>', '<ul><li>One</li><li>Two</li></ul><ol start="3"><li>Three</li></ol><blockquote><p>Said.</p></blockquote>'],
    ['turns figures into captioned images', '<figure><img src="/a.jpg" alt="Boats"><figcaption>Boats at dawn</figcaption></figure>', '<figure><img src="/a.jpg" alt="Boats" loading="lazy"><figcaption>Boats at dawn</figcaption></figure>'],
    ['wraps loose text in paragraphs and collapses white space', 'Loose   text\n here<div>In a div</div>', '<p>Loose text here</p><p>In a div</p>'],
    ['escapes text that looks like markup', '<p>&lt;script&gt;alert(1)&lt;/script&gt; &amp; "quotes"</p>', '<p>&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;</p>'],
    ['keeps code blocks verbatim', '<pre><code>a &lt; b\n  indented</code></pre>', '<pre><code>a &lt; b\n  indented</code></pre>'],
  ];
  it.each(cases)('%s', (_name, html, expected) => {
    const doc = htmlToDoc(html);
    expect(docSchema.safeParse(doc).success).toBe(true);
    expect(renderDoc(doc).fullHtml).toBe(expected);
  });

  it('treats <!--more--> and hr.preview-break as the preview break', () => {
    for (const html of ['<p>One</p><!--more--><p>Two</p>', '<p>One</p><hr class="preview-break"><p>Two</p>']) {
      const r = renderDoc(htmlToDoc(html));
      expect(r.hasBreak).toBe(true);
      expect(r.previewHtml).toBe('<p>One</p>');
      expect(r.fullHtml).toBe('<p>One</p><p>Two</p>');
      expect(r.gatedText).toBe('Two');
    }
  });
});

describe('Markdown to document', () => {
  it('converts the common elements', () => {
    const r = renderDoc(markdownToDoc('## Head\n\nSome *it* and **bold** with [a link](https://example.org).\n\n> Quote\n\n- a\n- b\n\n<!--more-->\n\nAfter.'));
    expect(r.previewHtml).toBe('<h2>Head</h2><p>Some <em>it</em> and <strong>bold</strong> with <a href="https://example.org">a link</a>.</p><blockquote><p>Quote</p></blockquote><ul><li>a</li><li>b</li></ul>');
    expect(r.fullHtml.endsWith('<p>After.</p>')).toBe(true);
  });
  it('does not let raw HTML in Markdown through', () => {
    const r = renderDoc(markdownToDoc('Hi <img src=x onerror=alert(1)> <script>alert(2)</script>\n\n[x](javascript:alert(3))'));
    expect(r.fullHtml).not.toMatch(/onerror|<script|javascript:/);
  });
});

describe('preview rule: always strictly shorter than the body (issue 12, defect 3)', () => {
  const para = (n: number, word = 'word') => Array.from({ length: n }, () => word).join(' ') + '.';
  const md = (...blocks: string[]) => markdownToDoc(blocks.join('\n\n'));

  it.each([
    ['ten even paragraphs: the first two', md(...Array.from({ length: 10 }, (_, i) => `Paragraph ${i} ${para(20)}`)), 'blocks', 2],
    ['four even paragraphs: one, since two would be half the text', md('One.', 'Two.', 'Three.', 'Four.'), 'blocks', 1],
    ['a short lead, then a long paragraph: the lead', md('Short lead.', para(60)), 'blocks', 1],
    ['two even paragraphs: a teaser of the first', md(para(30, 'alpha'), para(30, 'omega')), 'teaser', 0],
    ['one paragraph: a teaser', md(para(40)), 'teaser', 0],
    ['a break with text after it: the break', md('Lead.', '<!--more-->', 'Rest.'), 'break', 1],
    ['a break at the very end: ignored, the default rule applies', md(para(30, 'alpha'), para(30, 'omega'), '<!--more-->'), 'teaser', 0],
    ['an image, then one paragraph: the image', { type: 'doc', content: [{ type: 'image', attrs: { src: 'https://img.example/a.jpg' } }, { type: 'paragraph', content: [{ type: 'text', text: para(30) }] }] } as Doc, 'blocks', 1],
  ] as const)('%s', (_name, doc, kind, blocks) => {
    const plan = previewPlan(doc);
    expect(plan.kind).toBe(kind);
    if (plan.kind !== 'teaser') expect(plan.blocks).toBe(blocks);
    const r = renderDoc(doc);
    expect(r.gatedText.length).toBeGreaterThan(0);
    expect(r.previewText.length).toBeLessThan(blocksText(doc.content).length);
  });

  it('cuts a teaser at a word, at most a third of the text, and keeps the full body whole', () => {
    const doc = md(para(30, 'alpha'), para(30, 'omega'));
    const r = renderDoc(doc);
    expect(r.previewText).toMatch(/^alpha( alpha)*…$/);
    expect(r.previewText.length - 1).toBeLessThanOrEqual(Math.floor(blocksText(doc.content).length / 3));
    expect(r.previewHtml).not.toContain('omega');
    expect(r.fullHtml).toBe(`<p>${para(30, 'alpha')}</p><p>${para(30, 'omega')}</p>`);
    expect(r.hasBreak).toBe(false);
    expect(previewPlan(md(para(30), para(30), '<!--more-->'))).toMatchObject({ breakIgnored: true });
  });

  it('holds for every shape of short document: the preview never carries the whole text', () => {
    const lengths = [1, 2, 3, 5, 8, 40, 200];
    for (const a of lengths) for (const b of [0, ...lengths]) for (const c of [0, ...lengths]) for (const brk of [-1, 0, 1, 2, 3]) {
      const blocks = [para(a, 'aa'), ...(b ? [para(b, 'bb')] : []), ...(c ? [para(c, 'cc')] : [])];
      if (brk >= 0) blocks.splice(Math.min(brk, blocks.length), 0, '<!--more-->');
      const doc = md(...blocks);
      const r = renderDoc(doc);
      const label = JSON.stringify({ a, b, c, brk });
      expect(r.gatedText.length, label).toBeGreaterThan(0);
      // The last word of the article is never in the preview.
      const last = c ? 'cc' : b ? 'bb' : 'aa';
      const tailWord = r.previewText.split(/\s+/).filter((w) => w.startsWith(last)).length;
      const totalWord = blocksText(doc.content).split(/\s+/).filter((w) => w.startsWith(last)).length;
      expect(tailWord, label).toBeLessThan(totalWord);
      if (previewPlan(doc).kind !== 'teaser') expect(r.fullHtml.startsWith(r.previewHtml), label).toBe(true);
    }
  });
});

describe('JSX string renderer', () => {
  it('escapes children and attributes by default', () => {
    const evil = '"><script>alert(1)</script>';
    expect(h('a', { href: evil, title: "it's" }, evil).value).toBe('<a href="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" title="it&#39;s">&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;</a>');
  });
  it('passes raw() through, renders void elements and skips false/null', () => {
    expect(h('div', null, raw('<b>x</b>'), null, false, 0, h('br', null)).value).toBe('<div><b>x</b>0<br></div>');
    expect(h('input', { disabled: true, hidden: false }).value).toBe('<input disabled>');
    expect(h(Fragment, null, 'a', ['b', 'c']).value).toBe('abc');
  });
});

describe('slugify', () => {
  it.each([
    ['Harbour plan wins approval', 'harbour-plan-wins-approval'],
    ['Café society’s “big” night!', 'cafe-societys-big-night'],
    ['   ', 'untitled'],
  ])('%s → %s', (input, expected) => expect(slugify(input)).toBe(expected));
});

describe('footnotes in Markdown', () => {
  const cases: [string, string, string][] = [
    ['a reference and its definition', 'Dues rise.[^a]\n\n[^a]: Board minutes.', '<p>Dues rise.<sup class="footnote-ref"><a href="#fn-1" id="fnref-1" aria-describedby="footnotes-h">1</a></sup></p><section class="footnotes" aria-labelledby="footnotes-h"><h2 id="footnotes-h">Notes</h2><ol><li id="fn-1"><p>Board minutes. <a href="#fnref-1" class="footnote-back" aria-label="Back to reference 1">↩</a></p></li></ol></section>'],
    ['a reference to no definition stays as typed', 'See [^nothing].', '<p>See [^nothing].</p>'],
    ['an escaped reference stays as typed', 'Literal \\[^a] here.\n\n[^a]: A note.', '<p>Literal [^a] here.</p>'],
    ['fenced code is not touched', '```\nx[^a]\n[^b]: not a note\n```\n\n[^a]: A note.', '<pre><code>x[^a]\n[^b]: not a note</code></pre>'],
    ['markup in a note is text', 'A[^a]\n\n[^a]: <script>alert(1)</script> & *this*', '<p>A<sup class="footnote-ref"><a href="#fn-1" id="fnref-1" aria-describedby="footnotes-h">1</a></sup></p><section class="footnotes" aria-labelledby="footnotes-h"><h2 id="footnotes-h">Notes</h2><ol><li id="fn-1"><p>&lt;script&gt;alert(1)&lt;/script&gt; &amp; *this* <a href="#fnref-1" class="footnote-back" aria-label="Back to reference 1">↩</a></p></li></ol></section>'],
  ];
  it.each(cases)('%s', (_label, md, html) => {
    expect(renderDoc(docSchema.parse(markdownToDoc(md))).fullHtml).toBe(html);
  });
});
