import type { Q } from '../db/q.js';

/** Import runs started from Settings → Import (migration 018). */

export async function insertRun(db: Q, r: { name: string; format: string; data: Buffer; fetchImages: boolean; staffId: number; now: number }): Promise<number> {
  const row = await db.insertInto('import_runs').values({
    name: r.name, format: r.format, status: 'queued', data: r.data, fetch_images: r.fetchImages ? 1 : 0, staff_id: r.staffId, created_at: r.now,
  }).returning('id').executeTakeFirstOrThrow();
  return Number(row.id);
}

/** A run without its archive: what the status page shows. */
export async function findRun(db: Q, id: number) {
  return db.selectFrom('import_runs')
    .select(['id', 'name', 'format', 'status', 'created', 'updated', 'unchanged', 'flagged', 'failed', 'flagged_ids', 'failures', 'error', 'created_at', 'started_at', 'finished_at'])
    .where('id', '=', id).executeTakeFirst();
}

/** The archive of a run that has not finished, for its job. */
export async function runArchive(db: Q, id: number) {
  return db.selectFrom('import_runs').select(['name', 'format', 'data', 'fetch_images', 'status']).where('id', '=', id).executeTakeFirst();
}

export async function recentRuns(db: Q, limit: number) {
  return db.selectFrom('import_runs').select(['id', 'name', 'status', 'created', 'updated', 'flagged', 'failed', 'created_at'])
    .orderBy('id', 'desc').limit(limit).execute();
}

export async function markRunning(db: Q, id: number, now: number): Promise<void> {
  // A retry (the instance died mid-run) starts the counts again: the rerun reports every item anew.
  await db.updateTable('import_runs').set({ status: 'running', started_at: now, created: 0, updated: 0, unchanged: 0, flagged: 0, failed: 0, flagged_ids: '[]', failures: '[]' })
    .where('id', '=', id).execute();
}

export interface RunCounts { created: number; updated: number; unchanged: number; flagged: number; failed: number; flaggedIds: number[]; failures: { position: string; message: string }[] }

export async function saveProgress(db: Q, id: number, c: RunCounts): Promise<void> {
  await db.updateTable('import_runs').set({
    created: c.created, updated: c.updated, unchanged: c.unchanged, flagged: c.flagged, failed: c.failed,
    flagged_ids: JSON.stringify(c.flaggedIds), failures: JSON.stringify(c.failures),
  }).where('id', '=', id).execute();
}

/** Done or failed: the archive is dropped, it has served its purpose. */
export async function finishRun(db: Q, id: number, status: 'done' | 'failed', now: number, error: string | null): Promise<void> {
  await db.updateTable('import_runs').set({ status, finished_at: now, error, data: null }).where('id', '=', id).execute();
}

/** The articles among `ids` still waiting for review, with why. */
export async function flaggedArticles(db: Q, ids: number[]) {
  if (!ids.length) return [];
  return db.selectFrom('import_items as i').innerJoin('articles as a', 'a.id', 'i.article_id')
    .select(['a.id', 'a.title', 'a.slug', 'a.status', 'i.flags'])
    .where('a.id', 'in', ids).where('i.needs_review', '=', 1).orderBy('a.id').execute();
}
