import { afterAll, expect } from 'vitest';
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';

/**
 * The real CLI as a child process: `node --import tsx src/cli/main.ts <args>`, run from the repository root
 * with a cleaned environment. Every spawn compiles through tsx (~1s).
 */

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const CLI = ['--import', 'tsx', 'src/cli/main.ts'];

/**
 * A maker of fresh temporary folders named `<prefix>XXXXXX`, all removed after the file's tests.
 * Call it at the top level of a test file.
 */
export function tempDirs(prefix: string): () => string {
  const made: string[] = [];
  afterAll(() => {
    for (const d of made) rmSync(d, { recursive: true, force: true });
  });
  return () => {
    const d = mkdtempSync(join(tmpdir(), prefix));
    made.push(d);
    return d;
  };
}

/** Variables that configure Masthead or the test run. */
const CONFIG_VARS = /^(TEST_|VITEST|REQUIRE_POSTGRES$|PORT$|HOST$|SITE_URL$|DATABASE_URL$|MASTHEAD_|LOG_LEVEL$|LOG_REQUESTS$|NODE_OPTIONS$|NODE_ENV$)/;
/** Variables that configure outgoing mail. */
const MAIL_VARS = /^(SMTP_URL|MAIL_FROM)$/;

/**
 * The parent's environment without anything that configures Masthead or the test run (with `withoutMail`,
 * nor outgoing mail), then `extra`.
 */
export function cliEnv(extra: Record<string, string> = {}, opts: { withoutMail?: boolean } = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!CONFIG_VARS.test(k) && !(opts.withoutMail && MAIL_VARS.test(k))) env[k] = v;
  return { ...env, ...extra };
}

export type CliProcess = ChildProcessByStdio<null, Readable, Readable>;

export function spawnCli(args: string[], env: NodeJS.ProcessEnv): CliProcess {
  return spawn(process.execPath, [...CLI, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
}

export interface Result { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

/**
 * Run the CLI to completion (killed after timeoutMs) on `dataDir`, with LOG_LEVEL=silent and `env`
 * over the cleaned environment.
 */
export function run(args: string[], opts: { dataDir: string; env?: Record<string, string>; timeoutMs?: number }): Promise<Result> {
  return new Promise((resolvePromise, reject) => {
    const child = spawnCli(args, cliEnv({ MASTHEAD_DATA_DIR: opts.dataDir, LOG_LEVEL: 'silent', ...opts.env }));
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`masthead ${args.join(' ')} did not exit within ${opts.timeoutMs ?? 20_000}ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, opts.timeoutMs ?? 20_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, stdout, stderr });
    });
  });
}

export interface Exit { code: number | null; signal: NodeJS.Signals | null }

/** A long-running `masthead start` (or any command that serves), its output collected as it comes. */
export interface Server {
  /** Everything written so far. */
  readonly stdout: string;
  readonly stderr: string;
  /** The URL of the "Masthead is running at <url>" line (with its trailing slash); fails after 20s or if the process exits first. */
  runningAt(): Promise<string>;
  /** SIGTERM; how it exited (fails if not within 5s) and how many milliseconds that took. */
  terminate(): Promise<{ exit: Exit; ms: number }>;
  /** SIGKILL, unless it has exited already: for a `finally`. */
  kill(): void;
  /** How it exited, once it has. */
  readonly exited: Promise<Exit>;
}

export function startCli(args: string[], env: NodeJS.ProcessEnv): Server {
  const child = spawnCli(args, env);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const exited = new Promise<Exit>((res) => child.once('exit', (code, signal) => res({ code, signal })));
  return {
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    runningAt: () =>
      new Promise<string>((res, rej) => {
        const timer = setTimeout(() => rej(new Error(`no "running at" line within 20s\nstdout: ${stdout}\nstderr: ${stderr}`)), 20_000);
        const check = () => {
          const m = /^Masthead is running at (http:\/\/127\.0\.0\.1:\d+\/)\n/m.exec(stdout);
          if (m) {
            clearTimeout(timer);
            res(m[1]!);
          }
        };
        child.stdout.on('data', check);
        check();
        void exited.then(({ code, signal }) => {
          clearTimeout(timer);
          rej(new Error(`start exited early (code ${code}, signal ${signal})\nstdout: ${stdout}\nstderr: ${stderr}`));
        });
      }),
    async terminate() {
      const t0 = Date.now();
      child.kill('SIGTERM');
      const exit = await Promise.race([
        exited,
        new Promise<never>((_, rej) => setTimeout(() => rej(new Error('did not exit within 5s of SIGTERM')), 5_000)),
      ]);
      return { exit, ms: Date.now() - t0 };
    },
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
    exited,
  };
}

/** stderr is exactly one non-empty line (plus its newline); returns that line. */
export function oneLine(text: string): string {
  expect(text, `expected exactly one line, got:\n${text}`).toMatch(/^[^\r\n]+\n$/);
  return text.trimEnd();
}

export const noStackTrace = (text: string) => expect(text).not.toMatch(/^\s+at /m);
