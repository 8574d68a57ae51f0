import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { dialects, freshDatabase, type TestDatabase } from '../helpers/db.js';
import { fixedClock } from '../../src/clock.js';
import { Meter } from '../../src/access/meter.js';

/** The meter's storage against a real database: unwritten reads count at once, and a failed write loses none. */
describe.each(dialects())('meter storage on %s', (dialect) => {
  let db: TestDatabase;
  const T0 = Date.UTC(2026, 10, 26, 12);
  const clock = fixedClock(T0);
  const rowsOf = async (subject: string) =>
    (await db.db.selectFrom('meter_reads').select(['article_id', 'read_at']).where('subject', '=', subject).orderBy('article_id').execute())
      .map((r) => [Number(r.article_id), Number(r.read_at)]);
  const sorted = (reads: { articleId: number; readAt: number }[]) => reads.map((r) => [r.articleId, r.readAt]).sort((a, b) => a[0]! - b[0]!);
  const meterFor = async () => {
    const m = new Meter(db.db, clock, undefined, dialect === 'sqlite' ? Infinity : 1000, dialect);
    if (dialect === 'sqlite') await m.loadKnownSubjects();
    return m;
  };

  beforeAll(async () => {
    db = await freshDatabase(dialect);
  });
  afterAll(async () => {
    await db?.destroy();
  });

  it('counts reads before they are written, keeps the latest time of a reread, and writes them all in one flush', async () => {
    const m = await meterFor();
    m.record('d:store-a', 1, T0);
    m.record('d:store-a', 2, T0 + 1000);
    m.record('d:store-a', 1, T0 + 5000);
    expect(sorted(await m.reads('d:store-a', T0))).toEqual([[1, T0 + 5000], [2, T0 + 1000]]);
    expect(sorted(await m.reads('d:store-a', T0 + 2000)), 'only reads inside the window').toEqual([[1, T0 + 5000]]);
    expect(await rowsOf('d:store-a')).toEqual([]);
    await m.flush();
    expect(await rowsOf('d:store-a')).toEqual([[1, T0 + 5000], [2, T0 + 1000]]);
    // Another process (or this one after a restart) reads them from the database.
    const fresh = await meterFor();
    expect(sorted(await fresh.reads('d:store-a', T0))).toEqual([[1, T0 + 5000], [2, T0 + 1000]]);
    await m.stop();
    await fresh.stop();
  });

  it('merges stored and unwritten reads of one subject, and moves both to a member at sign-in', async () => {
    const m = await meterFor();
    m.record('d:store-b', 3, T0);
    await m.flush();
    m.record('d:store-b', 4, T0 + 10);
    expect(sorted(await m.reads('d:store-b', T0))).toEqual([[3, T0], [4, T0 + 10]]);
    await db.db.transaction().execute((trx) => m.merge(trx, 'd:store-b', 'm:77', T0));
    expect(sorted(await m.reads('m:77', T0))).toEqual([[3, T0], [4, T0 + 10]]);
    await m.flush();
    expect(await rowsOf('m:77')).toEqual([[3, T0], [4, T0 + 10]]);
    await m.stop();
  });

  it('counts the reads of a batch while it is being written, and moves them at a sign-in in that window', async () => {
    const m = await meterFor();
    // A reader already looked up (its rows cached) is answered from memory, not by a query that would wait for the write.
    expect(await m.reads('d:store-d', T0)).toEqual([]);
    m.record('d:store-d', 7, T0);
    const writing = m.flush();
    expect(sorted(await m.reads('d:store-d', T0)), 'counted while the write is in flight').toEqual([[7, T0]]);
    await db.db.transaction().execute((trx) => m.merge(trx, 'd:store-d', 'm:78', T0));
    await writing;
    await m.flush();
    expect(sorted(await m.reads('m:78', T0))).toEqual([[7, T0]]);
    expect(await rowsOf('m:78')).toEqual([[7, T0]]);
    await m.stop();
  });

  it('keeps a member\'s later read when an earlier one of the same article is merged in at sign-in', async () => {
    const m = await meterFor();
    m.record('m:79', 8, T0 + 100);
    await m.flush();
    m.record('d:store-e', 8, T0 + 50);
    await db.db.transaction().execute((trx) => m.merge(trx, 'd:store-e', 'm:79', T0));
    expect(sorted(await m.reads('m:79', T0))).toEqual([[8, T0 + 100]]);
    await m.flush();
    expect(await rowsOf('m:79')).toEqual([[8, T0 + 100]]);
    const fresh = await meterFor();
    expect(sorted(await fresh.reads('m:79', T0))).toEqual([[8, T0 + 100]]);
    await m.stop();
    await fresh.stop();
  });

  it('keeps the reads of a flush that failed, still counting them, and writes them on the next', async () => {
    const m = await meterFor();
    m.record('d:store-c', 5, T0);
    m.record('d:store-c', 6, T0 + 1);
    // The table is briefly gone: the flush fails.
    await sql`alter table meter_reads rename to meter_reads_away`.execute(db.db);
    try {
      await m.flush();
    } finally {
      await sql`alter table meter_reads_away rename to meter_reads`.execute(db.db);
    }
    expect(sorted(await m.reads('d:store-c', T0)), 'still counted').toEqual([[5, T0], [6, T0 + 1]]);
    // A reread while the write was failing keeps its newer time.
    m.record('d:store-c', 6, T0 + 2);
    await m.flush();
    expect(await rowsOf('d:store-c')).toEqual([[5, T0], [6, T0 + 2]]);
    await m.stop();
  });
});
