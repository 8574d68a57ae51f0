import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/db.js';
import { startTestApp, type Agent, type TestApp } from '../helpers/app.js';
import { multipart, staffAgent } from '../helpers/media.js';
import { recentAudit } from '../../src/members/audit.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/importer/${name}`, import.meta.url));

/** The Skerrow Courier's export plus two posts without a headline: the import flags those for review. */
const untitled = (id: number, text: string) => `<item><title></title><dc:creator><![CDATA[mairi]]></dc:creator>
<content:encoded><![CDATA[<p>${text}</p>]]></content:encoded><wp:post_id>${id}</wp:post_id>
<wp:post_date_gmt><![CDATA[2019-04-01 09:00:00]]></wp:post_date_gmt><wp:post_name><![CDATA[]]></wp:post_name>
<wp:status><![CDATA[publish]]></wp:status><wp:post_type><![CDATA[post]]></wp:post_type></item>`;
const archive = () => Buffer.from(fixture('skerrow-courier.wxr').toString('utf8').replace('</channel>',
  `${untitled(901, 'The ferry was late again on Monday. Passengers waited two hours.')}${untitled(902, 'Gulls took the chips. Nobody was surprised.')}</channel>`));

/**
 * Settings → Import over HTTP, on both databases: an archive uploaded through the form is imported
 * by the job worker, never on the request; its status page follows the job and, when it is done,
 * lists the flagged articles with links to the editor. Bad files are refused beside the field with
 * nothing stored; editors are refused.
 */
describe.each(dialects())('settings import page on %s', (dialect) => {
  let t: TestApp;
  let admin: Agent & { id: number };
  let editor: Agent & { id: number };
  const cookie = (a: Agent) => [...a.cookies].map(([k, v]) => `${k}=${v}`).join('; ');

  async function upload(a: Agent, file: { name: string; type: string; data: Buffer } | undefined, fields: Record<string, string> = {}) {
    await a.get('/admin/settings/import');
    const body = multipart({ _csrf: a.csrf(), ...fields }, file);
    return t.app.server.inject({ method: 'POST', url: '/admin/settings/import', headers: { cookie: cookie(a), 'content-type': body.contentType }, payload: body.payload });
  }
  const runCount = async () => Number((await t.db.db.selectFrom('import_runs').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  const jobCount = async () => Number((await t.db.db.selectFrom('jobs').select((eb) => eb.fn.countAll<number>().as('n')).where('kind', '=', 'import.run').executeTakeFirstOrThrow()).n);
  const counts = (html: string) => Object.fromEntries([...html.matchAll(/<dt>([^<]+)<\/dt><dd>(\d+)<\/dd>/g)].map((m) => [m[1], Number(m[2])]));

  /** The status page once the worker has run the import (the worker runs beside the test, polling every 50 ms). */
  async function untilFinished(url: string) {
    t.app.ctx.worker.start();
    try {
      for (let i = 0; i < 400; i++) {
        await t.app.ctx.worker.drain();
        const page = await admin.get(url);
        if (!page.headers.refresh) return page;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`the import at ${url} did not finish`);
    } finally {
      await t.app.ctx.worker.stop();
    }
  }

  beforeAll(async () => {
    t = await startTestApp(dialect);
    // Stopped until a test lets it run, so a run is seen waiting first.
    await t.app.ctx.worker.stop();
    admin = await staffAgent(t, 'administrator');
    editor = await staffAgent(t, 'editor');
  });
  afterAll(async () => t?.close());

  it('imports a WordPress export as a job: the status page reloads itself while it waits, then shows the counts and the articles to review', async () => {
    const res = await upload(admin, { name: 'skerrow.xml', type: 'application/xml', data: archive() });
    expect(res.statusCode).toBe(303);
    const statusUrl = res.headers.location as string;
    expect(statusUrl).toMatch(/^\/admin\/settings\/import\/\d+$/);

    // Nothing imported on the request: the run waits for the worker, and its page says so and reloads itself.
    const waiting = await admin.get(statusUrl);
    expect(waiting.statusCode).toBe(200);
    expect(waiting.headers.refresh).toBe('3');
    expect(waiting.body).toContain('Waiting to start');
    // The reader can stop the reloading (WCAG 2.2.1), and start it again.
    expect(waiting.body).toContain(`<a href="${statusUrl}?refresh=off">Stop reloading</a>`);
    const still = await admin.get(`${statusUrl}?refresh=off`);
    expect(still.headers.refresh).toBeUndefined();
    expect(still.body).toContain(`<a href="${statusUrl}">Check again</a>`);
    expect(counts(waiting.body).Imported).toBe(0);
    expect(await t.db.db.selectFrom('articles').select('id').where('source_id', 'is not', null).execute()).toHaveLength(0);

    const done = await untilFinished(statusUrl);
    expect(done.headers.refresh).toBeUndefined();
    expect(done.body).toContain('Finished');
    const c = counts(done.body);
    const imported = await t.db.db.selectFrom('articles').select('id').where('source_id', 'like', 'wxr:%').execute();
    expect(c.Imported).toBe(imported.length);
    expect(c.Imported).toBeGreaterThan(0);
    expect(c.Updated).toBe(0);

    const flagged = await t.db.db.selectFrom('import_items as i').innerJoin('articles as a', 'a.id', 'i.article_id').select(['a.id', 'a.title']).where('i.needs_review', '=', 1).execute();
    expect(flagged.map((a) => a.title).sort()).toEqual(['Gulls took the chips.', 'The ferry was late again on Monday.']);
    expect(c['Flagged for review']).toBe(flagged.length);
    for (const a of flagged) expect(done.body).toContain(`<a href="/admin/articles/${a.id}">`);
    expect(done.body).toContain('the title was made from the first sentence');
    // The archive itself is not kept once imported.
    expect((await t.db.db.selectFrom('import_runs').select('data').executeTakeFirstOrThrow()).data).toBeNull();
    // The import page lists the run; the audit log says who started it.
    expect((await admin.get('/admin/settings/import')).body).toContain(`href="${statusUrl}"`);
    expect((await recentAudit(t.db.db, 20)).map((e) => e.action)).toContain('content.import_started');

    // The same export again: everything is unchanged, nothing new to count.
    const again = await upload(admin, { name: 'skerrow.xml', type: 'application/xml', data: archive() });
    const second = counts((await untilFinished(again.headers.location as string)).body);
    expect(second.Imported).toBe(0);
    expect(second['Unchanged or kept']).toBe(c.Imported);
  });

  it('refuses a file that is not an archive, an empty one, or one cut short, beside the field, storing nothing', async () => {
    const runs = await runCount();
    const jobs = await jobCount();
    const cases: [{ name: string; type: string; data: Buffer } | undefined, string][] = [
      [{ name: 'notes.txt', type: 'text/plain', data: Buffer.from('Just some notes about the ferry.') }, 'This is not an archive the importer reads'],
      [{ name: 'photos.zip', type: 'application/zip', data: Buffer.from('PK\u0003\u0004 not really a zip') }, 'This is not an archive the importer reads'],
      [{ name: 'export.xml', type: 'application/xml', data: archive().subarray(0, 2000) }, 'This WordPress export is cut short'],
      [{ name: 'ghost.json', type: 'application/json', data: fixture('skerrow-ghost.json').subarray(0, 500) }, 'This Ghost export is not valid JSON'],
      [{ name: 'empty.xml', type: 'application/xml', data: Buffer.alloc(0) }, 'the one sent was empty'],
      [undefined, 'Choose the archive to import.'],
    ];
    for (const [file, message] of cases) {
      const res = await upload(admin, file);
      expect(res.statusCode, message).toBe(400);
      expect(res.body).toMatch(/<span class="field-error" id="import-file-error">[^<]*/);
      expect(res.body).toContain(message.replace(/</g, '&lt;'));
      expect(res.body).toContain('aria-invalid="true"');
    }
    expect(await runCount()).toBe(runs);
    expect(await jobCount()).toBe(jobs);
  });

  it('refuses an archive over 64 MB beside the field, storing nothing', async () => {
    const runs = await runCount();
    const head = Buffer.from('<?xml version="1.0"?><rss version="2.0" xmlns:wp="http://wordpress.org/export/1.2/"><channel>');
    const big = Buffer.concat([head, Buffer.alloc(64 * 1024 * 1024, ' '), Buffer.from('</channel></rss>')]);
    const res = await upload(admin, { name: 'huge.xml', type: 'application/xml', data: big });
    expect(res.statusCode).toBe(413);
    expect(res.body).toContain('The file is larger than 64 MB, the most this page takes');
    expect(res.body).toContain('id="import-file-error"');
    expect(await runCount()).toBe(runs);
  });

  it('is for administrators: an editor is refused the page and the upload, a visitor is sent to sign in', async () => {
    expect((await editor.get('/admin/settings/import')).statusCode).toBe(403);
    const body = multipart({ _csrf: editor.csrf() }, { name: 'skerrow.xml', type: 'application/xml', data: archive() });
    const res = await t.app.server.inject({ method: 'POST', url: '/admin/settings/import', headers: { cookie: cookie(editor), 'content-type': body.contentType }, payload: body.payload });
    expect(res.statusCode).toBe(403);
    expect((await editor.get('/admin/settings/import/1')).statusCode).toBe(403);
    expect((await t.get('/admin/settings/import')).headers.location).toBe('/admin/signin');
  });

  it('refuses a forged form, and answers 404 for a run that does not exist', async () => {
    const runs = await runCount();
    const res = await upload(admin, { name: 'skerrow.xml', type: 'application/xml', data: archive() }, { _csrf: 'forged' });
    expect(res.statusCode).toBe(403);
    expect(await runCount()).toBe(runs);
    expect((await admin.get('/admin/settings/import/99999')).statusCode).toBe(404);
  });
});
