import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.js';

/**
 * A serving process's SQLite connection never checkpoints inside a commit (that stalled every
 * request behind a meter flush); a thread of its own does, without losing or blocking a write.
 */
describe('SQLite WAL checkpoints off the event loop', () => {
  it('commits leave the WAL to the checkpointer thread, which folds it back while writes go on', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'masthead-ckpt-')), 'site.db');
    const database = openDatabase(`sqlite:${file}`, { backgroundCheckpoint: true });
    try {
      expect(database.checkpointer).toBeDefined();
      await sql`create table t (id integer primary key, v text)`.execute(database.db);
      const row = 'x'.repeat(1000);
      // About 6 MB: past the 1,000 pages at which SQLite would checkpoint inside a commit.
      for (let i = 0; i < 60; i++) {
        await database.db.transaction().execute(async (trx) => {
          for (let j = 0; j < 100; j++) await sql`insert into t (v) values (${row})`.execute(trx);
        });
      }
      const walBefore = statSync(`${file}-wal`).size;
      expect(walBefore).toBeGreaterThan(4_000_000);
      const r = await database.checkpointer!.now();
      expect(r.error).toBeUndefined();
      expect(r.log).toBeGreaterThan(1000);
      expect(r.checkpointed).toBe(r.log);
      // The next write starts the WAL over instead of growing it.
      await sql`insert into t (v) values ('after')`.execute(database.db);
      expect(statSync(`${file}-wal`).size).toBe(walBefore);
      const { rows } = await sql<{ n: number }>`select count(*) as n from t`.execute(database.db);
      expect(rows[0]!.n).toBe(6001);
    } finally {
      await database.close();
    }
    // Reopened as the CLI would: everything is there.
    const again = openDatabase(`sqlite:${file}`);
    const { rows } = await sql<{ n: number }>`select count(*) as n from t`.execute(again.db);
    expect(rows[0]!.n).toBe(6001);
    await again.close();
  });
});
