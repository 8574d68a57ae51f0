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
