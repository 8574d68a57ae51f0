/**
 * `npm run bench:newsroom`: the newsroom app's figures (issue 15), measured, never asserted.
 *  1. the article list's first page and a filtered page (section and status) at --articles
 *     articles (1,000,000), through the real app (Fastify inject with a staff session: routing,
 *     session, query, page), target p99 < 50 ms each;
 *  2. an autosave round trip of a --words (5,000) word article: the island's PUT with the session
 *     cookie and CSRF header, JSON parsed, checked, saved over its revision with a history row,
 *     answered; server time, target < 20 ms (p50 and p99 shown, the target read against p50);
 *  3. the editor bundle, built as `npm run build` builds it, gzipped: target <= 200 KB;
 *  4. the admin pages other than the editor name no editor code.
 * On a temporary SQLite database unless --database-url names an empty PostgreSQL one.
 *
 * Flags: --articles N  --words N  --runs N  --database-url URL  --json
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { openDatabase } from '../db/database.js';
import { parseEnv, type Config } from '../config.js';
import { createApp } from '../app.js';
import { createStaffUser } from '../members/staff.js';
import { setStaffPassword } from '../members/staff-auth.service.js';
import { createArticle } from '../content/articles.service.js';
import { buildEditor } from '../web/editor/build.js';
import { seed } from './seed.js';

const { values } = parseArgs({
  options: {
    articles: { type: 'string', default: '1000000' }, words: { type: 'string', default: '5000' }, runs: { type: 'string', default: '300' },
    'database-url': { type: 'string' }, json: { type: 'boolean', default: false },
  },
});
const num = (v: string, name: string) => {
  const n = Number(v.replace(/[_,]/g, ''));
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a whole number of at least 1`);
  return n;
};
const articles = num(values.articles, 'articles');
const words = num(values.words, 'words');
const runs = num(values.runs, 'runs');
const log = (line: string) => process.stderr.write(`bench: ${line}\n`);
const pct = (xs: number[], p: number) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!; };
const ms = (x: number) => Number(x.toFixed(2));

const dir = mkdtempSync(join(tmpdir(), 'masthead-newsroom-bench-'));
const url = values['database-url'] ?? `sqlite:${join(dir, 'bench.db')}`;
try {
  const t0 = performance.now();
  await seed(url, articles, log);
  log(`seeded ${articles.toLocaleString('en')} articles in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const database = openDatabase(url);
  const config = { ...parseEnv({ MASTHEAD_DATA_DIR: dir, SITE_URL: 'https://news.example', LOG_LEVEL: 'silent', DATABASE_URL: url }), secret: 'bench-secret-0123456789abcdefghijklmnop' } as Config;
  const app = await createApp({ config, database, logger: false });
  try {
    const server = app.server;
    // A staff session, signed in through the real form.
    const now = Date.now();
    const email = 'bench-editor@news.example';
    const staff = await createStaffUser(database.db, { email, name: 'Bench Editor', role: 'editor', now });
    await setStaffPassword({ db: database.db, clock: { now: () => Date.now() } }, email, 'bench editor password 123', 'bench');
    const cookies = new Map<string, string>();
    const keep = (res: { headers: Record<string, unknown> }) => {
      const set = res.headers['set-cookie'];
      for (const c of (Array.isArray(set) ? set : set ? [set] : []) as string[]) { const [kv] = c.split(';'); const i = kv!.indexOf('='); cookies.set(kv!.slice(0, i), kv!.slice(i + 1)); }
    };
    const cookie = () => [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
    const signin = await server.inject({ method: 'GET', url: '/admin/signin' });
    keep(signin);
    const signed = await server.inject({ method: 'POST', url: '/admin/signin', headers: { cookie: cookie(), 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams({ _csrf: csrfOf(signin.body), email, password: 'bench editor password 123' }).toString() });
    keep(signed);
    if (signed.statusCode !== 303) throw new Error(`bench sign-in failed: ${signed.statusCode}`);
    const get = (u: string) => server.inject({ method: 'GET', url: u, headers: { cookie: cookie() } });

    // 1. The list: warm, then `runs` requests each.
    const section = (await database.db.selectFrom('sections').select('slug').orderBy('id').executeTakeFirstOrThrow()).slug;
    const listUrls = { first: '/admin/articles', filtered: `/admin/articles?status=published&section=${section}&sort=published` };
    const list: Record<string, { p50: number; p99: number; rows: number }> = {};
    for (const [name, u] of Object.entries(listUrls)) {
      for (let i = 0; i < 20; i++) await get(u);
      const times: number[] = [];
      let rows = 0;
      for (let i = 0; i < runs; i++) {
        const s = performance.now();
        const r = await get(u);
        times.push(performance.now() - s);
        if (r.statusCode !== 200) throw new Error(`${u} answered ${r.statusCode}`);
        rows = (r.body.match(/<tr>/g) ?? []).length - 1;
      }
      list[name] = { p50: ms(pct(times, 50)), p99: ms(pct(times, 99)), rows };
    }

    // 2. Autosave of a long article: the island's PUT, each over the revision the last one returned.
    const para = (i: number) => `Paragraph ${i} of the long read, about the harbour board and its dues, in words enough to count.`;
    const paragraphs = Math.ceil(words / 17);
    const doc = { type: 'doc', content: Array.from({ length: paragraphs }, (_, i) => ({ type: 'paragraph', content: [{ type: 'text', text: para(i) }] })) };
    const a = await createArticle(app.ctx.content, { title: 'The long read', status: 'draft', body: { doc } as never }, staff.id);
    const page = await get(`/admin/articles/${a.id}`);
    const csrf = csrfOf(page.body);
    let revision = a.revision;
    const saves: number[] = [];
    for (let i = 0; i < 60; i++) {
      doc.content[i % paragraphs]!.content[0]!.text = `${para(i)} Edit ${i}.`;
      const payload = JSON.stringify({ title: 'The long read', dek: '', tags: [], authors: [], body: { doc }, baseRevision: revision });
      const s = performance.now();
      const r = await server.inject({ method: 'PUT', url: `/admin/api/articles/${a.id}`, headers: { cookie: cookie(), 'x-csrf-token': csrf, 'content-type': 'application/json' }, payload });
      const took = performance.now() - s;
      if (r.statusCode !== 200) throw new Error(`autosave answered ${r.statusCode}: ${r.body.slice(0, 200)}`);
      revision = (JSON.parse(r.body) as { article: { revision: number } }).article.revision;
      if (i >= 10) saves.push(took); // the first ten warm the code paths
    }
    const wordCount = doc.content.reduce((n, p) => n + p.content[0]!.text.split(/\s+/).length, 0);

    // 3. The editor bundle.
    const built = await buildEditor();
    const gz = gzipSync(readFileSync(built.file), { level: 9 }).length;

    // 4. Admin pages other than the editor.
    const others = ['/admin', '/admin/articles', `/admin/articles/${a.id}/revisions`, `/admin/articles/${a.id}/preview?as=anonymous`, '/admin/media'];
    const withEditor: string[] = [];
    for (const u of others) if ((await get(u)).body.includes('/assets/editor.')) withEditor.push(u);
    const editorHasIt = page.body.includes('/assets/editor.');

    const result = {
      database: database.dialect, articles,
      listFirst: list.first!, listFiltered: list.filtered!, listTarget: 'p99 < 50 ms',
      listFirstMet: list.first!.p99 < 50, listFilteredMet: list.filtered!.p99 < 50,
      autosaveWords: wordCount, autosaveP50: ms(pct(saves, 50)), autosaveP99: ms(pct(saves, 99)), autosaveTarget: '< 20 ms', autosaveMet: pct(saves, 50) < 20,
      bundleBytes: built.bytes, bundleGzipBytes: gz, bundleTarget: '<= 200 KB gzipped', bundleMet: gz <= 200 * 1024,
      pagesChecked: others, pagesWithEditorCode: withEditor, noEditorCodeMet: withEditor.length === 0 && editorHasIt,
    };
    if (values.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
    else {
      const met = (b: boolean) => (b ? 'met' : 'NOT met');
      process.stdout.write([
        `article list, first page, ${articles.toLocaleString('en')} articles: p50 ${result.listFirst.p50} ms, p99 ${result.listFirst.p99} ms (${runs} requests, ${result.listFirst.rows} rows)   target p99 < 50 ms: ${met(result.listFirstMet)}`,
        `article list, filtered (section, status, by published): p50 ${result.listFiltered.p50} ms, p99 ${result.listFiltered.p99} ms (${result.listFiltered.rows} rows)   target p99 < 50 ms: ${met(result.listFilteredMet)}`,
        `autosave of a ${wordCount.toLocaleString('en')}-word article (PUT, server side): p50 ${result.autosaveP50} ms, p99 ${result.autosaveP99} ms (50 saves)   target < 20 ms: ${met(result.autosaveMet)}`,
        `editor bundle: ${Math.round(gz / 1024)} KB gzipped (${Math.round(built.bytes / 1024)} KB minified)   target <= 200 KB: ${met(result.bundleMet)}`,
        `admin pages without editor code (${others.join(', ')}): ${withEditor.length ? `editor code on ${withEditor.join(', ')}` : 'none has it; the editor page does'}   ${met(result.noEditorCodeMet)}`,
        `database: ${database.dialect}`,
        '',
      ].join('\n'));
    }
  } finally {
    await app.close();
    await database.close().catch(() => {});
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
