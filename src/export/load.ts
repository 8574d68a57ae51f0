import { sql, type Kysely, type Transaction } from 'kysely';
import { z } from 'zod';
import type { DB } from '../db/schema.js';
import type { Dialect } from '../db/database.js';
import { invalidInput } from '../errors.js';
import { indexArticle } from '../content/search.js';
import { renderDoc } from '../content/richtext/render.js';
import { docSchema, type Doc } from '../content/richtext/doc.js';
import { appliedMigrations, type Row } from './export.js';
import { EXPORTED, EXPORT_FORMAT, EXPORT_VERSION } from './tables.js';

const value = z.union([z.string(), z.number(), z.null()]);
const fileSchema = z.object({
  format: z.literal(EXPORT_FORMAT, { message: `not a Masthead publication export (format must be "${EXPORT_FORMAT}")` }),
  version: z.literal(EXPORT_VERSION, { message: `this Masthead reads export version ${EXPORT_VERSION}` }),
  migrations: z.array(z.string()),
  tables: z.record(z.string(), z.array(z.record(z.string(), value))),
});

const BATCH = 100;

/**
 * Loads an export (exportPublication's JSON, parsed) into an empty database, in one transaction:
 * it all goes in, or nothing does. Rows keep their ids; PostgreSQL's id sequences are moved past
 * them, and the search index is rebuilt from the articles. Column names are checked against the
 * database's own tables before any is used in a statement.
 */
export async function loadPublication(db: Kysely<DB>, dialect: Dialect, data: unknown): Promise<Record<string, number>> {
  const parsed = fileSchema.safeParse(data);
  if (!parsed.success) throw invalidInput(parsed.error.issues[0]!.message);
  const file = parsed.data;
  const known = new Set(EXPORTED.map((t) => t.name));
  const stray = Object.keys(file.tables).find((n) => !known.has(n));
  if (stray) throw invalidInput(`the export has a table this Masthead does not load: ${stray}`);
  const ours = new Set(await appliedMigrations(db));
  const newer = file.migrations.filter((m) => !ours.has(m));
  if (newer.length) throw invalidInput(`the export was made by a newer Masthead (migrations ${newer.join(', ')}); upgrade, run \`masthead migrate\`, then load it`);

  const columns = new Map((await db.introspection.getTables()).map((t) => [t.name, new Set(t.columns.map((c) => c.name))]));
  const busy: string[] = [];
  for (const t of EXPORTED) {
    const { n } = await (db.selectFrom(t.name as keyof DB) as any).select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow();
    if (Number(n) > 0) busy.push(`${t.name} (${n})`);
  }
  if (busy.length) throw invalidInput(`the database is not empty: ${busy.join(', ')}; load an export only into a new database`);

  const counts: Record<string, number> = {};
  await db.transaction().execute(async (trx) => {
    for (const t of EXPORTED) {
      const rows = file.tables[t.name] ?? [];
      const have = columns.get(t.name);
      if (!have) throw invalidInput(`this database has no table ${t.name}`);
      for (let i = 0; i < rows.length; i += BATCH) {
        const batch = rows.slice(i, i + BATCH).map((r, j) => {
          for (const c of Object.keys(r)) if (!have.has(c)) throw invalidInput(`${t.name} row ${i + j + 1}: unknown column "${c}"`);
          return { ...r, ...t.omit } as Row;
        });
        await (trx.insertInto(t.name as keyof DB) as any).values(batch).execute();
      }
      counts[t.name] = rows.length;
      if (dialect === 'postgres' && t.key.length === 1 && t.key[0] === 'id') {
        await sql`select setval(pg_get_serial_sequence(${t.name}, 'id'), coalesce((select max(id) from ${sql.table(t.name)}), 0) + 1, false)`.execute(trx);
      }
    }
    await reindex(trx, dialect, file.tables.articles ?? []);
  });
  return counts;
}

async function reindex(trx: Transaction<DB>, dialect: Dialect, articles: Row[]): Promise<void> {
  for (const a of articles) {
    let doc: Doc | undefined;
    try {
      const d = docSchema.safeParse(JSON.parse(String(a.body_doc)));
      if (d.success) doc = d.data;
    } catch {
      doc = undefined;
    }
    if (!doc) throw invalidInput(`article ${a.id}: its body is not a stored document`);
    const r = renderDoc(doc);
    await indexArticle(trx, dialect, { id: Number(a.id), title: String(a.title), dek: String(a.dek ?? ''), previewText: String(a.preview_text ?? ''), gatedText: r.gatedText });
  }
}
