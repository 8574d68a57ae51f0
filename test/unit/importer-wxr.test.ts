import { createReadStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeWxrFixture } from '../../src/bench/wxr-fixture.js';
import { htmlToDoc } from '../../src/content/richtext/from-html.js';
import { outline } from '../helpers/outline.js';
import type { ImportItem, ParsedEntry } from '../../src/importer/types.js';
import { parseWxr } from '../../src/importer/wxr/parse.js';
import { cleanWordPressHtml } from '../../src/importer/wxr/wp-content.js';

const FIXTURE = join(import.meta.dirname, '../fixtures/importer/skerrow-courier.wxr');
const SITE = 'https://www.skerrowcourier.example';
/** Source ids name the site without scheme or www, so an export after a move to https updates. */
const KEY = 'skerrowcourier.example';
const xml = readFileSync(FIXTURE, 'utf8');

async function collect(input: AsyncIterable<string | Buffer>, opts?: { includePages?: boolean }): Promise<ParsedEntry[]> {
  const out: ParsedEntry[] = [];
  for await (const e of parseWxr(input, opts)) out.push(e);
  return out;
}

/** Byte chunks of a fixed size: multi-byte characters (£, é, ‘) get split across chunks. */
async function* bytes(text: string, size: number): AsyncGenerator<Buffer> {
  const buf = Buffer.from(text, 'utf8');
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
}

const items = (entries: ParsedEntry[]) => entries.filter((e): e is { ok: true; item: ImportItem } => e.ok).map((e) => e.item);
const errors = (entries: ParsedEntry[]) => entries.flatMap((e) => (e.ok ? [] : [e.error]));
const byId = (entries: ParsedEntry[], id: number) => items(entries).find((i) => i.sourceId === `wxr:${KEY}:${id}`)!;


describe('parseWxr on a handwritten export', () => {
  let entries: ParsedEntry[] = [];
  beforeAll(async () => {
    entries = await collect(createReadStream(FIXTURE, { highWaterMark: 1024 }));
  });

  it('yields posts in file order (a post waits for a later feature image), one error per broken item, and skips the rest', () => {
    expect(entries.map((e) => (e.ok ? e.item.sourceId : `error ${e.error.position}`))).toEqual([
      `wxr:${KEY}:21`,
      `wxr:${KEY}:22`,
      `wxr:${KEY}:24`,
      'error item 9 (near line 231)',
      'error item 10 (near line 243)',
      `wxr:${KEY}:30`,
    ]);
    expect(errors(entries)).toEqual([
      { position: 'item 9 (near line 231)', message: 'unexpected <wp:status> inside <wp:post_name>; unexpected <wp:post_type> inside <wp:post_name>; <wp:post_name> is not closed' },
      { position: 'item 10 (near line 243)', message: 'unreadable date "sometime in April"' },
    ]);
  });

  it('reads a classic-editor post: fields, taxonomy, authors, old paths, feature image', () => {
    const { html, ...rest } = byId(entries, 21);
    expect(rest).toEqual({
      sourceId: `wxr:${KEY}:21`,
      position: 'item 2 (near line 55)',
      kind: 'post',
      title: 'Harbour dues to rise by 4% from April',
      slug: 'harbour-dues',
      dek: 'Creel fishermen say the rise & the way it was decided leave small boats behind.',
      authors: [{ name: 'Mairi Sutherland', email: 'mairi@skerrowcourier.example' }],
      // Yoast's primary category (term 5) comes first.
      sections: [{ name: 'Council & Politics', slug: 'council-politics' }, { name: 'Harbour', slug: 'harbour' }],
      tags: ['harbour dues', 'ferry'],
      publishedAt: '2019-03-14T09:30:00Z',
      sourceStatus: 'published',
      oldPaths: ['/2019/03/harbour-dues/', '/?p=21'],
      featureImageUrl: `${SITE}/wp-content/uploads/2019/03/harbour-at-dawn.jpg`,
      featureImageAlt: 'Creel boats at the north quay at dawn',
      flags: [],
      removed: [],
    });
    expect(outline(html)).toEqual([
      ['paragraph', "Skerrow's harbour board voted on Wednesday to raise landing dues by 4% from 1 April.\nThe increase is the first in three years."],
      ['paragraph', 'Creel fishermen said the board had "ignored the smallest boats [sic]" and asked for a lower rate for vessels under ten metres.'],
      ['previewBreak', ''],
      ['image', `${SITE}/wp-content/uploads/2019/03/harbour-at-dawn-640x427.jpg | The north quay, where most of the creel boats land.`],
      ['paragraph', "The board's chair, Isla Mowat, said the money would pay for new pontoons [1]."],
      ['heading', 'What the new dues are'],
      ['bulletList', 'Boats under ten metres: £3.10 a landing / Boats over ten metres: £5.60 a landing'],
      ['blockquote', 'We cannot keep the harbour open on goodwill. / The pontoons are forty years old.'],
    ]);
  });

  it('reads a block-editor post: comments gone, blocks kept, entities decoded, image from a later attachment', () => {
    const item = byId(entries, 22);
    expect(item.title).toBe('Ferry ‘lifeline’ timetable cut again');
    expect(item.authors).toEqual([{ name: 'Tobias Beck', email: 'tobias@skerrowcourier.example' }]);
    expect(item.featureImageUrl).toBe(`${SITE}/wp-content/uploads/2019/03/ferry.jpg`);
    expect(item.html).not.toMatch(/wp:/);
    expect(outline(item.html)).toEqual([
      ['paragraph', 'The winter ferry timetable will lose two more sailings, the operator confirmed on Friday.'],
      ['previewBreak', ''],
      ['heading', 'Islanders angry'],
      ['image', `${SITE}/wp-content/uploads/2019/03/ferry.jpg | The MV Skerrow Lass at the pier.`],
      ['blockquote', 'We were told this would not happen again. / Ewan Rendall, community council'],
      ['paragraph', 'https://www.youtube.com/watch?v=skerrow1'],
    ]);
    const link = htmlToDoc(item.html).content.at(-1);
    expect(link).toEqual({ type: 'paragraph', content: [{ type: 'text', text: 'https://www.youtube.com/watch?v=skerrow1', marks: [{ type: 'link', attrs: { href: 'https://www.youtube.com/watch?v=skerrow1' } }] }] });
  });

  it('reads a draft: local date when GMT is unset, no slug, the default category dropped, page-builder shortcodes unwrapped', () => {
    const { html, ...rest } = byId(entries, 24);
    expect(rest).toEqual({
      sourceId: `wxr:${KEY}:24`,
      position: 'item 5 (near line 174)',
      kind: 'post',
      title: 'Draft: lifeboat station appeal',
      authors: [{ name: 'Mairi Sutherland', email: 'mairi@skerrowcourier.example' }],
      sections: [],
      tags: [],
      publishedAt: '2019-04-02T10:15:00Z',
      sourceStatus: 'draft',
      oldPaths: ['/?p=24'],
      flags: [],
      removed: [],
    });
    expect(outline(html)).toEqual([['paragraph', 'The lifeboat station needs £40,000 for a new slipway.']]);
  });

  it('reads a scheduled post: published, percent-encoded non-ASCII slug omitted, unknown author kept by login', () => {
    const item = byId(entries, 30);
    expect(item).toMatchObject({
      title: 'Café & bakery to open on the pier',
      publishedAt: '2030-05-01T06:00:00Z',
      sourceStatus: 'published',
      authors: [{ name: 'guestwriter' }],
      sections: [{ name: 'Harbour', slug: 'harbour' }],
      oldPaths: ['/2019/05/pier-cafe/', '/?p=30'],
    });
    expect(item.slug).toBeUndefined();
    expect(item.featureImageUrl).toBeUndefined();
    expect(outline(item.html)).toEqual([
      ['paragraph', 'A café and bakery will open in the old net store this summer.'],
      ['paragraph', 'https://www.youtube.com/watch?v=cafe30'],
      ['paragraph', 'The owners wrote [caption] on the plans by mistake.'],
    ]);
  });

  it('includes pages only when asked', async () => {
    expect(items(entries).some((i) => i.kind === 'page')).toBe(false);
    const withPages = await collect(createReadStream(FIXTURE), { includePages: true });
    const page = items(withPages).find((i) => i.kind === 'page')!;
    expect(page).toMatchObject({
      sourceId: `wxr:${KEY}:26`,
      title: 'About the Courier',
      slug: 'about',
      oldPaths: ['/about/', '/?page_id=26'],
      sourceStatus: 'published',
    });
    expect(outline(page.html)).toEqual([
      ['paragraph', 'The Skerrow Courier has covered the islands since 1952.'],
      ['paragraph', 'Write to us at the harbour office.'],
    ]);
    expect(withPages).toHaveLength(entries.length + 1);
  });

  it('gives identical results fed 7 bytes at a time, or as one string', async () => {
    expect(await collect(bytes(xml, 7))).toEqual(entries);
    expect(await collect((async function* () { yield xml; })())).toEqual(entries);
  });
});

describe('parseWxr on damaged input', () => {
  it('reports the item a truncated file ends in, after the items before it', async () => {
    const cut = xml.slice(0, xml.indexOf('<h2>Islanders angry</h2>'));
    const entries = await collect(bytes(cut, 100));
    expect(entries.map((e) => (e.ok ? e.item.sourceId : e.error))).toEqual([
      `wxr:${KEY}:21`,
      { position: 'item 3 (near line 111)', message: 'the file ends inside this item (is the export truncated?)' },
    ]);
  });

  it('gives one error entry for input that is not XML, or not a WordPress export', async () => {
    for (const text of ['Dear editor,\nplease find attached…', '{"db":[{"data":{"posts":[]}}]}', '<!doctype html><html><body><p>Hello</p></body></html>']) {
      const entries = await collect(bytes(text, 5));
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatchObject({ ok: false, error: { position: 'file', message: expect.stringMatching(/^not a WordPress export \(WXR\)/) } });
    }
    expect(await collect(bytes('', 5))).toHaveLength(1);
  });

  it('recovers when an item is never closed, and when the post id is missing', async () => {
    const doc = wxr(
      '<item><title>Open</title><wp:post_id>1</wp:post_id><wp:post_type>post</wp:post_type>',
      '<item><title>Fine</title><wp:post_id>2</wp:post_id><wp:status>publish</wp:status><wp:post_type>post</wp:post_type><content:encoded>Hi</content:encoded></item>',
      '<item><title>No id</title><wp:post_type>post</wp:post_type></item>',
      '<item><title>Also fine</title><wp:post_id>4</wp:post_id><wp:post_type>post</wp:post_type><content:encoded/></item>',
    );
    const entries = await collect(bytes(doc, 64));
    expect(entries.map((e) => (e.ok ? e.item.title : e.error.message))).toEqual([
      '<item> is not closed before the next <item>',
      'Fine',
      'no <wp:post_id>',
      'Also fine',
    ]);
  });

  it('takes a title from the body when there is none, and flags it', async () => {
    const entries = await collect(bytes(wxr('<item><title></title><wp:post_id>5</wp:post_id><wp:post_type>post</wp:post_type><content:encoded><![CDATA[The ferry is late again. Nobody is surprised.]]></content:encoded></item>'), 50));
    expect(items(entries)[0]).toMatchObject({ title: 'The ferry is late again.', flags: ['title_from_body'] });
  });
});

describe('parseWxr streaming', () => {
  it('yields the first entries before it has read the whole input', async () => {
    let chunksRead = 0;
    const big = wxr(...Array.from({ length: 200 }, (_, i) => `<item><title>Post ${i}</title><wp:post_id>${i + 1}</wp:post_id><wp:post_type>post</wp:post_type><content:encoded><![CDATA[<p>${'Text. '.repeat(100)}</p>]]></content:encoded></item>`));
    async function* counting(): AsyncGenerator<string> {
      for (let i = 0; i < big.length; i += 4096) {
        chunksRead++;
        yield big.slice(i, i + 4096);
      }
    }
    const total = Math.ceil(big.length / 4096);
    for await (const e of parseWxr(counting())) {
      expect(e.ok).toBe(true);
      break;
    }
    expect(chunksRead).toBeLessThan(total / 10);
  });

  it('lets a post whose feature image never arrives go at the end, flagged', async () => {
    const doc = wxr(
      '<item><title>Waiting</title><wp:post_id>1</wp:post_id><wp:post_type>post</wp:post_type><wp:postmeta><wp:meta_key>_thumbnail_id</wp:meta_key><wp:meta_value>99</wp:meta_value></wp:postmeta></item>',
      '<item><title>Next</title><wp:post_id>2</wp:post_id><wp:post_type>post</wp:post_type></item>',
    );
    const entries = items(await collect(bytes(doc, 30)));
    expect(entries.map((i) => [i.title, i.flags])).toEqual([['Next', []], ['Waiting', ['feature_image_missing']]]);
  });
});

describe('cleanWordPressHtml', () => {
  const cases: [string, string, string][] = [
    ['wraps blank-line paragraphs and turns single newlines into breaks', 'One\nstill one\n\nTwo', '<p>One<br>\nstill one</p>\n<p>Two</p>'],
    ['does not double a break already there', 'One<br />\nTwo', '<p>One<br />\nTwo</p>'],
    ['keeps <!--more--> on its own, outside paragraphs', 'Intro.<!--more-->Rest.', '<p>Intro.</p>\n<!--more-->\n<p>Rest.</p>'],
    ['splits a paragraph around <!--more-->', '<p>Intro.<!--more-->Rest.</p>', '<p>Intro.</p>\n<!--more-->\n<p>Rest.</p>'],
    ['normalises a more tag with custom text, drops nextpage', 'A<!--more Keep reading-->B<!--nextpage-->C', '<p>A</p>\n<!--more-->\n<p>BC</p>'],
    ['strips block comments, self-closing ones too', '<!-- wp:paragraph -->\n<p>Hi</p>\n<!-- /wp:paragraph -->\n\n<!-- wp:image {"id":5} /-->', '<p>Hi</p>'],
    ['turns a caption into a figure', '[caption id="attachment_5" width="300"]<a href="/a.jpg"><img src="/a.jpg" alt="A" /></a> Boats at dawn[/caption]', '<figure><img src="/a.jpg" alt="A" /><figcaption>Boats at dawn</figcaption></figure>'],
    ['reads an old-style caption attribute', '[caption caption="Boats"]<img src="/a.jpg">[/caption]', '<figure><img src="/a.jpg"><figcaption>Boats</figcaption></figure>'],
    ['turns an embed into a link paragraph', 'See:\n\n[embed]https://vimeo.com/1[/embed]', '<p>See:</p>\n<p><a href="https://vimeo.com/1">https://vimeo.com/1</a></p>'],
    ['drops galleries and shortcodes with attributes', 'A [gallery ids="1,2"] B [gravityform id="3" title="false"] C [widget /] D', '<p>A  B  C  D</p>'],
    ['unwraps unknown enclosing shortcodes', '[note]Mind the gap[/note]', '<p>Mind the gap</p>'],
    ['leaves prose brackets alone', 'He said [sic] and [citation needed], see [1] and [Editor\'s note: fixed].', '<p>He said [sic] and [citation needed], see [1] and [Editor\'s note: fixed].</p>'],
    ['unescapes [[shortcode]]', 'Type [[gallery]] to show photos.', '<p>Type [gallery] to show photos.</p>'],
    ['leaves pre untouched', '<pre>a\n\nb</pre>', '<pre>a\n\nb</pre>'],
    ['paragraphs text inside a classic blockquote', '<blockquote>One\n\nTwo</blockquote>', '<blockquote><p>One</p>\n<p>Two</p></blockquote>'],
    ['keeps audio as a link to its file', '[audio mp3="https://cdn.example/a.mp3"][/audio]', '<p><a href="https://cdn.example/a.mp3">https://cdn.example/a.mp3</a></p>'],
  ];
  it.each(cases)('%s', (_name, input, expected) => {
    expect(cleanWordPressHtml(input)).toBe(expected);
  });

  it('leaves unclosed paragraphs for the HTML parser to repair', () => {
    expect(outline(cleanWordPressHtml('<p>One\n\n<p>Two\nand more'))).toEqual([['paragraph', 'One'], ['paragraph', 'Two\nand more']]);
  });
});

describe('writeWxrFixture', () => {
  const dir = mkdtempSync(join(tmpdir(), 'masthead-wxr-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes a file that parseWxr reads back as N posts', async () => {
    const file = join(dir, 'fixture.wxr');
    const result = await writeWxrFixture(file, 50);
    expect(result.posts).toBe(50);
    const entries = await collect(createReadStream(file));
    expect(errors(entries)).toEqual([]);
    const posts = items(entries);
    expect(posts).toHaveLength(50);
    expect(new Set(posts.map((p) => p.sourceId)).size).toBe(50);
    // The first ten items in the file are posts (the CLI tests break "the third post" by position).
    const positions = posts.map((p) => Number(/^item (\d+)/.exec(p.position)![1])).sort((a, b) => a - b);
    expect(positions.slice(0, 10)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    for (const p of posts) {
      expect(p.title).not.toBe('');
      expect(p.authors).toHaveLength(1);
      expect(p.sections).toHaveLength(1);
      expect(p.flags).toEqual([]);
      const doc = htmlToDoc(p.html).content;
      expect(doc.filter((b) => b.type === 'paragraph').length).toBeGreaterThanOrEqual(3);
      expect(p.html).not.toMatch(/\[\/?(caption|embed|gallery)|wp:/);
    }
    expect(posts.some((p) => p.featureImageUrl)).toBe(true);
    expect(posts.some((p) => htmlToDoc(p.html).content.some((b) => b.type === 'previewBreak'))).toBe(true);
    expect(posts.some((p) => p.sourceStatus === 'draft')).toBe(true);
    expect(new Set(posts.map((p) => p.authors[0]!.name)).size).toBeGreaterThanOrEqual(3);
  });

  it('writes the same bytes for the same seed', async () => {
    await writeWxrFixture(join(dir, 'a.wxr'), 20, { seed: 7 });
    await writeWxrFixture(join(dir, 'b.wxr'), 20, { seed: 7 });
    expect(readFileSync(join(dir, 'a.wxr')).equals(readFileSync(join(dir, 'b.wxr')))).toBe(true);
  });
});

function wxr(...items: string[]): string {
  return `<?xml version="1.0"?><rss xmlns:wp="http://wordpress.org/export/1.2/" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><link>${SITE}</link>\n${items.join('\n')}\n</channel></rss>`;
}

describe('source ids across a site move', () => {
  it('an export taken after a move to https or to www names the same items', async () => {
    const moved = xml.replace('<link>https://www.skerrowcourier.example</link>', '<link>http://skerrowcourier.example</link>');
    expect(moved).not.toBe(xml);
    const ids = async (text: string) => items(await collect(bytes(text, 1 << 16))).map((i) => i.sourceId);
    expect(await ids(moved)).toEqual(await ids(xml));
  });
});
