/**
 * `npm run bench`: seed a database, start the server in its own process, and
 * load its pages with wrk (the Debian package `wrk`, a C load generator). The
 * same article bytes are also served by a bare node:http server in another
 * process, as the reference. Each page is measured in rounds, each round a slice
 * of the bare server then a slice of the page with the same requests, so both
 * see the same machine and the same load-generator work; the page's ratio is the
 * median of its rounds' ratios. Prints req/s, p50 and p99 latency, the CPU each
 * server used, the bare reference's own req/s and the ratio for each page, and
 * whether each target is met. Benchmarks report; they never assert.
 *
 * Then the metered paywall, on metered articles (see LEGEND): a new device on
 * every request (each view counted and written; the meter rows are counted
 * afterwards), a cookieless client rereading (the address meter), a returning
 * device rereading, a device at the wall, and a subscriber. Each is checked once
 * by a plain request before it is loaded. Last, the free article asked for with
 * Accept-Encoding: gzip, br, against a bare server sending the bytes the server
 * sent, as it encoded them.
 *
 * wrk, the server and the bare server share the machine's CPUs: wrk -t1 -c50 by
 * default, nothing pinned. Without wrk the bench says how to install it; with
 * --load-generator autocannon it runs under autocannon, saying loudly that the
 * ratios are then bounded by the load generator.
 *
 * Flags: --articles N (1000)  --duration S (10)  --rounds R (5)  --connections C (50)  --threads T (1)
 *        --load-generator wrk|autocannon (wrk)
 *        --database-url URL (a temporary SQLite file)  --keep  --json
 *        --baseline FILE (a previous --json output: adds p99 vs that run)
 *        --cpu-prof (profile the server; prints its hottest functions)
 *        --only LIST (some pages, e.g. "new-device,at-wall"; bare always runs)
 *        --instances N (PostgreSQL only: then the article and the metered pages on N instances, see instances.ts)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import { dialectOf } from '../config.js';
import { DEVICE_COOKIE } from '../access/access.service.js';
import { FLUSH_MS } from '../access/meter.js';
import { SESSION_COOKIE } from '../members/sessions.js';
import { AUTOCANNON_WARNING, cpuSeconds, createAutocannon, createWrk, findWrk, rate, WRK_INSTALL, type LoadGenerator, type RequestShape, type SliceResult } from './load.js';
import { instancesTable, loadInstances, type InstancesRow } from './instances.js';
import { withNewsroomFigures } from './newsroom-figures.js';
import { addSubscriber, BenchError, countMeterRows, MIN_METERED, newSeedRecord, seed, unseed, type SeedResult } from './seed.js';

const WARMUP_SECONDS = 2;
/** wrk's --timeout: a response slower than this is an error, not a latency. */
const TIMEOUT_SECONDS = 5;
/** What the compressed scenario asks for. */
const ACCEPT_ENCODING = 'gzip, br';
/** p99 at the large archive against the baseline run (for article and home): at most this many times. */
const P99_LIMIT = 2;
const P99_PAGES = new Set(['article', 'home']);

const HELP = `Usage: npm run bench -- [options]

  --articles N         articles to seed (default 1,000; at least 6)
  --duration S         seconds of load per page, after a ${WARMUP_SECONDS} s warm-up (default 10);
                       the bare server is loaded as long again, in turn with the page
  --rounds R           rounds the duration is split into, each bare then page (default 5);
                       wrk runs whole seconds, so a slice is duration / rounds rounded, at least 1 s
  --connections C      concurrent connections (default 50)
  --threads T          wrk threads (default 1: wrk and both servers share the CPUs)
  --load-generator G   wrk (default) or autocannon (a fallback whose ratios are bounded by itself)
  --database-url URL   an empty database to seed (default: a temporary SQLite file)
  --keep               keep the temporary data dir
  --json               print a JSON summary instead of the table
  --baseline FILE      a previous --json output; adds each page's p99 relative to it
  --cpu-prof           profile the server process and print its hottest functions
  --only LIST          load only these pages (comma-separated, e.g. returning,at-wall);
                       bare always runs, as the reference. With --cpu-prof: one scenario's profile
  --instances N        with a PostgreSQL --database-url: after the run on one instance, load the
                       article and the metered pages on N instances sharing the database (default 1)

Pages: bare (reference), article (free), home, section, then five metered
scenarios on metered articles: new device, cookieless client, returning, at wall,
subscriber; then compressed (the free article with Accept-Encoding: ${ACCEPT_ENCODING}).
The load generator is wrk (${WRK_INSTALL}).
`;

const LEGEND = [
  'bare        node:http answering every request with the free article page\'s bytes (the reference).',
  'article     a free article: no meter, the shared cached page.',
  'home        the front page; section: a section listing (both cached for a second).',
  'metered articles (anonymous: 3 a day by mh_device cookie; cookieless clients also by address + User-Agent, 3 x 3):',
  '  new device   no cookies and a new User-Agent on every request: every view is counted, written to the',
  '               device and address meters (batched, 750 ms) and answered with a new mh_device cookie.',
  '  cookieless   no cookies, one fixed User-Agent, rereading a metered article it has read: the address meter',
  '  client       (address + User-Agent) and the address ceiling find it read, so it is allowed; the view is still',
  '               counted on a new mh_device cookie (the client keeps none), with no new address-meter row.',
  '  returning    an mh_device cookie that has already read this article: a free reread, nothing written.',
  '  at wall      an mh_device cookie that has used its 3 articles, on a 4th: the preview and the wall.',
  '  subscriber   mh_session of a member with status \'paid\': the full text, the meter is not consulted.',
  `compressed  the free article asked for with Accept-Encoding: ${ACCEPT_ENCODING}, against a bare server sending the`,
  '            bytes the server sent, encoded as it encoded them (or the plain bytes if it did not compress).',
];

type GeneratorName = 'wrk' | 'autocannon';

interface Options {
  articles: number;
  duration: number;
  rounds: number;
  connections: number;
  threads: number;
  loadGenerator: GeneratorName;
  databaseUrl?: string;
  keep: boolean;
  json: boolean;
  baseline?: string;
  cpuProf: boolean;
  only?: Set<string>;
  instances: number;
}

const PAGE_NAMES = ['bare', 'article', 'home', 'section', 'new device', 'cookieless client', 'returning', 'at wall', 'subscriber', 'compressed'];
const pageKey = (name: string) => name.trim().toLowerCase().replace(/[\s_]+/g, '-');

interface PageResult {
  page: string;
  path: string;
  bytes: number;
  reqPerSec: number;
  /** Medians over the measured slices of each slice's p50 and p99 (wrk reports percentiles per run). */
  p50Ms: number;
  p99Ms: number;
  /** CPU the serving process used while it was measured, as a share of one core (median over slices); null where unknown. */
  cpu: number | null;
  /** CPU the load generator used during those slices, likewise. */
  genCpu: number | null;
  /** The median of the rounds' ratios (1 for the bare rows). */
  ratio: number;
  /** Page req/s ÷ bare req/s in each round. */
  roundRatios?: number[];
  /** The reference this page is compared with ("bare", or the compressed bytes' bare row) and its req/s and CPU over this page's rounds. */
  reference?: string;
  bareReqPerSec?: number;
  bareCpu?: number | null;
  /** The load generator's CPU during this page's bare slices: near 100% of its threads, it would be what caps the reference. */
  bareGenCpu?: number | null;
  target: number | null;
  targetMet?: boolean;
  /** Transport errors (connect, read, write, timeout) and non-2xx answers, warm-up included. */
  errors: number;
  non2xx: number;
  p99VsBaseline?: number;
  /** For article and home with a baseline: p99 within P99_LIMIT of the baseline's. */
  p99Met?: boolean;
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
      threads: { type: 'string' },
      'load-generator': { type: 'string' },
      'database-url': { type: 'string' },
      keep: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      baseline: { type: 'string' },
      'cpu-prof': { type: 'boolean', default: false },
      only: { type: 'string' },
      instances: { type: 'string' },
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
  const loadGenerator = values['load-generator'] ?? 'wrk';
  if (loadGenerator !== 'wrk' && loadGenerator !== 'autocannon') throw new BenchError(`--load-generator must be wrk or autocannon (got ${JSON.stringify(loadGenerator)})`);
  const connections = int('connections', values.connections, 50, 1);
  const threads = int('threads', values.threads, 1, 1);
  if (threads > connections) throw new BenchError(`--threads (${threads}) cannot exceed --connections (${connections}): each wrk thread needs a connection`);
  const instances = int('instances', values.instances, 1, 1);
  if (instances > 1 && (!databaseUrl || dialectOf(databaseUrl) !== 'postgres')) {
    throw new BenchError('--instances needs a PostgreSQL --database-url: SQLite serves one instance (it has one writer)');
  }
  return {
    instances,
    articles: int('articles', values.articles, 1000, 6),
    duration: int('duration', values.duration, 10, 1),
    rounds: int('rounds', values.rounds, 5, 1),
    connections,
    threads,
    loadGenerator,
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

async function startBare(file: string, encoding?: string): Promise<{ child: ChildProcess; base: string }> {
  const script = fileURLToPath(new URL('./bare-server.js', import.meta.url));
  const child = track(spawn(process.execPath, [script, file, '0', ...(encoding ? [encoding] : [])], { stdio: ['ignore', 'pipe', 'pipe'] }));
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

/** A GET whose body is kept as it came over the wire (fetch would decode a Content-Encoding). */
function rawGet(url: string, headers: Record<string, string>): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'GET', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** The body decoded, for the encodings a server may choose from "gzip, br"; undefined for any other. */
function decode(body: Buffer, encoding: string): Buffer | undefined {
  if (encoding === 'br') return brotliDecompressSync(body);
  if (encoding === 'gzip' || encoding === 'x-gzip') return gunzipSync(body);
  if (encoding === 'deflate') return inflateSync(body);
  return undefined;
}

/** Setup requests for the metered scenarios each carry their own User-Agent, so none of them shares an address meter. */
let setupSeq = 0;

/** A reader's request: optional cookies and User-Agent; returns the body and the mh_device cookie the server set, if any. */
async function readAs(url: string, cookie?: string, userAgent?: string): Promise<{ body: Buffer; deviceCookie: string | null; cookies: string[] }> {
  const headers: Record<string, string> = { 'user-agent': userAgent ?? `masthead-bench-setup/${process.pid}.${++setupSeq}` };
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

// ---------------------------------------------------------------------------
// Load: slices, in rounds paired with the bare server.

/** A slice, with the CPU the process serving it used over the slice, as a share of one core. */
interface Measured extends SliceResult { cpu?: number }

/** A measured run's span on the monotonic clock, in µs: the clock V8's CPU profiles use on Linux. */
interface ProfileWindow { startUs: number; endUs: number }
const monoUs = () => Number(process.hrtime.bigint() / 1000n);

async function measure(gen: LoadGenerator, url: string, shape: RequestShape, seconds: number, proc: ChildProcess): Promise<Measured> {
  const c0 = cpuSeconds(proc.pid);
  const t0 = performance.now();
  const r = await gen.run(url, shape, seconds, track);
  const wall = (performance.now() - t0) / 1000;
  const c1 = cpuSeconds(proc.pid);
  return { ...r, ...(c0 !== undefined && c1 !== undefined && wall > 0 ? { cpu: (c1 - c0) / wall } : {}) };
}

/** A bare server: the reference of one or more pages, and every slice it was measured in. */
interface BareRef { page: string; path: string; url: string; bytes: number; proc: ChildProcess; slices: Measured[] }

interface PairedResult {
  warm: Measured;
  pages: Measured[];
  bares: Measured[];
  /** Page req/s ÷ bare req/s, per round. */
  roundRatios: number[];
  windows: ProfileWindow[];
}

/**
 * A warm-up on the page, then `rounds` pairs of equal slices: the bare server, then the page,
 * both with the page's requests (cookies, headers, a new User-Agent on each), so the load
 * generator does the same work on both sides of the ratio. Each pair's ratio compares the two
 * under the same machine conditions: on a shared 2-core machine the bare server's rate alone
 * moved by half between runs a minute apart, so a ratio against one bare run taken minutes
 * earlier measured the machine as much as the page.
 */
async function pairedLoad(gen: LoadGenerator, url: string, shape: RequestShape, proc: ChildProcess, bare: BareRef, o: Options, sliceSeconds: number): Promise<PairedResult> {
  const warm = await measure(gen, url, shape, WARMUP_SECONDS, proc);
  const pages: Measured[] = [];
  const bares: Measured[] = [];
  const roundRatios: number[] = [];
  const windows: ProfileWindow[] = [];
  for (let r = 0; r < o.rounds; r++) {
    const b = await measure(gen, bare.url, shape, sliceSeconds, bare.proc);
    bares.push(b);
    bare.slices.push(b);
    const startUs = monoUs();
    const p = await measure(gen, url, shape, sliceSeconds, proc);
    windows.push({ startUs, endUs: monoUs() });
    // The page's deferred work (meter writes, every FLUSH_MS) lands before the next bare slice, not in it.
    await new Promise((res) => setTimeout(res, FLUSH_MS + 250));
    pages.push(p);
    roundRatios.push(rate(b) > 0 ? rate(p) / rate(b) : 0);
    for (const c of [proc, bare.proc]) {
      if (c.exitCode !== null || c.signalCode !== null) throw new BenchError(`the process serving ${c === proc ? url : bare.url} exited during the run`, 1);
    }
  }
  return { warm, pages, bares, roundRatios, windows };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2) : 0;
};

/** Slices summed: 2xx answers over seconds, errors; latency and CPU as medians over the slices. */
function summarise(slices: Measured[], extra: Measured[] = []): { reqPerSec: number; p50Ms: number; p99Ms: number; cpu: number | null; genCpu: number | null; errors: number; non2xx: number } {
  const ok = slices.reduce((n, s) => n + s.ok, 0);
  const seconds = slices.reduce((n, s) => n + s.seconds, 0);
  const medianOf = (xs: (number | undefined)[]) => {
    const known = xs.filter((x): x is number => x !== undefined);
    return known.length ? median(known) : null;
  };
  const all = [...slices, ...extra];
  return {
    reqPerSec: rate({ ok, seconds }),
    p50Ms: median(slices.map((s) => s.p50Ms)),
    p99Ms: median(slices.map((s) => s.p99Ms)),
    cpu: medianOf(slices.map((s) => s.cpu)),
    genCpu: medianOf(slices.map((s) => s.generatorCpu)),
    errors: all.reduce((n, s) => n + s.errors, 0),
    non2xx: all.reduce((n, s) => n + s.non2xx, 0),
  };
}

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

interface MeterCheck { page: string; article: string; requests: number; deviceRows: number; addressRows: number }

// ---------------------------------------------------------------------------
// Output

const fmtInt = (n: number) => Math.round(n).toLocaleString('en');
const fmtMs = (n: number) => n.toFixed(2);
const fmtSeconds = (n: number) => `${Number(n.toFixed(2))} s`;
const fmtCpu = (c: number | null | undefined) => (c === null || c === undefined ? '-' : `${Math.round(c * 100)}%`);
const metOrBelow = (ok: boolean) => (ok ? 'met' : 'below');

function table(rows: string[][], right: Set<number>): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows
    .map((r) => r.map((cell, c) => (right.has(c) ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  ').trimEnd())
    .join('\n');
}

function meterCheckLine(m: MeterCheck): string {
  const pct = m.requests ? ((m.deviceRows / m.requests) * 100).toFixed(1) : '-';
  return `${m.page}: meter rows written: ${fmtInt(m.deviceRows)} for ${fmtInt(m.requests)} requests (${pct}%; device meter, warm-up included),` +
    ` plus ${fmtInt(m.addressRows)} address-meter rows`;
}

const errorCount = (p: PageResult) => p.errors + p.non2xx;

function errorCell(p: PageResult): string {
  if (!errorCount(p)) return '0';
  const parts = [p.non2xx ? `${fmtInt(p.non2xx)} non-2xx` : '', p.errors ? `${fmtInt(p.errors)} transport` : ''].filter(Boolean);
  return `${fmtInt(errorCount(p))} (${parts.join(', ')})`;
}

interface Report {
  seeded: SeedResult;
  o: Options;
  gen: LoadGenerator;
  sliceSeconds: number;
  pages: PageResult[];
  baseline?: { file: string; articles?: number; loadGenerator?: string };
  meterChecks: MeterCheck[];
  notes: string[];
}

function printTable(r: Report): void {
  const { seeded, o, gen, pages } = r;
  const withBaseline = !!r.baseline;
  const head = ['page', 'path', 'size', 'req/s', 'p50 ms', 'p99 ms', 'cpu', 'bare req/s', 'bare cpu', `${gen.name} cpu`, 'ratio vs bare (min-max)', 'target'];
  if (withBaseline) head.push('p99 vs baseline');
  head.push('errors');
  const rows = [head];
  for (const p of pages) {
    const isBare = p.roundRatios === undefined;
    const spread = p.roundRatios && p.roundRatios.length > 1 ? ` (${Math.min(...p.roundRatios).toFixed(2)}-${Math.max(...p.roundRatios).toFixed(2)})` : '';
    const target = p.target === null ? '-' : `>= ${p.target} ${metOrBelow(!!p.targetMet)}`;
    const row = [
      p.page, p.path, `${(p.bytes / 1024).toFixed(1)} KB`, fmtInt(p.reqPerSec), fmtMs(p.p50Ms), fmtMs(p.p99Ms), fmtCpu(p.cpu),
      isBare ? '-' : fmtInt(p.bareReqPerSec ?? 0), isBare ? '-' : fmtCpu(p.bareCpu), fmtCpu(isBare ? p.genCpu : p.bareGenCpu), isBare ? '-' : p.ratio.toFixed(2) + spread, target,
    ];
    if (withBaseline) {
      row.push(p.p99VsBaseline === undefined ? '-' : `${p.p99VsBaseline.toFixed(2)}x` + (p.p99Met === undefined ? '' : ` (<= ${P99_LIMIT}x ${metOrBelow(p.p99Met)})`));
    }
    row.push(errorCell(p));
    rows.push(row);
  }
  const right = new Set([2, 3, 4, 5, 6, 7, 8, 9]);
  const withTarget = pages.filter((p) => p.target !== null);
  const met = withTarget.filter((p) => p.targetMet).length;
  const errorRows = pages.filter((p) => errorCount(p) > 0);
  const p99Rows = pages.filter((p) => p.p99Met !== undefined);
  const warning = gen.name === 'autocannon' ? [AUTOCANNON_WARNING, ''] : [];
  const genFull = gen.name === 'wrk' ? `${o.threads * 100}% (its ${o.threads} thread${o.threads === 1 ? '' : 's'})` : '100%';
  const out = [
    '',
    ...warning,
    `Masthead bench: ${seeded.articles.toLocaleString('en')} articles, ${seeded.dialect} (seeded in ${seeded.seconds.toFixed(1)} s, ${seeded.bodyWords}-word bodies)`,
    `load generator: ${gen.description}; ${o.rounds} rounds of (${fmtSeconds(r.sliceSeconds)} bare, ${fmtSeconds(r.sliceSeconds)} page) per page after a ${WARMUP_SECONDS} s warm-up;` +
      ` node ${process.version}, ${cpus().length} CPUs shared by the load generator and both servers, nothing pinned`,
    ...(r.baseline ? [`baseline: ${r.baseline.file} (${r.baseline.articles !== undefined ? `${r.baseline.articles.toLocaleString('en')} articles` : 'articles unknown'}, load generator ${r.baseline.loadGenerator ?? 'not recorded (autocannon, before wrk)'})`] : []),
    '',
    table(rows, right),
    '',
    `targets: ratio ${met} of ${withTarget.length} met` +
      (p99Rows.length ? `; p99 vs baseline ${p99Rows.filter((p) => p.p99Met).length} of ${p99Rows.length} met` : '') +
      `; zero errors ${errorRows.length ? `below (${errorRows.map((p) => p.page).join(', ')})` : 'met'}`,
    '',
    ...r.notes.flatMap((n) => [n, '']),
    ...r.meterChecks.map(meterCheckLine),
    ...(r.meterChecks.length ? [''] : []),
    ...LEGEND,
    '',
    'ratio = the median over rounds of page req/s / bare req/s in the same round (lowest-highest in brackets). In each round the',
    'bare server gets the same requests as the page (same headers, a new User-Agent each for new device), so the load generator',
    'does the same work on both sides. bare req/s is the reference over that page\'s rounds; the bare row is over every round.',
    'cpu: CPU the serving process used during its slices, as a share of one core (median over slices); bare cpu and',
    `${gen.name} cpu: the bare server and the load generator during that row's bare slices. A bare server near 100% is limited`,
    `by itself; ${gen.name} near ${genFull} would be capping the reference; both lower: the machine is busy with something else.`,
    'p50/p99: medians over the slices of each slice\'s percentiles, as the load generator reports them.',
    'errors: transport errors and non-2xx answers, warm-up included.',
    `Targets: article >= 0.6, home and section >= 0.5, every metered scenario >= 0.5, zero errors; with --articles 1000000,`,
    `article and home p99 within ${P99_LIMIT}x of the 1,000-article run (--baseline FILE, a --json output). Benchmarks report; they do not assert.`,
    ...(warning.length ? ['', AUTOCANNON_WARNING] : []),
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

/** A previous --json output: its p99 per page, and what it was run with. Read before the run, so that a bad file fails at once. */
function readBaseline(file: string): { info: NonNullable<Report['baseline']>; p99: Map<string, number> } {
  let prev: { articles?: number; loadGenerator?: { name?: string }; pages?: { page: string; p99Ms: number }[] };
  try {
    // `npm run bench -- --json > FILE` also writes npm's banner above the JSON.
    const text = readFileSync(file, 'utf8');
    const start = text.search(/^\{/m);
    if (start < 0) throw new Error('no JSON object in it');
    prev = JSON.parse(text.slice(start)) as typeof prev;
  } catch (err) {
    throw new BenchError(`--baseline ${file}: ${(err as Error).message} (expected the output of npm run -s bench -- --json)`);
  }
  return {
    info: { file, ...(prev.articles !== undefined ? { articles: prev.articles } : {}), ...(prev.loadGenerator?.name ? { loadGenerator: prev.loadGenerator.name } : {}) },
    p99: new Map((prev.pages ?? []).map((p) => [p.page, p.p99Ms])),
  };
}

async function loadGenerator(o: Options): Promise<LoadGenerator> {
  if (o.loadGenerator === 'autocannon') {
    log(`bench: ${AUTOCANNON_WARNING}`);
    if (o.threads !== 1) log('bench: --threads is for wrk; autocannon runs in this process');
    return createAutocannon({ connections: o.connections, timeoutSeconds: TIMEOUT_SECONDS });
  }
  const wrk = findWrk();
  if (!wrk) {
    throw new BenchError(
      'wrk is not installed, and it is the bench\'s load generator. Install it with:\n\n' +
      `    ${WRK_INSTALL}        (Debian, Ubuntu; as root)\n\n` +
      'then run the bench again. To run anyway with autocannon, whose ratios are bounded by the load generator on\n' +
      'these shared CPUs: npm run bench -- --load-generator autocannon',
    );
  }
  return createWrk({ ...wrk, threads: o.threads, connections: o.connections, timeoutSeconds: TIMEOUT_SECONDS });
}

async function main(argv: string[]): Promise<number> {
  const o = parseOptions(argv);
  if (!o) {
    process.stdout.write(HELP);
    return 0;
  }
  const fromBaseline = o.baseline ? readBaseline(o.baseline) : undefined;
  const baseline = fromBaseline?.info;
  const baselineP99 = fromBaseline?.p99;
  const gen = await loadGenerator(o);
  // wrk runs whole seconds.
  const sliceSeconds = Math.max(1, Math.round(o.duration / o.rounds));
  if (sliceSeconds * o.rounds !== o.duration) log(`bench: slices of ${sliceSeconds} s (whole seconds): ${sliceSeconds * o.rounds} s per page rather than --duration ${o.duration}`);

  const dataDir = mkdtempSync(join(tmpdir(), 'masthead-bench-'));
  const profDir = o.cpuProf ? mkdtempSync(join(tmpdir(), 'masthead-bench-prof-')) : undefined;
  const procs: ChildProcess[] = [];
  let cleaned = false;
  const record = newSeedRecord();
  cleanup = async () => {
    if (cleaned) return;
    cleaned = true;
    await Promise.all(procs.map((c) => stopChild(c)));
    gen.close();
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
  const wanted = (page: string) => !o.only || o.only.has(pageKey(page));

  try {
    const databaseUrl = o.databaseUrl ?? `sqlite:${join(dataDir, 'bench.db')}`;
    log(`bench: load generator ${gen.description}`);
    log(`bench: seeding ${o.articles.toLocaleString('en')} articles into ${dialectOf(databaseUrl)} (${o.databaseUrl ? 'given database' : dataDir})`);
    const seeded = await seed(databaseUrl, o.articles, log, record);
    log(`bench: seeded in ${seeded.seconds.toFixed(1)} s`);
    if (seeded.meteredSlugs.length < MIN_METERED) throw new BenchError(`the seed has only ${seeded.meteredSlugs.length} metered articles`, 1);
    const subscriber = await addSubscriber(databaseUrl, record);

    const started = await startServer({ port: await freePort(), dataDir, databaseUrl, profDir });
    const server = started.child;
    procs.push(server);
    const paths = { article: `/articles/${seeded.articleSlug}`, home: '/', section: `/section/${seeded.sectionSlug}` };
    const articleBytes = await fetchPage(started.base + paths.article, seeded.endMarker);
    const homeBytes = await fetchPage(started.base + paths.home);
    const sectionBytes = await fetchPage(started.base + paths.section);
    const bytesFile = join(dataDir, 'article.html');
    writeFileSync(bytesFile, articleBytes);

    const bareStarted = await startBare(bytesFile);
    procs.push(bareStarted.child);
    const bareCheck = await fetchPage(bareStarted.base + '/');
    if (!bareCheck.equals(articleBytes)) throw new BenchError('the bare server does not serve the article bytes', 1);
    const bare: BareRef = { page: 'bare', path: '(node:http, article bytes)', url: bareStarted.base + '/', bytes: articleBytes.length, proc: bareStarted.child, slices: [] };
    const notes: string[] = [];

    // Metered scenarios: distinct metered articles where the seed has enough (it hands over up to 8).
    const m = seeded.meteredSlugs;
    const metered = (k: number) => `/articles/${m[k % m.length]!}`;
    const end = seeded.endMarker;
    const mPaths = { newDevice: metered(0), returning: metered(1), wallRead: [metered(2), metered(3), metered(4)], wall: metered(5), subscriber: metered(6), cookieless: metered(7) };

    // 1. New device: a cookieless view is counted and gets a device cookie.
    const nd = await readAs(started.base + mPaths.newDevice);
    check(nd.deviceCookie !== null && nd.body.includes(end) && !hasWall(nd.body), `a cookieless read of ${mPaths.newDevice} should be counted (full text and a new ${DEVICE_COOKIE} cookie)`);

    // 2. Cookieless client: one User-Agent, no cookies kept; read once, then reread: the address meter has it.
    const cookielessUa = `masthead-bench-cookieless/${process.pid}.${Date.now().toString(36)}`;
    const cl1 = await readAs(started.base + mPaths.cookieless, undefined, cookielessUa);
    check(cl1.body.includes(end) && !hasWall(cl1.body), `a cookieless client's first read of ${mPaths.cookieless} should be the full text`);
    const cl2 = await readAs(started.base + mPaths.cookieless, undefined, cookielessUa);
    check(cl2.body.includes(end) && !hasWall(cl2.body), `a cookieless client's reread of ${mPaths.cookieless} (same User-Agent, no cookies) should be the full text`);

    // 3. Returning: read once without a cookie, then the cookie rereads it for free.
    const first = await readAs(started.base + mPaths.returning);
    check(first.deviceCookie !== null, `the first read of ${mPaths.returning} should set ${DEVICE_COOKIE}`);
    const returningCookie = first.deviceCookie!;
    const reread = await readAs(started.base + mPaths.returning, returningCookie);
    check(reread.body.includes(end) && !hasWall(reread.body) && reread.deviceCookie === null, `a reread of ${mPaths.returning} with its device cookie should be the full text, with no new cookie`);

    // 4. At the wall: one device reads three metered articles, then a fourth.
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

    // 5. Subscriber: a paid member's session reads the full text, with no meter notice.
    let subscriberCookie = `${SESSION_COOKIE}=${subscriber.sessionToken}`;
    const sub = await readAs(started.base + mPaths.subscriber, subscriberCookie);
    // The subscriber's browser keeps the CSRF secret set for the comment form, as a real one would.
    subscriberCookie = [subscriberCookie, ...sub.cookies].join('; ');
    check(sub.body.includes(end) && !hasWall(sub.body) && !sub.body.includes('meter-notice'), `a subscriber's read of ${mPaths.subscriber} should be the full text without a meter notice`);
    log(`bench: metered scenarios checked (${m.length} metered articles; wall: ${WALL_TEXTS.find((t) => atWall.body.includes(t)) ?? 'wall'})`);

    // 6. Compressed: what the server sends for Accept-Encoding: gzip, br decides the reference.
    let compressedRef = bare;
    let compressedBytes = articleBytes.length;
    let compressedEncoding: string | null = null;
    if (wanted('compressed')) {
      const c = await rawGet(started.base + paths.article, { 'accept-encoding': ACCEPT_ENCODING });
      if (c.status !== 200) throw new BenchError(`GET ${paths.article} with Accept-Encoding: ${ACCEPT_ENCODING} answered ${c.status}, expected 200`, 1);
      const enc = String(c.headers['content-encoding'] ?? '').trim().toLowerCase();
      if (enc && enc !== 'identity') {
        const plain = decode(c.body, enc);
        check(plain === undefined || plain.includes(end), `the ${enc} answer for ${paths.article} should decode to the full article`);
        const file = join(dataDir, `article.html.${enc.replace(/[^a-z0-9-]/g, '_')}`);
        writeFileSync(file, c.body);
        const b = await startBare(file, enc);
        procs.push(b.child);
        const bc = await rawGet(b.base + '/', { 'accept-encoding': ACCEPT_ENCODING });
        if (!bc.body.equals(c.body) || bc.headers['content-encoding'] !== enc) throw new BenchError(`the bare server does not serve the ${enc} article bytes`, 1);
        compressedRef = { page: `bare, ${enc}`, path: `(node:http, the server's ${enc} bytes)`, url: b.base + '/', bytes: c.body.length, proc: b.child, slices: [] };
        compressedBytes = c.body.length;
        compressedEncoding = enc;
        notes.push(`compressed: the server answered Accept-Encoding: ${ACCEPT_ENCODING} with Content-Encoding: ${enc} (${(c.body.length / 1024).toFixed(1)} KB for ${(articleBytes.length / 1024).toFixed(1)} KB);` +
          ` the reference is a bare server sending those ${enc} bytes, encoded beforehand ("${compressedRef.page}").`);
      } else {
        check(c.body.includes(end), `the answer for ${paths.article} with Accept-Encoding: ${ACCEPT_ENCODING} should be the full article`);
        notes.push(`compressed: the server does not compress yet (no Content-Encoding in its answer to Accept-Encoding: ${ACCEPT_ENCODING});` +
          ' compressed is measured against the uncompressed bare bytes.');
      }
      log(`bench: ${notes.at(-1)!}`);
    }

    const uaPrefix = `masthead-bench-new-device/${process.pid}.${Date.now().toString(36)}`;
    const meterChecks: MeterCheck[] = [];
    /** Meter rows of an article before and after a scenario's load: the writes it caused. */
    const meterRowsCheck = (page: string, slug: string, path: string) => {
      let before = { device: 0, address: 0 };
      return {
        before: async () => {
          before = await settledMeterRows(databaseUrl, slug, record.startedAt);
        },
        after: async (r: PairedResult) => {
          const rows = await settledMeterRows(databaseUrl, slug, record.startedAt);
          const requests = [r.warm, ...r.pages].reduce((n, s) => n + s.ok, 0);
          const mc = { page, article: path, requests, deviceRows: rows.device - before.device, addressRows: rows.address - before.address };
          meterChecks.push(mc);
          log(`bench: ${meterCheckLine(mc)}`);
        },
      };
    };

    interface Scenario {
      page: string; path: string; url: string; bytes: number; target: number | null;
      shape: RequestShape;
      bare: BareRef;
      before?: () => Promise<void>;
      after?: (r: PairedResult) => Promise<void>;
    }
    const scenarios: Scenario[] = [
      { page: 'article', path: paths.article, url: started.base + paths.article, bytes: articleBytes.length, target: 0.6, shape: {}, bare },
      { page: 'home', path: paths.home, url: started.base + paths.home, bytes: homeBytes.length, target: 0.5, shape: {}, bare },
      { page: 'section', path: paths.section, url: started.base + paths.section, bytes: sectionBytes.length, target: 0.5, shape: {}, bare },
      {
        // No cookies, and a User-Agent never sent before: a new device and a fresh address meter on every request.
        page: 'new device', path: mPaths.newDevice, url: started.base + mPaths.newDevice, bytes: nd.body.length, target: 0.5, bare,
        shape: { newUserAgent: uaPrefix },
        ...meterRowsCheck('new device', m[0]!, mPaths.newDevice),
      },
      {
        // No cookies, one User-Agent: the address meter (address + User-Agent) has read this article.
        page: 'cookieless client', path: mPaths.cookieless, url: started.base + mPaths.cookieless, bytes: cl2.body.length, target: 0.5, bare,
        shape: { headers: { 'User-Agent': cookielessUa } },
        ...meterRowsCheck('cookieless client', m[7 % m.length]!, mPaths.cookieless),
      },
      { page: 'returning', path: mPaths.returning, url: started.base + mPaths.returning, bytes: reread.body.length, target: 0.5, bare, shape: { headers: { Cookie: returningCookie } } },
      { page: 'at wall', path: mPaths.wall, url: started.base + mPaths.wall, bytes: atWall.body.length, target: 0.5, bare, shape: { headers: { Cookie: wallCookie } } },
      { page: 'subscriber', path: mPaths.subscriber, url: started.base + mPaths.subscriber, bytes: sub.body.length, target: 0.5, bare, shape: { headers: { Cookie: subscriberCookie } } },
      {
        page: 'compressed', path: `${paths.article} (${compressedEncoding ?? 'not compressed'})`, url: started.base + paths.article, bytes: compressedBytes, target: null,
        bare: compressedRef, shape: { headers: { 'Accept-Encoding': ACCEPT_ENCODING } },
      },
    ];

    const measured: PageResult[] = [];
    const windows = new Map<string, ProfileWindow[]>();
    const warmedBare = new Set<BareRef>();
    const warmBare = async (b: BareRef) => {
      if (warmedBare.has(b)) return;
      warmedBare.add(b);
      log(`bench: ${b.page} ${b.url} (${WARMUP_SECONDS} s warm-up; then measured in turn with each page)`);
      const w = await measure(gen, b.url, {}, WARMUP_SECONDS, b.proc);
      if (w.errors + w.non2xx) log(`bench: ${b.page} warm-up: ${w.errors} transport errors, ${w.non2xx} non-2xx`);
    };
    await warmBare(bare);
    for (const s of scenarios) {
      if (!wanted(s.page)) continue;
      await warmBare(s.bare);
      await s.before?.();
      log(`bench: ${s.page} ${s.url} (${WARMUP_SECONDS} s warm-up, then ${o.rounds} x (${fmtSeconds(sliceSeconds)} ${s.bare.page}, ${fmtSeconds(sliceSeconds)} page))`);
      const r = await pairedLoad(gen, s.url, s.shape, server, s.bare, o, sliceSeconds);
      const page = summarise(r.pages, [r.warm]);
      const ref = summarise(r.bares);
      const ratio = median(r.roundRatios);
      measured.push({
        page: s.page, path: s.path, bytes: s.bytes, ...page, ratio, roundRatios: r.roundRatios,
        reference: s.bare.page, bareReqPerSec: ref.reqPerSec, bareCpu: ref.cpu, bareGenCpu: ref.genCpu,
        target: s.target, ...(s.target !== null ? { targetMet: ratio >= s.target } : {}),
      });
      windows.set(s.page, r.windows);
      await s.after?.(r);
    }
    // Only bare asked for: it is measured on its own.
    if (!measured.length) {
      for (let i = 0; i < o.rounds; i++) bare.slices.push(await measure(gen, bare.url, {}, sliceSeconds, bare.proc));
    }

    let instanceRows: InstancesRow[] = [];
    if (o.instances > 1) {
      const more = await Promise.all(Array.from({ length: o.instances - 1 }, async () => startServer({ port: await freePort(), dataDir: mkdtempSync(join(dataDir, 'instance-')), databaseUrl })));
      const moreBare = await Promise.all(Array.from({ length: o.instances - 1 }, () => startBare(bytesFile)));
      procs.push(...more.map((x) => x.child), ...moreBare.map((x) => x.child));
      const spreadGen = await loadGenerator({ ...o, connections: Math.max(1, Math.ceil(o.connections / o.instances)), threads: 1 });
      try {
        const spreadPages = new Set(['article', 'new device', 'cookieless client', 'returning', 'at wall', 'subscriber']);
        instanceRows = await loadInstances({
          gen: spreadGen,
          servers: { urls: [started.base, ...more.map((x) => x.base)], procs: [server, ...more.map((x) => x.child)] },
          bares: { urls: [bare.url.replace(/\/$/, ''), ...moreBare.map((x) => x.base)], procs: [bare.proc, ...moreBare.map((x) => x.child)] },
          scenarios: scenarios.filter((s) => spreadPages.has(s.page) && wanted(s.page)).map((s) => {
            const one = measured.find((p) => p.page === s.page)!;
            return { page: s.page, path: s.path, shape: s.shape, one: { reqPerSec: one.reqPerSec, ratio: one.ratio } };
          }),
          rounds: o.rounds, sliceSeconds, warmupSeconds: WARMUP_SECONDS, settleMs: FLUSH_MS + 250, track, log,
        });
      } finally {
        spreadGen.close();
      }
    }
    await Promise.all(procs.map((c) => stopChild(c)));

    const bareRows: PageResult[] = [bare, ...(compressedRef !== bare && compressedRef.slices.length ? [compressedRef] : [])].map((b) => ({
      page: b.page, path: b.path, bytes: b.bytes, ...summarise(b.slices), ratio: 1, target: null,
    }));
    measured.unshift(...bareRows);

    if (baseline && baseline.loadGenerator !== gen.name) {
      notes.push(`p99 vs baseline: the baseline was measured with ${baseline.loadGenerator ?? 'autocannon (it records no load generator)'}, this run with ${gen.name}: latencies under different load generators are not comparable.`);
    }
    const pages: PageResult[] = measured.map((p) => {
      const base = baselineP99?.get(p.page);
      if (!base) return p;
      const x = p.p99Ms / base;
      return { ...p, p99VsBaseline: x, ...(P99_PAGES.has(p.page) ? { p99Met: x <= P99_LIMIT } : {}) };
    });

    const report: Report = { seeded, o, gen, sliceSeconds, pages, baseline, meterChecks, notes };
    if (o.json) {
      const n3 = (x: number) => Number(x.toFixed(3));
      const summary = {
        articles: seeded.articles,
        database: seeded.dialect,
        seedSeconds: Number(seeded.seconds.toFixed(2)),
        bodyWords: seeded.bodyWords,
        loadGenerator: { name: gen.name, description: gen.description, ...(gen.name === 'autocannon' ? { warning: AUTOCANNON_WARNING } : {}) },
        connections: o.connections,
        threads: gen.name === 'wrk' ? o.threads : null,
        durationSeconds: sliceSeconds * o.rounds,
        rounds: o.rounds,
        sliceSeconds,
        warmupSeconds: WARMUP_SECONDS,
        node: process.version,
        cpus: cpus().length,
        compressed: { acceptEncoding: ACCEPT_ENCODING, contentEncoding: compressedEncoding },
        pages: pages.map((p) => ({
          ...p, reqPerSec: Math.round(p.reqPerSec), p50Ms: n3(p.p50Ms), p99Ms: n3(p.p99Ms), ratio: n3(p.ratio),
          cpu: p.cpu === null ? null : n3(p.cpu),
          genCpu: p.genCpu === null ? null : n3(p.genCpu),
          ...(p.bareGenCpu !== undefined ? { bareGenCpu: p.bareGenCpu === null ? null : n3(p.bareGenCpu) } : {}),
          ...(p.bareReqPerSec !== undefined ? { bareReqPerSec: Math.round(p.bareReqPerSec) } : {}),
          ...(p.bareCpu !== undefined ? { bareCpu: p.bareCpu === null ? null : n3(p.bareCpu) } : {}),
          ...(p.roundRatios ? { roundRatios: p.roundRatios.map(n3) } : {}),
          ...(p.p99VsBaseline !== undefined ? { p99VsBaseline: n3(p.p99VsBaseline) } : {}),
        })),
        targets: {
          ratioMet: pages.filter((p) => p.targetMet).length,
          ratioTotal: pages.filter((p) => p.target !== null).length,
          zeroErrors: pages.every((p) => errorCount(p) === 0),
          ...(pages.some((p) => p.p99Met !== undefined) ? { p99Met: pages.filter((p) => p.p99Met).length, p99Total: pages.filter((p) => p.p99Met !== undefined).length } : {}),
        },
        meterChecks,
        ...(instanceRows.length ? { instances: { count: o.instances, pages: instanceRows } } : {}),
        // The new device's check under its earlier name.
        ...(meterChecks.find((c) => c.page === 'new device') ? { meterCheck: meterChecks.find((c) => c.page === 'new device') } : {}),
        notes,
      };
      process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
    } else {
      printTable(report);
      if (instanceRows.length) process.stdout.write(instancesTable(instanceRows, o.instances, fmtInt));
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
          if (w && p.target !== null && !p.targetMet) log(summariseProfile(prof, `${p.page} (ratio ${p.ratio.toFixed(2)}, measured run only)`, w));
        }
      } else log(`bench: no CPU profile was written to ${profDir}`);
    }
    return 0;
  } finally {
    await cleanup();
  }
}

// Then the newsroom's figures (member list, member import, dashboard): newsroom-figures.ts.
withNewsroomFigures(process.argv.slice(2), main).then(
  (code) => process.exit(code),
  (err) => {
    const e = err as Error & { code?: string };
    const known = e instanceof BenchError || !!e.code?.startsWith('ERR_PARSE_ARGS');
    log(`bench: ${known ? e.message : e.stack ?? e.message}`);
    process.exit(e instanceof BenchError ? e.exitCode : known ? 2 : 1);
  },
);
