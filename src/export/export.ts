import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import type { Dialect } from '../db/database.js';
import type { Q } from '../db/q.js';
import { EXPORTED, EXPORT_FORMAT, EXPORT_VERSION, LEFT_OUT, OMITTED_COLUMNS, type ExportedTable } from './tables.js';

const PAGE = 500;

export type Row = Record<string, string | number | null>;

/** The migrations a database has applied, by name, sorted. */
export async function appliedMigrations(db: Q): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(db);
  return rows.map((r) => r.name);
}

/** A row as written: secrets dropped, columns in name order (so exports from either database compare). */
function canonical(t: ExportedTable, row: Record<string, unknown>): Row {
  const out: Row = {};
  for (const k of Object.keys(row).sort()) {
    if (t.omit && k in t.omit) continue;
    const v = row[k];
    out[k] = typeof v === 'bigint' ? Number(v) : (v as string | number | null);
  }
  return out;
}

async function* rowsOf(db: Q, t: ExportedTable): AsyncGenerator<Row> {
  // Paged by offset in key order: tables with a composite key have no one column to page on.
  for (let offset = 0; ; offset += PAGE) {
    let q = db.selectFrom(t.name as keyof DB).selectAll() as unknown as { orderBy(c: string): typeof q; limit(n: number): typeof q; offset(n: number): typeof q; execute(): Promise<Record<string, unknown>[]> };
    for (const k of t.key) q = q.orderBy(k);
    const page = await q.limit(PAGE).offset(offset).execute();
    for (const r of page) yield canonical(t, r);
    if (page.length < PAGE) return;
  }
}

/**
 * The whole publication as one versioned JSON document, written piece by piece to `write` (which
 * may wait, for back-pressure): a header saying what is left out, then every table of EXPORTED as
 * an array of rows. On PostgreSQL it reads inside one repeatable-read transaction, so the file is
 * one moment's state; SQLite's single connection cannot be held that long without stopping the
 * site, so there rows are read page by page.
 */
export async function exportPublication(db: Kysely<DB>, dialect: Dialect, write: (chunk: string) => unknown, o: { now: number }): Promise<void> {
  const run = async (q: Q) => {
    const header = {
      format: EXPORT_FORMAT,
      version: EXPORT_VERSION,
      exportedAt: new Date(o.now).toISOString(),
      migrations: await appliedMigrations(q),
      leftOut: { tables: LEFT_OUT, columns: OMITTED_COLUMNS },
    };
    await write(JSON.stringify(header).slice(0, -1) + ',"tables":{');
    for (const [i, t] of EXPORTED.entries()) {
      await write(`${i ? ',' : ''}\n${JSON.stringify(t.name)}:[`);
      let n = 0;
      let chunk = '';
      for await (const row of rowsOf(q, t)) {
        chunk += `${n++ ? ',' : ''}\n${JSON.stringify(row)}`;
        if (chunk.length > 1 << 16) {
          await write(chunk);
          chunk = '';
        }
      }
      await write(`${chunk}]`);
    }
    await write('\n}}\n');
  };
  if (dialect === 'postgres') await db.transaction().setIsolationLevel('repeatable read').execute(run);
  else await run(db);
}

/** The whole export as a string (tests, and a CLI writing to a file). */
export async function exportToString(db: Kysely<DB>, dialect: Dialect, o: { now: number }): Promise<string> {
  const parts: string[] = [];
  await exportPublication(db, dialect, (c) => parts.push(c), o);
  return parts.join('');
}
