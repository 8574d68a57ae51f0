/**
 * `npm run bench`: seed a database, start the server in its own process, and
 * load the home, article and section pages with autocannon from this process.
 * The same article bytes are also served by a bare node:http server in a third
 * process, as the reference. Each page is measured in rounds, each round a slice
 * of the bare server then a slice of the page, so both see the same machine; the
 * page's ratio is the median of its rounds' ratios. Prints req/s, p50 and p99
 * latency and the ratio for each page. Benchmarks report; they never assert.
 *
 * Then the metered paywall, on metered articles (see LEGEND): a new device on
 * every request (each view counted and written; the meter rows are counted
 * afterwards), a returning device rereading, a device at the wall, and a
 * subscriber. Each is checked once by a plain request before it is loaded.
 *
 * Flags: --articles N (1000)  --duration S (10)  --rounds R (5)  --connections C (50)
 *        --database-url URL (a temporary SQLite file)  --keep  --json
 *        --baseline FILE (a previous --json output: adds p99 vs that run)
 *        --cpu-prof (profile the server; prints its hottest functions)
 *        --only LIST (some pages, e.g. "new-device,at-wall"; bare always runs)
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
import { DEVICE_COOKIE } from '../access/access.service.js';
import { FLUSH_MS } from '../access/meter.js';
import { SESSION_COOKIE } from '../members/sessions.js';
import { addSubscriber, BenchError, countMeterRows, MIN_METERED, newSeedRecord, seed, unseed, type SeedResult } from './seed.js';

const WARMUP_SECONDS = 2;
const PIPELINING = 1;

const HELP = `Usage: npm run bench -- [options]

  --articles N         articles to seed (default 1,000; at least 6)
  --duration S         seconds of load per page, after a ${WARMUP_SECONDS} s warm-up (default 10);
                       the bare server is loaded as long again, in turn with the page
  --rounds R           rounds the duration is split into, each bare then page (default 5)
  --connections C      concurrent connections (default 50)
  --database-url URL   an empty database to seed (default: a temporary SQLite file)
  --keep               keep the temporary data dir
  --json               print a JSON summary instead of the table
  --baseline FILE      a previous --json output; adds each page's p99 relative to it
  --cpu-prof           profile the server process and print its hottest functions
  --only LIST          load only these pages (comma-separated, e.g. returning,at-wall);
                       bare always runs, as the reference. With --cpu-prof: one scenario's profile

Pages: bare (reference), article (free), home, section, then four metered
scenarios on metered articles: new device, returning, at wall, subscriber.
`;

const LEGEND = [
  'bare        node:http answering every request with the free article page\'s bytes (the reference).',
  'article     a free article: no meter, the shared cached page.',
  'home        the front page; section: a section listing (both cached for a second).',
  'metered articles (anonymous: 3 a day by mh_device cookie; cookieless clients also by address + User-Agent, 3 x 3):',
  '  new device   no cookies and a new User-Agent on every request: every view is counted, written to the',
  '               device and address meters (batched, 750 ms) and answered with a new mh_device cookie.',
  '  returning    an mh_device cookie that has already read this article: a free reread, nothing written.',
  '  at wall      an mh_device cookie that has used its 3 articles, on a 4th: the preview and the wall.',
  '  subscriber   mh_session of a member with status \'paid\': the full text, the meter is not consulted.',
];

interface Options {
  articles: number;
  duration: number;
  rounds: number;
  connections: number;
  databaseUrl?: string;
  keep: boolean;
  json: boolean;
  baseline?: string;
  cpuProf: boolean;
  only?: Set<string>;
}

const PAGE_NAMES = ['bare', 'article', 'home', 'section', 'new device', 'returning', 'at wall', 'subscriber'];
const pageKey = (name: string) => name.trim().toLowerCase().replace(/[\s_]+/g, '-');

interface PageResult {
  page: string;
  path: string;
  bytes: number;
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  /** The median of the rounds' ratios (1 for bare). */
  ratio: number;
  /** Page req/s ÷ bare req/s in each round. */
  roundRatios?: number[];
  /** Pages whose requests the bare server is also fed: the median ratio against the plain bare slices, and per round. */
  plainRatio?: number;
  plainRoundRatios?: number[];
  sameRequestsBareRps?: number;
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
      rounds: { type: 'string' },
      connections: { type: 'string' },
      'database-url': { type: 'string' },
      keep: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      baseline: { type: 'string' },
      'cpu-prof': { type: 'boolean', default: false },
      only: { type: 'string' },
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
  let only: Set<string> | undefined;
  if (values.only !== undefined) {
    only = new Set(values.only.split(',').map(pageKey).filter(Boolean));
    const known = new Set(PAGE_NAMES.map(pageKey));
    const unknown = [...only].filter((k) => !known.has(k));
    if (unknown.length || !only.size) throw new BenchError(`--only: unknown page ${JSON.stringify(unknown.join(',') || values.only)}; pages are ${PAGE_NAMES.map(pageKey).join(', ')}`);
    only.add('bare');
  }
  return {
    articles: int('articles', values.articles, 1000, 6),
    duration: int('duration', values.duration, 10, 1),
    rounds: int('rounds', values.rounds, 5, 1),
    connections: int('connections', values.connections, 50, 1),
    databaseUrl,
    keep: values.keep,
    json: values.json,
    baseline: values.baseline,
    cpuProf: values['cpu-prof'],
    only,
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

/** Setup requests for the metered scenarios each carry their own User-Agent, so none of them shares an address meter. */
let setupSeq = 0;

/** A reader's request: optional cookies; returns the body and the mh_device cookie the server set, if any. */
async function readAs(url: string, cookie?: string): Promise<{ body: Buffer; deviceCookie: string | null; cookies: string[] }> {
  const headers: Record<string, string> = { 'user-agent': `masthead-bench-setup/${process.pid}.${++setupSeq}` };
  if (cookie) headers.cookie = cookie;
  const res = await fetch(url, { redirect: 'manual', headers });
  const body = Buffer.from(await res.arrayBuffer());
  if (res.status !== 200) throw new BenchError(`GET ${url} answered ${res.status}, expected 200`, 1);
  if (!(res.headers.get('content-type') ?? '').startsWith('text/html')) throw new BenchError(`GET ${url} is not text/html`, 1);
  const cookies = res.headers.getSetCookie().map((c) => c.split(';')[0]!.trim());
  const deviceCookie = cookies.find((c) => c.startsWith(`${DEVICE_COOKIE}=`)) ?? null;
  return { body, deviceCookie, cookies };
}

const WALL_TEXTS = ['free article limit', 'Register to keep reading'];
const hasWall = (body: Buffer) => WALL_TEXTS.some((t) => body.includes(t)) || body.includes('id="wall-title"');

function check(ok: boolean, what: string): void {
  if (!ok) throw new BenchError(`scenario check failed: ${what}`, 1);
}

/**
 * Latencies in 10 µs buckets up to 2 s (slower ones kept as they are): recording is an increment,
 * so the load generator, which shares the CPUs with the servers, does no allocation per response.
 * A list of every latency grew to millions of numbers over a run and its growth showed up as noise.
 */
class Latencies {
  private readonly buckets = new Uint32Array(200_000);
  private readonly slow: number[] = [];
  private n = 0;
  record(ms: number): void {
    const i = Math.round(ms * 100);
    if (i < this.buckets.length) this.buckets[i]!++;
    else this.slow.push(ms);
    this.n++;
  }
  percentile(p: number): number {
    if (!this.n) return 0;
    const rank = Math.min(this.n, Math.max(1, Math.ceil((p / 100) * this.n)));
    let seen = 0;
    for (let i = 0; i < this.buckets.length; i++) {
      seen += this.buckets[i]!;
      if (seen >= rank) return i / 100;
    }
    return [...this.slow].sort((a, b) => a - b)[rank - seen - 1] ?? 0;
  }
}

/** One stretch of load on one URL. */
interface Slice { ok: number; seconds: number; errors: number; non2xx: number }
const noSlice = (): Slice => ({ ok: 0, seconds: 0, errors: 0, non2xx: 0 });
/** 2xx answers per second: of one slice, or of a sum of them. */
const rate = (x: Slice) => (x.seconds > 0 ? x.ok / x.seconds : 0);
function addSlice(total: Slice, x: Slice): void {
  total.ok += x.ok;
  total.seconds += x.seconds;
  total.errors += x.errors;
  total.non2xx += x.non2xx;
}

/** A measured run's span on the monotonic clock, in µs: the clock V8's CPU profiles use on Linux. */
interface ProfileWindow { startUs: number; endUs: number }
const monoUs = () => Number(process.hrtime.bigint() / 1000n);

/**
 * Load `url` for `seconds`. Latencies of 2xx answers are recorded in `latencies` when given; the rate is 2xx answers over the wall time the run took (client set-up included).
 */
async function slice(url: string, o: Options, seconds: number, extra: Partial<autocannon.Options>, latencies?: Latencies): Promise<Slice> {
  let ok = 0;
  const t0 = monoUs();
  const run = autocannon({ url, connections: o.connections, pipelining: PIPELINING, duration: seconds, ...extra });
  run.on('response', (_client, statusCode, _bytes, ms) => {
    if (statusCode >= 200 && statusCode < 300) {
      ok++;
      latencies?.record(ms);
    }
  });
  const result = await run;
  return { ok, seconds: (monoUs() - t0) / 1e6, errors: result.errors + result.timeouts, non2xx: result.non2xx };
}

interface PairedResult {
  reqPerSec: number; p50Ms: number; p99Ms: number; errors: number; non2xx: number;
  /** 2xx answers of the page, warm-up included. */
  all2xx: number;
  /** Page req/s ÷ bare req/s, per round. */
  roundRatios: number[];
  /** With `sameRequests`: page req/s ÷ the bare server's req/s under the plain request, per round. */
  plainRoundRatios?: number[];
  /** With `sameRequests`: the bare server's req/s under the page's requests, over all rounds. */
  sameRequestsBareRps?: number;
  windows: ProfileWindow[];
}

/** What the bare server did across every round it was measured in. */
interface BareTotals extends Slice { latencies: Latencies }

/**
 * A warm-up on the page, then `rounds` pairs of equal slices: the bare server, then the page.
 * Each pair's ratio compares the two under the same machine conditions: on a shared 2-core
 * machine the bare server's rate alone moved by half between runs a minute apart, so a ratio
 * against one bare run taken minutes earlier measured the machine as much as the page.
 *
 * `sameRequests`: the page's requests cost the load generator more than the plain one (a new
 * User-Agent built for every request), and the generator shares the CPUs with the server. The
 * bare server is then also loaded with those same requests, and that is the reference; the
 * ratio against the plain bare slice (also measured each round) is reported beside it.
 */
async function pairedLoad(url: string, bareUrl: string, o: Options, watch: ChildProcess, bare: BareTotals, extra: Partial<autocannon.Options> = {}, sameRequests = false): Promise<PairedResult> {
  const warm = await slice(url, o, WARMUP_SECONDS, extra);
  const latencies = new Latencies();
  const roundRatios: number[] = [];
  const plainRoundRatios: number[] = [];
  const windows: ProfileWindow[] = [];
  const per = o.duration / o.rounds;
  const page = noSlice();
  const sameTotal = noSlice();
  for (let r = 0; r < o.rounds; r++) {
    const b = await slice(bareUrl, o, per, {}, bare.latencies);
    addSlice(bare, b);
    const same = sameRequests ? await slice(bareUrl, o, per, extra) : b;
    if (sameRequests) addSlice(sameTotal, same);
    const startUs = monoUs();
    const p = await slice(url, o, per, extra, latencies);
    windows.push({ startUs, endUs: monoUs() });
    // The page's deferred work (meter writes, every FLUSH_MS) lands before the next bare slice, not in it.
    await new Promise((r) => setTimeout(r, FLUSH_MS + 250));
    addSlice(page, p);
    roundRatios.push(rate(same) > 0 ? rate(p) / rate(same) : 0);
    plainRoundRatios.push(rate(b) > 0 ? rate(p) / rate(b) : 0);
    if (watch.exitCode !== null || watch.signalCode !== null) throw new BenchError(`the process serving ${url} exited during the run`, 1);
  }
  return {
    reqPerSec: rate(page),
    p50Ms: latencies.percentile(50),
    p99Ms: latencies.percentile(99),
    errors: page.errors,
    non2xx: page.non2xx,
    all2xx: warm.ok + page.ok,
    roundRatios,
    ...(sameRequests ? { plainRoundRatios, sameRequestsBareRps: rate(sameTotal) } : {}),
    windows,
  };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2) : 0;
};

/** Meter rows for an article once the server's batched writes have landed: polled until two counts agree. */
async function settledMeterRows(url: string, slug: string, since: number): Promise<{ device: number; address: number }> {
  await new Promise((r) => setTimeout(r, 1000));
  let last = await countMeterRows(url, slug, since);
  for (let i = 0; i < 30; i++) {
    await new Promise((r) => setTimeout(r, 300));
    const next = await countMeterRows(url, slug, since);
    if (next.device === last.device && next.address === last.address) return next;
    last = next;
  }
  return last;
}

interface MeterCheck { article: string; requests: number; deviceRows: number; addressRows: number }

// ---------------------------------------------------------------------------
// Output

const fmtInt = (n: number) => Math.round(n).toLocaleString('en');
const fmtMs = (n: number) => n.toFixed(2);
const fmtSeconds = (n: number) => `${Number(n.toFixed(2))} s`;

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const right = new Set([2, 3, 4, 5, 6]);
  return rows
    .map((r) => r.map((cell, c) => (right.has(c) ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  ').trimEnd())
    .join('\n');
}

function meterCheckLine(m: MeterCheck): string {
  const pct = m.requests ? ((m.deviceRows / m.requests) * 100).toFixed(1) : '-';
  return `new device: meter rows written: ${fmtInt(m.deviceRows)} for ${fmtInt(m.requests)} requests (${pct}%; device meter, warm-up included),` +
    ` plus ${fmtInt(m.addressRows)} address-meter rows`;
}

function printTable(seeded: SeedResult, o: Options, pages: PageResult[], withBaseline: boolean, meterCheck?: MeterCheck): void {
  const head = ['page', 'path', 'size', 'req/s', 'p50 ms', 'p99 ms', 'ratio vs bare', 'target'];
  if (withBaseline) head.push('p99 vs baseline');
  head.push('errors');
  const rows = [head];
  for (const p of pages) {
    const target = p.target === null ? '-' : `>= ${p.target} (${p.ratio >= p.target ? 'met' : 'below'})`;
    const spread = p.roundRatios && p.roundRatios.length > 1 ? ` (${Math.min(...p.roundRatios).toFixed(2)}-${Math.max(...p.roundRatios).toFixed(2)})` : '';
    const row = [p.page, p.path, `${(p.bytes / 1024).toFixed(1)} KB`, fmtInt(p.reqPerSec), fmtMs(p.p50Ms), fmtMs(p.p99Ms), p.ratio.toFixed(2) + spread, target];
    if (withBaseline) row.push(p.p99VsBaseline === undefined ? '-' : `${p.p99VsBaseline.toFixed(2)}x`);
    row.push(p.errors + p.non2xx ? `${p.errors} err, ${p.non2xx} non-2xx` : '0');
    rows.push(row);
  }
  const out = [
    '',
    `Masthead bench: ${seeded.articles.toLocaleString('en')} articles, ${seeded.dialect} (seeded in ${seeded.seconds.toFixed(1)} s, ${seeded.bodyWords}-word bodies)`,
    `${o.connections} connections, pipelining ${PIPELINING}, ${o.duration} s per page after a ${WARMUP_SECONDS} s warm-up, in ${o.rounds} rounds with bare; node ${process.version}, ${cpus().length} CPUs`,
    '',
    table(rows),
    '',
    ...(meterCheck ? [meterCheckLine(meterCheck), ''] : []),
    ...pages.filter((p) => p.plainRatio !== undefined).flatMap((p) => [
      `${p.page}: its bare slices got the same requests (a User-Agent built for each, which costs the load generator on these shared CPUs):`,
      `  bare served them at ${fmtInt(p.sameRequestsBareRps ?? 0)} req/s. Against the bare server under the plain request instead: ${p.plainRatio!.toFixed(2)} (${Math.min(...p.plainRoundRatios!).toFixed(2)}-${Math.max(...p.plainRoundRatios!).toFixed(2)})` +
        (p.target !== null ? `, target >= ${p.target} ${p.plainRatio! >= p.target ? 'met' : 'below'} on that reference too.` : '.'),
      '',
    ]),
    ...LEGEND,
    '',
    'ratio = the median over rounds of page req/s / bare req/s in the same round (lowest-highest in brackets); bare req/s is over all rounds',
    'of the plain request. For new device the bare slices of the round get the same requests as the page (see above).',
    'Targets: article >= 0.5, home >= 0.4, every metered scenario >= 0.5; with --articles 1000000,',
    'article and home p99 within 2x of the 1,000-article run (compare with --baseline). Benchmarks report; they do not assert.',
    '',
  ];
  process.stdout.write(out.join('\n'));
}

type ProfNode = { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number };
interface CpuProfile { nodes: ProfNode[]; startTime: number; endTime: number; samples?: number[]; timeDeltas?: number[] }

/** Samples per node: all of them, or only those taken inside the windows. */
function hitsIn(prof: CpuProfile, windows?: ProfileWindow[]): Map<number, number> {
  const hits = new Map<number, number>();
  if (!windows || !prof.samples || !prof.timeDeltas) {
    for (const n of prof.nodes) if (n.hitCount) hits.set(n.id, n.hitCount);
    return hits;
  }
  let t = prof.startTime;
  for (let i = 0; i < prof.samples.length; i++) {
    t += prof.timeDeltas[i] ?? 0;
    if (!windows.some((w) => t >= w.startUs && t <= w.endUs)) continue;
    const id = prof.samples[i]!;
    hits.set(id, (hits.get(id) ?? 0) + 1);
  }
  return hits;
}

/**
 * Self time per function and per module from a V8 .cpuprofile, as shares of the
 * busy (non-idle) samples; over the whole run, or one page's measured window.
 */
function summariseProfile(prof: CpuProfile, label: string, windows?: ProfileWindow[]): string {
  const hits = hitsIn(prof, windows);
  const byFn = new Map<string, number>();
  const byModule = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (const n of prof.nodes) {
    const h = hits.get(n.id) ?? 0;
    if (!h) continue;
    total += h;
    const { functionName, url, lineNumber } = n.callFrame;
    if (functionName === '(idle)') {
      idle += h;
      continue;
    }
    const path = url.replace(/^file:\/\//, '');
    const where = path.includes('/node_modules/') ? path.replace(/^.*\/node_modules\//, 'node_modules/') : path.replace(/^.*\/dist\//, 'dist/');
    const fnKey = `${functionName || '(anonymous)'}  ${where ? `${where}:${lineNumber + 1}` : ''}`.trim();
    byFn.set(fnKey, (byFn.get(fnKey) ?? 0) + h);
    const mod = !where ? (functionName.startsWith('(') ? functionName : '(native)')
      : where.startsWith('node_modules/') ? where.split('/').slice(0, where.startsWith('node_modules/@') ? 3 : 2).join('/')
      : where.startsWith('node:') ? 'node core' : where;
    byModule.set(mod, (byModule.get(mod) ?? 0) + h);
  }
  const busy = total - idle;
  if (!busy) return `Server CPU profile, ${label}: no busy samples\n`;
  const top = (m: Map<string, number>, k: number) => [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, k)
    .map(([name, h]) => `  ${((h / busy) * 100).toFixed(1).padStart(5)}%  ${name}`).join('\n');
  return `Server CPU profile, ${label}: self time as a share of busy samples (${fmtInt(busy)} busy, ${((idle / total) * 100).toFixed(0)}% idle)\n` +
    ` by module:\n${top(byModule, 12)}\n by function:\n${top(byFn, 20)}\n`;
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
    if (seeded.meteredSlugs.length < MIN_METERED) throw new BenchError(`the seed has only ${seeded.meteredSlugs.length} metered articles`, 1);
    const subscriber = await addSubscriber(databaseUrl, record);

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

    // Metered scenarios: distinct metered articles where the seed has enough (it hands over up to 7).
    const m = seeded.meteredSlugs;
    const metered = (k: number) => `/articles/${m[k % m.length]!}`;
    const end = seeded.endMarker;
    const mPaths = { newDevice: metered(0), returning: metered(1), wallRead: [metered(2), metered(3), metered(4)], wall: metered(5), subscriber: metered(6) };

    // 1. New device: a cookieless view is counted and gets a device cookie.
    const nd = await readAs(started.base + mPaths.newDevice);
    check(nd.deviceCookie !== null && nd.body.includes(end) && !hasWall(nd.body), `a cookieless read of ${mPaths.newDevice} should be counted (full text and a new ${DEVICE_COOKIE} cookie)`);

    // 2. Returning: read once without a cookie, then the cookie rereads it for free.
    const first = await readAs(started.base + mPaths.returning);
    check(first.deviceCookie !== null, `the first read of ${mPaths.returning} should set ${DEVICE_COOKIE}`);
    const returningCookie = first.deviceCookie!;
    const reread = await readAs(started.base + mPaths.returning, returningCookie);
    check(reread.body.includes(end) && !hasWall(reread.body) && reread.deviceCookie === null, `a reread of ${mPaths.returning} with its device cookie should be the full text, with no new cookie`);

    // 3. At the wall: one device reads three metered articles, then a fourth.
    let wallCookie: string | undefined;
    for (const p of mPaths.wallRead) {
      const r = await readAs(started.base + p, wallCookie);
      check(r.body.includes(end) && !hasWall(r.body), `read ${p} of 3 should be the full text`);
      wallCookie ??= r.deviceCookie ?? undefined;
      check(wallCookie !== undefined, `the first read (${p}) should set ${DEVICE_COOKIE}`);
    }
    const atWall = await readAs(started.base + mPaths.wall, wallCookie);
    check(hasWall(atWall.body) && !atWall.body.includes(end), `a 4th metered article (${mPaths.wall}) should be the preview and the wall (${WALL_TEXTS.map((t) => JSON.stringify(t)).join(' or ')})`);
    // A browser keeps every cookie it is given: at the wall that includes the CSRF secret for the embedded form.
    wallCookie = [wallCookie!, ...atWall.cookies.filter((c) => !c.startsWith(`${DEVICE_COOKIE}=`))].join('; ');

    // 4. Subscriber: a paid member's session reads the full text, with no meter notice.
    let subscriberCookie = `${SESSION_COOKIE}=${subscriber.sessionToken}`;
    const sub = await readAs(started.base + mPaths.subscriber, subscriberCookie);
    // The subscriber's browser keeps the CSRF secret set for the comment form, as a real one would.
    subscriberCookie = [subscriberCookie, ...sub.cookies].join('; ');
    check(sub.body.includes(end) && !hasWall(sub.body) && !sub.body.includes('meter-notice'), `a subscriber's read of ${mPaths.subscriber} should be the full text without a meter notice`);
    log(`bench: metered scenarios checked (${m.length} metered articles; wall: ${WALL_TEXTS.find((t) => atWall.body.includes(t)) ?? 'wall'})`);

    let uaSeq = 0;
    const uaPrefix = `masthead-bench-new-device/${process.pid}.${Date.now().toString(36)}`;
    let meterCheck: MeterCheck | undefined;
    let newDeviceRowsBefore = { device: 0, address: 0 };

    type Target = {
      page: string; path: string; url: string; bytes: number; target: number | null; proc: ChildProcess;
      extra?: Partial<autocannon.Options>;
      /** The bare slices get the same requests (see pairedLoad). */
      sameRequests?: boolean;
      before?: () => Promise<void>;
      after?: (r: PairedResult) => Promise<void>;
    };
    const targets: Target[] = [
      { page: 'bare', path: '(node:http, article bytes)', url: bareStarted.base + '/', bytes: articleBytes.length, target: null, proc: bare },
      { page: 'article', path: paths.article, url: started.base + paths.article, bytes: articleBytes.length, target: 0.5, proc: server },
      { page: 'home', path: paths.home, url: started.base + paths.home, bytes: homeBytes.length, target: 0.4, proc: server },
      { page: 'section', path: paths.section, url: started.base + paths.section, bytes: sectionBytes.length, target: null, proc: server },
      {
        page: 'new device', path: mPaths.newDevice, url: started.base + mPaths.newDevice, bytes: nd.body.length, target: 0.5, proc: server,
        // No cookies, and a User-Agent never sent before: a new device and a fresh address meter on every request.
        sameRequests: true,
        extra: { requests: [{ setupRequest: (req) => ({ ...req, headers: { ...req.headers, 'user-agent': `${uaPrefix}.${++uaSeq}` } }) }] },
        before: async () => {
          newDeviceRowsBefore = await settledMeterRows(databaseUrl, m[0]!, record.startedAt);
        },
        after: async (r) => {
          const rows = await settledMeterRows(databaseUrl, m[0]!, record.startedAt);
          meterCheck = { article: mPaths.newDevice, requests: r.all2xx, deviceRows: rows.device - newDeviceRowsBefore.device, addressRows: rows.address - newDeviceRowsBefore.address };
          log(`bench: ${meterCheckLine(meterCheck)}`);
        },
      },
      { page: 'returning', path: mPaths.returning, url: started.base + mPaths.returning, bytes: reread.body.length, target: 0.5, proc: server, extra: { headers: { cookie: returningCookie } } },
      { page: 'at wall', path: mPaths.wall, url: started.base + mPaths.wall, bytes: atWall.body.length, target: 0.5, proc: server, extra: { headers: { cookie: wallCookie! } } },
      { page: 'subscriber', path: mPaths.subscriber, url: started.base + mPaths.subscriber, bytes: sub.body.length, target: 0.5, proc: server, extra: { headers: { cookie: subscriberCookie } } },
    ];
    const measured: PageResult[] = [];
    const windows = new Map<string, ProfileWindow[]>();
    const bareTotals: BareTotals = { ...noSlice(), latencies: new Latencies() };
    const bareUrl = targets[0]!.url;
    log(`bench: bare ${bareUrl} (${WARMUP_SECONDS} s warm-up; then measured in turn with each page)`);
    await slice(bareUrl, o, WARMUP_SECONDS, {});
    for (const t of targets.slice(1)) {
      if (o.only && !o.only.has(pageKey(t.page))) continue;
      await t.before?.();
      log(`bench: ${t.page} ${t.url} (${WARMUP_SECONDS} s warm-up, then ${o.rounds} x (${fmtSeconds(o.duration / o.rounds)} bare, ${fmtSeconds(o.duration / o.rounds)} page))`);
      const r = await pairedLoad(t.url, bareUrl, o, t.proc, bareTotals, t.extra, t.sameRequests);
      measured.push({
        page: t.page, path: t.path, bytes: t.bytes, target: t.target, reqPerSec: r.reqPerSec, p50Ms: r.p50Ms, p99Ms: r.p99Ms, errors: r.errors, non2xx: r.non2xx,
        ratio: median(r.roundRatios), roundRatios: r.roundRatios,
        ...(r.plainRoundRatios ? { plainRatio: median(r.plainRoundRatios), plainRoundRatios: r.plainRoundRatios, sameRequestsBareRps: r.sameRequestsBareRps } : {}),
      });
      windows.set(t.page, r.windows);
      await t.after?.(r);
    }
    // Only bare asked for: it is measured on its own.
    if (!measured.length) {
      addSlice(bareTotals, await slice(bareUrl, o, o.duration, {}, bareTotals.latencies));
    }
    await stopChild(bare);
    await stopChild(server);

    measured.unshift({
      page: 'bare', path: targets[0]!.path, bytes: targets[0]!.bytes, target: null,
      reqPerSec: rate(bareTotals),
      p50Ms: bareTotals.latencies.percentile(50), p99Ms: bareTotals.latencies.percentile(99), errors: bareTotals.errors, non2xx: bareTotals.non2xx, ratio: 1,
    });
    let baseline: Map<string, number> | undefined;
    if (o.baseline) {
      const prev = JSON.parse(readFileSync(o.baseline, 'utf8')) as { pages?: { page: string; p99Ms: number }[] };
      baseline = new Map((prev.pages ?? []).map((p) => [p.page, p.p99Ms]));
    }
    const pages: PageResult[] = measured.map((m) => {
      const base = baseline?.get(m.page);
      return { ...m, ...(base ? { p99VsBaseline: m.p99Ms / base } : {}) };
    });

    if (o.json) {
      const summary = {
        articles: seeded.articles,
        database: seeded.dialect,
        seedSeconds: Number(seeded.seconds.toFixed(2)),
        bodyWords: seeded.bodyWords,
        connections: o.connections,
        durationSeconds: o.duration,
        rounds: o.rounds,
        warmupSeconds: WARMUP_SECONDS,
        pipelining: PIPELINING,
        node: process.version,
        cpus: cpus().length,
        pages: pages.map((p) => ({ ...p, reqPerSec: Math.round(p.reqPerSec), p50Ms: Number(p.p50Ms.toFixed(3)), p99Ms: Number(p.p99Ms.toFixed(3)), ratio: Number(p.ratio.toFixed(3)), ...(p.sameRequestsBareRps !== undefined ? { sameRequestsBareRps: Math.round(p.sameRequestsBareRps) } : {}), ...(p.roundRatios ? { roundRatios: p.roundRatios.map((r) => Number(r.toFixed(3))) } : {}), ...(p.plainRatio !== undefined ? { plainRatio: Number(p.plainRatio.toFixed(3)), plainRoundRatios: p.plainRoundRatios!.map((r) => Number(r.toFixed(3))) } : {}) })),
        ...(meterCheck ? { meterCheck } : {}),
      };
      process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
    } else {
      printTable(seeded, o, pages, !!baseline, meterCheck);
    }

    if (profDir) {
      const files = readdirSync(profDir).filter((f) => f.endsWith('.cpuprofile'));
      if (files.length) {
        const file = join(profDir, files[0]!);
        const prof = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
        log(`bench: CPU profile ${file}`);
        log(summariseProfile(prof, 'whole run'));
        // Each page below its target, over its measured run only.
        for (const p of pages) {
          const w = windows.get(p.page);
          if (w && p.target !== null && p.ratio < p.target) log(summariseProfile(prof, `${p.page} (ratio ${p.ratio.toFixed(2)}, measured run only)`, w));
        }
      } else log(`bench: no CPU profile was written to ${profDir}`);
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
