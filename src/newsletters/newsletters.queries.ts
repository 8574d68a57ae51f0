import type { Q } from '../db/q.js';
import type { Audience, SubscriptionCause } from './rules.js';

export interface Newsletter {
  id: number; slug: string; name: string; senderName: string; senderEmail: string | null; replyTo: string | null;
  audience: Audience; subscribeOnSignup: boolean; header: string; footer: string;
}

type Row = { id: number; slug: string; name: string; sender_name: string; sender_email: string | null; reply_to: string | null; audience: string; subscribe_on_signup: number; header: string; footer: string };
const toNewsletter = (r: Row): Newsletter => ({
  id: r.id, slug: r.slug, name: r.name, senderName: r.sender_name, senderEmail: r.sender_email, replyTo: r.reply_to,
  audience: r.audience as Audience, subscribeOnSignup: r.subscribe_on_signup === 1, header: r.header, footer: r.footer,
});

export async function insertNewsletter(db: Q, n: Omit<Newsletter, 'id'>, now: number): Promise<Newsletter> {
  const r = await db.insertInto('newsletters').values({
    slug: n.slug, name: n.name, sender_name: n.senderName, sender_email: n.senderEmail, reply_to: n.replyTo, audience: n.audience,
    subscribe_on_signup: n.subscribeOnSignup ? 1 : 0, header: n.header, footer: n.footer, created_at: now, updated_at: now,
  }).returningAll().executeTakeFirstOrThrow();
  return toNewsletter(r);
}

export async function updateNewsletterRow(db: Q, id: number, n: Omit<Newsletter, 'id'>, now: number): Promise<Newsletter | undefined> {
  const r = await db.updateTable('newsletters').set({
    slug: n.slug, name: n.name, sender_name: n.senderName, sender_email: n.senderEmail, reply_to: n.replyTo, audience: n.audience,
    subscribe_on_signup: n.subscribeOnSignup ? 1 : 0, header: n.header, footer: n.footer, updated_at: now,
  }).where('id', '=', id).returningAll().executeTakeFirst();
  return r ? toNewsletter(r) : undefined;
}

export async function findNewsletter(db: Q, by: { id: number } | { slug: string }): Promise<Newsletter | undefined> {
  const q = db.selectFrom('newsletters').selectAll();
  const r = await ('id' in by ? q.where('id', '=', by.id) : q.where('slug', '=', by.slug)).executeTakeFirst();
  return r ? toNewsletter(r) : undefined;
}

export async function listNewsletters(db: Q): Promise<Newsletter[]> {
  return (await db.selectFrom('newsletters').selectAll().orderBy('id').execute()).map(toNewsletter);
}

/** A member's choice for one newsletter, and the change with its cause, in the caller's transaction. */
export async function setSubscription(db: Q, memberId: number, newsletterId: number, subscribed: boolean, cause: SubscriptionCause, now: number): Promise<void> {
  const s = subscribed ? 1 : 0;
  await db.insertInto('newsletter_subscriptions').values({ member_id: memberId, newsletter_id: newsletterId, subscribed: s, cause, changed_at: now })
    .onConflict((oc) => oc.columns(['member_id', 'newsletter_id']).doUpdateSet({ subscribed: s, cause, changed_at: now }))
    .execute();
  await db.insertInto('newsletter_subscription_events').values({ member_id: memberId, newsletter_id: newsletterId, subscribed: s, cause, at: now }).execute();
}

/**
 * Newsletters a new member is put on: the ones ticked on the sign-up form (those that still exist),
 * or, when the form offered no choice (`null`), the ones marked to be ticked at sign-up.
 */
export async function signupNewsletterIds(db: Q, ticked: number[] | null = null): Promise<number[]> {
  if (ticked) return ticked.length ? (await db.selectFrom('newsletters').select('id').where('id', 'in', ticked).execute()).map((r) => r.id) : [];
  return (await db.selectFrom('newsletters').select('id').where('subscribe_on_signup', '=', 1).execute()).map((r) => r.id);
}

export async function subscriptionsOf(db: Q, memberId: number): Promise<Map<number, boolean>> {
  const rows = await db.selectFrom('newsletter_subscriptions').select(['newsletter_id', 'subscribed']).where('member_id', '=', memberId).execute();
  return new Map(rows.map((r) => [r.newsletter_id, r.subscribed === 1]));
}

export async function subscriptionHistory(db: Q, memberId: number, newsletterId: number) {
  return db.selectFrom('newsletter_subscription_events').select(['subscribed', 'cause', 'at']).where('member_id', '=', memberId).where('newsletter_id', '=', newsletterId).orderBy('id').execute();
}

/** Of these members, the ones still subscribed to the newsletter and not suppressed: checked again just before sending. */
export async function stillReceiving(db: Q, newsletterId: number, memberIds: number[]): Promise<Set<number>> {
  if (!memberIds.length) return new Set();
  const rows = await db.selectFrom('newsletter_subscriptions as ns')
    .innerJoin('members as m', 'm.id', 'ns.member_id')
    .leftJoin('email_suppressions as s', 's.email_normalized', 'm.email_normalized')
    .select('ns.member_id')
    .where('ns.newsletter_id', '=', newsletterId).where('ns.subscribed', '=', 1).where('ns.member_id', 'in', memberIds)
    .where('s.email_normalized', 'is', null).where('m.deleted_at', 'is', null)
    .execute();
  return new Set(rows.map((r) => r.member_id));
}

export async function suppress(db: Q, emailNormalized: string, reason: 'hard_bounce' | 'complaint' | 'staff', detail: string, now: number): Promise<void> {
  await db.insertInto('email_suppressions').values({ email_normalized: emailNormalized, reason, detail: detail.slice(0, 500), at: now })
    .onConflict((oc) => oc.column('email_normalized').doUpdateSet({ reason, detail: detail.slice(0, 500), at: now }))
    .execute();
}
