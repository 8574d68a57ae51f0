/**
 * `npm run bench:newsroom`: the newsroom app's figures (issue 15), measured, never asserted.
 *  1. the article list at --articles articles (1,000,000), through the real app (Fastify inject
 *     with a staff session: routing, session, query, page), target p99 < 50 ms for each of a
 *     spread of cases: both orders, each filter alone (common and rare values), a few together,
 *     and page 2 of each. After seeding, one article in 50 becomes a draft, a few are scheduled
 *     and a rare tag goes on a few dozen, so that every filter has both common and rare answers;
 *  2. an autosave round trip of a --words (5,000) word article: the island's PUT with the session
 *     cookie and CSRF header, JSON parsed, checked, saved over its revision with a history row,
 *     answered; server time, target p99 < 20 ms (p50 shown too);
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
import { sql } from 'kysely';
import { openServingDatabase, type Database } from '../db/database.js';
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
const SAVES = 200;
const RARE_TAG = 'lighthouse';
const RARE_TAGGED = 40;

/**
 * The seed writes only published articles; a newsroom also has drafts (here one in 50, written
 * the way an unpublished article is: no live_at, on the article and its links), a few scheduled
 * ones, and tags on a handful of articles.
 */
async function varyArchive(database: Database, now: number): Promise<void> {
  const { db } = database;
  const drafts = db.selectFrom('articles').select('id').where(sql<boolean>`id % 50 = 7`);
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('articles').set({ status: 'draft', live_at: null }).where('id', 'in', drafts).execute();
    for (const t of ['article_sections', 'article_authors', 'article_tags'] as const) await trx.updateTable(t).set({ live_at: null }).where('article_id', 'in', drafts).execute();
    const newest = (await trx.selectFrom('articles').select('id').where(sql<boolean>`id % 50 = 13`).orderBy('id', 'desc').limit(12).execute()).map((r) => r.id);
    for (const [i, id] of newest.entries()) {
      const at = now + (i + 1) * 3_600_000;
      await trx.updateTable('articles').set({ status: 'scheduled', published_at: at, live_at: at }).where('id', '=', id).execute();
      for (const t of ['article_sections', 'article_authors', 'article_tags'] as const) await trx.updateTable(t).set({ live_at: at }).where('article_id', '=', id).execute();
    }
    const tag = await trx.insertInto('tags').values({ slug: RARE_TAG, name: 'Lighthouse', created_at: now }).returning('id').executeTakeFirstOrThrow();
    const total = Number((await trx.selectFrom('articles').select((eb) => eb.fn.max('id').as('m')).executeTakeFirstOrThrow()).m);
    const ids = [...new Set(Array.from({ length: RARE_TAGGED }, (_, i) => 1 + Math.floor(((i + 0.5) / RARE_TAGGED) * total)))];
    const rows = await trx.selectFrom('articles').select(['id', 'live_at']).where('id', 'in', ids).execute();
    await trx.insertInto('article_tags').values(rows.map((r) => ({ article_id: r.id, tag_id: tag.id, live_at: r.live_at }))).execute();
  });
  if (database.dialect === 'postgres') await sql`analyze`.execute(db);
}

const dir = mkdtempSync(join(tmpdir(), 'masthead-newsroom-bench-'));
const url = values['database-url'] ?? `sqlite:${join(dir, 'bench.db')}`;
try {
  const t0 = performance.now();
  await seed(url, articles, log);
  log(`seeded ${articles.toLocaleString('en')} articles in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const database = openServingDatabase(url);
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

    // 1. The list: a spread of what the filters offer, each warmed, then up to `runs` requests
    //    (or 20 s, at least 30). Every case must answer with a full page or with what matches.
    await varyArchive(database, now);
    const slug = async (t: 'sections' | 'authors' | 'tags', where?: string) =>
      (await database.db.selectFrom(t).select('slug').$if(where !== undefined, (q) => q.where('slug', '=', where!)).orderBy('id').executeTakeFirstOrThrow()).slug;
    const [section, culture, author, tag] = [await slug('sections'), await slug('sections', 'culture'), await slug('authors'), await slug('tags')];
    const listUrls: Record<string, string> = {
      'first page (last updated)': '/admin/articles',
      'first page (published)': '/admin/articles?sort=published',
      'status published': '/admin/articles?status=published',
      'status draft': '/admin/articles?status=draft',
      'status scheduled': '/admin/articles?status=scheduled',
      [`section ${culture} (1 in 10)`]: `/admin/articles?section=${culture}`,
      [`author ${author}`]: `/admin/articles?author=${author}&sort=published`,
      [`tag ${tag}`]: `/admin/articles?tag=${tag}`,
      [`tag ${RARE_TAG} (${RARE_TAGGED} articles)`]: `/admin/articles?tag=${RARE_TAG}`,
      'access paid (1 in 20)': '/admin/articles?access=paid',
      'title "ferry" (1 in 10)': '/admin/articles?q=ferry',
      'title "library cuts" (1 in 100)': '/admin/articles?q=library+cuts',
      'title "zebra" (none)': '/admin/articles?q=zebra',
      // One or two characters: no trigram to look up; searched among the list's most recent 5,000.
      'title "fe" (2 characters)': '/admin/articles?q=fe',
      'title "zq" (2 characters, none)': '/admin/articles?q=zq',
      [`section ${section} + published, by published`]: `/admin/articles?status=published&section=${section}&sort=published`,
      [`section ${culture} + draft`]: `/admin/articles?status=draft&section=${culture}`,
      [`tag ${tag} + access free`]: `/admin/articles?tag=${tag}&access=free`,
      [`section ${culture} + author ${author}, by published`]: `/admin/articles?section=${culture}&author=${author}&sort=published`,
      [`tag ${RARE_TAG} + published, by published`]: `/admin/articles?tag=${RARE_TAG}&status=published&sort=published`,
    };
    const list: Record<string, { p50: number; p99: number; rows: number; requests: number; met: boolean }> = {};
    for (const [name, first] of Object.entries(listUrls)) {
      // Page 2 as well as page 1: the next page's link is what the list itself offers.
      const firstPage = await get(first);
      const next = /<a rel="next" href="([^"]+)"/.exec(firstPage.body)?.[1]?.replace(/&amp;/g, '&');
      for (const [label, u] of [[name, first], ...(next ? [[`${name}, page 2`, next]] : [])] as [string, string][]) {
        for (let i = 0; i < 10; i++) await get(u);
        const times: number[] = [];
        let rows = 0;
        const began = performance.now();
        while (times.length < runs && (times.length < 30 || performance.now() - began < 20_000)) {
          const s = performance.now();
          const r = await get(u);
          times.push(performance.now() - s);
          if (r.statusCode !== 200) throw new Error(`${u} answered ${r.statusCode}`);
          rows = (r.body.match(/<tr>/g) ?? []).length - 1;
        }
        const p99 = ms(pct(times, 99));
        list[label] = { p50: ms(pct(times, 50)), p99, rows, requests: times.length, met: p99 < 50 };
      }
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
    for (let i = 0; i < SAVES + 10; i++) {
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
      list, listTarget: 'p99 < 50 ms', listMet: Object.values(list).every((c) => c.met),
      autosaveWords: wordCount, autosaveP50: ms(pct(saves, 50)), autosaveP99: ms(pct(saves, 99)), autosaveTarget: 'p99 < 20 ms', autosaveMet: pct(saves, 99) < 20,
      bundleBytes: built.bytes, bundleGzipBytes: gz, bundleTarget: '<= 200 KB gzipped', bundleMet: gz <= 200 * 1024,
      pagesChecked: others, pagesWithEditorCode: withEditor, noEditorCodeMet: withEditor.length === 0 && editorHasIt,
    };
    if (values.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
    else {
      const met = (b: boolean) => (b ? 'met' : 'NOT met');
      process.stdout.write([
        `article list at ${articles.toLocaleString('en')} articles (target p99 < 50 ms each):`,
        ...Object.entries(list).map(([name, c]) => `  ${name.padEnd(52)} p50 ${String(c.p50).padStart(8)} ms  p99 ${String(c.p99).padStart(8)} ms  (${c.requests} requests, ${c.rows} rows)  ${met(c.met)}`),
        `autosave of a ${wordCount.toLocaleString('en')}-word article (PUT, server side): p50 ${result.autosaveP50} ms, p99 ${result.autosaveP99} ms (${SAVES} saves)   target p99 < 20 ms: ${met(result.autosaveMet)}`,
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
