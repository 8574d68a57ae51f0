import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock, systemClock } from '../../src/clock.js';
import { openDatabase } from '../../src/db/database.js';
import { claimNext, complete, enqueue, fail, failExhausted, pruneFinished, releaseClaims, renewLease } from '../../src/jobs/queue.js';
import { JobWorker, type JobHandler } from '../../src/jobs/worker.js';
import { dialects, freshDatabase, type TestDatabase } from '../helpers/db.js';
import { T0 } from '../helpers/app.js';

/** A promise and the function that settles it: a job that runs until the test lets it finish. */
function gate(): { promise: Promise<void>; open(): void } {
  let open!: () => void;
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(dialects())('job claims and leases on %s', (dialect) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await freshDatabase(dialect);
  });
  afterAll(async () => {
    await db?.destroy();
  });

  const row = (id: number) => db.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const kind = () => `test.${Math.random().toString(36).slice(2)}`;
  const pending = (k: string) => db.db.selectFrom('jobs').select('id').where('kind', '=', k).where('done_at', 'is', null).execute();
  /** Jobs of other tests in this file must not be claimed by this one: each test's jobs are due only at its own time. */
  let clockAt = T0;
  const nextTime = () => (clockAt += 10 * 3_600_000);

  it('gives each job to exactly one of many concurrent claimers, each on its own connections', async () => {
    const now = nextTime();
    const k = kind();
    for (let i = 0; i < 300; i++) await enqueue(db.db, k, { i }, { now });
    const claimed: number[] = [];
    const claimers = Array.from({ length: 6 }, (_, n) => ({ database: openDatabase(db.url, { poolSize: 2 }), lease: { workerId: `claimer-${n}`, leaseMs: 60_000 } }));
    try {
      await Promise.all(claimers.map(async ({ database, lease }) => {
        for (;;) {
          const job = await claimNext(database.db, dialect, now, lease);
          if (!job) return;
          claimed.push(job.id);
          await complete(database.db, job.id, now);
        }
      }));
    } finally {
      await Promise.all(claimers.map((c) => c.database.close()));
    }
    expect(claimed).toHaveLength(300);
    expect(new Set(claimed).size).toBe(300);
    expect(await pending(k)).toEqual([]);
  });

  it('holds a job while its lease runs and is renewed, and lets another worker take it over once it has run out', async () => {
    const t = nextTime();
    const k = kind();
    await enqueue(db.db, k, {}, { now: t });
    const a = { workerId: 'instance-a', leaseMs: 1000 };
    const b = { workerId: 'instance-b', leaseMs: 1000 };
    const job = (await claimNext(db.db, dialect, t, a))!;
    expect(job).toMatchObject({ kind: k, attempts: 1 });
    expect(job.takenOver).toBeUndefined();
    expect(await row(job.id)).toMatchObject({ locked_by: 'instance-a', locked_until: t + 1000, claimed_at: t });

    expect(await claimNext(db.db, dialect, t + 500, b)).toBeUndefined();
    expect(await renewLease(db.db, job.id, a, t + 900)).toBe(true);
    expect(await claimNext(db.db, dialect, t + 1500, b), 'the renewed lease still holds').toBeUndefined();

    const taken = (await claimNext(db.db, dialect, t + 2000, b))!;
    expect(taken).toMatchObject({ id: job.id, attempts: 2 });
    expect(taken.takenOver).toBe('lease expired: instance-a stopped renewing it');
    expect(await renewLease(db.db, job.id, a, t + 2001), 'A no longer holds it').toBe(false);
    expect(await fail(db.db, job, 'A woke up and failed', t + 2002, a)).toBe('lease lost');
    expect(await row(job.id)).toMatchObject({ locked_by: 'instance-b', locked_until: t + 3000, failed_at: null });
    await complete(db.db, job.id, t + 2100);
    expect(await row(job.id)).toMatchObject({ done_at: t + 2100, locked_until: null, last_error: null });
  });

  it('hands held jobs back at once with releaseClaims, without waiting for the lease', async () => {
    const t = nextTime();
    const k = kind();
    await enqueue(db.db, k, {}, { now: t });
    const job = (await claimNext(db.db, dialect, t, { workerId: 'stopping', leaseMs: 60_000 }))!;
    expect(await releaseClaims(db.db, 'someone-else')).toBe(0);
    expect(await releaseClaims(db.db, 'stopping')).toBe(1);
    const again = (await claimNext(db.db, dialect, t + 1, { workerId: 'other', leaseMs: 60_000 }))!;
    expect(again.id).toBe(job.id);
    expect(again.takenOver).toBeUndefined();
    await complete(db.db, again.id, t + 2);
  });

  it('fails a job whose last attempt died with its holder, instead of keeping it pending for ever', async () => {
    const t = nextTime();
    const k = kind();
    await enqueue(db.db, k, {}, { now: t, maxAttempts: 1 });
    const job = (await claimNext(db.db, dialect, t, { workerId: 'doomed', leaseMs: 1000 }))!;
    expect(await claimNext(db.db, dialect, t + 5000, { workerId: 'other', leaseMs: 1000 }), 'no attempts left').toBeUndefined();
    expect(await failExhausted(db.db, t + 500), 'still leased').toBe(0);
    expect(await failExhausted(db.db, t + 5000)).toBe(1);
    expect(await row(job.id)).toMatchObject({ failed_at: t + 5000, locked_until: null, last_error: 'lease expired: doomed stopped during the last attempt' });
  });

  it('a worker renews its lease while a long job runs, so no other worker starts it', async () => {
    const k = kind();
    await enqueue(db.db, k, {}, { now: systemClock.now() });
    const running = gate();
    const started = gate();
    let runs = 0;
    const handler: JobHandler = async () => {
      runs++;
      started.open();
      await running.promise;
    };
    const a = new JobWorker(db.db, dialect, systemClock, { [k]: handler }, undefined, 20, { leaseMs: 300, workerId: 'long-a' });
    const b = new JobWorker(db.db, dialect, systemClock, { [k]: async () => void runs++ }, undefined, 20, { leaseMs: 300, workerId: 'long-b' });
    const draining = a.drain();
    await started.promise;
    // Four leases' worth of time: without renewal B would have taken it over three times.
    const until = Date.now() + 1200;
    while (Date.now() < until) {
      expect(await b.drain()).toBe(0);
      await sleep(50);
    }
    running.open();
    expect(await draining).toBe(1);
    expect(runs).toBe(1);
    const [j] = await db.db.selectFrom('jobs').selectAll().where('kind', '=', k).execute();
    expect(j).toMatchObject({ locked_by: 'long-a', attempts: 1 });
    expect(j!.done_at).not.toBeNull();
  });

  it('stop() finishes the job in hand and claims no other; abandon() hands a stuck job to the next worker at once', async () => {
    const clock = fixedClock(nextTime());
    const k = kind();
    await enqueue(db.db, k, { n: 1 }, { now: clock.now() });
    await enqueue(db.db, k, { n: 2 }, { now: clock.now() });
    const first = gate();
    const started = gate();
    const ran: number[] = [];
    const a = new JobWorker(db.db, dialect, clock, { [k]: async (p: { n: number }) => { ran.push(p.n); started.open(); await first.promise; } }, undefined, 20, { workerId: 'stop-a' });
    a.start();
    await started.promise;
    const stopping = a.stop();
    first.open();
    await stopping;
    expect(ran).toEqual([1]);
    expect((await pending(k)).length, 'the second job was not claimed').toBe(1);

    // The second job now hangs in a worker that is told to give up.
    const stuck = gate();
    const started2 = gate();
    const c = new JobWorker(db.db, dialect, clock, { [k]: async () => { started2.open(); await stuck.promise; } }, undefined, 20, { workerId: 'stuck-c' });
    const draining = c.drain();
    await started2.promise;
    expect(await c.abandon()).toBe(1);
    const d = new JobWorker(db.db, dialect, clock, { [k]: async (p: { n: number }) => void ran.push(p.n) }, undefined, 20, { workerId: 'next-d' });
    expect(await d.drain()).toBe(1);
    expect(ran).toEqual([1, 2]);
    stuck.open();
    await draining;
    expect(await pending(k)).toEqual([]);
  });

  it('deletes finished jobs past their keeping time (a sent message holds its address), and keeps deduplicated and recent ones', async () => {
    const start = nextTime();
    const clock = fixedClock(start);
    const k = kind();
    await enqueue(db.db, k, { to: 'reader@example.com' }, { now: start });
    await enqueue(db.db, k, { to: 'kept@example.com' }, { now: start, dedupeKey: `${k}:once` });
    await enqueue(db.db, k, { fails: true }, { now: start, maxAttempts: 1 });
    const handler: JobHandler = async (p: { fails?: boolean }) => {
      if (p.fails) throw new Error('refused');
    };
    const worker = new JobWorker(db.db, dialect, clock, { [k]: handler }, undefined, 1000);
    const left = async () => (await db.db.selectFrom('jobs').select(['payload', 'done_at', 'failed_at']).where('kind', '=', k).execute()).map((r) => r.payload).sort();
    await worker.drain();
    expect(await left()).toHaveLength(3);
    // Six days on: all kept. Eight: the sent message is gone; the deduplicated one and the failure stay.
    clock.advance(6 * 86_400_000);
    await worker.drain();
    expect(await left()).toHaveLength(3);
    clock.advance(2 * 86_400_000);
    await worker.drain();
    expect(await left()).toEqual([JSON.stringify({ fails: true }), JSON.stringify({ to: 'kept@example.com' })].sort());
    // A failure stays a month, for `masthead jobs` to show.
    clock.advance(23 * 86_400_000);
    await worker.drain();
    expect(await left()).toEqual([JSON.stringify({ to: 'kept@example.com' })]);
    // A backlog goes in batches, all of it.
    for (let i = 0; i < 5; i++) await enqueue(db.db, k, { i }, { now: clock.now() });
    await db.db.updateTable('jobs').set({ done_at: clock.now() }).where('kind', '=', k).where('dedupe_key', 'is', null).execute();
    expect(await pruneFinished(db.db, clock.now() + 8 * 86_400_000, 2)).toBe(5);
    expect(await left()).toEqual([JSON.stringify({ to: 'kept@example.com' })]);
  });
});