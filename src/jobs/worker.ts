import type { Logger } from 'pino';
import type { Kysely } from 'kysely';
import type { Clock } from '../clock.js';
import type { Dialect } from '../db/database.js';
import type { DB } from '../db/schema.js';
import { claimNext, complete, fail, type Job } from './queue.js';

export type JobHandler = (payload: any, job: Job) => Promise<void>;

/**
 * Runs due jobs off the request path. `kick()` wakes it at once (after an
 * enqueue); otherwise it polls. `drain()` runs everything due now: tests use it
 * to step the queue deterministically.
 */
export class JobWorker {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;

  constructor(
    private readonly db: Kysely<DB>,
    private readonly dialect: Dialect,
    private readonly clock: Clock,
    private readonly handlers: Record<string, JobHandler>,
    private readonly log: Logger | undefined,
    private readonly pollMs = 1000,
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  kick(): void {
    if (!this.stopped) this.schedule(0);
  }

  /** Run every job that is due now; returns how many ran. */
  async drain(): Promise<number> {
    let n = 0;
    for (;;) {
      const job = await claimNext(this.db, this.dialect, this.clock.now());
      if (!job) return n;
      await this.run(job);
      n++;
    }
  }

  private schedule(ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      if (this.running) return this.schedule(50);
      this.running = this.drain().then(
        () => undefined,
        (err) => this.log?.error({ err }, 'job worker error'),
      ).finally(() => {
        this.running = undefined;
        if (!this.stopped) this.schedule(this.pollMs);
      });
    }, ms);
    this.timer.unref();
  }

  private async run(job: Job): Promise<void> {
    const handler = this.handlers[job.kind];
    try {
      if (!handler) throw new Error(`no handler for job kind ${job.kind}`);
      await handler(job.payload, job);
      await complete(this.db, job.id, this.clock.now());
    } catch (err) {
      const outcome = await fail(this.db, job, (err as Error).message ?? String(err), this.clock.now());
      this.log?.warn({ jobId: job.id, kind: job.kind, attempt: job.attempts, outcome, err: (err as Error).message }, 'job failed');
    }
  }
}
