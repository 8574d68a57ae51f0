import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * SQLite's WAL is folded back into the database file by a checkpoint. Left to itself, SQLite runs
 * one inside whichever commit pushes the WAL past 1,000 pages: on the event loop, in the middle of
 * a meter flush, copying megabytes and syncing the file while every request waits (the new-device
 * bench's p99 was these pauses). Here the serving connection never checkpoints
 * (wal_autocheckpoint = 0) and a worker thread with a connection of its own runs a PASSIVE
 * checkpoint every `everyMs`: PASSIVE never takes the write lock, so writers carry on appending
 * while it copies, and the WAL is rewound from its start by the first write after it has caught up.
 *
 * The worker is a few lines of plain JavaScript evaluated in the thread, so it runs the same from
 * the compiled build and from the TypeScript sources under test.
 */
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Sqlite = require(workerData.driver);
const db = new Sqlite(workerData.file);
db.pragma('busy_timeout = 1000');
const run = () => {
  try {
    const [r] = db.pragma('wal_checkpoint(PASSIVE)');
    parentPort.postMessage({ log: r.log, checkpointed: r.checkpointed });
  } catch (err) {
    parentPort.postMessage({ error: String(err && err.message || err) });
  }
};
const timer = setInterval(run, workerData.everyMs);
parentPort.on('message', (m) => {
  if (m === 'now') return run();
  if (m === 'stop') { clearInterval(timer); db.close(); parentPort.close(); }
});
`;

export interface Checkpointer {
  /** Frames in the WAL and how many of them the last checkpoint copied (for tests and /readyz). */
  last(): { log: number; checkpointed: number; error?: string } | null;
  /** Runs one checkpoint now and resolves with its result. */
  now(): Promise<{ log: number; checkpointed: number; error?: string }>;
  stop(): Promise<void>;
}

export function startCheckpointer(file: string, everyMs = 1000): Checkpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER, { eval: true, workerData: { file, driver, everyMs } });
  // The checkpointer never keeps the process alive; close() stops it.
  worker.unref();
  let last: ReturnType<Checkpointer['last']> = null;
  const waiting: ((r: NonNullable<typeof last>) => void)[] = [];
  worker.on('message', (m: NonNullable<typeof last>) => {
    last = m;
    waiting.splice(0).forEach((w) => w(m));
  });
  // A failing checkpointer must not take the server down: SQLite still works with a long WAL,
  // and the next close (the last connection) checkpoints it.
  worker.on('error', (err) => (last = { log: -1, checkpointed: -1, error: err.message }));
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  return {
    last: () => last,
    now: () => new Promise((resolve) => {
      waiting.push(resolve);
      worker.postMessage('now');
    }),
    async stop() {
      worker.postMessage('stop');
      const timer = setTimeout(() => void worker.terminate(), 2000);
      await exited;
      clearTimeout(timer);
    },
  };
}
