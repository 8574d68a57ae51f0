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

interface InFlight {
  id: number;
  resolve: (o: TaskOutcome<unknown>) => void;
  timer: NodeJS.Timeout | undefined;
}

/**
 * Runs import tasks (tasks.ts) on a worker thread, one at a time, each with a time limit. The
 * event loop of the server (or the CLI's progress and Ctrl-C) stays free while an item is
 * converted, and an item that takes too long, or too much memory, costs only itself: the thread
 * is stopped, that task fails with a sentence, and the next task gets a fresh thread, set up
 * again with whatever the import had handed the old one (the corpus, an open Ghost export).
 * Started on first use; `close()` stops it.
 */
export class Converter {
  private readonly timeLimitMs: number;
  private readonly memoryMb: number;
  private worker: Worker | null = null;
  private online = false;
  private nextId = 1;
  private current: InFlight | null = null;
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

  async close(): Promise<void> {
    this.closed = true;
    this.context.clear();
    const w = this.worker;
    this.worker = null;
    if (this.current) this.settle(this.current.id, { ok: false, message: 'the import was stopped' });
    await w?.terminate();
  }

  private async exec(task: Task, keep: string | undefined, limit: number | null): Promise<TaskOutcome<unknown>> {
    if (this.closed) return { ok: false, message: 'the import was stopped' };
    if (!this.worker) {
      this.spawn();
      for (const setup of this.context.values()) {
        const r = await this.send(setup, this.timeLimitMs);
        if (!r.ok) return r.fatal ? r : { ok: false, message: r.message, lost: true };
      }
    }
    const r = await this.send(task, limit);
    if (r.ok && keep) this.context.set(keep, task);
    return r;
  }

  private send(task: Task, limit: number | null): Promise<TaskOutcome<unknown>> {
    return new Promise((resolve) => {
      const worker = this.worker ?? this.spawn();
      const id = this.nextId++;
      const timer = limit === null ? undefined : setTimeout(() => {
        this.settle(id, { ok: false, message: `took longer than ${Math.round(limit / 100) / 10} s to read` });
        this.stop();
      }, limit);
      this.current = { id, resolve, timer };
      // Only while a task is out does the thread keep the process alive.
      worker.ref();
      worker.postMessage({ id, task });
    });
  }

  private settle(id: number, outcome: TaskOutcome<unknown>): void {
    const c = this.current;
    if (!c || c.id !== id) return;
    clearTimeout(c.timer);
    this.current = null;
    this.worker?.unref();
    c.resolve(outcome);
  }

  private spawn(): Worker {
    const spec = threadSpec();
    const w = new Worker(spec.entry, {
      eval: spec.eval,
      ...(spec.execArgv ? { execArgv: spec.execArgv } : {}),
      resourceLimits: { maxOldGenerationSizeMb: this.memoryMb },
    });
    this.worker = w;
    this.online = false;
    w.unref();
    w.on('message', (m: { ready?: true; id: number; ok: boolean; value?: unknown; message?: string }) => {
      if (w !== this.worker) return;
      // The thread says so once its modules have loaded: a failure before that is not an item's.
      if (m.ready) this.online = true;
      else this.settle(m.id, m.ok ? { ok: true, value: m.value } : { ok: false, message: m.message ?? 'could not be read' });
    });
    w.on('error', (err: Error & { code?: string }) => {
      if (w !== this.worker) return;
      const started = this.online;
      this.worker = null;
      if (!this.current) return;
      if (err.code === 'ERR_WORKER_OUT_OF_MEMORY') this.settle(this.current.id, { ok: false, message: `needed more than ${this.memoryMb} MB of memory to read` });
      else if (!started) this.settle(this.current.id, { ok: false, message: `the importer's worker thread did not start: ${err.message}`, fatal: err });
      else this.settle(this.current.id, { ok: false, message: `could not be read (the importer's worker thread stopped: ${err.message})` });
    });
    w.on('exit', () => {
      if (w !== this.worker) return;
      this.worker = null;
      if (this.current) this.settle(this.current.id, { ok: false, message: 'could not be read (the importer’s worker thread stopped)' });
    });
    return w;
  }

  private stop(): void {
    const w = this.worker;
    this.worker = null;
    void w?.terminate();
  }
}
