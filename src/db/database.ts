import BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { dialectOf, sqlitePath } from '../config.js';
import { StartupError } from '../errors.js';
import type { DB } from './schema.js';
import { startCheckpointer, type Checkpointer } from './checkpointer.js';

export type Dialect = 'sqlite' | 'postgres';

export interface Database {
  db: Kysely<DB>;
  dialect: Dialect;
  close(): Promise<void>;
  /**
   * SQLite only: a number that changes whenever this process writes to what a session lookup
   * reads (sessions, members, comment_bans). The process is the only writer on SQLite (the
   * CLI aside), so a lookup cached at one version is exact until the version moves.
   */
  sessionDataVersion?: () => number;
  /** SQLite in a serving process: the thread that checkpoints the WAL. */
  checkpointer?: Checkpointer;
  /**
   * PostgreSQL only: one pooled connection held for `fn`, over which `run` sends a script of
   * several statements as one simple query (one round trip, so one socket write each way) and
   * returns each statement's rows. A simple query takes no parameters: callers inline only
   * values they have validated. On any error the connection is closed, not pooled, so an open or
   * aborted transaction never reaches another caller.
   */
  oneConnection?: <T>(fn: (run: (script: string) => Promise<Record<string, unknown>[][]>) => Promise<T>) => Promise<T>;
}

// int8 columns (our epoch-ms times) come back as JS numbers; they stay far below 2^53.
pg.types.setTypeParser(20, (v) => Number(v));

export function openDatabase(url: string, opts: { poolSize?: number; backgroundCheckpoint?: boolean } = {}): Database {
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
    // Statement journals (every write in a transaction that may need undoing) stay in memory, not in temp files.
    handle.pragma('temp_store = MEMORY');
    // 64 MB of page cache (SQLite's default is 2 MB): the meter's table outgrows 2 MB within an
    // hour of a busy day, and each flush then read its pages back from the OS again.
    handle.pragma('cache_size = -65536');
    // A serving process checkpoints off the event loop (db/checkpointer.ts); the CLI and tests keep SQLite's own.
    const checkpointer = opts.backgroundCheckpoint && file !== ':memory:' ? startCheckpointer(file) : undefined;
    if (checkpointer) handle.pragma('wal_autocheckpoint = 0');
    const version = { n: 0 };
    const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: withStatementCache(handle, version) }) });
    return {
      db, dialect, checkpointer,
      close: async () => {
        await checkpointer?.stop();
        // The last connection to close checkpoints what is left of the WAL.
        await db.destroy();
      },
      sessionDataVersion: () => version.n,
    };
  }
  const pool = new pg.Pool({ connectionString: url, max: opts.poolSize ?? 10 });
  // An idle client losing its server must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  const oneConnection: NonNullable<Database['oneConnection']> = async (fn) => {
    const client = await pool.connect();
    let failed: Error | undefined;
    try {
      return await fn(async (script) => {
        // Without values, node-postgres uses the simple query protocol, which allows several statements.
        const r = (await client.query(script)) as pg.QueryResult | pg.QueryResult[];
        return (Array.isArray(r) ? r : [r]).map((x) => x.rows as Record<string, unknown>[]);
      });
    } catch (err) {
      failed = err as Error;
      throw err;
    } finally {
      client.release(failed ?? false);
    }
  };
  return { db, dialect, close: () => db.destroy(), oneConnection };
}

/**
 * The database as a serving process opens it: the server (app.ts), and the benches that measure
 * the app in their own process, which opened it as the CLI does and so timed SQLite checkpoints
 * on the event loop that the server never makes there (an autosave's p99 was those pauses).
 */
export function openServingDatabase(url: string, poolSize?: number): Database {
  return openDatabase(url, { poolSize, backgroundCheckpoint: true });
}

/** Writes to the tables a session lookup reads. */
const SESSION_WRITE = /^\s*(?:insert\s+(?:or\s+\w+\s+)?into|update|delete\s+from|replace\s+into)\s+"?(?:sessions|members|comment_bans)\b/i;

/**
 * Kysely's SQLite driver prepares every statement on every call; preparing is a
 * fifth of an article view's CPU. Our queries are few and parameterised, so the
 * prepared statements are kept, by SQL text, and reused. better-sqlite3 runs a
 * statement to completion synchronously, so one statement is never in use twice.
 * Every execution passes here, so this is also where writes that a session lookup depends on
 * move `version`: no write path can forget to.
 */
function withStatementCache(handle: BetterSqlite3.Database, version: { n: number }): BetterSqlite3.Database {
  const cache = new Map<string, { stmt: BetterSqlite3.Statement; sessionWrite: boolean }>();
  const MAX = 500;
  return new Proxy(handle, {
    get(target, prop) {
      if (prop === 'prepare') {
        return (text: string) => {
          // Every transaction takes the write lock as it begins: with a second writer (a `masthead`
          // command while the server runs) a deferred one that read and then wrote could find its
          // snapshot overtaken and fail with SQLITE_BUSY at once; an immediate one waits its turn.
          const sqlText = text === 'begin' ? 'begin immediate' : text;
          let entry = cache.get(sqlText);
          if (!entry) {
            entry = { stmt: target.prepare(sqlText), sessionWrite: SESSION_WRITE.test(sqlText) };
            // Statements with many distinct shapes (IN lists of varying length) must not grow the cache forever.
            if (cache.size >= MAX) cache.delete(cache.keys().next().value!);
            cache.set(sqlText, entry);
          }
          if (entry.sessionWrite) version.n++;
          return entry.stmt;
        };
      }
      const v = Reflect.get(target, prop, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

/** A round trip to the database: throws when it cannot be reached (health checks, start-up). */
export async function ping(database: Database): Promise<void> {
  await sql`select 1`.execute(database.db);
}

/** Fail fast, with one line, when the database cannot be reached. */
export async function checkConnection(database: Database, url: string): Promise<void> {
  try {
    await ping(database);
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
