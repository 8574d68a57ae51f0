import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import BetterSqlite3 from 'better-sqlite3';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { sqlitePath } from '../../src/config.js';

/**
 * A SQLite file the server serves is written by others too: every `masthead` command opens it on a
 * connection of its own. A transaction of the server that has read and then writes must wait for
 * the other writer, not fail with SQLITE_BUSY because the other committed in between.
 */
describe('SQLite with a second writer', () => {
  let db: TestDatabase;
  let other: BetterSqlite3.Database;
  beforeAll(async () => {
    db = await freshDatabase('sqlite');
    await sql`create table writer_probe (k text primary key, v integer not null)`.execute(db.db);
    // The command's connection, as openDatabase makes one.
    other = new BetterSqlite3(sqlitePath(db.url));
    other.pragma('busy_timeout = 5000');
  });
  afterAll(async () => {
    other?.close();
    await db?.destroy();
  });

  const value = async (k: string) => (await sql<{ v: number }>`select v from writer_probe where k = ${k}`.execute(db.db)).rows[0]?.v;

  it('lets a transaction that read before another writer committed still write and commit', async () => {
    await db.db.transaction().execute(async (trx) => {
      const before = await sql<{ n: number }>`select count(*) as n from writer_probe`.execute(trx);
      // Meanwhile the command writes: it waits for this transaction (or, were this one deferred, would overtake it).
      let otherWrote: string | undefined;
      try {
        other.pragma('busy_timeout = 100');
        other.prepare('insert into writer_probe (k, v) values (?, ?)').run('from-command', 1);
        otherWrote = 'committed';
      } catch (err) {
        otherWrote = (err as Error).message;
      } finally {
        other.pragma('busy_timeout = 5000');
      }
      expect(otherWrote).toMatch(/database is locked/);
      await sql`insert into writer_probe (k, v) values (${'from-server'}, ${Number(before.rows[0]!.n)})`.execute(trx);
    });
    expect(await value('from-server')).toBe(0);
    // Once the server's transaction is over, the command's write goes through.
    other.prepare('insert into writer_probe (k, v) values (?, ?)').run('from-command', 1);
    expect(await value('from-command')).toBe(1);
  });
});
