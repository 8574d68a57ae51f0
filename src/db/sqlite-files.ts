import { existsSync } from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';

/**
 * SQLite files as files, for `masthead backup` and `restore`: copies by SQLite's online backup
 * API (consistent while a server writes), whether a server has one open, what one holds.
 */

/**
 * Copy the database `from` into `to` (created or overwritten) by the online backup API. All pages
 * go in one step: copied in small steps, a write by the running server in between would make
 * SQLite start over, and a busy site might never let a large copy finish. A destination that a
 * server is writing to right now is retried for a few seconds.
 */
export async function copySqlite(from: string, to: string): Promise<void> {
  const source = new BetterSqlite3(from, { fileMustExist: true });
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await source.backup(to, { progress: () => 0x7fffffff });
        return;
      } catch (err) {
        if ((err as { code?: string }).code !== 'SQLITE_BUSY' || attempt >= 25) throw err;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  } finally {
    source.close();
  }
}

/**
 * Whether another connection (a running server, another command) has the database open. In WAL
 * mode every connection holds a shared lock for as long as it is open, so an exclusive lock
 * is refused exactly then.
 */
export function sqliteInUse(path: string): boolean {
  if (!existsSync(path)) return false;
  const db = new BetterSqlite3(path, { fileMustExist: true, timeout: 0 });
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('begin exclusive; commit');
    return false;
  } catch (err) {
    if ((err as { code?: string }).code === 'SQLITE_BUSY') return true;
    throw err;
  } finally {
    db.close();
  }
}

export interface SqliteSummary {
  /** Tables of any kind; 0 for a new, empty file. */
  tables: number;
  /** Has Masthead's migrations table. */
  masthead: boolean;
  articles: number;
  members: number;
  staff: number;
}

/** What a database file holds, read only. */
export function sqliteSummary(path: string): SqliteSummary {
  const db = new BetterSqlite3(path, { fileMustExist: true, readonly: true });
  try {
    const names = new Set((db.prepare(`select name from sqlite_master where type = 'table'`).all() as { name: string }[]).map((r) => r.name));
    const count = (table: string) => (names.has(table) ? (db.prepare(`select count(*) as n from ${table}`).get() as { n: number }).n : 0);
    return { tables: names.size, masthead: names.has('kysely_migration'), articles: count('articles'), members: count('members'), staff: count('staff_users') };
  } finally {
    db.close();
  }
}

/** SQLite's own check of the file's structure: null when sound, else what is wrong. */
export function sqliteProblem(path: string): string | null {
  let db: BetterSqlite3.Database | undefined;
  try {
    db = new BetterSqlite3(path, { fileMustExist: true, readonly: true });
    const rows = db.pragma('quick_check') as { quick_check: string }[];
    return rows.length === 1 && rows[0]!.quick_check === 'ok' ? null : rows.map((r) => r.quick_check).slice(0, 3).join('; ');
  } catch (err) {
    return (err as Error).message;
  } finally {
    db?.close();
  }
}
