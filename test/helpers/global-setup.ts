import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { openDatabase } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { browserSkipReason } from './browser.js';
import { buildEditor } from '../../src/web/editor/build.js';

declare module 'vitest' {
  export interface ProvidedContext {
    sqliteTemplate: string;
    pgTemplate: string | null;
    pgAdminUrl: string | null;
  }
}

/**
 * Migrate once per run: a SQLite template file that each test file copies, and
 * a PostgreSQL template database that each test file clones (CREATE DATABASE … TEMPLATE).
 */
export default async function setup(project: TestProject) {
  // The editor page loads the island from dist, as a built server does: build it once per run.
  await buildEditor();
  const dir = mkdtempSync(join(tmpdir(), 'masthead-test-'));
  const sqliteTemplate = join(dir, 'template.db');
  const s = openDatabase(`sqlite:${sqliteTemplate}`);
  await migrateToLatest(s);
  await s.close();
  project.provide('sqliteTemplate', sqliteTemplate);

  const browserSkip = browserSkipReason();
  if (browserSkip) console.warn(`\n!!! ${browserSkip}\n`);

  const url = process.env.TEST_DATABASE_URL;
  let pgTemplate: string | null = null;
  if (!url) {
    const msg = 'PostgreSQL suites (and the cluster tier, test/cluster) SKIPPED: TEST_DATABASE_URL is not set (e.g. postgres://postgres@127.0.0.1:5432/test)';
    if (process.env.REQUIRE_POSTGRES === '1') throw new Error(msg.replace('SKIPPED', 'REQUIRED but missing'));
    console.warn(`\n!!! ${msg}\n`);
  } else {
    pgTemplate = `masthead_tpl_${process.pid}`;
    const admin = new pg.Client({ connectionString: url });
    try {
      await admin.connect();
    } catch (err) {
      throw new Error(`TEST_DATABASE_URL is set but PostgreSQL is unreachable: ${(err as Error).message}`);
    }
    await dropStale(admin);
    await admin.query(`create database ${pgTemplate}`);
    await admin.end();
    const tplUrl = withDatabase(url, pgTemplate);
    const d = openDatabase(tplUrl);
    await migrateToLatest(d);
    await d.close();
  }
  project.provide('pgTemplate', pgTemplate);
  project.provide('pgAdminUrl', url ?? null);

  return async () => {
    rmSync(dir, { recursive: true, force: true });
    if (url && pgTemplate) {
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      await admin.query(`drop database if exists ${pgTemplate}`);
      await admin.end();
    }
  };
}

/**
 * Databases left behind by a killed run. A run's databases carry its pid; those of a run that is
 * still going (a second `npm test` against the same server) are left alone.
 */
async function dropStale(admin: pg.Client) {
  const { rows } = await admin.query<{ datname: string }>(`select datname from pg_database where datname like 'masthead\\_t%'`);
  for (const r of rows) {
    const pid = Number(/^masthead_t(?:pl)?_(\d+)(?:_|$)/.exec(r.datname)?.[1]);
    if (pid && pid !== process.pid && isAlive(pid)) continue;
    await admin.query(`drop database if exists ${r.datname} with (force)`).catch(() => {});
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}
