/**
 * A synthetic but realistic WordPress export (WXR 1.2) for the importer's benchmark and tests.
 *
 *   node dist/bench/wxr-fixture.js --posts 100000 --out /tmp/export.wxr [--seed 1] [--authors 8]
 *
 * Every post is importable (published, scheduled or draft; never trashed), so a file of N posts
 * imports as N articles. Content mixes what real exports hold: classic-editor text with blank-line
 * paragraphs and shortcodes ([caption], [embed], [gallery]), block-editor markup with its
 * comments, `<!--more-->` in some posts, reader comments, and featured images whose attachment
 * items follow their posts in batches (as WordPress's id order puts them) — the first ten items
 * are always posts. The output is deterministic for a seed. The file is streamed with
 * backpressure: memory stays flat whatever N (100,000 posts ≈ 580 MB, about 4 KB of body each).
 */
import { mulberry32 } from './rng.js';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

export interface WxrFixtureOptions {
  /** PRNG seed; the same seed writes the same file. Default 1. */
  seed?: number;
  /** Number of authors, 3–20. Default 8. */
  authors?: number;
  /** The old site's address. Default https://old.harbourgazette.example. */
  site?: string;
}

export interface WxrFixtureResult {
  posts: number;
  attachments: number;
  bytes: number;
}

const FLUSH_AT = 256 * 1024;
/** Attachments are written after every this many posts: the first items are always posts. */
const ATTACHMENT_BATCH = 10;

export async function writeWxrFixture(path: string, n: number, opts: WxrFixtureOptions = {}): Promise<WxrFixtureResult> {
  if (!Number.isInteger(n) || n < 0) throw new RangeError('n must be a whole number');
  const site = (opts.site ?? 'https://old.harbourgazette.example').replace(/\/+$/, '');
  const rnd = mulberry32(opts.seed ?? 1);
  const authorCount = Number.isInteger(opts.authors) ? Math.min(20, Math.max(3, opts.authors!)) : 8;
  const out = createWriteStream(path);
  let buf = '';
  let bytes = 0;
  const write = async (s: string, force = false) => {
    buf += s;
    if (buf.length < FLUSH_AT && !force) return;
    const chunk = buf;
    buf = '';
    bytes += Buffer.byteLength(chunk);
    if (!out.write(chunk)) await once(out, 'drain');
  };

  try {
    const authors = Array.from({ length: authorCount }, (_, i) => person(i));
    await write(header(site, authors));

    let nextId = 100;
    let attachments = 0;
    let pending: string[] = [];
    const library: number[] = [];
    const start = Date.UTC(2014, 0, 6, 7, 0, 0);
    for (let i = 0; i < n; i++) {
      const id = nextId++;
      let thumbnail = 0;
      const r = rnd();
      if (r < 0.3) {
        // A photo uploaded with the post: its id follows the post's.
        thumbnail = nextId++;
        pending.push(attachmentItem(site, thumbnail, id, rnd));
        library.push(thumbnail);
        attachments++;
      } else if (r < 0.4 && library.length) {
        // A photo from the media library, already in the file.
        thumbnail = library[Math.floor(rnd() * library.length)]!;
      }
      if (library.length > 1000) library.splice(0, 500);
      const when = start + Math.floor((i / Math.max(1, n)) * 10 * 365 * 86_400_000) + Math.floor(rnd() * 3_600_000);
      await write(postItem(site, id, i, when, thumbnail, authors, rnd));
      if ((i + 1) % ATTACHMENT_BATCH === 0 && pending.length) {
        await write(pending.join(''));
        pending = [];
      }
    }
    if (pending.length) await write(pending.join(''));
    await write('</channel>\n</rss>\n', true);
    out.end();
    await once(out, 'finish');
    return { posts: n, attachments, bytes };
  } catch (err) {
    out.destroy();
    throw err;
  }
}

// ---------------------------------------------------------------------------

type Rnd = () => number;


const pick = <T>(rnd: Rnd, list: readonly T[]): T => list[Math.floor(rnd() * list.length)]!;
const between = (rnd: Rnd, lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));

const FIRST = ['Ailsa', 'Tomasz', 'Priya', 'Eamon', 'Ngozi', 'Ruth', 'Callum', 'Mei', 'Ines', 'Kofi', 'Hanna', 'Dara', 'Oskar', 'Leila', 'Fraser', 'Yuki', 'Bríd', 'Mateus', 'Saoirse', 'Anders'];
const LAST = ['Grant', 'Nowak', 'Raman', 'Doyle', 'Okafor', 'Lindqvist', 'MacLeod', 'Chen', 'Ferreira', 'Mensah', 'Berg', 'Quinn', 'Holm', 'Haddad', 'Munro', 'Sato', 'Ní Bhriain', 'Costa', 'Kavanagh', 'Dahl'];
const SECTIONS = ['Harbour', 'Council', 'Courts', 'Schools', 'Business', 'Health', 'Environment', 'Sport', 'Arts & Culture', 'Opinion', 'Transport', 'Housing'];
const TAGS = [
  'ferry', 'budget', 'planning', 'flooding', 'fishing', 'tourism', 'elections', 'police', 'hospital', 'rail', 'wind farm', 'harbour dues',
  'library', 'festival', 'rugby', 'sailing', 'regatta', 'lifeboat', 'bridge', 'potholes', 'rents', 'strike', 'museum', 'trawlers',
  'council tax', 'bus routes', 'school meals', 'storm', 'coastguard', 'heritage', 'jobs', 'cafés', 'market', 'broadband', 'ferry fares',
  'cycle lanes', 'pier', 'dredging', 'lighthouse', 'seals', 'oysters', 'distillery', 'ambulance', 'GP surgery', 'care homes', 'youth club',
];
const WORDS = (
  'the harbour council said on Tuesday that its plans for the new pier would go ahead despite objections from fishermen who ' +
  'fear that dredging will disturb the oyster beds off the north shore residents packed the community hall to hear officials ' +
  'explain why the ferry timetable was cut again this winter and what the operator intends to do about repeated breakdowns ' +
  'budget figures released last week show a shortfall of almost two million pounds a gap the finance committee hopes to close ' +
  'through reserves rather than further cuts to libraries bus routes or the harbour master office local traders welcomed the ' +
  'decision but warned that parking charges introduced in spring had already driven visitors to out of town retail parks ' +
  'meanwhile the lifeboat crew was called out twice overnight to assist a yacht that lost power in heavy swell near the ' +
  'lighthouse nobody was hurt the skipper later thanked volunteers for their patience and skill in difficult conditions'
).split(' ');
const DOMAINS = ['https://www.youtube.com/watch?v=', 'https://vimeo.com/', 'https://twitter.com/harbourgazette/status/'];

function person(i: number) {
  const first = FIRST[i % FIRST.length]!;
  const last = LAST[(i * 7 + 3) % LAST.length]!;
  const login = `${first}${last}`.toLowerCase().normalize('NFKD').replace(/[^a-z]/g, '');
  return { id: i + 1, login, first, last, email: `${login}@harbourgazette.example` };
}
type Person = ReturnType<typeof person>;

function slugify(s: string): string {
  return s.toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

const cdata = (s: string) => `<![CDATA[${s.replaceAll(']]>', ']]]]><![CDATA[>')}]]>`;
const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function header(site: string, authors: Person[]): string {
  const parts = [
    '<?xml version="1.0" encoding="UTF-8" ?>\n',
    '<!-- This is a WordPress eXtended RSS file generated by WordPress as an export of your site. -->\n',
    '<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/" xmlns:content="http://purl.org/rss/1.0/modules/content/" ',
    'xmlns:wfw="http://wellformedweb.org/CommentAPI/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">\n',
    '<channel>\n\t<title>The Harbour Gazette</title>\n',
    `\t<link>${site}</link>\n\t<description>News from the harbour town</description>\n`,
    '\t<pubDate>Mon, 02 Jun 2025 09:00:00 +0000</pubDate>\n\t<language>en-GB</language>\n\t<wp:wxr_version>1.2</wp:wxr_version>\n',
    `\t<wp:base_site_url>${site}</wp:base_site_url>\n\t<wp:base_blog_url>${site}</wp:base_blog_url>\n`,
  ];
  for (const a of authors) {
    parts.push(
      `\t<wp:author><wp:author_id>${a.id}</wp:author_id><wp:author_login>${cdata(a.login)}</wp:author_login>`,
      `<wp:author_email>${cdata(a.email)}</wp:author_email><wp:author_display_name>${cdata(`${a.first} ${a.last}`)}</wp:author_display_name>`,
      `<wp:author_first_name>${cdata(a.first)}</wp:author_first_name><wp:author_last_name>${cdata(a.last)}</wp:author_last_name></wp:author>\n`,
    );
  }
  SECTIONS.forEach((name, i) => {
    parts.push(`\t<wp:category><wp:term_id>${i + 2}</wp:term_id><wp:category_nicename>${cdata(slugify(name))}</wp:category_nicename><wp:category_parent>${cdata('')}</wp:category_parent><wp:cat_name>${cdata(xml(name))}</wp:cat_name></wp:category>\n`);
  });
  TAGS.forEach((name, i) => {
    parts.push(`\t<wp:tag><wp:term_id>${i + 40}</wp:term_id><wp:tag_slug>${cdata(slugify(name))}</wp:tag_slug><wp:tag_name>${cdata(name)}</wp:tag_name></wp:tag>\n`);
  });
  parts.push('\t<generator>https://wordpress.org/?v=6.5.2</generator>\n');
  return parts.join('');
}

function sentence(rnd: Rnd): string {
  const len = between(rnd, 9, 22);
  const start = Math.floor(rnd() * (WORDS.length - len));
  const words = WORDS.slice(start, start + len);
  const s = words.join(' ');
  return s[0]!.toUpperCase() + s.slice(1) + pick(rnd, ['.', '.', '.', '?', '.']);
}

function paragraphText(rnd: Rnd): string {
  let p = '';
  const count = between(rnd, 3, 6);
  for (let i = 0; i < count; i++) p += (i ? ' ' : '') + sentence(rnd);
  const r = rnd();
  if (r < 0.2) p = p.replace(/ (\w+ \w+) /, ' <a href="https://harbourgazette.example/related/">$1</a> ');
  else if (r < 0.3) p = p.replace(/ (\w+) /, ' <em>$1</em> ');
  else if (r < 0.35) p = p.replace(/ (\w+) /, ' <strong>$1</strong> ');
  else if (r < 0.37) p += ' The minutes read "harbor" [sic] throughout.';
  return p;
}

function title(rnd: Rnd): string {
  const s = sentence(rnd).replace(/[.?]$/, '').split(' ').slice(0, between(rnd, 5, 10)).join(' ');
  return rnd() < 0.1 ? `${s} &amp; more` : s;
}

function classicBody(site: string, rnd: Rnd, id: number): string {
  const count = between(rnd, 6, 12);
  const more = rnd() < 0.4 ? between(rnd, 1, 2) : -1;
  const parts: string[] = [];
  for (let i = 0; i < count; i++) {
    if (i === more) parts.push('<!--more-->');
    const r = rnd();
    if (r < 0.06) {
      parts.push(`[caption id="attachment_${id}" align="aligncenter" width="1024"]<a href="${site}/wp-content/uploads/photo-${id}-${i}.jpg"><img class="size-large wp-image-${id}" src="${site}/wp-content/uploads/photo-${id}-${i}-1024x683.jpg" alt="${sentence(rnd).slice(0, 40)}" width="1024" height="683" /></a> ${sentence(rnd)}[/caption]`);
    } else if (r < 0.08) {
      parts.push(`[embed]${pick(rnd, DOMAINS)}${id}${i}[/embed]`);
    } else if (r < 0.09) {
      parts.push(`[gallery ids="${id + 1},${id + 2},${id + 3}" columns="3"]`);
    } else if (r < 0.13) {
      parts.push(`<h2>${sentence(rnd).replace(/[.?]$/, '')}</h2>`);
    } else {
      // Classic text: a soft line break now and then, which WordPress renders as <br>.
      const text = paragraphText(rnd);
      parts.push(rnd() < 0.1 ? text.replace(/\. /, '.\n') : text);
    }
  }
  return parts.join('\n\n');
}

function blockBody(site: string, rnd: Rnd, id: number): string {
  const count = between(rnd, 6, 12);
  const more = rnd() < 0.4 ? between(rnd, 1, 2) : -1;
  const parts: string[] = [];
  for (let i = 0; i < count; i++) {
    if (i === more) parts.push('<!-- wp:more -->\n<!--more-->\n<!-- /wp:more -->');
    const r = rnd();
    if (r < 0.06) {
      parts.push(`<!-- wp:image {"id":${id},"sizeSlug":"large"} -->\n<figure class="wp-block-image size-large"><img src="${site}/wp-content/uploads/photo-${id}-${i}.jpg" alt="" class="wp-image-${id}"/><figcaption>${sentence(rnd)}</figcaption></figure>\n<!-- /wp:image -->`);
    } else if (r < 0.1) {
      parts.push(`<!-- wp:heading -->\n<h2>${sentence(rnd).replace(/[.?]$/, '')}</h2>\n<!-- /wp:heading -->`);
    } else if (r < 0.13) {
      parts.push(`<!-- wp:quote -->\n<blockquote class="wp-block-quote"><p>${sentence(rnd)}</p><cite>${pick(rnd, FIRST)}</cite></blockquote>\n<!-- /wp:quote -->`);
    } else if (r < 0.15) {
      parts.push(`<!-- wp:list -->\n<ul><li>${sentence(rnd)}</li><li>${sentence(rnd)}</li><li>${sentence(rnd)}</li></ul>\n<!-- /wp:list -->`);
    } else {
      parts.push(`<!-- wp:paragraph -->\n<p>${paragraphText(rnd)}</p>\n<!-- /wp:paragraph -->`);
    }
  }
  return parts.join('\n\n');
}

const pad = (n: number) => String(n).padStart(2, '0');
function wpDate(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

function postItem(site: string, id: number, i: number, when: number, thumbnail: number, authors: Person[], rnd: Rnd): string {
  const t = title(rnd);
  const slug = `${slugify(t.replace(/&amp;/g, 'and')).slice(0, 60).replace(/-$/, '')}-${i + 1}`;
  const author = authors[Math.floor(rnd() * rnd() * authors.length)]!; // a few authors write most
  const r = rnd();
  const status = r < 0.9 ? 'publish' : r < 0.96 ? 'draft' : 'future';
  const d = new Date(when);
  const link = status === 'draft' ? `${site}/?p=${id}` : `${site}/${d.getUTCFullYear()}/${pad(d.getUTCMonth() + 1)}/${slug}/`;
  const body = rnd() < 0.55 ? classicBody(site, rnd, id) : blockBody(site, rnd, id);
  const excerpt = rnd() < 0.3 ? sentence(rnd) : '';
  const section = pick(rnd, SECTIONS);
  const tagCount = between(rnd, 0, 5);
  const tags = new Set<string>();
  for (let k = 0; k < tagCount; k++) tags.add(pick(rnd, TAGS));
  const gmt = status === 'draft' ? '0000-00-00 00:00:00' : wpDate(when);
  const parts = [
    `\t<item>\n\t\t<title>${cdata(t)}</title>\n\t\t<link>${link}</link>\n`,
    `\t\t<pubDate>${d.toUTCString().replace('GMT', '+0000')}</pubDate>\n\t\t<dc:creator>${cdata(author.login)}</dc:creator>\n`,
    `\t\t<guid isPermaLink="false">${site}/?p=${id}</guid>\n\t\t<description></description>\n`,
    `\t\t<content:encoded>${cdata(body)}</content:encoded>\n\t\t<excerpt:encoded>${cdata(excerpt)}</excerpt:encoded>\n`,
    `\t\t<wp:post_id>${id}</wp:post_id>\n\t\t<wp:post_date>${cdata(wpDate(when + 3_600_000))}</wp:post_date>\n\t\t<wp:post_date_gmt>${cdata(gmt)}</wp:post_date_gmt>\n`,
    `\t\t<wp:post_modified>${cdata(wpDate(when + 7_200_000))}</wp:post_modified>\n\t\t<wp:post_modified_gmt>${cdata(wpDate(when + 3_600_000))}</wp:post_modified_gmt>\n`,
    `\t\t<wp:comment_status>${cdata('open')}</wp:comment_status>\n\t\t<wp:ping_status>${cdata('open')}</wp:ping_status>\n`,
    `\t\t<wp:post_name>${cdata(status === 'draft' ? '' : slug)}</wp:post_name>\n\t\t<wp:status>${cdata(status)}</wp:status>\n`,
    `\t\t<wp:post_parent>0</wp:post_parent>\n\t\t<wp:menu_order>0</wp:menu_order>\n\t\t<wp:post_type>${cdata('post')}</wp:post_type>\n`,
    `\t\t<wp:post_password>${cdata('')}</wp:post_password>\n\t\t<wp:is_sticky>0</wp:is_sticky>\n`,
    `\t\t<category domain="category" nicename="${slugify(section)}">${cdata(xml(section))}</category>\n`,
  ];
  for (const tag of tags) parts.push(`\t\t<category domain="post_tag" nicename="${slugify(tag)}">${cdata(tag)}</category>\n`);
  if (thumbnail) parts.push(`\t\t<wp:postmeta>\n\t\t\t<wp:meta_key>${cdata('_thumbnail_id')}</wp:meta_key>\n\t\t\t<wp:meta_value>${cdata(String(thumbnail))}</wp:meta_value>\n\t\t</wp:postmeta>\n`);
  const comments = rnd() < 0.15 ? between(rnd, 1, 3) : 0;
  for (let c = 0; c < comments; c++) {
    parts.push(
      `\t\t<wp:comment>\n\t\t\t<wp:comment_id>${id * 10 + c}</wp:comment_id>\n\t\t\t<wp:comment_author>${cdata(`${pick(rnd, FIRST)} ${pick(rnd, LAST)}`)}</wp:comment_author>\n`,
      `\t\t\t<wp:comment_author_email>${cdata('reader@example.net')}</wp:comment_author_email>\n\t\t\t<wp:comment_date_gmt>${cdata(wpDate(when + 86_400_000))}</wp:comment_date_gmt>\n`,
      `\t\t\t<wp:comment_content>${cdata(sentence(rnd))}</wp:comment_content>\n\t\t\t<wp:comment_approved>${cdata('1')}</wp:comment_approved>\n\t\t</wp:comment>\n`,
    );
  }
  parts.push('\t</item>\n');
  return parts.join('');
}

function attachmentItem(site: string, id: number, parent: number, rnd: Rnd): string {
  const file = `${site}/wp-content/uploads/photo-${id}.jpg`;
  return [
    `\t<item>\n\t\t<title>${cdata(`photo-${id}`)}</title>\n\t\t<link>${site}/?attachment_id=${id}</link>\n`,
    `\t\t<dc:creator>${cdata('admin')}</dc:creator>\n\t\t<guid isPermaLink="false">${file}</guid>\n`,
    `\t\t<content:encoded>${cdata('')}</content:encoded>\n\t\t<excerpt:encoded>${cdata('')}</excerpt:encoded>\n`,
    `\t\t<wp:post_id>${id}</wp:post_id>\n\t\t<wp:post_name>${cdata(`photo-${id}`)}</wp:post_name>\n\t\t<wp:status>${cdata('inherit')}</wp:status>\n`,
    `\t\t<wp:post_parent>${parent}</wp:post_parent>\n\t\t<wp:post_type>${cdata('attachment')}</wp:post_type>\n`,
    `\t\t<wp:attachment_url>${cdata(file)}</wp:attachment_url>\n`,
    `\t\t<wp:postmeta>\n\t\t\t<wp:meta_key>${cdata('_wp_attached_file')}</wp:meta_key>\n\t\t\t<wp:meta_value>${cdata(`photo-${id}.jpg`)}</wp:meta_value>\n\t\t</wp:postmeta>\n`,
    `\t\t<wp:postmeta>\n\t\t\t<wp:meta_key>${cdata('_wp_attachment_image_alt')}</wp:meta_key>\n\t\t\t<wp:meta_value>${cdata(sentence(rnd).slice(0, 50))}</wp:meta_value>\n\t\t</wp:postmeta>\n`,
    '\t</item>\n',
  ].join('');
}

// ---------------------------------------------------------------------------

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      posts: { type: 'string', default: '1000' },
      out: { type: 'string' },
      seed: { type: 'string', default: '1' },
      authors: { type: 'string', default: '8' },
    },
    strict: true,
  });
  const posts = Number(values.posts.replace(/[_,]/g, ''));
  if (!Number.isInteger(posts) || posts < 0 || !values.out) {
    process.stderr.write('Usage: node dist/bench/wxr-fixture.js --posts N --out FILE [--seed S] [--authors 3-20]\n');
    return 2;
  }
  const t0 = Date.now();
  const r = await writeWxrFixture(values.out, posts, { seed: Number(values.seed), authors: Number(values.authors) });
  process.stderr.write(`wxr-fixture: ${r.posts} posts, ${r.attachments} attachments, ${(r.bytes / 1048576).toFixed(1)} MB in ${((Date.now() - t0) / 1000).toFixed(1)} s → ${values.out}\n`);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`wxr-fixture: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
