import type { Q } from '../db/q.js';

/** Staff sign-ins, permission changes and token events. `actor` is "staff:<id>", "cli" or "anonymous". */
export async function audit(db: Q, e: { at: number; actor: string; action: string; target?: string; ip?: string; details?: unknown }): Promise<void> {
  await db.insertInto('audit_log').values({
    at: e.at, actor: e.actor, action: e.action, target: e.target ?? null, ip: e.ip ?? null,
    details: e.details === undefined ? null : JSON.stringify(e.details),
  }).execute();
}

export async function recentAudit(db: Q, limit: number) {
  return db.selectFrom('audit_log').selectAll().orderBy('at', 'desc').orderBy('id', 'desc').limit(limit).execute();
}

export interface AuditFilter {
  /** "staff:3", "cli", "anonymous". */
  actor?: string;
  /** An action, or its family: "staff" matches staff.invited, staff.removed… */
  action?: string;
  target?: string;
  from?: number;
  to?: number;
  /** Keyset paging: entries older than this id. */
  before?: number;
}

/** The audit log, newest first, filtered; one more row than asked tells the caller there is a next page. */
export async function auditPage(db: Q, f: AuditFilter, limit: number) {
  let q = db.selectFrom('audit_log').selectAll();
  if (f.actor) q = q.where('actor', '=', f.actor);
  if (f.action) q = q.where((eb) => eb.or([eb('action', '=', f.action!), eb('action', 'like', `${f.action!.replace(/[%_\\]/g, '')}.%`)]));
  if (f.target) q = q.where('target', '=', f.target);
  if (f.from !== undefined) q = q.where('at', '>=', f.from);
  if (f.to !== undefined) q = q.where('at', '<', f.to);
  if (f.before !== undefined) q = q.where('id', '<', f.before);
  const rows = await q.orderBy('id', 'desc').limit(limit + 1).execute();
  return { rows: rows.slice(0, limit), next: rows.length > limit ? rows[limit - 1]!.id : null };
}
