import type { Q } from '../db/q.js';

/** The import record for a source id, with the article's current slug and status. */
export async function findImportItem(db: Q, sourceId: string) {
  return db.selectFrom('import_items as i').innerJoin('articles as a', 'a.id', 'i.article_id')
    .select(['i.article_id', 'i.content_hash', 'i.updated_at as imported_at', 'a.updated_at as edited_at', 'a.slug', 'a.status'])
    .where('i.source_id', '=', sourceId).executeTakeFirst();
}

export async function saveImportItem(db: Q, r: { source_id: string; article_id: number; format: string; content_hash: string; flags: string; needs_review: number; now: number }): Promise<void> {
  await db.insertInto('import_items').values({
    source_id: r.source_id, article_id: r.article_id, format: r.format, content_hash: r.content_hash,
    flags: r.flags, needs_review: r.needs_review, imported_at: r.now, updated_at: r.now,
  }).onConflict((oc) => oc.column('source_id').doUpdateSet({
    article_id: r.article_id, content_hash: r.content_hash, flags: r.flags, needs_review: r.needs_review, updated_at: r.now,
  })).execute();
}

export async function findTaxonomyId(db: Q, table: 'authors' | 'sections', slug: string): Promise<number | undefined> {
  return (await db.selectFrom(table).select('id').where('slug', '=', slug).executeTakeFirst())?.id;
}

/** Imported articles a person should look at (titles made up from the body, and the like). */
export async function listNeedingReview(db: Q, limit: number, offset: number) {
  return db.selectFrom('import_items as i').innerJoin('articles as a', 'a.id', 'i.article_id')
    .select(['i.source_id', 'i.flags', 'i.imported_at', 'a.id', 'a.slug', 'a.title', 'a.status'])
    .where('i.needs_review', '=', 1).orderBy('i.imported_at', 'desc').orderBy('a.id', 'desc').limit(limit).offset(offset).execute();
}
