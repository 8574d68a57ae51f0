import BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { dialectOf, sqlitePath } from '../config.js';
import { StartupError } from '../errors.js';
import type { DB } from './schema.js';

export type Dialect = 'sqlite' | 'postgres';

export interface Database {
  db: Kysely<DB>;
  dialect: Dialect;
  close(): Promise<void>;
}

// int8 columns (our epoch-ms times) come back as JS numbers; they stay far below 2^53.
pg.types.setTypeParser(20, (v) => Number(v));

export function openDatabase(url: string, opts: { poolSize?: number } = {}): Database {
  const dialect = dialectOf(url);
  if (dialect === 'sqlite') {
    const file = sqlitePath(url);
    let handle: BetterSqlite3.Database;
    try {
      handle = new BetterSqlite3(file);
    } catch (err) {
      throw new StartupError(`cannot open SQLite database ${file}: ${(err as Error).message}`);
    }
    handle.pragma('journal_mode = WAL');
    handle.pragma('synchronous = NORMAL');
    handle.pragma('foreign_keys = ON');
    handle.pragma('busy_timeout = 5000');
    const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: handle }) });
    return { db, dialect, close: () => db.destroy() };
  }
  const pool = new pg.Pool({ connectionString: url, max: opts.poolSize ?? 10 });
  // An idle client losing its server must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  return { db, dialect, close: () => db.destroy() };
}

/** Fail fast, with one line, when the database cannot be reached. */
export async function checkConnection(database: Database, url: string): Promise<void> {
  try {
    await sql`select 1`.execute(database.db);
  } catch (err) {
    const where = database.dialect === 'postgres' ? safeHost(url) : sqlitePath(url);
    const e = err as NodeJS.ErrnoException;
    throw new StartupError(`cannot reach database at ${where}: ${e.code ?? ''} ${e.message}`.replace(/\s+/g, ' ').trim());
  }
}

function safeHost(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || 5432}${u.pathname}`;
  } catch {
    return 'the configured URL';
  }
}
