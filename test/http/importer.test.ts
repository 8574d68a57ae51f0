import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runImport } from '../../src/importer/run.js';
import { dialects } from '../helpers/db.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { createStaffUser } from '../../src/members/staff.js';
import { createApiToken } from '../../src/members/tokens.js';
import type { BlockNode, Doc, InlineNode } from '../../src/content/richtext/doc.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/importer/${name}`, import.meta.url));

const inline = (c?: InlineNode[]) => (c ?? []).map((n) => (n.type === 'text' ? n.text : '\n')).join('');
/** A document as a reader sees it: one line per block, kind and text. */
function outline(doc: Doc): string[] {
  const one = (b: BlockNode): string => {
    switch (b.type) {
      case 'paragraph': return `p: ${inline(b.content)}`;
      case 'heading': return `h${b.attrs.level}: ${inline(b.content)}`;
      case 'blockquote': return `quote: ${b.content.map(one).join(' / ')}`;
      case 'bulletList':
      case 'orderedList': return `list: ${b.content.map((li) => li.content.map(one).join(' ')).join(' | ')}`;
      case 'image': return `image: ${b.attrs.src}${b.attrs.caption ? ` (${b.attrs.caption})` : ''}`;
      default: return b.type;
    }
  };
  return doc.content.map(one);
}

/** Every sentence of the article as a reader of the original page saw it, once each. */
const FERRY_BODY = [
  'p: The ferry serving Inchmore and the outer islands will run four sailings a day from next month, down from seven, after the operator said it could no longer crew the evening crossings.',
  'p: Islanders say the last boat back from the mainland, now leaving at 4.15pm, will leave hospital visitors and shift workers stranded overnight.',
  'p: “We are being cut off by timetable,” said Isla Morrison, who chairs the Inchmore community council. “Nobody asked us.”',
  'h2: Crew shortages',
  'p: Westsound Ferries said it had advertised for deckhands and engineers for eight months and filled fewer than half of the posts, and that safety rules leave it no choice but to cut the sailings it cannot crew.',
  'image: https://cdn.harbourledger.example/img/ferry-pier.jpg (The morning sailing leaves Inchmore pier.)',
  'list: p: Sailings fall from seven a day to four. | p: The last return crossing moves from 9pm to 4.15pm.',
  'quote: p: The timetable will be reviewed in the spring, once the new recruits have finished their training.',
  'p: The council’s transport committee will discuss the cut on Thursday, and councillors have asked the operator to attend.',
];

describe.each(dialects())('Importer through the Admin API on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect);
  });
  afterAll(() => t?.close());

  const upload = (query: string, body: Buffer | string, headers: Record<string, string> = {}) =>
    t.app.server.inject({ method: 'POST', url: `/api/admin/imports?${query}`, payload: body, headers: { authorization: `Bearer ${t.token}`, 'content-type': 'text/html', ...headers } });

  it('imports a saved web page: main content only, paywall chrome and the duplicated teaser gone, metadata kept', async () => {
    const res = await upload('name=ferry-timetable.html&publish=true&explain=true', fixture('html/ferry-timetable.html'));
    expect(res.statusCode, res.body).toBe(200);
    const out = res.json();
    expect(out.summary).toMatchObject({ created: 1, updated: 0, unchanged: 0, failed: 0, interrupted: false });
    expect(out.errors).toEqual([]);
    const [row] = out.articles;
    expect(row).toMatchObject({ result: 'created', status: 'published', title: 'Island ferry timetable cut to four sailings a day', sourceId: 'html:https://www.harbourledger.example/news/2025/10/island-ferry-timetable-cut' });
    expect(row.url).toBe(`https://news.example/articles/island-ferry-timetable-cut-to-four-sailings-a-day`);
    // --explain: every dropped block, with its reason.
    const removed = row.removed.map((r: { text: string }) => r.text);
    expect(removed).toEqual(expect.arrayContaining(['You’ve reached your daily free article limit.', 'TRY 14 DAYS FREE']));
    for (const r of row.removed) expect(r.reason).toMatch(/^[a-z_]+$/);

    const article = (await t.api('GET', `/api/admin/articles/${row.id}`)).json().article;
    expect(outline(article.body)).toEqual(FERRY_BODY);
    expect(article).toMatchObject({
      dek: 'Operators blame crew shortages; islanders say the cut leaves them stranded after dark.',
      publishedAt: '2025-10-14T06:30:00.000Z',
      section: 'transport',
      authors: ['morag-keir', 'tomasz-wrona'],
      tags: ['ferries', 'islands'],
      featureImageUrl: 'https://cdn.harbourledger.example/img/ferry-pier.jpg',
    });
    // Links and emphasis inside paragraphs are kept.
    expect(article.html).toContain('<a href="https://www.harbourledger.example/council/transport">transport committee</a> will discuss the cut on <em>Thursday</em>');
    // Nothing of the page's chrome survives anywhere in the stored body.
    for (const chrome of ['Subscribe', 'Log In', 'COMMENTS', 'cookies', 'newsletter', 'Related articles', 'Privacy']) expect(article.html).not.toContain(chrome);

    // The old URL now leads to the article.
    const old = await t.get('/news/2025/10/island-ferry-timetable-cut');
    expect(old.statusCode).toBe(301);
    expect(old.headers.location).toBe('/articles/island-ferry-timetable-cut-to-four-sailings-a-day');
    expect((await t.get(old.headers.location as string)).statusCode).toBe(200);
  });

  it('importing the same page twice leaves one article', async () => {
    const again = await upload('name=ferry-timetable.html&publish=true', fixture('html/ferry-timetable.html'));
    expect(again.json().summary).toMatchObject({ created: 0, updated: 0, unchanged: 1, failed: 0 });
    // Different options change what would be stored: the same article is updated, not copied.
    const paid = await upload('name=ferry-timetable.html&publish=true&access=paid', fixture('html/ferry-timetable.html'));
    expect(paid.json().summary).toMatchObject({ created: 0, updated: 1 });
    const list = (await t.api('GET', '/api/admin/articles?limit=100')).json().articles.filter((a: { title: string }) => a.title.startsWith('Island ferry'));
    expect(list).toHaveLength(1);
    expect(list[0].accessLevel).toBe('paid');
  });

  it('a dry run reports what it would do and writes nothing', async () => {
    const html = fixture('html/ferry-timetable.html').toString().replaceAll('island-ferry-timetable-cut', 'another-url').replace('Island ferry timetable cut to four sailings a day">', 'Dry run headline">');
    const res = await upload('name=dry.html&dryRun=true', html);
    expect(res.statusCode).toBe(200);
    expect(res.json().summary).toMatchObject({ created: 1, dryRun: true });
    expect(res.json().articles[0]).toMatchObject({ result: 'would_create', id: null, status: 'draft' });
    const titles = (await t.api('GET', '/api/admin/articles?limit=100')).json().articles.map((a: { title: string }) => a.title);
    expect(titles).not.toContain('Dry run headline');
  });

  it('imports a WordPress export: sections, tags, authors, dates, the more tag as the preview break, old permalinks; bad items reported', async () => {
    const res = await upload('name=export.xml&publish=true', fixture('skerrow-courier.wxr'), { 'content-type': 'application/xml' });
    expect(res.statusCode, res.body).toBe(200);
    const out = res.json();
    // Three posts; the page needs pages=true, the trashed post and attachments are not articles.
    expect(out.summary).toMatchObject({ created: 4, failed: 2 });
    expect(out.errors.map((e: { position: string }) => e.position)).toEqual([expect.stringMatching(/^item 9 \(near line \d+\)$/), expect.stringMatching(/^item 10 \(near line \d+\)$/)]);
    const bySlug = new Map(out.articles.map((a: { url: string; id: number; status: string }) => [a.url.split('/').pop(), a]));
    expect([...bySlug.keys()]).toEqual(expect.arrayContaining(['harbour-dues', 'ferry-timetable-cut', 'draft-lifeboat-station-appeal']));
    expect(bySlug.has('about')).toBe(false);
    // A draft in WordPress stays a draft even with publish.
    expect((bySlug.get('draft-lifeboat-station-appeal') as { status: string }).status).toBe('draft');

    const dues = (await t.api('GET', `/api/admin/articles/${(bySlug.get('harbour-dues') as { id: number }).id}`)).json().article;
    expect(dues).toMatchObject({
      title: 'Harbour dues to rise by 4% from April',
      status: 'published',
      publishedAt: '2019-03-14T09:30:00.000Z',
      dek: 'Creel fishermen say the rise & the way it was decided leave small boats behind.',
      hasPreviewBreak: true,
      tags: ['ferry', 'harbour-dues'],
      featureImageUrl: 'https://www.skerrowcourier.example/wp-content/uploads/2019/03/harbour-at-dawn.jpg',
    });
    expect(dues.sections.sort()).toEqual(['council-politics', 'harbour']);
    expect(outline(dues.body).slice(0, 3)).toEqual([
      'p: Skerrow\'s harbour board voted on Wednesday to raise landing dues by 4% from 1 April.\nThe increase is the first in three years.',
      'p: Creel fishermen said the board had "ignored the smallest boats [sic]" and asked for a lower rate for vessels under ten metres.',
      'previewBreak',
    ]);
    expect(outline(dues.body)).toContain('image: https://www.skerrowcourier.example/wp-content/uploads/2019/03/harbour-at-dawn-640x427.jpg (The north quay, where most of the creel boats land.)');
    expect(dues.html).not.toMatch(/\[caption|\[\/caption\]|wp:paragraph/);
    // Readers without access are shown the part before <!--more--> only.
    expect(dues.previewHtml).toContain('Creel fishermen said the board');
    expect(dues.previewHtml).not.toContain('What the new dues are');
    expect((await t.get('/articles/harbour-dues')).statusCode).toBe(200);
    // Imported articles are in the search index (written once per batch, in the batch's transaction).
    expect((await t.get('/search?q=creel+fishermen')).body).toContain('Harbour dues to rise by 4% from April');

    for (const old of ['/2019/03/harbour-dues/', '/2019/03/harbour-dues', '/?p=21']) {
      const r = await t.get(old);
      expect(r.statusCode, old).toBe(301);
      expect(r.headers.location, old).toBe('/articles/harbour-dues');
    }
    // The old URL of a draft says nothing: no redirect (its slug would give the headline away).
    const draftOld = await t.get('/?p=24');
    expect(draftOld.statusCode).toBe(200);
    expect(draftOld.headers.location).toBeUndefined();
    // Importing the export again changes nothing and duplicates nothing.
    const again = (await upload('name=export.xml&publish=true', fixture('skerrow-courier.wxr'), { 'content-type': 'application/xml' })).json();
    expect(again.summary).toMatchObject({ created: 0, updated: 0, unchanged: 4, failed: 2 });
  });

  it('imports a Ghost export: visibility becomes access, the paywall card the preview break, scheduled stays scheduled', async () => {
    const res = await upload('name=ghost.json&publish=true', fixture('skerrow-ghost.json'), { 'content-type': 'application/json' });
    expect(res.statusCode, res.body).toBe(200);
    const out = res.json();
    expect(out.summary).toMatchObject({ created: 4, failed: 2 });
    const get = async (slug: string) => {
      const row = out.articles.find((a: { url: string }) => a.url.endsWith(`/articles/${slug}`));
      return (await t.api('GET', `/api/admin/articles/${row.id}`)).json().article;
    };
    const terminal = await get('council-buys-ferry-terminal');
    expect(terminal).toMatchObject({ accessLevel: 'free', status: 'published', authors: ['jonas', 'catriona'], featureImageUrl: '/content/images/2024/05/terminal.jpg' });
    const lifeboat = await get('lifeboat-longest-night');
    expect(lifeboat).toMatchObject({ accessLevel: 'registered', hasPreviewBreak: true, previewHtml: '<p>At 2 a.m. the pager went.</p><p>Eleven hours later the crew came home.</p>' });
    expect(await get('harbour-trust-money')).toMatchObject({ accessLevel: 'paid', status: 'scheduled', publishedAt: '2030-01-15T07:00:00.000Z' });
    expect(await get('council-notebook')).toMatchObject({ accessLevel: 'paid', status: 'draft' });
    const review = (await t.api('GET', '/api/admin/imports/review')).json().articles;
    expect(review.map((a: { slug: string; flags: string[] }) => [a.slug, a.flags])).toContainEqual(['harbour-trust-money', ['unsupported_card']]);
  });

  it('a folder of scraped pages: lines repeated across the folder are site chrome and go; each file is one article', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'masthead-corpus-'));
    try {
      const towns = ['Kinloch', 'Portnahaven', 'Inchmore', 'Ardmair'];
      const chrome = 'The Harbour Ledger is an independent, reader-funded newsroom.';
      towns.forEach((town, i) => writeFileSync(join(dir, `${town.toLowerCase()}.txt`), [
        `${town} pier reopens after storm repairs`,
        '',
        `The pier at ${town} reopened to boats on Monday, ${i + 3} weeks after the January storm tore away part of its deck.`,
        `Harbour staff said the repairs had cost about ${40 + i} thousand pounds, most of it paid by the council.`,
        chrome,
      ].join('\n')));
      const seen: { title: string; removed: { text: string; reason: string }[] }[] = [];
      const summary = await runImport(t.app.ctx.content, { kind: 'path', path: dir }, { format: 'auto', includePages: false, publish: false, dryRun: false }, {
        onOutcome: (o) => o.kind !== 'failed' && seen.push(o),
      });
      expect(summary).toMatchObject({ created: 4, failed: 0 });
      for (const o of seen) expect(o.removed).toEqual([expect.objectContaining({ text: chrome, reason: 'corpus_repeat' })]);
      const list = (await t.api('GET', '/api/admin/articles?limit=100')).json().articles.filter((a: { title: string }) => a.title.includes('pier reopens'));
      expect(list).toHaveLength(4);
      for (const a of list) {
        const body = (await t.api('GET', `/api/admin/articles/${a.id}`)).json().article;
        expect(outline(body.body)).toHaveLength(2);
        expect(body.html).not.toContain('reader-funded');
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a folder of saved pages: a line on every page is chrome at the body’s edge, and the story’s own inside it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'masthead-pages-'));
    try {
      const towns = ['Kinloch', 'Portnahaven', 'Inchmore', 'Ardmair'];
      const chrome = 'The Harbour Ledger is an independent, reader-funded newsroom.';
      towns.forEach((town, i) => writeFileSync(join(dir, `${town.toLowerCase()}.html`), `<!doctype html><html><head><title>${town} slipway mended after the storm</title></head><body>
        <header><a href="/">The Harbour Ledger</a></header><main><article><h1>${town} slipway mended after the storm</h1>
        <p>The pier at ${town} reopened to boats on Monday, ${i + 3} weeks after the January storm tore away part of its deck.</p>
        <p>Harbour photos</p>
        <p>Harbour staff said the repairs had cost about ${40 + i} thousand pounds, most of it paid by the council this spring.</p>
        <p>${chrome}</p></article></main></body></html>`));
      const seen: { title: string; removed: { text: string; reason: string }[] }[] = [];
      const summary = await runImport(t.app.ctx.content, { kind: 'path', path: dir }, { format: 'auto', includePages: false, publish: false, dryRun: false }, {
        onOutcome: (o) => o.kind !== 'failed' && seen.push(o),
      });
      expect(summary).toMatchObject({ created: 4, failed: 0 });
      expect(seen).toHaveLength(4);
      for (const o of seen) expect(o.removed).toEqual([expect.objectContaining({ text: chrome, reason: 'corpus_repeat' })]);
      const list = (await t.api('GET', '/api/admin/articles?limit=100')).json().articles.filter((a: { title: string }) => a.title.includes('slipway mended after'));
      expect(list).toHaveLength(4);
      for (const a of list) {
        const body = (await t.api('GET', `/api/admin/articles/${a.id}`)).json().article;
        expect(body.html).toContain('<p>Harbour photos</p>');
        expect(body.html).not.toContain('reader-funded');
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a re-import leaves live articles live and keeps what editors changed since', async () => {
    const html = (title: string, extra = '') => `<html><head><title>${title}</title><link rel="canonical" href="https://old.example/2024/${title.toLowerCase().replaceAll(' ', '-')}"></head><body><article><h1>${title}</h1>
      <p>The harbour board met on Tuesday evening and agreed the budget for next year after a long debate.${extra}</p>
      <p>Members said the dredging of the north channel would come first, then the pontoon repairs.</p></article></body></html>`;
    const first = (await upload('name=a.html&publish=true', html('Budget agreed'))).json();
    expect(first.articles[0]).toMatchObject({ result: 'created', status: 'published' });
    // The same source, changed, imported without --publish: updated, and still live.
    const second = (await upload('name=a.html', html('Budget agreed', ' It passed by five votes to two.'))).json();
    expect(second.articles[0]).toMatchObject({ result: 'updated', status: 'published' });
    // An editor changes the headline; the next import leaves the article alone and says so.
    t.clock.advance(60_000);
    expect((await t.api('PATCH', `/api/admin/articles/${first.articles[0].id}`, { title: 'Harbour budget agreed after long debate' })).statusCode).toBe(200);
    t.clock.advance(60_000);
    const third = (await upload('name=a.html', html('Budget agreed', ' It passed by five votes to three.'))).json();
    expect(third.articles[0]).toMatchObject({ result: 'kept' });
    expect(third.summary).toMatchObject({ kept: 1, updated: 0 });
    expect((await t.api('GET', `/api/admin/articles/${first.articles[0].id}`)).json().article.title).toBe('Harbour budget agreed after long debate');
  });

  it('files are told apart by path, names in any script stay apart, odd bytes and odd files are handled', async () => {
    const root = mkdtempSync(join(tmpdir(), 'masthead-odd-'));
    try {
      const story = (headline: string, body: string) => `${headline}\n\n${body}\n\nThe report will go to the full council next month for a final decision.\n`;
      for (const dir of ['jan', 'feb']) {
        mkdirSync(join(root, dir));
        writeFileSync(join(root, dir, 'story.txt'), story(`${dir} story headline about the pier`, `In ${dir} the pier committee met to discuss the state of the landing stage and the cost of repairs.`));
      }
      // Windows-1252 bytes with no declared charset; a NUL byte; a stylesheet and an image that are not articles.
      writeFileSync(join(root, 'feb', 'cafe.txt'), Buffer.from(story('Café on the pier reopens', 'The café on the pier reopened on Saturday with a new owner, Renée Martínez, and a menu of local fish.'), 'latin1'));
      writeFileSync(join(root, 'feb', 'nul.txt'), story('Lifeboat crew honoured', 'The lifeboat crew\u0000 was honoured at a ceremony in the town hall on Friday evening for a winter rescue.'));
      writeFileSync(join(root, 'feb', 'site.css'), 'body { margin: 0; font-family: Georgia, serif; }');
      writeFileSync(join(root, 'feb', 'logo.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0]));
      const results: { kind: string; title?: string; position: string; flags?: string[] }[] = [];
      const run = (path: string) => runImport(t.app.ctx.content, { kind: 'path', path }, { format: 'auto', includePages: false, publish: false, dryRun: false }, {
        onOutcome: (o) => results.push(o.kind === 'failed' ? { kind: 'failed', position: o.position } : { kind: o.kind, title: o.title, position: o.position, flags: o.flags }),
      });
      await run(join(root, 'jan'));
      const summary = await run(join(root, 'feb'));
      expect(summary).toMatchObject({ created: 3, updated: 0, failed: 0 });
      expect(results.map((r) => [r.kind, r.title])).toEqual([
        ['created', 'jan story headline about the pier'],
        ['created', 'Café on the pier reopens'],
        ['created', 'Lifeboat crew honoured'],
        ['created', 'feb story headline about the pier'],
      ]);
      expect(results[1]!.flags).toEqual(['decoded_as_windows_1252']);

      // Authors and sections named in scripts without Latin letters stay two people and two sections.
      const page = (title: string, author: string, section: string) => `<html><head><title>${title}</title><meta name="author" content="${author}"><meta property="article:section" content="${section}"></head>
        <body><article><h1>${title}</h1><p>Новый график парома вступает в силу с понедельника, сообщили в администрации порта.</p><p>Жители острова просили сохранить вечерний рейс, но перевозчик не согласился.</p></article></body></html>`;
      await upload('name=ru1.html&publish=true', page('Паром меняет расписание', 'Иван Петров', 'Новости'));
      await upload('name=ru2.html&publish=true', page('Жители против нового расписания', 'Анна Смирнова', 'Спорт'));
      const authors = (await t.api('GET', '/api/admin/authors')).json().authors.map((a: { name: string }) => a.name);
      expect(authors).toEqual(expect.arrayContaining(['Иван Петров', 'Анна Смирнова']));
      const sections = (await t.api('GET', '/api/admin/sections')).json().sections.map((x: { name: string }) => x.name);
      expect(sections).toEqual(expect.arrayContaining(['Новости', 'Спорт']));
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('an old URL with percent-escapes redirects whichever case the browser sends them in', async () => {
    const page = `<html><head><title>Паром</title><link rel="canonical" href="https://old.example/news/%d0%bf%d0%b0%d1%80%d0%be%d0%bc"></head>
      <body><article><h1>Паром меняет расписание</h1><p>Новый график парома вступает в силу с понедельника, сообщили в администрации порта.</p>
      <p>Жители острова просили сохранить вечерний рейс, но перевозчик не согласился.</p></article></body></html>`;
    const row = (await upload('name=ferry-ru.html&publish=true', page)).json().articles[0];
    for (const url of ['/news/%D0%BF%D0%B0%D1%80%D0%BE%D0%BC', '/news/%d0%bf%d0%b0%d1%80%d0%be%d0%bc']) {
      const r = await t.get(url);
      expect(r.statusCode, url).toBe(301);
      expect(`https://news.example${r.headers.location}`).toBe(row.url);
    }
  });

  it('rejects an empty upload, a bad option and a role that may not import, each with a sentence', async () => {
    const empty = await upload('name=x.html', '');
    expect(empty.statusCode).toBe(400);
    expect(empty.json().error.message).toMatch(/send the file/);
    const bad = await upload('format=docx', 'x');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('invalid_input');
    const user = await createStaffUser(t.db.db, { email: 'contrib@news.example', role: 'contributor', now: t.clock.now() });
    const { token } = await createApiToken(t.db.db, user.id, 'c', t.clock.now());
    const denied = await upload('name=x.html', fixture('html/ferry-timetable.html'), { authorization: `Bearer ${token}` });
    expect(denied.statusCode).toBe(403);
    expect(denied.json().error.message).toMatch(/contributor/);
    const anonymous = await t.app.server.inject({ method: 'POST', url: '/api/admin/imports', payload: 'x', headers: { 'content-type': 'text/plain' } });
    expect(anonymous.statusCode).toBe(401);
  });
});
