import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import type { Database, Dialect } from './database.js';
import * as m001 from './migrations/001_initial.js';
import * as m002 from './migrations/002_accounts.js';
import * as m003 from './migrations/003_meter.js';
import * as m004 from './migrations/004_billing.js';
import * as m005 from './migrations/005_comments.js';
import * as m006 from './migrations/006_imports.js';
import * as m007 from './migrations/007_auth_hardening.js';

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
};

class InlineProvider implements MigrationProvider {
  constructor(private readonly dialect: Dialect) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    return Object.fromEntries(
      Object.entries(MIGRATIONS).map(([name, m]) => [name, { up: (db: Kysely<any>) => m.up(db, this.dialect) }]),
    );
  }
}

export interface MigrateResult { applied: string[] }

export async function migrateToLatest(database: Database): Promise<MigrateResult> {
  const migrator = new Migrator({ db: database.db, provider: new InlineProvider(database.dialect) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`migration ${failed?.migrationName ?? ''} failed: ${reason}`);
  }
  return { applied: (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName) };
}
