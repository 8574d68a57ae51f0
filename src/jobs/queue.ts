import { randomBytes } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../db/database.js';
import type { DB } from '../db/schema.js';
import type { Q } from '../db/q.js';

export interface Job {
  id: number;
  kind: string;
  payload: unknown;
  attempts: number;
  maxAttempts: number;
  /** Set when this claim took the job over from a holder whose lease ran out: who that was. */
  takenOver?: string;
}

/**
 * A job is enqueued in the same transaction as the change that caused it, so a
 * sign-in link is sent if and only if its token was stored.
 */
export async function enqueue(db: Q, kind: string, payload: unknown, o: { now: number; runAt?: number; maxAttempts?: number; dedupeKey?: string }): Promise<void> {
  const q = db.insertInto('jobs').values({
    kind,
    payload: JSON.stringify(payload),
    run_at: o.runAt ?? o.now,
    attempts: 0,
    max_attempts: o.maxAttempts ?? 8,
    locked_until: null,
    locked_by: null,
    last_error: null,
    done_at: null,
    failed_at: null,
    dedupe_key: o.dedupeKey ?? null,
    created_at: o.now,
    claimed_at: null,
  });
  await (o.dedupeKey ? q.onConflict((oc) => oc.column('dedupe_key').doNothing()) : q).execute();
}

/** Who holds a claim, and for how long a claim lasts unless it is renewed. */
export interface Lease { workerId: string; leaseMs: number }

export const DEFAULT_LEASE_MS = 60_000;
/** This process's name in `jobs.locked_by`: the pid, so an operator can tell which instance holds a job. */
export const processWorkerId = `${process.pid}-${randomBytes(4).toString('hex')}`;
const DEFAULT_LEASE: Lease = { workerId: processWorkerId, leaseMs: DEFAULT_LEASE_MS };

/** What a claim writes into last_error when it takes over a job whose holder stopped renewing. */
const TAKEN_OVER = 'lease expired: ';

/**
 * Claim one due job for `lease.leaseMs`. PostgreSQL: FOR UPDATE SKIP LOCKED, so many instances
 * share the queue without waiting on each other and no two claim the same row. SQLite has a single
 * writer, so the UPDATE … RETURNING is already atomic. A job whose lease has run out (its instance
 * died, or hangs without renewing) is due again: it is taken over, not lost; a job still leased is
 * never taken. Jobs that have used every attempt are left to failExhausted.
 */
export async function claimNext(db: Kysely<DB>, dialect: Dialect, now: number, lease: Lease = DEFAULT_LEASE): Promise<Job | undefined> {
  const lock = dialect === 'postgres' ? sql`for update skip locked` : sql``;
  const res = await sql<{ id: number; kind: string; payload: string; attempts: number; max_attempts: number; last_error: string | null }>`
    update jobs set locked_until = ${now + lease.leaseMs}, locked_by = ${lease.workerId}, claimed_at = ${now}, attempts = attempts + 1,
      last_error = case when locked_until is not null then ${TAKEN_OVER} || coalesce(locked_by, '?') || ' stopped renewing it' else last_error end
    where id = (
      select id from jobs
      where done_at is null and failed_at is null and run_at <= ${now}
        and (locked_until is null or locked_until < ${now}) and attempts < max_attempts
      order by run_at, id limit 1 ${lock}
    )
    returning id, kind, payload, attempts, max_attempts, last_error`.execute(db);
  const r = res.rows[0];
  return r ? { id: Number(r.id), kind: r.kind, payload: JSON.parse(r.payload), attempts: r.attempts, maxAttempts: r.max_attempts, takenOver: r.last_error?.startsWith(TAKEN_OVER) ? r.last_error : undefined } : undefined;
}

/**
 * Push the holder's lease on while its job runs, so a long job is not taken over. False when the
 * lease is no longer this worker's (it ran out and another instance took the job).
 */
export async function renewLease(db: Q, id: number, lease: Lease, now: number): Promise<boolean> {
  const r = await db.updateTable('jobs').set({ locked_until: now + lease.leaseMs })
    .where('id', '=', id).where('locked_by', '=', lease.workerId).where('done_at', 'is', null).where('failed_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Done, whoever holds the lease now: the work happened, so nobody should start it again. */
export async function complete(db: Q, id: number, now: number): Promise<void> {
  await db.updateTable('jobs').set({ done_at: now, locked_until: null, last_error: null }).where('id', '=', id).execute();
}

/**
 * Retry with exponential backoff (5 s, 10 s, 20 s … capped at an hour) until max attempts. Only the
 * lease holder records a failure: a worker that lost its lease must not release a job that
 * another instance is running.
 */
export async function fail(db: Q, job: Job, error: string, now: number, lease: Lease = DEFAULT_LEASE): Promise<'retry' | 'failed' | 'lease lost'> {
  const mine = db.updateTable('jobs').where('id', '=', job.id).where('locked_by', '=', lease.workerId).where('done_at', 'is', null);
  if (job.attempts >= job.maxAttempts) {
    const r = await mine.set({ failed_at: now, locked_until: null, last_error: error.slice(0, 2000) }).executeTakeFirst();
    return Number(r.numUpdatedRows) > 0 ? 'failed' : 'lease lost';
  }
  const delay = Math.min(3_600_000, 5000 * 2 ** (job.attempts - 1));
  const r = await mine.set({ run_at: now + delay, locked_until: null, last_error: error.slice(0, 2000) }).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0 ? 'retry' : 'lease lost';
}

/**
 * Give back every job this worker holds, at once, so another instance can run it without waiting
 * for the lease: at shutdown, when the process will not finish them. Returns how many.
 */
export async function releaseClaims(db: Q, workerId: string): Promise<number> {
  const r = await db.updateTable('jobs').set({ locked_until: null, last_error: `released by ${workerId} at shutdown` })
    .where('locked_by', '=', workerId).where('locked_until', 'is not', null).where('done_at', 'is', null).where('failed_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/**
 * Jobs whose last attempt died with its instance (the lease ran out with no attempts left) would
 * otherwise stay pending for ever: they are failed, with the reason.
 */
export async function failExhausted(db: Q, now: number): Promise<number> {
  const r = await db.updateTable('jobs')
    .set({ failed_at: now, locked_until: null, last_error: sql<string>`${TAKEN_OVER} || coalesce(locked_by, '?') || ' stopped during the last attempt'` })
    .where('done_at', 'is', null).where('failed_at', 'is', null).where('locked_until', '<', now)
    .where((eb) => eb('attempts', '>=', eb.ref('max_attempts')))
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/** Jobs claimed and not finished: who holds each, since when, until when (for `masthead jobs`). */
export async function heldJobs(db: Q) {
  const rows = await db.selectFrom('jobs').select(['id', 'kind', 'locked_by', 'locked_until', 'claimed_at', 'attempts'])
    .where('locked_until', 'is not', null).where('done_at', 'is', null).where('failed_at', 'is', null)
    .orderBy('claimed_at').limit(50).execute();
  return rows.map((r) => ({ id: r.id, kind: r.kind, holder: r.locked_by ?? '?', leaseUntil: r.locked_until!, claimedAt: r.claimed_at, attempts: r.attempts }));
}

export async function jobCounts(db: Q) {
  const rows = await db.selectFrom('jobs')
    .select([
      sql<string>`case when done_at is not null then 'done' when failed_at is not null then 'failed' else 'pending' end`.as('state'),
      'kind',
      (eb) => eb.fn.countAll<number>().as('n'),
    ])
    .groupBy(['state', 'kind']).execute();
  return rows.map((r) => ({ state: r.state, kind: r.kind, count: Number(r.n) }));
}

/** How long finished jobs are kept: done ones a week, failed ones a month (`masthead jobs` shows them). */
export const KEEP_DONE_MS = 7 * 86_400_000;
export const KEEP_FAILED_MS = 30 * 86_400_000;

/**
 * Finished jobs past their keeping time, deleted: a sent message's job holds its address and text
 * (a sign-in link among them), which nothing needs once it is sent. Jobs with a dedupe key stay:
 * the key is what stops the same work being queued twice (a trial's reminder, a send's lane).
 */
export async function pruneFinished(db: Q, now: number, batch = 1000): Promise<number> {
  // In batches: the first prune of an install's backlog must not hold SQLite's writer for its whole length.
  let total = 0;
  for (;;) {
    const ids = db.selectFrom('jobs').select('id').where('dedupe_key', 'is', null)
      .where((eb) => eb.or([eb('done_at', '<', now - KEEP_DONE_MS), eb('failed_at', '<', now - KEEP_FAILED_MS)]))
      .limit(batch);
    const r = await db.deleteFrom('jobs').where('id', 'in', ids).executeTakeFirst();
    const n = Number(r.numDeletedRows);
    total += n;
    if (n < batch) return total;
  }
}
