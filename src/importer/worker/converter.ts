import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ITEM_TIME_LIMIT_MS, WORKER_MEMORY_MB } from '../limits.js';
import type { Task, TaskResults } from './tasks.js';

export type TaskOutcome<T> =
  | { ok: true; value: T }
  /**
   * `lost`: the thread had to be replaced and what it held (an open Ghost export) could not be
   * set up again. `fatal`: the thread could not start at all, which no item can be blamed for.
   */
  | { ok: false; message: string; lost?: boolean; fatal?: Error };

export interface ConverterOptions {
  /** Per task; the thread is stopped and replaced when a task runs longer. */
  timeLimitMs?: number;
  /** The thread's heap; a task that needs more fails, and the thread is replaced. */
  memoryMb?: number;
}

// Run from the TypeScript sources (tests, `node --import tsx`), the thread is a .ts file: it is
// started by a two-line bootstrap that registers tsx in the thread first, since loader hooks
// registered by `--import tsx` do not reach worker threads on Node 20. The built CLI and
// server run dist/…/thread.js as it is.
const HERE = import.meta.url;
const FROM_SOURCE = HERE.endsWith('.ts');

function threadSpec(): { entry: URL | string; eval: boolean; execArgv?: string[] } {
  if (!FROM_SOURCE) return { entry: new URL('./thread.js', HERE), eval: false };
  const require = createRequire(HERE);
  const pkgPath = require.resolve('tsx/package.json');
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { exports: Record<string, { import: { default: string } }> };
  const api = pathToFileURL(join(dirname(pkgPath), pkg.exports['./esm/api']!.import.default)).href;
  const thread = new URL('./thread.ts', HERE).href;
  const execArgv: string[] = [];
  for (let i = 0; i < process.execArgv.length; i++) {
    const a = process.execArgv[i]!;
    if (a === '--import' && /tsx/.test(process.execArgv[i + 1] ?? '')) i++;
    else if (!/^--import=.*tsx/.test(a)) execArgv.push(a);
  }
  const entry = `import(${JSON.stringify(api)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(thread)}); });`;
  return { entry, eval: true, execArgv };
}

interface Reply { ready?: true; id: number; ok: boolean; value?: unknown; message?: string }

/** How long a new thread may take to load its modules before the import gives up on it. */
const START_LIMIT_MS = 60_000;

/** One worker thread and the task it is on. A thread that failed a task is not used again. */
class Thread {
  private readonly worker: Worker;
  /**
   * Resolves once its modules have loaded: a task's time starts then, and a failure before then
   * is the environment's (a missing build, a broken install), which no item can be blamed for.
   */
  private readonly started: Promise<Error | null>;
  dead = false;
  private nextId = 1;
  private current: { id: number; resolve: (o: TaskOutcome<unknown>) => void; timer: NodeJS.Timeout | undefined } | null = null;
  idleTimer: NodeJS.Timeout | undefined;

  constructor(readonly memoryMb: number) {
    const spec = threadSpec();
    this.worker = new Worker(spec.entry, {
      eval: spec.eval,
      ...(spec.execArgv ? { execArgv: spec.execArgv } : {}),
      resourceLimits: { maxOldGenerationSizeMb: memoryMb },
    });
    // Only while a task is out does the thread keep the process alive.
    this.worker.unref();
    let ready = false;
    let onStart: (err: Error | null) => void = () => {};
    this.started = new Promise((resolve) => (onStart = resolve));
    const startTimer = setTimeout(() => {
      onStart(new Error(`it did not start within ${START_LIMIT_MS / 1000} s`));
      void this.terminate();
    }, START_LIMIT_MS);
    startTimer.unref();
    this.worker.on('message', (m: Reply) => {
      if (m.ready) {
        ready = true;
        clearTimeout(startTimer);
        onStart(null);
      } else this.settle(m.id, m.ok ? { ok: true, value: m.value } : { ok: false, message: m.message ?? 'could not be read' });
    });
    this.worker.on('error', (err: Error & { code?: string }) => {
      this.dead = true;
      clearTimeout(startTimer);
      if (!ready) return onStart(err);
      const id = this.current?.id ?? -1;
      if (err.code === 'ERR_WORKER_OUT_OF_MEMORY') this.settle(id, { ok: false, message: `needed more than ${memoryMb} MB of memory to read` });
      else this.settle(id, { ok: false, message: `could not be read (the importer's worker thread stopped: ${err.message})` });
    });
    this.worker.on('exit', () => {
      this.dead = true;
      clearTimeout(startTimer);
      if (!ready) onStart(new Error('it exited while starting'));
      this.settle(this.current?.id ?? -1, { ok: false, message: 'could not be read (the importer’s worker thread stopped)' });
    });
  }

  get busy(): boolean {
    return this.current !== null;
  }

  async send(task: Task, limit: number | null): Promise<TaskOutcome<unknown>> {
    // A task waiting, even for the thread to start, keeps the process alive.
    this.worker.ref();
    const failed = await this.started;
    if (failed || this.dead) {
      this.worker.unref();
      return failed ? { ok: false, message: `the importer's worker thread did not start: ${failed.message}`, fatal: failed } : { ok: false, message: 'could not be read (the importer’s worker thread stopped)' };
    }
    return new Promise((resolve) => {
      const id = this.nextId++;
      const timer = limit === null ? undefined : setTimeout(() => {
        this.settle(id, { ok: false, message: `took longer than ${Math.round(limit / 100) / 10} s to read` });
        // The only way to stop synchronous work is to stop the thread.
        void this.terminate();
      }, limit);
      this.current = { id, resolve, timer };
      this.worker.postMessage({ id, task });
    });
  }

  /** Ends the task in flight, if any, with `outcome`. */
  abandon(outcome: TaskOutcome<unknown>): void {
    if (this.current) this.settle(this.current.id, outcome);
  }

  terminate(): Promise<unknown> {
    this.dead = true;
    return this.worker.terminate();
  }

  private settle(id: number, outcome: TaskOutcome<unknown>): void {
    const c = this.current;
    if (!c || c.id !== id) return;
    clearTimeout(c.timer);
    this.current = null;
    this.worker.unref();
    c.resolve(outcome);
  }
}

/**
 * A thread whose import finished is kept a little while for the next one: starting one loads
 * the parsers (Readability, linkedom, marked), a noticeable pause in a run of small uploads.
 */
const IDLE_MS = 10_000;
let idle: Thread | null = null;

function takeThread(memoryMb: number): { thread: Thread; reused: boolean } {
  const t = idle;
  if (t && !t.dead && t.memoryMb === memoryMb) {
    idle = null;
    clearTimeout(t.idleTimer);
    return { thread: t, reused: true };
  }
  return { thread: new Thread(memoryMb), reused: false };
}

function giveBack(t: Thread): void {
  if (t.dead || t.busy) {
    void t.terminate();
    return;
  }
  if (idle) void idle.terminate();
  idle = t;
  t.idleTimer = setTimeout(() => {
    if (idle === t) idle = null;
    void t.terminate();
  }, IDLE_MS);
  t.idleTimer.unref();
}

/**
 * Runs import tasks (tasks.ts) on a worker thread, one at a time, each with a time limit. The
 * event loop of the server (or the CLI's progress and Ctrl-C) stays free while an item is
 * converted, and an item that takes too long, or too much memory, costs only itself: the thread
 * is stopped, that task fails with a sentence, and the next task gets a fresh thread, set up
 * again with whatever the import had handed the old one (the corpus, an open Ghost export).
 * One converter per import; `close()` when the import ends.
 */
export class Converter {
  private readonly timeLimitMs: number;
  private readonly memoryMb: number;
  private thread: Thread | null = null;
  private tail: Promise<unknown> = Promise.resolve();
  /** Tasks that set up state a replacement thread needs as well, by key, in order. */
  private readonly context = new Map<string, Task>();
  private closed = false;

  constructor(opts: ConverterOptions = {}) {
    this.timeLimitMs = opts.timeLimitMs ?? ITEM_TIME_LIMIT_MS;
    this.memoryMb = opts.memoryMb ?? WORKER_MEMORY_MB;
  }

  /**
   * Queues a task; the promise never rejects. With `keep`, a task that succeeded is run again
   * on every replacement thread before its next task, until `forget(keep)`. `timeLimitMs: null`
   * is for work that is not one item (counting a folder's lines); Ctrl-C still stops it.
   */
  run<K extends Task['kind']>(task: Extract<Task, { kind: K }>, opts: { keep?: string; timeLimitMs?: number | null } = {}): Promise<TaskOutcome<TaskResults[K]>> {
    const limit = opts.timeLimitMs === undefined ? this.timeLimitMs : opts.timeLimitMs;
    const p = this.tail.then(() => this.exec(task, opts.keep, limit)) as Promise<TaskOutcome<TaskResults[K]>>;
    this.tail = p;
    return p;
  }

  forget(key: string): void {
    this.context.delete(key);
  }

  /** Ends the import's use of the thread; a task still running (Ctrl-C) is stopped with it. */
  async close(): Promise<void> {
    this.closed = true;
    this.context.clear();
    const t = this.thread;
    this.thread = null;
    if (!t) return;
    if (t.busy) {
      t.abandon({ ok: false, message: 'the import was stopped' });
      await t.terminate();
    } else giveBack(t);
  }

  private async exec(task: Task, keep: string | undefined, limit: number | null): Promise<TaskOutcome<unknown>> {
    if (this.closed) return { ok: false, message: 'the import was stopped' };
    if (!this.thread || this.thread.dead) {
      const { thread, reused } = takeThread(this.memoryMb);
      this.thread = thread;
      const setup: Task[] = [...(reused ? [{ kind: 'reset' } as const] : []), ...this.context.values()];
      for (const t of setup) {
        const r = await thread.send(t, this.timeLimitMs);
        if (!r.ok) return r.fatal ? r : { ok: false, message: r.message, lost: true };
      }
    }
    const r = await this.thread.send(task, limit);
    if (r.ok && keep) this.context.set(keep, task);
    return r;
  }
}
