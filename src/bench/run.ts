/**
 * `npm run bench`: seed a database, start the server in its own process, and
 * load the home, article and section pages with autocannon from this process.
 * The same article bytes are also served by a bare node:http server in a third
 * process, as the reference. Prints req/s, p50 and p99 latency and the ratio to
 * the bare server for each page. Benchmarks report; they never assert.
 *
 * Flags: --articles N (1000)  --duration S (10)  --connections C (50)
 *        --database-url URL (a temporary SQLite file)  --keep  --json
 *        --baseline FILE (a previous --json output: adds p99 vs that run)
 *        --cpu-prof (profile the server; prints its hottest functions)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { dialectOf } from '../config.js';
import { BenchError, newSeedRecord, seed, unseed, type SeedResult } from './seed.js';

const WARMUP_SECONDS = 2;
const PIPELINING = 1;

const HELP = `Usage: npm run bench -- [options]

  --articles N         articles to seed (default 1,000)
  --duration S         seconds of load per page, after a ${WARMUP_SECONDS} s warm-up (default 10)
  --connections C      concurrent connections (default 50)
  --database-url URL   an empty database to seed (default: a temporary SQLite file)
  --keep               keep the temporary data dir
  --json               print a JSON summary instead of the table
  --baseline FILE      a previous --json output; adds each page's p99 relative to it
  --cpu-prof           profile the server process and print its hottest functions
`;

interface Options {
  articles: number;
  duration: number;
  connections: number;
  databaseUrl?: string;
  keep: boolean;
  json: boolean;
  baseline?: string;
  cpuProf: boolean;
}

interface PageResult {
  page: string;
  path: string;
  bytes: number;
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  ratio: number;
  target: number | null;
  errors: number;
  non2xx: number;
  p99VsBaseline?: number;
}

// ---------------------------------------------------------------------------
// Child processes: every one is tracked and killed, whatever way we leave.

const children = new Set<ChildProcess>();

function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

async function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});

let cleanup: (() => Promise<void>) | undefined;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    process.stderr.write(`\nbench: ${signal}, stopping\n`);
    const done = () => process.exit(130);
    (cleanup ? cleanup() : Promise.resolve()).then(done, done);
    setTimeout(done, 15_000).unref();
  });
}

// ---------------------------------------------------------------------------

function parseOptions(argv: string[]): Options | undefined {
  const { values } = parseArgs({
    args: argv,
    options: {
      articles: { type: 'string' },
      duration: { type: 'string' },
      connections: { type: 'string' },
      'database-url': { type: 'string' },
      keep: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      baseline: { type: 'string' },
      'cpu-prof': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) return undefined;
  const int = (name: string, raw: string | undefined, def: number, min: number) => {
    if (raw === undefined) return def;
    const v = Number(raw.replace(/[_,]/g, ''));
    if (!Number.isInteger(v) || v < min) throw new BenchError(`--${name} must be a whole number of at least ${min} (got ${JSON.stringify(raw)})`);
    return v;
  };
  const databaseUrl = values['database-url'];
  if (databaseUrl !== undefined) {
    try {
      dialectOf(databaseUrl);
    } catch (err) {
      throw new BenchError(`--database-url: ${(err as Error).message}`);
    }
  }
  return {
    articles: int('articles', values.articles, 1000, 3),
    duration: int('duration', values.duration, 10, 1),
    connections: int('connections', values.connections, 50, 1),
    databaseUrl,
    keep: values.keep,
    json: values.json,
    baseline: values.baseline,
    cpuProf: values['cpu-prof'],
  };
}

const log = (line: string) => process.stderr.write(line + '\n');

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve, reject) => {
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

function forwardLines(stream: NodeJS.ReadableStream | null, prefix: string, skip?: RegExp): void {
  if (!stream) return;
  createInterface({ input: stream }).on('line', (line) => {
    if (!skip?.test(line)) log(`${prefix} ${line}`);
  });
}

async function startServer(o: { port: number; dataDir: string; databaseUrl: string; profDir?: string }): Promise<{ child: ChildProcess; base: string }> {
  const main = fileURLToPath(new URL('../cli/main.js', import.meta.url));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(o.port),
    HOST: '127.0.0.1',
    MASTHEAD_DATA_DIR: o.dataDir,
    DATABASE_URL: o.databaseUrl,
    LOG_LEVEL: 'warn',
    LOG_REQUESTS: '0',
  };
  delete env.SITE_URL;
  const args = [...(o.profDir ? ['--cpu-prof', `--cpu-prof-dir=${o.profDir}`] : []), main, 'start'];
  const child = track(spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] }));
  forwardLines(child.stdout, '[server]', /^Masthead is running at /);
  forwardLines(child.stderr, '[server]');
  const base = `http://127.0.0.1:${o.port}`;
  await waitFor(`${base}/healthz`, child, 120_000);
  return { child, base };
}

async function startBare(file: string): Promise<{ child: ChildProcess; base: string }> {
  const script = fileURLToPath(new URL('./bare-server.js', import.meta.url));
  const child = track(spawn(process.execPath, [script, file], { stdio: ['ignore', 'pipe', 'pipe'] }));
  forwardLines(child.stderr, '[bare]');
  const port = await new Promise<number>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    rl.once('line', (line) => {
      try {
        resolve((JSON.parse(line) as { port: number }).port);
      } catch {
        reject(new BenchError(`bare server printed ${JSON.stringify(line)}`, 1));
      }
    });
    child.once('exit', (code) => reject(new BenchError(`bare server exited with code ${code}`, 1)));
  });
  return { child, base: `http://127.0.0.1:${port}` };
}

async function waitFor(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new BenchError(`the server exited (code ${child.exitCode ?? child.signalCode}) before answering ${url}`, 1);
    try {
      const res = await fetch(url);
      await res.arrayBuffer();
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new BenchError(`the server did not answer ${url} within ${timeoutMs / 1000} s`, 1);
}

async function fetchPage(url: string, mustInclude?: string): Promise<Buffer> {
  const res = await fetch(url, { redirect: 'manual' });
  const body = Buffer.from(await res.arrayBuffer());
  if (res.status !== 200) throw new BenchError(`GET ${url} answered ${res.status}, expected 200`, 1);
  if (!(res.headers.get('content-type') ?? '').startsWith('text/html')) throw new BenchError(`GET ${url} is not text/html`, 1);
  if (mustInclude && !body.includes(mustInclude)) throw new BenchError(`GET ${url} lacks ${JSON.stringify(mustInclude)}`, 1);
  return body;
}

function percentile(sorted: Float64Array, p: number): number {
  if (!sorted.length) return 0;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx]!;
}

/** One warm-up run, then the measured one. Latencies are taken from every 2xx response, at full precision. */
async function load(url: string, o: Options, watch: ChildProcess): Promise<{ reqPerSec: number; p50Ms: number; p99Ms: number; errors: number; non2xx: number }> {
  await autocannon({ url, connections: o.connections, pipelining: PIPELINING, duration: WARMUP_SECONDS });
  const latencies: number[] = [];
  const run = autocannon({ url, connections: o.connections, pipelining: PIPELINING, duration: o.duration });
  run.on('response', (_client, statusCode, _bytes, ms) => {
    if (statusCode >= 200 && statusCode < 300) latencies.push(ms);
  });
  const result = await run;
  if (watch.exitCode !== null || watch.signalCode !== null) throw new BenchError(`the process serving ${url} exited during the run`, 1);
  const sorted = Float64Array.from(latencies).sort();
  return {
    reqPerSec: result.duration > 0 ? result['2xx'] / result.duration : 0,
    p50Ms: sorted.length ? percentile(sorted, 50) : result.latency.p50,
    p99Ms: sorted.length ? percentile(sorted, 99) : result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

// ---------------------------------------------------------------------------
// Output

const fmtInt = (n: number) => Math.round(n).toLocaleString('en');
const fmtMs = (n: number) => n.toFixed(2);

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const right = new Set([2, 3, 4, 5, 6]);
  return rows
    .map((r) => r.map((cell, c) => (right.has(c) ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  ').trimEnd())
    .join('\n');
}

function printTable(seeded: SeedResult, o: Options, pages: PageResult[], withBaseline: boolean): void {
  const head = ['page', 'path', 'size', 'req/s', 'p50 ms', 'p99 ms', 'ratio vs bare', 'target'];
  if (withBaseline) head.push('p99 vs baseline');
  head.push('errors');
  const rows = [head];
  for (const p of pages) {
    const target = p.target === null ? '-' : `>= ${p.target} (${p.ratio >= p.target ? 'met' : 'below'})`;
    const row = [p.page, p.path, `${(p.bytes / 1024).toFixed(1)} KB`, fmtInt(p.reqPerSec), fmtMs(p.p50Ms), fmtMs(p.p99Ms), p.ratio.toFixed(2), target];
    if (withBaseline) row.push(p.p99VsBaseline === undefined ? '-' : `${p.p99VsBaseline.toFixed(2)}x`);
    row.push(p.errors + p.non2xx ? `${p.errors} err, ${p.non2xx} non-2xx` : '0');
    rows.push(row);
  }
  const out = [
    '',
    `Masthead bench: ${seeded.articles.toLocaleString('en')} articles, ${seeded.dialect} (seeded in ${seeded.seconds.toFixed(1)} s, ${seeded.bodyWords}-word bodies)`,
    `${o.connections} connections, pipelining ${PIPELINING}, ${o.duration} s per page after a ${WARMUP_SECONDS} s warm-up; node ${process.version}, ${cpus().length} CPUs`,
    '',
    table(rows),
    '',
    'ratio = req/s / bare req/s. Targets: article >= 0.5, home >= 0.4; with --articles 1000000,',
    'article and home p99 within 2x of the 1,000-article run (compare with --baseline). Benchmarks report; they do not assert.',
    '',
  ];
  process.stdout.write(out.join('\n'));
}

/** Self time per function and per module from a V8 .cpuprofile. */
function summariseProfile(file: string): string {
  type Node = { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number };
  const prof = JSON.parse(readFileSync(file, 'utf8')) as { nodes: Node[] };
  const byFn = new Map<string, number>();
  const byModule = new Map<string, number>();
  let total = 0;
  for (const n of prof.nodes) {
    const hits = n.hitCount ?? 0;
    if (!hits) continue;
    total += hits;
    const { functionName, url, lineNumber } = n.callFrame;
    const path = url.replace(/^file:\/\//, '');
    const where = path.includes('/node_modules/') ? path.replace(/^.*\/node_modules\//, 'node_modules/') : path.replace(/^.*\/dist\//, 'dist/');
    const fnKey = `${functionName || '(anonymous)'}  ${where ? `${where}:${lineNumber + 1}` : ''}`.trim();
    byFn.set(fnKey, (byFn.get(fnKey) ?? 0) + hits);
    const mod = !where ? (functionName.startsWith('(') ? functionName : '(native)')
      : where.startsWith('node_modules/') ? where.split('/').slice(0, where.startsWith('node_modules/@') ? 3 : 2).join('/')
      : where.startsWith('node:') ? 'node core' : where;
    byModule.set(mod, (byModule.get(mod) ?? 0) + hits);
  }
  const top = (m: Map<string, number>, k: number) => [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, k)
    .map(([name, hits]) => `  ${((hits / total) * 100).toFixed(1).padStart(5)}%  ${name}`).join('\n');
  return `Server CPU profile (${file}), self time:\n by module:\n${top(byModule, 12)}\n by function:\n${top(byFn, 20)}\n`;
}

// ---------------------------------------------------------------------------

async function main(argv: string[]): Promise<number> {
  const o = parseOptions(argv);
  if (!o) {
    process.stdout.write(HELP);
    return 0;
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'masthead-bench-'));
  const profDir = o.cpuProf ? mkdtempSync(join(tmpdir(), 'masthead-bench-prof-')) : undefined;
  let server: ChildProcess | undefined;
  let bare: ChildProcess | undefined;
  let cleaned = false;
  const record = newSeedRecord();
  cleanup = async () => {
    if (cleaned) return;
    cleaned = true;
    await Promise.all([server, bare].filter((c): c is ChildProcess => !!c).map((c) => stopChild(c)));
    if (o.databaseUrl && record.touched) {
      if (o.keep) log('bench: kept the seeded rows in the given database');
      else {
        log('bench: removing the seeded rows from the given database');
        await unseed(o.databaseUrl, record).catch((err: Error) => log(`bench: could not remove the seeded rows: ${err.message}`));
      }
    }
    if (o.keep) log(`bench: kept ${dataDir}`);
    else rmSync(dataDir, { recursive: true, force: true });
  };

  try {
    const databaseUrl = o.databaseUrl ?? `sqlite:${join(dataDir, 'bench.db')}`;
    log(`bench: seeding ${o.articles.toLocaleString('en')} articles into ${dialectOf(databaseUrl)} (${o.databaseUrl ? 'given database' : dataDir})`);
    const seeded = await seed(databaseUrl, o.articles, log, record);
    log(`bench: seeded in ${seeded.seconds.toFixed(1)} s`);

    const started = await startServer({ port: await freePort(), dataDir, databaseUrl, profDir });
    server = started.child;
    const paths = { article: `/articles/${seeded.articleSlug}`, home: '/', section: `/section/${seeded.sectionSlug}` };
    const articleBytes = await fetchPage(started.base + paths.article, seeded.endMarker);
    const homeBytes = await fetchPage(started.base + paths.home);
    const sectionBytes = await fetchPage(started.base + paths.section);
    const bytesFile = join(dataDir, 'article.html');
    writeFileSync(bytesFile, articleBytes);

    const bareStarted = await startBare(bytesFile);
    bare = bareStarted.child;
    const bareCheck = await fetchPage(bareStarted.base + '/');
    if (!bareCheck.equals(articleBytes)) throw new BenchError('the bare server does not serve the article bytes', 1);

    const targets: { page: string; path: string; url: string; bytes: number; target: number | null; proc: ChildProcess }[] = [
      { page: 'bare', path: '(node:http, article bytes)', url: bareStarted.base + '/', bytes: articleBytes.length, target: null, proc: bare },
      { page: 'article', path: paths.article, url: started.base + paths.article, bytes: articleBytes.length, target: 0.5, proc: server },
      { page: 'home', path: paths.home, url: started.base + paths.home, bytes: homeBytes.length, target: 0.4, proc: server },
      { page: 'section', path: paths.section, url: started.base + paths.section, bytes: sectionBytes.length, target: null, proc: server },
    ];
    const measured: (Omit<PageResult, 'ratio'>)[] = [];
    for (const t of targets) {
      log(`bench: ${t.page} ${t.url} (${WARMUP_SECONDS} s warm-up + ${o.duration} s)`);
      const r = await load(t.url, o, t.proc);
      measured.push({ page: t.page, path: t.path, bytes: t.bytes, target: t.target, ...r });
    }
    await stopChild(bare);
    await stopChild(server);

    const bareRps = measured[0]!.reqPerSec;
    let baseline: Map<string, number> | undefined;
    if (o.baseline) {
      const prev = JSON.parse(readFileSync(o.baseline, 'utf8')) as { pages?: { page: string; p99Ms: number }[] };
      baseline = new Map((prev.pages ?? []).map((p) => [p.page, p.p99Ms]));
    }
    const pages: PageResult[] = measured.map((m) => {
      const base = baseline?.get(m.page);
      return { ...m, ratio: bareRps > 0 ? m.reqPerSec / bareRps : 0, ...(base ? { p99VsBaseline: m.p99Ms / base } : {}) };
    });

    if (o.json) {
      const summary = {
        articles: seeded.articles,
        database: seeded.dialect,
        seedSeconds: Number(seeded.seconds.toFixed(2)),
        bodyWords: seeded.bodyWords,
        connections: o.connections,
        durationSeconds: o.duration,
        warmupSeconds: WARMUP_SECONDS,
        pipelining: PIPELINING,
        node: process.version,
        cpus: cpus().length,
        pages: pages.map((p) => ({ ...p, reqPerSec: Math.round(p.reqPerSec), p50Ms: Number(p.p50Ms.toFixed(3)), p99Ms: Number(p.p99Ms.toFixed(3)), ratio: Number(p.ratio.toFixed(3)) })),
      };
      process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
    } else {
      printTable(seeded, o, pages, !!baseline);
    }

    if (profDir) {
      const files = readdirSync(profDir).filter((f) => f.endsWith('.cpuprofile'));
      if (files.length) log(summariseProfile(join(profDir, files[0]!)));
      else log(`bench: no CPU profile was written to ${profDir}`);
    }
    return 0;
  } finally {
    await cleanup();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    const e = err as Error & { code?: string };
    const known = e instanceof BenchError || !!e.code?.startsWith('ERR_PARSE_ARGS');
    log(`bench: ${known ? e.message : e.stack ?? e.message}`);
    process.exit(e instanceof BenchError ? e.exitCode : known ? 2 : 1);
  },
);
