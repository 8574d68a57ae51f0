import type { Q } from '../db/q.js';

/**
 * A send's links and its opens and clicks. Each event is written once per member (the row that
 * says so is the idempotency key) and bumps a counter in the same transaction, so the figures are
 * read from a row or two rather than counted.
 */

/** The ids of a copy's links in this send, made if new: lanes on several instances may ask at once. */
export async function registerLinks(db: Q, sendId: number, urls: readonly string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (!urls.length) return out;
  await db.insertInto('newsletter_links').values(urls.map((url) => ({ send_id: sendId, url })))
    .onConflict((oc) => oc.columns(['send_id', 'url']).doNothing()).execute();
  const rows = await db.selectFrom('newsletter_links').select(['id', 'url']).where('send_id', '=', sendId).where('url', 'in', [...urls]).execute();
  for (const r of rows) out.set(r.url, r.id);
  return out;
}

/** Where a send's link goes; nothing for a link of another send. */
export async function linkUrl(db: Q, sendId: number, linkId: number): Promise<string | undefined> {
  return (await db.selectFrom('newsletter_links').select('url').where('id', '=', linkId).where('send_id', '=', sendId).executeTakeFirst())?.url;
}

/** A recipient's first open: true when this call was it (and the send's count went up). In the caller's transaction. */
export async function recordOpen(db: Q, sendId: number, memberId: number, now: number): Promise<boolean> {
  const r = await db.updateTable('newsletter_recipients').set({ opened_at: now })
    .where('send_id', '=', sendId).where('member_id', '=', memberId).where('opened_at', 'is', null).executeTakeFirst();
  if (!Number(r.numUpdatedRows)) return false;
  await db.updateTable('newsletter_sends').set((eb) => ({ opens: eb('opens', '+', 1) })).where('id', '=', sendId).execute();
  return true;
}

/** A member's first click on a link: true when this call was it. In the caller's transaction. */
export async function recordClick(db: Q, linkId: number, memberId: number, now: number): Promise<boolean> {
  const inserted = await db.insertInto('newsletter_clicks').values({ link_id: linkId, member_id: memberId, at: now })
    .onConflict((oc) => oc.columns(['link_id', 'member_id']).doNothing()).returning('link_id').executeTakeFirst();
  if (!inserted) return false;
  await db.updateTable('newsletter_links').set((eb) => ({ clicks: eb('clicks', '+', 1) })).where('id', '=', linkId).execute();
  return true;
}

/** Is this member a recipient of the send? A tag is only ever made for one, but a row erased since is not. */
export async function isRecipient(db: Q, sendId: number, memberId: number): Promise<boolean> {
  return !!(await db.selectFrom('newsletter_recipients').select('member_id').where('send_id', '=', sendId).where('member_id', '=', memberId).executeTakeFirst());
}

/** A send's links with their clicks, most followed first. */
export async function linkFigures(db: Q, sendId: number): Promise<{ id: number; url: string; clicks: number }[]> {
  return (await db.selectFrom('newsletter_links').select(['id', 'url', 'clicks']).where('send_id', '=', sendId).orderBy('clicks', 'desc').orderBy('id').execute())
    .map((r) => ({ id: r.id, url: r.url, clicks: Number(r.clicks) }));
}
