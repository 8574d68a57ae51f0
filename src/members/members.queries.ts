import type { Q } from '../db/q.js';

/** Members, newest first, a page at a time (erased members are left out). */
export async function listMembers(db: Q, page: { limit: number; offset: number }) {
  const rows = await db.selectFrom('members').select(['id', 'email', 'name', 'status', 'email_verified', 'created_at', 'last_seen_at'])
    .where('deleted_at', 'is', null).orderBy('id', 'desc').limit(page.limit).offset(page.offset).execute();
  return rows.map((r) => ({ id: r.id, email: r.email, name: r.name, status: r.status, emailVerified: r.email_verified === 1, createdAt: r.created_at, lastSeenAt: r.last_seen_at }));
}
