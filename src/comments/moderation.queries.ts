import type { Q } from '../db/q.js';

export type CommentStatus = 'visible' | 'pending' | 'hidden' | 'deleted';

/** Comments in one state, newest first, with their article's slug: the moderation queue. */
export async function commentsByStatus(db: Q, status: CommentStatus, limit: number) {
  const rows = await db.selectFrom('comments as c').innerJoin('articles as a', 'a.id', 'c.article_id')
    .select(['c.id', 'a.slug', 'c.member_id', 'c.staff_user_id', 'c.body_text', 'c.status', 'c.created_at'])
    .where('c.status', '=', status).orderBy('c.created_at', 'desc').limit(limit).execute();
  return rows.map((r) => ({ id: r.id, article: r.slug, memberId: r.member_id, staffUserId: r.staff_user_id, text: r.body_text, status: r.status, createdAt: r.created_at }));
}

/** Reports nobody has dealt with yet, oldest first, with the text they are about. */
export async function openReports(db: Q) {
  const rows = await db.selectFrom('comment_reports as r').innerJoin('comments as c', 'c.id', 'r.comment_id')
    .select(['r.id', 'r.comment_id', 'r.reason', 'r.created_at', 'c.body_text', 'c.status']).where('r.resolved_at', 'is', null).orderBy('r.created_at').execute();
  return rows.map((r) => ({ id: r.id, commentId: r.comment_id, reason: r.reason, text: r.body_text, status: r.status, reportedAt: r.created_at }));
}

export interface QueueItem {
  id: number; articleTitle: string; articleSlug: string; memberId: number | null; authorName: string; text: string; status: string; createdAt: number;
  /** Open reports on it: each reporter's reason. */
  reports: { reason: string; at: number }[];
}

/**
 * The newsroom's moderation queue: held comments, reported ones (with every open reason) and the
 * most recent visible ones, each with its article and author. A comment hidden, deleted or
 * approved has its reports resolved (comments.service setStatus), so it leaves "reported".
 */
export async function moderationQueue(db: Q, limit: number): Promise<{ pending: QueueItem[]; reported: QueueItem[]; recent: QueueItem[] }> {
  const base = () => db.selectFrom('comments as c').innerJoin('articles as a', 'a.id', 'c.article_id')
    .leftJoin('members as m', 'm.id', 'c.member_id').leftJoin('staff_users as s', 's.id', 'c.staff_user_id')
    .select(['c.id', 'a.title', 'a.slug', 'c.member_id', 'm.name as member_name', 'm.email as member_email', 's.name as staff_name', 's.email as staff_email', 'c.body_text', 'c.status', 'c.created_at']);
  const reportRows = await db.selectFrom('comment_reports').select(['comment_id', 'reason', 'created_at']).where('resolved_at', 'is', null).orderBy('created_at').execute();
  const reportedIds = [...new Set(reportRows.map((r) => r.comment_id))].slice(0, limit);
  const [pending, reported, recent] = await Promise.all([
    base().where('c.status', '=', 'pending').orderBy('c.created_at', 'asc').orderBy('c.id', 'asc').limit(limit).execute(),
    reportedIds.length ? base().where('c.id', 'in', reportedIds).where('c.status', '=', 'visible').orderBy('c.created_at', 'asc').execute() : Promise.resolve([]),
    base().where('c.status', '=', 'visible').orderBy('c.created_at', 'desc').orderBy('c.id', 'desc').limit(limit).execute(),
  ]);
  const reasons = new Map<number, { reason: string; at: number }[]>();
  for (const r of reportRows) reasons.set(r.comment_id, [...(reasons.get(r.comment_id) ?? []), { reason: r.reason, at: r.created_at }]);
  const item = (r: (typeof pending)[number]): QueueItem => ({
    id: r.id, articleTitle: r.title, articleSlug: r.slug, memberId: r.member_id,
    authorName: r.member_id !== null ? (r.member_name || r.member_email || 'A reader') : (r.staff_name || r.staff_email || 'Staff'),
    text: r.body_text, status: r.status, createdAt: r.created_at, reports: reasons.get(r.id) ?? [],
  });
  return { pending: pending.map(item), reported: reported.map(item), recent: recent.map(item) };
}

/** Bans in force, newest first, with the member they are on. */
export async function activeBans(db: Q, now: number) {
  const rows = await db.selectFrom('comment_bans as b').innerJoin('members as m', 'm.id', 'b.member_id')
    .select(['b.member_id', 'm.name', 'm.email', 'b.reason', 'b.banned_by', 'b.created_at', 'b.expires_at'])
    .where((eb) => eb.or([eb('b.expires_at', 'is', null), eb('b.expires_at', '>', now)])).orderBy('b.created_at', 'desc').execute();
  return rows.map((r) => ({ memberId: r.member_id, name: r.name || r.email, email: r.email, reason: r.reason, by: r.banned_by, at: r.created_at, until: r.expires_at }));
}

/** The member a ban form names, for its heading. */
export async function memberForBan(db: Q, id: number) {
  return db.selectFrom('members').select(['id', 'name', 'email']).where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
}
