import type { Q } from '../db/q.js';

/** Rows of preview_links (migration 017). */
export interface PreviewLinkRow { id: number; articleId: number; createdBy: number | null; createdByName: string; createdAt: number; expiresAt: number; revokedAt: number | null }

const cols = ['id', 'article_id', 'created_by', 'created_by_name', 'created_at', 'expires_at', 'revoked_at'] as const;
type Raw = { id: number; article_id: number; created_by: number | null; created_by_name: string; created_at: number | string; expires_at: number | string; revoked_at: number | string | null };
// PostgreSQL returns bigint columns as strings.
const toRow = (r: Raw): PreviewLinkRow => ({
  id: Number(r.id), articleId: Number(r.article_id), createdBy: r.created_by, createdByName: r.created_by_name,
  createdAt: Number(r.created_at), expiresAt: Number(r.expires_at), revokedAt: r.revoked_at === null ? null : Number(r.revoked_at),
});

export async function insertPreviewLink(db: Q, v: { articleId: number; createdBy: number; createdByName: string; createdAt: number; expiresAt: number }): Promise<PreviewLinkRow> {
  const r = await db.insertInto('preview_links').values({
    article_id: v.articleId, created_by: v.createdBy, created_by_name: v.createdByName, created_at: v.createdAt, expires_at: v.expiresAt, revoked_at: null,
  }).returning(cols).executeTakeFirstOrThrow();
  return toRow(r as Raw);
}

export async function findPreviewLink(db: Q, id: number): Promise<PreviewLinkRow | undefined> {
  const r = await db.selectFrom('preview_links').select(cols).where('id', '=', id).executeTakeFirst();
  return r ? toRow(r as Raw) : undefined;
}

/** An article's links that still open, newest first. */
export async function livePreviewLinks(db: Q, articleId: number, now: number): Promise<PreviewLinkRow[]> {
  const rows = await db.selectFrom('preview_links').select(cols)
    .where('article_id', '=', articleId).where('revoked_at', 'is', null).where('expires_at', '>', now)
    .orderBy('id', 'desc').limit(50).execute();
  return rows.map((r) => toRow(r as Raw));
}

export async function revokePreviewLinkRow(db: Q, articleId: number, id: number, now: number): Promise<boolean> {
  const r = await db.updateTable('preview_links').set({ revoked_at: now }).where('id', '=', id).where('article_id', '=', articleId).where('revoked_at', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}
