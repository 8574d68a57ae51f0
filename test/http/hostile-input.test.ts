import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, request, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_NESTING } from '../../src/content/richtext/limits.js';
import { runImport } from '../../src/importer/run.js';
import { dialects } from '../helpers/db.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import {
  deepAttrsDocJson, ghostExport, lexicalStory, MARKDOWN, mobiledocMarkdown, mobiledocMarkups, nestedDocJson, nestedHtml, nestedLexical, nestedShortcodes,
  storyHtml, storyPage, storyText, wxrExport,
} from '../helpers/hostile.js';

const TOO_DEEP = new RegExp(`nested too deeply \\(more than ${MAX_NESTING} levels\\)`);
const MB = 1024 * 1024;

/** The Ghost export of issue 12: deep posts between good ones, every body format. */
const hostileGhost = () => ghostExport([
  { id: 'ok-html', title: 'Slipway repairs begin', body: { html: storyHtml('the slipway') } },
  { id: 'deep-html', title: 'Deep html', body: { html: nestedHtml(50_000) } },
  { id: 'deep-lexical', title: 'Deep quotes', body: { lexical: nestedLexical(20_000) } },
  { id: 'deep-card', title: 'Deep card', body: { mobiledoc: mobiledocMarkdown(MARKDOWN.quotes!(100_000)) } },
  { id: 'deep-markups', title: 'Deep markups', body: { mobiledoc: mobiledocMarkups(100_000) } },
  { id: 'ok-lexical', title: 'Ferry timetable changes', body: { lexical: lexicalStory('the ferry') } },
]);
const GHOST_FAILED = ['posts[1] (id deep-html)', 'posts[2] (id deep-lexical)', 'posts[3] (id deep-card)', 'posts[4] (id deep-markups)'];

const hostileWxr = () => wxrExport([
  { id: 1, title: 'Slipway repairs begin', content: storyHtml('the slipway') },
  { id: 2, title: 'Deep', content: nestedHtml(50_000) },
  { id: 3, title: 'Shortcodes', content: nestedShortcodes(5_000) },
  { id: 4, title: 'Huge', content: 'x'.repeat(9 * MB) },
  { id: 5, title: 'Ferry timetable changes', content: storyHtml('the ferry') },
]);

describe.each(dialects())('Hostile input on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect);
  });
  afterAll(() => t?.close());

  const upload = (query: string, body: Buffer | string, type = 'application/octet-stream') =>
    t.app.server.inject({ method: 'POST', url: `/api/admin/imports?${query}`, payload: body, headers: { authorization: `Bearer ${t.token}`, 'content-type': type } });

  describe('Content API article bodies', () => {
    // JSON.stringify recurses, so the deep document goes in as text.
    const bodies: [string, (depth: number) => string][] = [
      ['doc, blockquotes', (d) => `{"doc":${nestedDocJson(d)}}`],
      ['doc, deep attrs', (d) => `{"doc":${deepAttrsDocJson(d)}}`],
      ['html, divs', (d) => JSON.stringify({ html: nestedHtml(d) })],
      ['html, unclosed <b>', (d) => JSON.stringify({ html: '<b>'.repeat(d) + 'deep' })],
      ...Object.entries(MARKDOWN).map(([name, md]): [string, (d: number) => string] => [`markdown, ${name}`, (d) => JSON.stringify({ markdown: md(d) })]),
    ];

    it.each(bodies)('%s: 400 with the reason at 20,000 (and at 100,000) levels, on create and on update; a dozen levels is stored', async (_name, body) => {
      const created = await t.api('POST', '/api/admin/articles', `{"title":"Nesting","body":${body(12)}}`);
      expect(created.statusCode, created.body).toBe(201);
      const { id, html } = created.json().article;
      for (const depth of [20_000, 100_000]) {
        for (const [method, url] of [['POST', '/api/admin/articles'], ['PATCH', `/api/admin/articles/${id}`]] as const) {
          const res = await t.api(method, url, `{"title":"Nesting","body":${body(depth)}}`);
          expect(res.statusCode, `${method} ${depth}: ${res.body.slice(0, 200)}`).toBe(400);
          expect(res.json().error).toEqual({ code: 'invalid_input', message: expect.stringMatching(TOO_DEEP) });
        }
      }
      // The refused update changed nothing.
      expect((await t.api('GET', `/api/admin/articles/${id}`)).json().article.html).toBe(html);
    });
  });

  describe('imports through POST /api/admin/imports', () => {
    it('Ghost: html, Lexical and Mobiledoc bodies nested too deeply are reported and skipped; the posts around them import', async () => {
      const res = await upload('name=ghost.json&publish=true', hostileGhost(), 'application/json');
      expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
      const out = res.json();
      expect(out.summary).toMatchObject({ created: 2, failed: 4 });
      expect(out.errors).toEqual(GHOST_FAILED.map((position) => ({ position, sourceId: null, message: expect.stringMatching(TOO_DEEP) })));
      expect(out.articles.map((a: { title: string }) => a.title)).toEqual(['Slipway repairs begin', 'Ferry timetable changes']);
    });

    it('WXR: deep content, deep shortcodes and a 9 MB post are reported and skipped; the posts around them import', async () => {
      const res = await upload('name=export.xml&publish=true', hostileWxr(), 'application/xml');
      expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
      const out = res.json();
      expect(out.summary).toMatchObject({ created: 2, failed: 3 });
      expect(out.errors.map((e: { position: string; message: string }) => [e.position.replace(/ \(near.*/, ''), e.message])).toEqual([
        ['item 2', expect.stringMatching(TOO_DEEP)],
        ['item 3', expect.stringMatching(TOO_DEEP)],
        ['item 4', '<content:encoded> is larger than 8 MB, the most one post can be'],
      ]);
      expect(out.articles.map((a: { title: string }) => a.title)).toEqual(['Slipway repairs begin', 'Ferry timetable changes']);
    });

    it('a saved page nested too deeply (the 800-div page of issue 12, and 50,000) is an error at once, dry run or not', async () => {
      for (const [depth, query] of [[800, 'name=deep.html&dryRun=true'], [50_000, 'name=deeper.html']] as const) {
        const started = Date.now();
        const res = await upload(query, storyPage('the pier', nestedHtml(depth, 'div', storyHtml('the pier'))), 'text/html');
        expect(res.statusCode).toBe(200);
        expect(res.json()).toMatchObject({ summary: { created: 0, failed: 1 }, errors: [{ message: expect.stringMatching(TOO_DEEP) }] });
        // It took 14.6 s before; refusing it is a scan.
        expect(Date.now() - started).toBeLessThan(5_000);
      }
    });

    it('a text upload past one article\'s 8 MB is refused with 413; one within it imports', async () => {
      const big = await upload('name=big.txt', 'x'.repeat(20 * MB), 'text/plain');
      expect(big.statusCode).toBe(413);
      expect(big.json().error).toEqual({ code: 'payload_too_large', message: 'the upload is larger than 8 MB, the most a text article can be' });
      // Under `auto` with a name that says nothing, the first bytes decide the format, and so the limit.
      const unnamed = await upload('name=upload', 'x'.repeat(9 * MB), 'text/plain');
      expect(unnamed.statusCode).toBe(413);
      const page = await upload('format=html', storyPage('the pier') + ' '.repeat(9 * MB), 'text/html');
      expect(page.statusCode).toBe(413);
      expect(page.json().error.message).toBe('the upload is larger than 8 MB, the most a web page can be');
      const fine = await upload('name=fine.txt&dryRun=true', storyText('the pier'), 'text/plain');
      expect(fine.json().summary).toMatchObject({ created: 1, failed: 0 });
    });
  });

  it('the import run the CLI uses: a folder with a hostile file of every kind imports the good files and names the bad ones', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'masthead-hostile-'));
    try {
      writeFileSync(join(dir, 'a-good.txt'), storyText('the harbour wall'));
      writeFileSync(join(dir, 'b-huge.txt'), 'x'.repeat(20 * MB));
      writeFileSync(join(dir, 'c-deep.html'), storyPage('the pier', nestedHtml(2_000, 'div', storyHtml('the pier'))));
      writeFileSync(join(dir, 'd-good.html'), storyPage('the lifeboat station'));
      writeFileSync(join(dir, 'e-export.wxr'), hostileWxr());
      writeFileSync(join(dir, 'f-ghost.json'), hostileGhost());
      const failed: { position: string; message: string }[] = [];
      const titles: string[] = [];
      const summary = await runImport(t.app.ctx.content, { kind: 'path', path: dir }, { format: 'auto', includePages: false, publish: true, dryRun: false }, {
        onOutcome: (o) => (o.kind === 'failed' ? failed.push({ position: o.position, message: o.message }) : titles.push(o.title)),
      });
      // The WXR and Ghost posts were imported by the uploads above: on the rerun they are unchanged.
      expect(summary).toMatchObject({ failed: 9, interrupted: false });
      expect(summary.created + summary.updated + summary.unchanged).toBe(6);
      expect(titles).toEqual(expect.arrayContaining(['Harbour board agrees plan for the harbour wall', 'Plan agreed for the lifeboat station', 'Slipway repairs begin', 'Ferry timetable changes']));
      expect(failed.map((f) => [f.position.replace(/ \(near.*/, ''), f.message])).toEqual([
        ['b-huge.txt', 'the file is 20 MB; a text article can be at most 8 MB'],
        ['c-deep.html', 'the page is nested too deeply (more than 100 levels)'],
        ['e-export.wxr: item 2', expect.stringMatching(TOO_DEEP)],
        ['e-export.wxr: item 3', expect.stringMatching(TOO_DEEP)],
        ['e-export.wxr: item 4', '<content:encoded> is larger than 8 MB, the most one post can be'],
        ...GHOST_FAILED.map((p) => [`f-ghost.json: ${p}`, expect.stringMatching(TOO_DEEP)]),
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('on a listening server', () => {
    let base: URL;
    beforeAll(async () => {
      await t.app.server.listen({ port: 0, host: '127.0.0.1' });
      base = new URL(`http://127.0.0.1:${(t.app.server.server.address() as AddressInfo).port}`);
    });

    const json = (res: IncomingMessage) => new Promise<unknown>((resolve, reject) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c)).on('end', () => resolve(JSON.parse(body))).on('error', reject);
    });

    it('an oversized upload is answered 413 while it is still being sent: the server holds 8 MB of it, not 200 MB', async () => {
      const chunk = Buffer.alloc(64 * 1024, 'x');
      const total = 200 * MB;
      let sent = 0;
      const { status, sentWhenAnswered, body } = await new Promise<{ status: number; sentWhenAnswered: number; body: unknown }>((resolve, reject) => {
        const req = request(new URL('/api/admin/imports?name=big.txt', base), { method: 'POST', headers: { authorization: `Bearer ${t.token}`, 'content-type': 'text/plain' } });
        req.on('response', (res) => {
          const at = sent;
          void json(res).then((b) => resolve({ status: res.statusCode!, sentWhenAnswered: at, body: b }), reject);
        });
        // The server closes the connection on a 413: the rest of the upload is cut off.
        req.on('error', () => {});
        const pump = () => {
          while (sent < total) {
            sent += chunk.length;
            if (!req.write(chunk)) return void req.once('drain', pump);
          }
          req.end();
        };
        pump();
      });
      expect(status).toBe(413);
      expect(body).toEqual({ error: { code: 'payload_too_large', message: 'the upload is larger than 8 MB, the most a text article can be' } });
      // What was sent beyond the limit sat in socket buffers; the server stopped reading at 8 MB.
      expect(sentWhenAnswered).toBeLessThan(40 * MB);
    });

    it('any body refused at its limit while it is still arriving gets its answer read, not a reset: a form past 4 MB too', async () => {
      // The class of the case above: Fastify's own body limit, on a plain form, with no length declared.
      const chunk = Buffer.alloc(64 * 1024, 'a');
      let sent = 0;
      const status = await new Promise<number>((resolve, reject) => {
        const req = request(new URL('/signin', base), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
        req.on('response', (res) => {
          res.resume();
          resolve(res.statusCode!);
        });
        req.on('error', (err) => reject(new Error(`the client got ${err.message} after ${sent} bytes instead of an answer`)));
        const pump = () => {
          while (sent < 100 * MB) {
            sent += chunk.length;
            if (!req.write(chunk)) return void req.once('drain', pump);
          }
          req.end();
        };
        pump();
      });
      expect(status).toBe(413);
    });

    it('a client that keeps connections alive gets its next request answered after a refused upload, and after a refusal before the body', async () => {
      for (const [path, headers, status] of [
        ['/signin', { 'content-type': 'application/x-www-form-urlencoded' }, 413],
        ['/api/admin/imports?name=a.txt', { 'content-type': 'text/plain' }, 401],
      ] as const) {
        const agent = new Agent({ keepAlive: true, maxSockets: 1 });
        try {
          const body = Buffer.alloc(200 * 1024, 'a');
          const first = new Promise<number>((resolve, reject) => {
            const req = request(new URL(path, base), { method: 'POST', agent, headers: { ...headers, 'content-length': String(body.length) } }, (res) => {
              res.resume();
              res.on('end', () => resolve(res.statusCode!));
            });
            req.on('error', reject);
            req.write(body.subarray(0, 1000));
            setTimeout(() => req.end(body.subarray(1000)), 100);
          });
          // Queued behind the first on the pool's one socket.
          const second = new Promise<number>((resolve, reject) => {
            const req = request(new URL('/healthz', base), { agent }, (res) => {
              res.resume();
              res.on('end', () => resolve(res.statusCode!));
            });
            req.on('error', (err) => reject(new Error(`the request after the refusal failed: ${err.message}`)));
            req.end();
          });
          expect(await first, path).toBe(status);
          expect(await second, path).toBe(200);
        } finally {
          agent.destroy();
        }
      }
    });

    it('an upload that declares more than the limit is refused before a byte of it is sent', async () => {
      const res = await new Promise<IncomingMessage>((resolve, reject) => {
        const req = request(new URL('/api/admin/imports?name=export.xml', base), { method: 'POST', headers: { authorization: `Bearer ${t.token}`, 'content-type': 'application/xml', 'content-length': String(100 * MB) } });
        req.on('response', resolve).on('error', reject);
        req.flushHeaders();
      });
      expect(res.statusCode).toBe(413);
      expect(await json(res)).toEqual({ error: { code: 'payload_too_large', message: expect.stringMatching(/^the upload is larger than 64 MB, the most the Admin API accepts; import bigger archives with `masthead import`/) } });
    });

    /**
     * How long each /healthz took while `work` ran. The client shares the server's event loop, so a
     * blocked loop also delays sending: each wait is measured from when the request was due (25 ms
     * after the last answer) to its answer.
     */
    async function healthWaitsWhile(work: Promise<unknown>): Promise<number[]> {
      let done = false;
      void work.finally(() => (done = true));
      const waits: number[] = [];
      let due = Date.now();
      while (!done) {
        const r = await fetch(new URL('/healthz', base));
        expect(r.status).toBe(200);
        await r.body?.cancel();
        waits.push(Date.now() - due);
        due = Date.now() + 25;
        await new Promise((res) => setTimeout(res, 25));
      }
      return waits;
    }

    it('/healthz answers within a second, every time, while a hostile export imports', async () => {
      // Posts whose Markdown takes marked seconds (deep emphasis, within the limit), then deep posts refused at once.
      const slow = `${'*a '.repeat(60)}slow${' a*'.repeat(60)}\n\n`.repeat(2_000);
      const json = ghostExport([
        ...[1, 2, 3].map((n) => ({ id: `slow-${n}`, title: `Long read ${n}`, body: { mobiledoc: mobiledocMarkdown(slow) } })),
        { id: 'deep-html', title: 'Deep html', body: { html: nestedHtml(50_000) } },
        { id: 'deep-lexical', title: 'Deep quotes', body: { lexical: nestedLexical(20_000) } },
      ]);
      const imported = fetch(new URL('/api/admin/imports?name=ghost.json&dryRun=true', base), { method: 'POST', headers: { authorization: `Bearer ${t.token}`, 'content-type': 'application/json' }, body: json })
        .then(async (r) => ({ status: r.status, body: (await r.json()) as { summary: object } }));
      const waits = await healthWaitsWhile(imported);
      // Converting the posts on the event loop held every request for seconds.
      expect(Math.max(...waits)).toBeLessThan(1_000);
      // The import was running all the while these were answered.
      expect(waits.length).toBeGreaterThanOrEqual(5);
      const result = await imported;
      expect(result.status).toBe(200);
      expect(result.body.summary).toMatchObject({ created: 3, failed: 2 });
    });

    it('/healthz answers within a second while the Content API converts a slow Markdown body', async () => {
      // Deep emphasis within the limits: marked takes seconds over it, on the worker thread.
      const slow = `${'*a '.repeat(60)}slow${' a*'.repeat(60)}\n\n`.repeat(2_000);
      const saved = fetch(new URL('/api/admin/articles', base), { method: 'POST', headers: { authorization: `Bearer ${t.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ title: 'A slow body', body: { markdown: slow } }) })
        .then(async (r) => ({ status: r.status, body: (await r.json()) as { article?: { id: number } } }));
      const waits = await healthWaitsWhile(saved);
      expect(Math.max(...waits)).toBeLessThan(1_000);
      expect(waits.length).toBeGreaterThanOrEqual(3);
      const result = await saved;
      expect(result.status).toBe(201);
      expect(result.body.article?.id).toBeGreaterThan(0);
    });
  });
});
