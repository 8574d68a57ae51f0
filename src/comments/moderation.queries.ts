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
