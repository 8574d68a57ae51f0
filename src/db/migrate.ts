import { Migrator, sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import type { Database, Dialect } from './database.js';
import { StartupError } from '../errors.js';
import * as m001 from './migrations/001_initial.js';
import * as m002 from './migrations/002_accounts.js';
import * as m003 from './migrations/003_meter.js';
import * as m004 from './migrations/004_billing.js';
import * as m005 from './migrations/005_comments.js';
import * as m006 from './migrations/006_imports.js';
import * as m007 from './migrations/007_auth_hardening.js';
import * as m008 from './migrations/008_cluster.js';
import * as m009 from './migrations/009_revisions.js';
import * as m010 from './migrations/010_media.js';
import * as m011 from './migrations/011_newsletters.js';
import * as m012 from './migrations/012_dashboard.js';
import * as m013 from './migrations/013_members.js';
import * as m014 from './migrations/014_staff_offers.js';
import * as m016 from './migrations/016_newsletter_publish.js';
import * as m017 from './migrations/017_preview_links.js';
import * as m018 from './migrations/018_import_runs.js';
import * as m019 from './migrations/019_newsroom_list_indexes.js';
import * as m020 from './migrations/020_member_import_jobs.js';
import * as m021 from './migrations/021_newsletter_tracking.js';
import * as m022 from './migrations/022_newsroom_title_search.js';
import * as m023 from './migrations/023_long_text_lz4.js';

type DialectMigration = { up(db: Kysely<any>, dialect: Dialect): Promise<void> };

/** The one ordered migration set for both dialects. Append; never edit a shipped entry. */
const MIGRATIONS: Record<string, DialectMigration> = {
  '001_initial': m001,
  '002_accounts': m002,
  '003_meter': m003,
  '004_billing': m004,
  '005_comments': m005,
  '006_imports': m006,
  '007_auth_hardening': m007,
  '008_cluster': m008,
  '009_revisions': m009,
  '010_media': m010,
  '011_newsletters': m011,
  '012_dashboard': m012,
  '013_members': m013,
  '014_staff_offers': m014,
  '016_newsletter_publish': m016,
  '017_preview_links': m017,
  '018_import_runs': m018,
  '019_newsroom_list_indexes': m019,
  '020_member_import_jobs': m020,
  '021_newsletter_tracking': m021,
  '022_newsroom_title_search': m022,
  '023_long_text_lz4': m023,
};

/** Every migration's name, in order (the cluster tier checks that all were applied once). */
export const MIGRATION_NAMES: readonly string[] = Object.keys(MIGRATIONS);

class InlineProvider implements MigrationProvider {
  constructor(private readonly dialect: Dialect) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    return Object.fromEntries(
      Object.entries(MIGRATIONS).map(([name, m]) => [name, { up: (db: Kysely<any>) => m.up(db, this.dialect) }]),
    );
  }
}

export interface MigrateResult { applied: string[] }

/**
 * Applies what is missing. On PostgreSQL under the start-up lock, so instances started together
 * on an empty database migrate once: the first applies everything, the others wait for it and
 * find nothing left to do. `onWait` is called when another instance holds the lock.
 */
export async function migrateToLatest(database: Database, opts: { onWait?: () => void } = {}): Promise<MigrateResult> {
  return withStartupLock(database, async () => {
    const migrator = new Migrator({ db: database.db, provider: new InlineProvider(database.dialect) });
    const { error, results } = await migrator.migrateToLatest();
    if (error) {
      const reason = (error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ');
      // A newer version migrated this database (a rolling upgrade): this one must not run on it.
      const unknown = /previously executed migration (\S+) is missing/.exec(reason)?.[1];
      if (unknown) throw new StartupError(`the database has migration ${unknown}, which this version of Masthead does not know: a newer version migrated it; run that version`);
      const failed = results?.find((r) => r.status === 'Error');
      throw new StartupError(`migration ${failed?.migrationName ?? ''} failed: ${reason}`);
    }
    return { applied: (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName) };
  }, opts.onWait);
}

/** Our key for pg_advisory_lock: start-up work that must happen once per database. */
const STARTUP_LOCK = sql.lit(7_414_212_014);

/**
 * Run `fn` holding PostgreSQL's session-level advisory lock for start-up work (migrations, the demo
 * load). The lock is held by a connection of its own and dies with it, so an instance killed
 * halfway never leaves it taken. SQLite has one writer and a file lock, and needs none.
 */
export async function withStartupLock<T>(database: Database, fn: () => Promise<T>, onWait?: () => void): Promise<T> {
  if (database.dialect !== 'postgres') return fn();
  return database.db.connection().execute(async (conn) => {
    const free = await sql<{ ok: boolean }>`select pg_try_advisory_lock(${STARTUP_LOCK}) as ok`.execute(conn);
    if (!free.rows[0]?.ok) {
      onWait?.();
      await sql`select pg_advisory_lock(${STARTUP_LOCK})`.execute(conn);
    }
    try {
      return await fn();
    } finally {
      await sql`select pg_advisory_unlock(${STARTUP_LOCK})`.execute(conn).catch(() => {});
    }
  });
}

/**
 * Migrations this code has and the database has not applied, for /readyz. A database with none
 * applied yet (no migration table) has them all pending. Migrations the database has and this code
 * does not (a newer instance migrated during a rolling upgrade) do not count: they only add.
 */
export async function pendingMigrations(database: Database): Promise<string[]> {
  let applied: Set<string>;
  try {
    const { rows } = await sql<{ name: string }>`select name from kysely_migration`.execute(database.db);
    applied = new Set(rows.map((r) => r.name));
  } catch (err) {
    const e = err as { code?: string; message?: string };
    if (e.code !== '42P01' && !/no such table/i.test(e.message ?? '')) throw err;
    applied = new Set();
  }
  return Object.keys(MIGRATIONS).filter((name) => !applied.has(name));
}
