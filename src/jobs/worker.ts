import type { Logger } from 'pino';
import type { Kysely } from 'kysely';
import type { Clock } from '../clock.js';
import type { Dialect } from '../db/database.js';
import type { DB } from '../db/schema.js';
import { claimNext, complete, DEFAULT_LEASE_MS, fail, failExhausted, processWorkerId, pruneFinished, releaseClaims, renewLease, type Job, type Lease } from './queue.js';

const PRUNE_EVERY_MS = 3_600_000;

export type JobHandler = (payload: any, job: Job) => Promise<void>;

/**
 * Runs due jobs off the request path, one at a time. `kick()` wakes it at once (after an
 * enqueue); otherwise it polls. `drain()` runs everything due now: tests use it to step the
 * queue deterministically.
 *
 * Across instances a job runs once: the claim is exclusive (see claimNext) and lasts `leaseMs`,
 * renewed every third of that while the handler runs, so only a holder that has stopped (killed,
 * frozen, cut off from the database) loses its job to another instance.
 */
export class JobWorker {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;
  /** Set by stop(): the job in hand is finished, no further one is claimed. */
  private closing = false;
  private readonly renewals = new Set<NodeJS.Timeout>();
  private readonly lease: Lease;
  private prunedAt = -Infinity;

  constructor(
    private readonly db: Kysely<DB>,
    private readonly dialect: Dialect,
    private readonly clock: Clock,
    private readonly handlers: Record<string, JobHandler>,
    private readonly log: Logger | undefined,
    private readonly pollMs = 1000,
    opts: { leaseMs?: number; workerId?: string } = {},
  ) {
    this.lease = { workerId: opts.workerId ?? processWorkerId, leaseMs: opts.leaseMs ?? DEFAULT_LEASE_MS };
  }

  get workerId(): string {
    return this.lease.workerId;
  }

  start(): void {
    this.stopped = false;
    this.closing = false;
    this.schedule(0);
  }

  /** Claim nothing more, and wait for the job in hand to finish. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.closing = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /**
   * For a shutdown that cannot wait any longer: stop renewing and hand every job this worker
   * holds back to the queue now, so another instance runs it without waiting out the lease.
   */
  async abandon(): Promise<number> {
    this.stopped = true;
    this.closing = true;
    if (this.timer) clearTimeout(this.timer);
    for (const t of this.renewals) clearInterval(t);
    this.renewals.clear();
    return releaseClaims(this.db, this.lease.workerId);
  }

  kick(): void {
    if (!this.stopped) this.schedule(0);
  }

  /** Run every job that is due now; returns how many ran. */
  async drain(): Promise<number> {
    let n = 0;
    const exhausted = await failExhausted(this.db, this.clock.now());
    if (exhausted) this.log?.warn({ count: exhausted }, 'jobs failed: their last attempt died with its instance');
    // Finished jobs past their keeping time go, an hour apart at most (each instance does it; it is idempotent).
    if (this.clock.now() - this.prunedAt >= PRUNE_EVERY_MS) {
      this.prunedAt = this.clock.now();
      const pruned = await pruneFinished(this.db, this.prunedAt);
      if (pruned) this.log?.info({ count: pruned }, 'finished jobs past their keeping time deleted');
    }
    for (;;) {
      if (this.closing) return n;
      const job = await claimNext(this.db, this.dialect, this.clock.now(), this.lease);
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
    if (job.takenOver) this.log?.warn({ jobId: job.id, kind: job.kind, attempt: job.attempts, reason: job.takenOver }, 'job taken over from a stopped instance');
    const handler = this.handlers[job.kind];
    const renewal = setInterval(() => {
      renewLease(this.db, job.id, this.lease, this.clock.now()).then(
        (held) => {
          if (!held) this.log?.warn({ jobId: job.id, kind: job.kind }, 'job lease lost: another instance may be running it');
        },
        (err) => this.log?.warn({ jobId: job.id, err: (err as Error).message }, 'job lease renewal failed'),
      );
    }, Math.max(100, Math.floor(this.lease.leaseMs / 3)));
    renewal.unref();
    this.renewals.add(renewal);
    try {
      if (!handler) throw new Error(`no handler for job kind ${job.kind}`);
      await handler(job.payload, job);
      await complete(this.db, job.id, this.clock.now());
    } catch (err) {
      const outcome = await fail(this.db, job, (err as Error).message ?? String(err), this.clock.now(), this.lease);
      this.log?.warn({ jobId: job.id, kind: job.kind, attempt: job.attempts, outcome, err: (err as Error).message }, 'job failed');
    } finally {
      clearInterval(renewal);
      this.renewals.delete(renewal);
    }
  }
}
