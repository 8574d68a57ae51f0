import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { openDatabase, type Database, type Dialect } from '../../src/db/database.js';
import { withDatabase } from './global-setup.js';

/** The dialects this run covers: SQLite always, PostgreSQL when TEST_DATABASE_URL is set. */
export function dialects(): Dialect[] {
  return inject('pgTemplate') ? ['sqlite', 'postgres'] : ['sqlite'];
}

export interface TestDatabase extends Database {
  url: string;
  /** Close and delete the database. */
  destroy(): Promise<void>;
}

/** A fresh, migrated database of its own for one test file (copied or cloned from the run's template). */
export async function freshDatabase(dialect: Dialect): Promise<TestDatabase> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'masthead-db-'));
    const file = join(dir, 'test.db');
    copyFileSync(inject('sqliteTemplate'), file);
    const url = `sqlite:${file}`;
    const d = openDatabase(url);
    return { ...d, url, destroy: async () => { await d.close(); rmSync(dir, { recursive: true, force: true }); } };
  }
  const adminUrl = inject('pgAdminUrl')!;
  // Named after the run (the pid in the template's name), so another run's clean-up can tell it is alive.
  const run = /_(\d+)$/.exec(inject('pgTemplate')!)?.[1] ?? '0';
  const name = `masthead_t_${run}_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  for (let attempt = 0; ; attempt++) {
    try {
      await admin.query(`create database ${name} template ${inject('pgTemplate')}`);
      break;
    } catch (err) {
      // Two files cloning the template at the same instant: PostgreSQL asks the second to wait its turn.
      if (attempt < 20 && /being accessed by other users/.test((err as Error).message)) {
        await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
        continue;
      }
      throw err;
    }
  }
  await admin.end();
  const url = withDatabase(adminUrl, name);
  const d = openDatabase(url, { poolSize: 4 });
  return {
    ...d,
    url,
    destroy: async () => {
      await d.close();
      const a = new pg.Client({ connectionString: adminUrl });
      await a.connect();
      await a.query(`drop database if exists ${name} with (force)`);
      await a.end();
    },
  };
}
