import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import type { Q } from '../db/q.js';
import type { ContentDeps } from '../content/deps.js';
import { enqueue } from '../jobs/queue.js';
import { audit } from '../members/audit.js';
import { detectFormat, SNIFF_BYTES } from './detect.js';
import type { ImageImportOptions } from './images.js';
import type { ImportOutcome } from './import.service.js';
import { finishRun, insertRun, markRunning, runArchive, saveProgress, type RunCounts } from './import-runs.queries.js';

/**
 * Imports started from Settings → Import (issue 16): the upload is checked, stored with its run
 * and its job in one transaction (a refused upload stores nothing), and the job imports it off
 * the request through the same runImport as the CLI and the Admin API, writing its counts as it
 * goes so the status page can show them.
 */

export const IMPORT_RUN_JOB = 'import.run';
/** What the page takes: the formats that hold many articles. A single text goes through the CLI. */
export const ARCHIVE_FORMATS = ['wxr', 'ghost', 'html'] as const;
export type ArchiveFormat = (typeof ARCHIVE_FORMATS)[number];
/** Held whole in the database until the job runs; bigger archives go through `masthead import`, which streams. */
export const ARCHIVE_LIMIT = 64 * 1024 * 1024;
const KEEP_FLAGGED = 500;
const KEEP_FAILURES = 100;
/** How often the counts are written while a run is going. */
const PROGRESS_MS = 500;

export type ArchiveCheck = { ok: true; format: ArchiveFormat } | { ok: false; message: string };

/**
 * Whether an upload is an archive the page imports, and whole: the format by name, then by its
 * first bytes; a WordPress export must end with </rss>, a Ghost export must parse, a page that
 * opens <html> must close it, so an archive cut short in transit is refused rather than half imported.
 */
export function checkArchive(name: string, data: Buffer): ArchiveCheck {
  if (data.length === 0) return { ok: false, message: 'Choose a file to import: the one sent was empty.' };
  if (data.length > ARCHIVE_LIMIT) return { ok: false, message: `The file is larger than ${ARCHIVE_LIMIT / 1024 / 1024} MB, the most this page takes; import bigger archives with \`masthead import\`, which streams them.` };
  const head = data.subarray(0, SNIFF_BYTES).toString('utf8');
  const format = detectFormat(name, head);
  if (!(ARCHIVE_FORMATS as readonly string[]).includes(format)) {
    return { ok: false, message: 'This is not an archive the importer reads: upload a WordPress export (.xml or .wxr), a Ghost export (.json) or an HTML page.' };
  }
  const tail = data.subarray(Math.max(0, data.length - 1024)).toString('utf8').trimEnd().toLowerCase();
  if (format === 'wxr' && !tail.endsWith('</rss>')) return { ok: false, message: 'This WordPress export is cut short (it does not end with </rss>): export it again and upload the whole file.' };
  if (format === 'ghost') {
    try {
      JSON.parse(data.toString('utf8'));
    } catch {
      return { ok: false, message: 'This Ghost export is not valid JSON (it may be cut short): export it again and upload the whole file.' };
    }
  }
  if (format === 'html' && /<html[\s>]/i.test(head) && !tail.endsWith('</html>')) return { ok: false, message: 'This HTML page is cut short (it does not end with </html>): save it again and upload the whole file.' };
  return { ok: true, format: format as ArchiveFormat };
}

/** Store the run and its job together, and log who started it. Returns the run's id. */
export async function startImportRun(
  d: { db: Kysely<DB>; now: number },
  upload: { name: string; data: Buffer; format: ArchiveFormat; fetchImages: boolean },
  who: { staffId: number; ip: string },
): Promise<number> {
  return d.db.transaction().execute(async (trx: Q) => {
    const id = await insertRun(trx, { name: upload.name, format: upload.format, data: upload.data, fetchImages: upload.fetchImages, staffId: who.staffId, now: d.now });
    await enqueue(trx, IMPORT_RUN_JOB, { runId: id }, { now: d.now, maxAttempts: 3 });
    await audit(trx, { at: d.now, actor: `staff:${who.staffId}`, action: 'content.import_started', target: upload.name, ip: who.ip, details: { run: id, format: upload.format, bytes: upload.data.length } });
    return id;
  });
}

/** The counts a run shows, grown one outcome at a time: a pure step, so it is tested on its own. */
export function countOutcome(c: RunCounts, o: ImportOutcome): RunCounts {
  if (o.kind === 'failed') {
    return { ...c, failed: c.failed + 1, failures: c.failures.length < KEEP_FAILURES ? [...c.failures, { position: o.position, message: o.message }] : c.failures };
  }
  const next = { ...c };
  if (o.kind === 'created') next.created++;
  else if (o.kind === 'updated') next.updated++;
  else next.unchanged++;
  if (o.flags.length) {
    next.flagged++;
    if (o.articleId !== null && next.flaggedIds.length < KEEP_FLAGGED) next.flaggedIds = [...next.flaggedIds, o.articleId];
  }
  return next;
}

export const NO_COUNTS: RunCounts = { created: 0, updated: 0, unchanged: 0, flagged: 0, failed: 0, flaggedIds: [], failures: [] };

/**
 * The job: read the archive, import it as drafts, write the counts every half second and at the
 * end. A run the archive breaks (not readable at all) is marked failed with the reason and not
 * retried; an instance that dies mid-run has its job taken over, and the rerun skips what was done.
 */
export function importRunHandler(d: { content: ContentDeps; images?: ImageImportOptions; now: () => number }) {
  return async (p: { runId: number }): Promise<void> => {
    const db = d.content.db;
    const run = await runArchive(db, p.runId);
    if (!run || !run.data || run.status === 'done' || run.status === 'failed') return;
    await markRunning(db, p.runId, d.now());
    let counts = NO_COUNTS;
    let written = d.now();
    let writing: Promise<void> = Promise.resolve();
    const { runImport } = await import('./run.js');
    try {
      await runImport(d.content, { kind: 'buffer', data: Buffer.from(run.data), name: run.name }, {
        format: run.format as ArchiveFormat, includePages: false, publish: false, dryRun: false,
        images: run.fetch_images && d.images ? d.images : undefined,
      }, {
        onOutcome: (o) => {
          counts = countOutcome(counts, o);
          if (d.now() - written >= PROGRESS_MS) {
            written = d.now();
            const snapshot = counts;
            writing = writing.then(() => saveProgress(db, p.runId, snapshot));
          }
        },
      });
      await writing;
      await saveProgress(db, p.runId, counts);
      await finishRun(db, p.runId, 'done', d.now(), null);
    } catch (err) {
      await writing.catch(() => {});
      await saveProgress(db, p.runId, counts);
      await finishRun(db, p.runId, 'failed', d.now(), (err as Error).message?.slice(0, 500) || 'the import stopped');
    }
  };
}
