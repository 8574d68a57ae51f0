import { randomBytes } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../db/database.js';
import type { DB } from '../db/schema.js';
import type { Q } from '../db/q.js';

export interface Job { id: number; kind: string; payload: unknown; attempts: number; maxAttempts: number }

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
  });
  await (o.dedupeKey ? q.onConflict((oc) => oc.column('dedupe_key').doNothing()) : q).execute();
}

const LEASE_MS = 60_000;
export const workerId = `${process.pid}-${randomBytes(4).toString('hex')}`;

/**
 * Claim one due job. PostgreSQL: FOR UPDATE SKIP LOCKED, so many instances share the
 * queue without waiting on each other. SQLite has a single writer, so the
 * UPDATE … RETURNING is already atomic. A lease expires, so a crashed worker's job is retried.
 */
export async function claimNext(db: Kysely<DB>, dialect: Dialect, now: number): Promise<Job | undefined> {
  const lock = dialect === 'postgres' ? sql`for update skip locked` : sql``;
  const res = await sql<{ id: number; kind: string; payload: string; attempts: number; max_attempts: number }>`
    update jobs set locked_until = ${now + LEASE_MS}, locked_by = ${workerId}, attempts = attempts + 1
    where id = (
      select id from jobs
      where done_at is null and failed_at is null and run_at <= ${now}
        and (locked_until is null or locked_until < ${now})
      order by run_at, id limit 1 ${lock}
    )
    returning id, kind, payload, attempts, max_attempts`.execute(db);
  const r = res.rows[0];
  return r ? { id: Number(r.id), kind: r.kind, payload: JSON.parse(r.payload), attempts: r.attempts, maxAttempts: r.max_attempts } : undefined;
}

export async function complete(db: Q, id: number, now: number): Promise<void> {
  await db.updateTable('jobs').set({ done_at: now, locked_until: null, last_error: null }).where('id', '=', id).execute();
}

/** Retry with exponential backoff (5 s, 10 s, 20 s … capped at an hour) until max attempts. */
export async function fail(db: Q, job: Job, error: string, now: number): Promise<'retry' | 'failed'> {
  if (job.attempts >= job.maxAttempts) {
    await db.updateTable('jobs').set({ failed_at: now, locked_until: null, last_error: error.slice(0, 2000) }).where('id', '=', job.id).execute();
    return 'failed';
  }
  const delay = Math.min(3_600_000, 5000 * 2 ** (job.attempts - 1));
  await db.updateTable('jobs').set({ run_at: now + delay, locked_until: null, last_error: error.slice(0, 2000) }).where('id', '=', job.id).execute();
  return 'retry';
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
