import { spawn, spawnSync, type ChildProcessByStdio } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { createServer, request, Agent, type IncomingMessage, type Server as HttpServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe, inject } from 'vitest';
import { cliEnv } from './cli.js';
import { freePort } from './browser.js';
import { withDatabase } from './global-setup.js';

/**
 * The cluster tier (test/cluster): real `masthead start` processes, built as a deployment runs
 * them (`node bin/masthead.js start` over dist/), on one fresh PostgreSQL database, behind a
 * small round-robin proxy. PostgreSQL only: without TEST_DATABASE_URL the global setup prints
 * the one loud line and these suites are skipped; REQUIRE_POSTGRES=1 makes that an error there.
 */

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

export function clusterSuite(name: string, fn: () => void): void {
  (inject('pgTemplate') ? describe : describe.skip)(name, fn);
}

/**
 * `npm run build` (tsc over src into dist), once at a time: two files building into one dist at
 * once would start servers from half-written files. tsc is incremental, so an unchanged tree
 * takes a couple of seconds.
 */
export function buildOnce(): void {
  const lock = join(tmpdir(), `masthead-build-${Buffer.from(ROOT).toString('base64url').slice(-40)}.lock`);
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // A lock older than two minutes belongs to a build that was killed.
      try {
        if (Date.now() - statSync(lock).mtimeMs > 120_000) rmdirSync(lock);
      } catch {
        // gone already
      }
      if (Date.now() > deadline) throw new Error(`could not take the build lock ${lock}`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
  try {
    const r = spawnSync('npm', ['run', '-s', 'build'], { cwd: ROOT, encoding: 'utf8', env: cliEnv() });
    if (r.status !== 0) throw new Error(`npm run build failed:\n${r.stdout}\n${r.stderr}`);
  } finally {
    rmdirSync(lock);
  }
}

/** An empty PostgreSQL database (not cloned from the migrated template: the instances migrate it), named like the run's others. */
export async function emptyPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const adminUrl = inject('pgAdminUrl')!;
  const run = /_(\d+)$/.exec(inject('pgTemplate')!)?.[1] ?? '0';
  const name = `masthead_t_${run}_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  return {
    url: withDatabase(adminUrl, name),
    drop: async () => {
      const a = new pg.Client({ connectionString: adminUrl });
      await a.connect();
      await a.query(`drop database if exists ${name} with (force)`);
      await a.end();
    },
  };
}

export interface LogLine { level: number; msg: string; [k: string]: unknown }

/** One `masthead start` process. */
export interface Instance {
  readonly name: string;
  readonly port: number;
  readonly url: string;
  readonly pid: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Its pino lines so far. */
  logs(): LogLine[];
  /** Resolves when it prints its "Masthead is running" line; fails if it exits first. */
  running: Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  signal(s: NodeJS.Signals): void;
}

export function startInstance(name: string, port: number, env: Record<string, string>): Instance {
  const dataDir = mkdtempSync(join(tmpdir(), `masthead-cluster-${name}-`));
  const child: ChildProcessByStdio<null, Readable, Readable> = spawn(process.execPath, ['bin/masthead.js', 'start'], {
    cwd: ROOT,
    env: cliEnv({ MASTHEAD_DATA_DIR: dataDir, HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'info', ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.once('exit', (code, signal) => {
    rmSync(dataDir, { recursive: true, force: true });
    r({ code, signal });
  }));
  const running = new Promise<void>((res, rej) => {
    const check = () => {
      if (/^Masthead is running at /m.test(stdout)) res();
    };
    child.stdout.on('data', check);
    void exited.then(({ code, signal }) => rej(new Error(`instance ${name} exited before running (code ${code}, signal ${signal})\nstdout: ${stdout}\nstderr: ${stderr}`)));
  });
  running.catch(() => {});
  return {
    name,
    port,
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    logs: () => stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as LogLine),
    running,
    exited,
    signal: (s) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(s);
    },
  };
}

export { freePort };

/**
 * A round-robin reverse proxy on loopback, as nginx or Caddy would stand in front of the
 * instances: each request goes to the next backend, with X-Forwarded-For, and the answer says which
 * backend served it (x-backend). A GET that meets a refused connection or a 503 (an instance
 * shutting down) is tried on the next backend, as `proxy_next_upstream error http_503` does.
 */
export interface Proxy {
  url: string;
  backends: { name: string; port: number }[];
  close(): Promise<void>;
}

export async function startProxy(): Promise<Proxy> {
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const proxy: Proxy = { url: '', backends: [], close: async () => {} };
  let next = 0;
  const server: HttpServer = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const retriable = req.method === 'GET' || req.method === 'HEAD';
      const tried = new Set<string>();
      const attempt = () => {
        // The next backend in turn that this request has not tried yet.
        const untried = proxy.backends.filter((b) => !tried.has(b.name));
        const backend = untried.find((b) => b === proxy.backends[next % proxy.backends.length]) ?? untried[0];
        next++;
        if (!backend) return void res.writeHead(502).end('no backend left to try');
        tried.add(backend.name);
        const more = proxy.backends.some((b) => !tried.has(b.name));
        const headers = { ...req.headers, 'x-forwarded-for': req.socket.remoteAddress ?? '', 'x-forwarded-proto': 'http', 'x-forwarded-host': req.headers.host ?? '' };
        const up = request({ host: '127.0.0.1', port: backend.port, method: req.method, path: req.url, headers, agent }, (answer: IncomingMessage) => {
          if (retriable && answer.statusCode === 503 && more) {
            answer.resume();
            return attempt();
          }
          res.writeHead(answer.statusCode ?? 502, { ...answer.headers, 'x-backend': backend.name });
          answer.pipe(res);
        });
        up.on('error', (err) => {
          if (retriable && !res.headersSent && more) return attempt();
          if (!res.headersSent) res.writeHead(502, { 'x-backend': backend.name }).end(`upstream ${backend.name}: ${err.message}`);
          else res.destroy(err);
        });
        up.end(body);
      };
      attempt();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  proxy.url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  proxy.close = () => new Promise<void>((r) => {
    agent.destroy();
    server.closeAllConnections();
    server.close(() => r());
  });
  return proxy;
}

/** A minimal cookie jar for fetch: remembers Set-Cookie values and sends them back (path and expiry ignored). */
export class CookieJar {
  private readonly cookies = new Map<string, string>();
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
  take(res: Response): Response {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      if (!value || /max-age=0/i.test(c)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return res;
  }
  get(name: string): string | undefined {
    return this.cookies.get(name);
  }
}
