import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import type { Q } from '../db/q.js';
import type { Dialect } from '../db/database.js';
import type { Clock } from '../clock.js';
import type { BillingDeps } from '../billing/subscriptions.js';
import { grantComp } from '../billing/subscriptions.js';
import { setSubscription, signupNewsletterIds } from '../newsletters/newsletters.queries.js';
import { CsvFileError, readCsv } from './csv.js';
import { readHeader, readRow, type CsvFormat, type MemberRecord, type RowProblem } from './member-rows.js';
import { addLabelLinks, ensureLabels, membersByEmail } from './directory.queries.js';
import { audit } from './audit.js';
import { enqueue } from '../jobs/queue.js';

/**
 * Member CSV imports (Ghost, Substack, or any file with an email column). The whole file is read
 * and checked first, so every bad row is reported by its line before anything is written; the
 * good rows are then written in batches, each batch one transaction together with the progress
 * it makes, so a failure leaves whole rows or none. Idempotent by address: a member who exists
 * is not created again; only what they lack (name, note, Stripe customer, labels, complimentary
 * access) is filled in, so importing the same file twice changes nothing the second time.
 *
 * From the members page the import is a job (MEMBER_IMPORT_JOB): the file is stored with its
 * member_imports row and the job in one transaction, and the job reads it again and writes it, so
 * the upload's answer does not wait and a run whose instance died is taken over (idempotence makes
 * the rerun safe; its counts then call the rows the first run wrote "updated").
 */
export const MEMBER_IMPORT_JOB = 'members.import';
export const MAX_IMPORT_ROWS = 500_000;
export const MAX_IMPORT_BYTES = 100 * 1024 * 1024;
const BATCH = 1000;
/** Problems kept for the report; the count is always whole. */
const KEEP_PROBLEMS = 5000;

export interface ImportDeps { db: Kysely<DB>; dialect: Dialect; clock: Clock; billing: BillingDeps }

export interface CheckedFile { format: CsvFormat; records: MemberRecord[]; problems: RowProblem[]; rows: number }

/** Read and check a whole file; a problem with the file as a whole is a sentence. */
export async function checkFile(bytes: Uint8Array): Promise<CheckedFile | { fileProblem: string }> {
  if (bytes.length > MAX_IMPORT_BYTES) return { fileProblem: `the file is larger than ${MAX_IMPORT_BYTES / 1024 / 1024} MB` };
  let header: ReturnType<typeof readHeader> | null = null;
  const records: MemberRecord[] = [];
  const problems: RowProblem[] = [];
  const seen = new Map<string, number>();
  let rows = 0;
  try {
    for await (const r of readCsv(bytes)) {
      if (!header) {
        if (r.error !== undefined) return { fileProblem: `the first row cannot be read: ${r.error}` };
        header = readHeader(r.fields);
        if ('problem' in header) return { fileProblem: header.problem };
        continue;
      }
      if ('problem' in header) break;
      if (++rows > MAX_IMPORT_ROWS) return { fileProblem: `the file has more than ${MAX_IMPORT_ROWS.toLocaleString('en')} rows; split it` };
      if (r.error !== undefined) { problems.push({ line: r.line, email: '', problem: r.error }); continue; }
      const row = readRow(header, r.line, r.fields);
      if ('problem' in row) { problems.push(row); continue; }
      const first = seen.get(row.emailNormalized);
      if (first !== undefined) { problems.push({ line: r.line, email: row.email, problem: `the same address as line ${first}` }); continue; }
      seen.set(row.emailNormalized, r.line);
      records.push(row);
    }
  } catch (err) {
    if (err instanceof CsvFileError) return { fileProblem: err.message };
    throw err;
  }
  if (!header || 'problem' in header) return { fileProblem: 'the file is empty' };
  return { format: header.format, records, problems, rows };
}

export interface DryRun { format: CsvFormat; rows: number; create: number; update: number; problems: RowProblem[] }

/** What an import would do, writing nothing. */
export async function dryRun(d: ImportDeps, file: CheckedFile): Promise<DryRun> {
  let existing = 0;
  for (let i = 0; i < file.records.length; i += BATCH) {
    existing += (await membersByEmail(d.db, file.records.slice(i, i + BATCH).map((r) => r.emailNormalized))).length;
  }
  return { format: file.format, rows: file.rows, create: file.records.length - existing, update: existing, problems: file.problems };
}

/** Record the import and its problems; the rows are written by runImport. */
export async function createImport(d: ImportDeps, file: CheckedFile, fileName: string, staffUserId: number, data: Buffer | null = null): Promise<number> {
  const r = await d.db.insertInto('member_imports').values({
    staff_user_id: staffUserId, file_name: fileName.slice(0, 200), format: file.format, state: 'running',
    rows_total: file.records.length, rows_done: 0, created: 0, updated: 0,
    problems: JSON.stringify({ count: file.problems.length, rows: file.problems.slice(0, KEEP_PROBLEMS) }), error: null, started_at: d.clock.now(), finished_at: null,
    data,
  }).returning('id').executeTakeFirstOrThrow();
  return r.id;
}

/** The import as a job: its row with the file, and the job, in one transaction. Returns the import's id. */
export async function startImport(d: ImportDeps, file: CheckedFile, bytes: Buffer, fileName: string, staffUserId: number): Promise<number> {
  return d.db.transaction().execute(async (trx) => {
    const id = await createImport({ ...d, db: trx }, file, fileName, staffUserId, bytes);
    await enqueue(trx, MEMBER_IMPORT_JOB, { importId: id }, { now: d.clock.now(), maxAttempts: 3 });
    return id;
  });
}

/** The job: check the stored file again (the same rules, so the same rows), write it, then let the file go. */
export function memberImportHandler(d: ImportDeps & { onProgress?: () => void }) {
  return async (p: { importId: number }): Promise<void> => {
    const row = await d.db.selectFrom('member_imports').select(['state', 'data', 'staff_user_id']).where('id', '=', p.importId).executeTakeFirst();
    if (!row || row.state !== 'running' || !row.data) return;
    const checked = await checkFile(new Uint8Array(row.data));
    if ('fileProblem' in checked) {
      await d.db.updateTable('member_imports').set({ state: 'failed', error: checked.fileProblem, finished_at: d.clock.now(), data: null }).where('id', '=', p.importId).execute();
      return;
    }
    await runImport(d, p.importId, checked, row.staff_user_id ?? 0, d.onProgress);
    await d.db.updateTable('member_imports').set({ data: null }).where('id', '=', p.importId).execute();
  };
}

/** Write the checked rows, a batch per transaction with its progress. Never throws: a failure is recorded on the import. */
export async function runImport(d: ImportDeps, importId: number, file: CheckedFile, staffUserId: number, onProgress?: () => void): Promise<void> {
  let created = 0, updated = 0;
  try {
    const newsletters = await signupNewsletterIds(d.db);
    for (let i = 0; i < file.records.length; i += BATCH) {
      const batch = file.records.slice(i, i + BATCH);
      await d.db.transaction().execute(async (trx) => {
        const r = await writeBatch({ ...d, db: trx }, batch, newsletters);
        created += r.created;
        updated += r.updated;
        await trx.updateTable('member_imports').set({ rows_done: i + batch.length, created, updated }).where('id', '=', importId).execute();
      });
      onProgress?.();
    }
    await d.db.transaction().execute(async (trx) => {
      await trx.updateTable('member_imports').set({ state: 'done', finished_at: d.clock.now() }).where('id', '=', importId).execute();
      await audit(trx, { at: d.clock.now(), actor: `staff:${staffUserId}`, action: 'members.import', target: `member_import:${importId}`, details: { format: file.format, rows: file.rows, created, updated, problems: file.problems.length } });
    });
  } catch (err) {
    const message = err instanceof Error ? err.message.replace(/\s+/g, ' ').slice(0, 300) : String(err);
    await d.db.updateTable('member_imports').set({ state: 'failed', error: `the import stopped after ${created + updated} rows: ${message}`, finished_at: d.clock.now() }).where('id', '=', importId).execute().catch(() => {});
  }
}

async function writeBatch(d: ImportDeps, batch: MemberRecord[], newsletters: number[]): Promise<{ created: number; updated: number }> {
  const now = d.clock.now();
  const existing = new Map((await membersByEmail(d.db, batch.map((r) => r.emailNormalized))).map((m) => [m.email_normalized, m]));
  const fresh = batch.filter((r) => !existing.has(r.emailNormalized));
  const ids = new Map<string, number>();
  for (let i = 0; i < fresh.length; i += 500) {
    const inserted = await d.db.insertInto('members').values(fresh.slice(i, i + 500).map((r) => ({
      email: r.email, email_normalized: r.emailNormalized, name: r.name, note: r.note, status: 'free',
      // A member who took the other platform's newsletters had confirmed their address there.
      email_verified: r.subscribed ? 1 : 0, password_hash: null, created_at: r.createdAt ?? now, last_seen_at: null, deleted_at: null,
      stripe_customer_id: r.stripeCustomerId,
    }))).returning(['id', 'email_normalized']).execute();
    for (const m of inserted) ids.set(m.email_normalized, m.id);
  }
  let updated = 0;
  for (const r of batch) {
    const m = existing.get(r.emailNormalized);
    if (!m) continue;
    ids.set(r.emailNormalized, m.id);
    const patch: { name?: string; note?: string; stripe_customer_id?: string } = {};
    if (!m.name && r.name) patch.name = r.name;
    if (!m.note && r.note) patch.note = r.note;
    if (!m.stripe_customer_id && r.stripeCustomerId) patch.stripe_customer_id = r.stripeCustomerId;
    if (Object.keys(patch).length) await d.db.updateTable('members').set(patch).where('id', '=', m.id).execute();
    updated++;
  }
  const labels = await ensureLabels(d.db, batch.flatMap((r) => r.labels), now);
  await addLabelLinks(d.db, batch.flatMap((r) => r.labels.map((l) => ({ label_id: labels.get(l.slug)!, member_id: ids.get(r.emailNormalized)! }))));
  for (const r of fresh) {
    if (!r.subscribed) continue;
    for (const n of newsletters) await setSubscription(d.db, ids.get(r.emailNormalized)!, n, true, 'import', now);
  }
  for (const r of batch) {
    if (!r.complimentary) continue;
    const status = existing.get(r.emailNormalized)?.status ?? 'free';
    if (status === 'comp' || status === 'paid') continue;
    await grantComp({ ...d.billing, db: d.db }, ids.get(r.emailNormalized)!, 'import: complimentary plan in the imported file');
  }
  return { created: fresh.length, updated };
}

export interface ImportStatus {
  id: number; fileName: string; format: string; state: 'running' | 'done' | 'failed'; total: number; done: number; created: number; updated: number;
  problems: { count: number; rows: RowProblem[] }; error: string | null; startedAt: number; finishedAt: number | null;
}

export async function importStatus(db: Kysely<DB>, id: number): Promise<ImportStatus | undefined> {
  const r = await db.selectFrom('member_imports').selectAll().where('id', '=', id).executeTakeFirst();
  if (!r) return undefined;
  return {
    id: r.id, fileName: r.file_name, format: r.format, state: r.state as ImportStatus['state'], total: r.rows_total, done: r.rows_done,
    created: r.created, updated: r.updated, problems: JSON.parse(r.problems), error: r.error, startedAt: r.started_at, finishedAt: r.finished_at,
  };
}

/**
 * A member's erasure: the lines of past import reports that name their address keep their line
 * number and problem, not the address. (The reports are a few rows, one per import.)
 */
export async function forgetInImportReports(db: Q, emailNormalized: string): Promise<void> {
  for (const r of await db.selectFrom('member_imports').select(['id', 'problems']).execute()) {
    if (!r.problems.toLowerCase().includes(emailNormalized)) continue;
    const report = JSON.parse(r.problems) as { count: number; rows: RowProblem[] };
    report.rows = report.rows.map((p) => (p.email.trim().toLowerCase() === emailNormalized ? { ...p, email: '' } : p));
    await db.updateTable('member_imports').set({ problems: JSON.stringify(report) }).where('id', '=', r.id).execute();
  }
}
