/**
 * `npm run bench:import`: the importer's throughput on a large WordPress export.
 * Writes a synthetic WXR file of N posts (in a child process, so its memory is not
 * counted), then imports it into a fresh database in this process, the way
 * `masthead import` does, and prints time, articles per second and peak memory
 * (the process's maximum resident set size). Then imports the same file again to
 * show the rerun (every item unchanged). Benchmarks report; they never assert.
 *
 * Flags: --posts N (100000)  --database-url URL (a temporary SQLite file)  --file PATH (reuse a WXR file)  --keep  --json
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { openDatabase } from '../db/database.js';
import { migrateToLatest } from '../db/migrate.js';
import { systemClock } from '../clock.js';
import { runImport, type ImportSummary } from '../importer/run.js';

const { values } = parseArgs({
  options: {
    posts: { type: 'string', default: '100000' },
    'database-url': { type: 'string' },
    file: { type: 'string' },
    keep: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
});

const posts = Number(values.posts);
if (!Number.isInteger(posts) || posts < 1) {
  process.stderr.write('bench:import: --posts must be a positive whole number\n');
  process.exit(2);
}

const dir = mkdtempSync(join(tmpdir(), 'masthead-import-bench-'));
const file = values.file ?? join(dir, `export-${posts}.wxr`);
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

async function main() {
  if (!values.file || !existsSync(file)) {
    const t0 = Date.now();
    const gen = spawnSync(process.execPath, [fileURLToPath(new URL('./wxr-fixture.js', import.meta.url)), '--posts', String(posts), '--out', file], { stdio: ['ignore', 'ignore', 'inherit'] });
    if (gen.status !== 0) throw new Error('could not write the WXR fixture');
    process.stderr.write(`wrote ${posts.toLocaleString('en')} posts, ${mb(statSync(file).size)}, in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${file}\n`);
  }
  const url = values['database-url'] ?? `sqlite://${join(dir, 'bench.db')}`;
  const database = openDatabase(url);
  await migrateToLatest(database);
  const deps = { db: database.db, dialect: database.dialect, clock: systemClock };
  const opts = { format: 'wxr' as const, includePages: false, publish: true, dryRun: false };

  const rssBefore = process.resourceUsage().maxRSS * 1024;
  const first = await runImport(deps, { kind: 'path', path: file }, opts);
  const peakFirst = process.resourceUsage().maxRSS * 1024;
  const rerun = await runImport(deps, { kind: 'path', path: file }, opts);
  await database.close();

  const row = (name: string, s: ImportSummary) => ({
    run: name,
    articles: s.created + s.updated + s.unchanged,
    created: s.created,
    unchanged: s.unchanged,
    failed: s.failed,
    seconds: +(s.ms / 1000).toFixed(1),
    perSecond: Math.round((s.created + s.updated + s.unchanged) / (s.ms / 1000)),
  });
  const result = {
    posts,
    fileBytes: statSync(file).size,
    database: database.dialect,
    runs: [row('first import', first), row('rerun (unchanged)', rerun)],
    peakRssBytes: peakFirst,
    rssBeforeBytes: rssBefore,
    targets: { seconds: 120, peakRssBytes: 300 * 1024 * 1024 },
  };
  if (values.json) process.stdout.write(JSON.stringify(result) + '\n');
  else {
    process.stdout.write(`WXR import: ${posts.toLocaleString('en')} posts, ${mb(result.fileBytes)} file, ${result.database}\n`);
    for (const r of result.runs) process.stdout.write(`  ${r.run.padEnd(18)} ${String(r.articles).padStart(7)} articles  ${String(r.seconds).padStart(6)} s  ${String(r.perSecond).padStart(6)}/s  failed ${r.failed}\n`);
    process.stdout.write(`  peak memory (max RSS) ${mb(peakFirst)} (${mb(rssBefore)} before the import)   targets: first import < 120 s, peak < 300 MB\n`);
  }
  if (!values.keep) rmSync(dir, { recursive: true, force: true });
}

main().catch((err) => {
  process.stderr.write(`bench:import: ${(err as Error).message}\n`);
  process.exit(1);
});
