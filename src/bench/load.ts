/**
 * The bench's load generators. wrk (a C program, Debian package `wrk`) is the
 * default: on these two shared cores autocannon, one Node process, caps the
 * bare node:http reference near 7,500 req/s where wrk -t1 -c50 sees it serve
 * 31,000-40,000, so ratios near 1.0 under autocannon measure the load
 * generator. autocannon stays as a fallback only, announced loudly.
 *
 * A slice is one run of the load generator on one URL with one request shape.
 * Per-request variation (a new User-Agent on every request) is done in wrk by a
 * Lua script the bench writes to a temporary file; its done() hook prints one
 * line of JSON that is parsed here, rather than wrk's text report.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type Autocannon from 'autocannon';
import { BenchError } from './seed.js';

/** What every request of a slice looks like. */
export interface RequestShape {
  /** Sent as they are with every request (cookies, Accept-Encoding, a fixed User-Agent). */
  headers?: Record<string, string>;
  /**
   * A User-Agent never sent before on every request: this prefix, then a number unique to the
   * slice, the wrk thread and the request. Replaces any User-Agent in `headers`.
   */
  newUserAgent?: string;
}

/** One slice's outcome. */
export interface SliceResult {
  /** Every complete response, and those with a 2xx status. */
  requests: number;
  ok: number;
  /** Responses whose status was not 2xx (redirects and 4xx/5xx alike). */
  non2xx: number;
  /** Transport errors: connect, read, write and timeouts. */
  errors: number;
  /** The run's length as the load generator timed it. */
  seconds: number;
  /** Latency of the slice's responses, as the load generator measured them. */
  p50Ms: number;
  p99Ms: number;
  /** CPU the load generator itself used over the slice, as a share of one core; undefined where it cannot be read. */
  generatorCpu?: number;
}

export interface LoadGenerator {
  name: 'wrk' | 'autocannon';
  /** For the report: "wrk 4.1.0, 1 thread, 50 connections". */
  description: string;
  run(url: string, shape: RequestShape, seconds: number, track: (child: ChildProcess) => ChildProcess): Promise<SliceResult>;
  close(): void;
}

/** 2xx answers per second of one slice, or of a sum of slices. */
export const rate = (x: { ok: number; seconds: number }) => (x.seconds > 0 ? x.ok / x.seconds : 0);

// ---------------------------------------------------------------------------
// CPU time, from /proc (Linux): the bench reports what each process used, so a reader can see which one was the limit.

const CLOCK_TICKS = (() => {
  const r = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  const n = Number(r.stdout?.trim());
  return Number.isInteger(n) && n > 0 ? n : 100;
})();

/** Fields of /proc/<pid>/stat from the state on (field 3 is index 0); the command name before them may hold spaces. */
function statFields(pid: number | 'self'): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** A running process's CPU time (user + system, fields 14 and 15), in seconds. */
export function cpuSeconds(pid: number | undefined): number | undefined {
  const f = pid === undefined ? undefined : statFields(pid);
  return f ? (Number(f[11]) + Number(f[12])) / CLOCK_TICKS : undefined;
}

/** CPU time of this process's children that have exited and been waited for (fields 16 and 17): each wrk run, once it has closed. */
function exitedChildrenCpuSeconds(): number | undefined {
  const f = statFields('self');
  return f ? (Number(f[13]) + Number(f[14])) / CLOCK_TICKS : undefined;
}

// ---------------------------------------------------------------------------
// wrk

export const WRK_INSTALL = 'apt-get install -y wrk';

/** wrk's version line ("wrk debian/4.1.0-3+b2 [epoll] ..."), or null when there is no such program. */
export function findWrk(command = 'wrk'): { command: string; version: string } | null {
  const r = spawnSync(command, ['-v'], { encoding: 'utf8' });
  if (r.error) return null;
  const line = `${r.stdout ?? ''}${r.stderr ?? ''}`.split('\n').find((l) => /^wrk /.test(l));
  if (!line) return null;
  const m = /^wrk\s+(\S+)/.exec(line);
  return { command, version: m ? m[1]! : 'unknown' };
}

/** A Lua string literal: printable ASCII as it is, anything else as a decimal escape. */
function luaString(s: string): string {
  let out = '"';
  for (const byte of Buffer.from(s, 'utf8')) {
    const ch = String.fromCharCode(byte);
    if (ch === '"' || ch === '\\') out += '\\' + ch;
    else if (byte >= 0x20 && byte < 0x7f) out += ch;
    else out += '\\' + String(byte).padStart(3, '0');
  }
  return out + '"';
}

const MARK = 'MASTHEAD_WRK_JSON ';

/**
 * The Lua script for one request shape. Every slice, bare and page alike, runs with one: the
 * response() hook that counts non-2xx statuses makes wrk collect each response's headers and
 * body (about 2 µs a response measured here, on both sides of every ratio). wrk itself counts
 * only statuses above 399 as errors, and a redirect is no more a page than a 500 is.
 */
export function wrkScript(shape: RequestShape): string {
  const lines = [
    '-- Written by npm run bench (src/bench/load.ts) for one request shape; removed when the bench ends.',
    'wrk.method = "GET"',
  ];
  for (const [name, value] of Object.entries(shape.headers ?? {})) {
    if (shape.newUserAgent !== undefined && name.toLowerCase() === 'user-agent') continue;
    lines.push(`wrk.headers[${luaString(name)}] = ${luaString(value)}`);
  }
  lines.push(
    '',
    '-- setup() runs in the main Lua state, once per thread; done() reads the threads\' counters.',
    'local threads = {}',
    'function setup(thread)',
    '  threads[#threads + 1] = thread',
    '  thread:set("thread_no", #threads)',
    'end',
    '',
    '-- Each thread\'s own Lua state: globals, so that thread:get() can read them.',
    'non2xx = 0',
    'function response(status, headers, body)',
    '  if status < 200 or status > 299 then non2xx = non2xx + 1 end',
    'end',
  );
  if (shape.newUserAgent !== undefined) {
    lines.push(
      '',
      '-- A User-Agent never sent before on every request: the slice\'s prefix (the last argument), the thread, a counter.',
      'local ua, n = "", 0',
      'function init(args)',
      `  ua = (args[#args] or ${luaString(shape.newUserAgent)}) .. "." .. tostring(thread_no) .. "."`,
      'end',
      'function request()',
      '  n = n + 1',
      '  wrk.headers["User-Agent"] = ua .. n',
      '  return wrk.format()',
      'end',
    );
  }
  lines.push(
    '',
    'function done(summary, latency, requests)',
    '  local bad = 0',
    '  for _, t in ipairs(threads) do bad = bad + (t:get("non2xx") or 0) end',
    '  local e = summary.errors',
    '  io.write(string.format("\\n' + MARK + '{\\"durationUs\\":%.0f,\\"requests\\":%.0f,\\"bytes\\":%.0f,\\"non2xx\\":%.0f,' +
      '\\"connect\\":%.0f,\\"read\\":%.0f,\\"write\\":%.0f,\\"status\\":%.0f,\\"timeout\\":%.0f,\\"p50Us\\":%.0f,\\"p99Us\\":%.0f,\\"maxUs\\":%.0f}\\n",',
    '    summary.duration, summary.requests, summary.bytes, bad, e.connect, e.read, e.write, e.status, e.timeout,',
    '    latency:percentile(50), latency:percentile(99), latency.max))',
    'end',
    '',
  );
  return lines.join('\n');
}

interface WrkJson {
  durationUs: number; requests: number; bytes: number; non2xx: number;
  connect: number; read: number; write: number; status: number; timeout: number;
  p50Us: number; p99Us: number; maxUs: number;
}

export function createWrk(o: { command: string; version: string; threads: number; connections: number; timeoutSeconds: number }): LoadGenerator {
  const dir = mkdtempSync(join(tmpdir(), 'masthead-bench-wrk-'));
  const scripts = new Map<string, string>();
  let sliceNo = 0;
  const scriptFor = (shape: RequestShape) => {
    const key = JSON.stringify([shape.headers ?? {}, shape.newUserAgent ?? null]);
    let file = scripts.get(key);
    if (!file) {
      file = join(dir, `shape-${scripts.size + 1}.lua`);
      writeFileSync(file, wrkScript(shape));
      scripts.set(key, file);
    }
    return file;
  };
  return {
    name: 'wrk',
    description: `wrk ${o.version}, ${o.threads} thread${o.threads === 1 ? '' : 's'}, ${o.connections} connections`,
    async run(url, shape, seconds, track) {
      if (!Number.isInteger(seconds) || seconds < 1) throw new BenchError(`wrk runs whole seconds (asked for ${seconds})`, 1);
      const args = ['-t', String(o.threads), '-c', String(o.connections), '-d', `${seconds}s`, '--timeout', `${o.timeoutSeconds}s`, '-s', scriptFor(shape), url];
      if (shape.newUserAgent !== undefined) args.push('--', `${shape.newUserAgent}.${++sliceNo}`);
      const cpu0 = exitedChildrenCpuSeconds();
      const t0 = performance.now();
      const child = track(spawn(o.command, args, { stdio: ['ignore', 'pipe', 'pipe'] }));
      const out: string[] = [];
      const err: string[] = [];
      createInterface({ input: child.stdout! }).on('line', (l) => out.push(l));
      createInterface({ input: child.stderr! }).on('line', (l) => err.push(l));
      const code = await new Promise<number | null>((resolve, reject) => {
        child.once('error', reject);
        child.once('close', (c) => resolve(c));
      });
      const wall = (performance.now() - t0) / 1000;
      const cpu1 = exitedChildrenCpuSeconds();
      const line = out.find((l) => l.startsWith(MARK));
      if (code !== 0 || !line) {
        throw new BenchError(`wrk ${args.join(' ')} failed (exit ${code}): ${[...err, ...out].slice(-5).join(' | ') || 'no output'}`, 1);
      }
      const j = JSON.parse(line.slice(MARK.length)) as WrkJson;
      return {
        requests: j.requests,
        ok: j.requests - j.non2xx,
        non2xx: j.non2xx,
        // wrk's status errors (above 399) are among the non-2xx counted by the script.
        errors: j.connect + j.read + j.write + j.timeout,
        seconds: j.durationUs / 1e6,
        p50Ms: j.p50Us / 1000,
        p99Ms: j.p99Us / 1000,
        ...(cpu0 !== undefined && cpu1 !== undefined && wall > 0 ? { generatorCpu: (cpu1 - cpu0) / wall } : {}),
      };
    },
    close() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// ---------------------------------------------------------------------------
// autocannon: the fallback, loaded only when asked for.

export const AUTOCANNON_WARNING =
  'WARNING: load generator autocannon, one Node process on the CPUs the servers use: it caps the bare server ' +
  '(when this was measured: about 7,500 req/s, where wrk -t1 -c50 on the same machine saw 31,000-40,000), so every ' +
  `ratio is bounded by the load generator, not the server. Install wrk (${WRK_INSTALL}) for numbers that measure the server.`;

/**
 * Latencies in 10 µs buckets up to 2 s (slower ones kept as they are): recording is an increment,
 * so autocannon, which shares the CPUs with the servers, does no allocation per response.
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

export async function createAutocannon(o: { connections: number; timeoutSeconds: number }): Promise<LoadGenerator> {
  const { default: autocannon } = await import('autocannon');
  let sliceNo = 0;
  return {
    name: 'autocannon',
    description: `autocannon (in the bench's own Node process), ${o.connections} connections`,
    async run(url, shape, seconds) {
      const latencies = new Latencies();
      let ok = 0;
      const t0 = performance.now();
      const cpu0 = process.cpuUsage();
      const headers = { ...(shape.headers ?? {}) };
      const opts: Autocannon.Options = { url, connections: o.connections, pipelining: 1, duration: seconds, timeout: o.timeoutSeconds, headers };
      if (shape.newUserAgent !== undefined) {
        const prefix = `${shape.newUserAgent}.${++sliceNo}.`;
        let n = 0;
        opts.requests = [{ setupRequest: (req) => ({ ...req, headers: { ...req.headers, 'user-agent': prefix + ++n } }) }];
      }
      const run = autocannon(opts);
      run.on('response', (_client, statusCode, _bytes, ms) => {
        if (statusCode >= 200 && statusCode < 300) {
          ok++;
          latencies.record(ms);
        }
      });
      const result = await run;
      const wall = (performance.now() - t0) / 1000;
      const cpu = process.cpuUsage(cpu0);
      return {
        requests: ok + result.non2xx,
        ok,
        non2xx: result.non2xx,
        errors: result.errors + result.timeouts,
        seconds: wall,
        p50Ms: latencies.percentile(50),
        p99Ms: latencies.percentile(99),
        // This whole process: autocannon is most of what it does during a slice.
        generatorCpu: (cpu.user + cpu.system) / 1e6 / wall,
      };
    },
    close() {},
  };
}
