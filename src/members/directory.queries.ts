import { sql, type Expression, type SqlBool } from 'kysely';
import type { Q } from '../db/q.js';
import type { Dialect } from '../db/database.js';
import type { MemberStanding } from '../billing/state.js';
import { DAY } from '../shared/time.js';

/**
 * The newsroom's member list, paged by key (newest first by id: a page starts below the last id
 * of the one before), and what a member's page shows. Every filter has an index that walks in
 * id order (013): standing, plan, sign-up and last-seen times, labels (the link table's primary
 * key), comments (comments_member_idx); search is a prefix of the address or of the name.
 */
export const SEEN_WINDOWS = ['7d', '30d', '90d', 'over90d', 'never'] as const;
export type SeenWindow = (typeof SEEN_WINDOWS)[number];

export interface MemberFilter {
  standing?: MemberStanding;
  planId?: number;
  /** Signed up at or after / before these instants. */
  signedUpFrom?: number;
  signedUpBefore?: number;
  seen?: SeenWindow;
  /** A label's slug. */
  label?: string;
  commented?: boolean;
  /** On the newsletters' suppression list (a hard bounce, a complaint, staff): no newsletter mail goes to them. */
  suppressed?: boolean;
  /** A prefix of the email address, or of the name. */
  q?: string;
}

export interface MemberRow {
  id: number; email: string; name: string; status: string; standing: string; plan_id: number | null; plan_name: string | null;
  created_at: number; last_seen_at: number | null; stripe_customer_id: string | null; note: string;
}

/** The largest string sharing a prefix: the upper end of a prefix's index range (binary collation). */
const PREFIX_END = '\u{10FFFF}';
const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);
/** SQLite's lower() folds ASCII letters only; the search term is folded the same way so the index matches. */
const asciiLower = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());

function prefix(dialect: Dialect, column: Expression<string>, p: string): Expression<SqlBool> {
  return dialect === 'postgres'
    ? sql<SqlBool>`${column} like ${`${likeEscape(p)}%`} escape '\\'`
    : sql<SqlBool>`(${column} >= ${p} and ${column} < ${p + PREFIX_END})`;
}

/**
 * One page of the list, in two steps: the ids first (an index walk in the list's order that stops at
 * the page's end, reading no more of each row than the filters need), then those rows. An erased
 * member is left out of the rows but still counts for the page's end, so the next page starts
 * where this one stopped.
 *
 * The order is newest first by id, except with a sign-up window: then it is by sign-up time (and id),
 * newest first, so the walk is along (created_at, id) and starts inside the window. In id order a window
 * long ago had to walk past every later member first, as PostgreSQL guesses matches spread evenly
 * through the ids when they sit together (020). The cursor is an id in both orders.
 */
export async function memberPage(db: Q, dialect: Dialect, f: MemberFilter, o: { limit: number; before?: number; now: number }): Promise<{ rows: MemberRow[]; next: number | null }> {
  const ids = await memberIds(db, dialect, f, { ...o, limit: o.limit + 1 });
  const page = ids.slice(0, o.limit);
  const next = ids.length > o.limit ? page.at(-1)! : null;
  if (!page.length) return { rows: [], next };
  const found = await db.selectFrom('members as m').leftJoin('plans as p', 'p.id', 'm.plan_id')
    .select(['m.id', 'm.email', 'm.name', 'm.status', 'm.standing', 'm.plan_id', 'p.name as plan_name', 'm.created_at', 'm.last_seen_at', 'm.stripe_customer_id', 'm.note'])
    .where('m.id', 'in', page).where('m.deleted_at', 'is', null).execute();
  const byId = new Map(found.map((r) => [r.id, r]));
  return { rows: page.flatMap((id) => byId.get(id) ?? []), next };
}

/** Whether the list is in sign-up order (a sign-up window is set) rather than id order. */
export const inSignupOrder = (f: MemberFilter) => f.signedUpFrom !== undefined || f.signedUpBefore !== undefined;

async function memberIds(db: Q, dialect: Dialect, f: MemberFilter, o: { limit: number; before?: number; now: number }): Promise<number[]> {
  // The label's id first, as a value: beside a subquery PostgreSQL cannot tell a label of 2,000 members from one of 300,000.
  let labelId: number | undefined;
  if (f.label) {
    const l = await db.selectFrom('member_labels').select('id').where('slug', '=', f.label).executeTakeFirst();
    if (!l) return [];
    labelId = l.id;
  }
  const bySignup = inSignupOrder(f);
  let cursorAt: number | undefined;
  if (bySignup && o.before !== undefined) {
    const c = await db.selectFrom('members').select('created_at').where('id', '=', o.before).executeTakeFirst();
    if (!c) return [];
    cursorAt = Number(c.created_at);
  }
  const onMembers = bySignup || f.standing !== undefined || f.planId !== undefined || f.seen !== undefined || f.commented !== undefined || f.suppressed !== undefined || !!f.q;

  // A label alone is a walk along its links (their key is label, member), which hold the ids in order.
  if (labelId !== undefined && !onMembers) {
    let lq = db.selectFrom('member_label_links').select('member_id as id').where('label_id', '=', labelId);
    if (o.before !== undefined) lq = lq.where('member_id', '<', o.before);
    return (await lq.orderBy('member_id', 'desc').limit(o.limit).execute()).map((r) => r.id);
  }
  let q = labelId !== undefined
    ? db.selectFrom('member_label_links as x').innerJoin('members as m', 'm.id', 'x.member_id').select('m.id as id').where('x.label_id', '=', labelId)
    : db.selectFrom('members as m').select('m.id as id');
  if (f.standing) q = q.where('m.standing', '=', f.standing);
  if (f.planId !== undefined) q = q.where('m.plan_id', '=', f.planId);
  if (f.signedUpFrom !== undefined) q = q.where('m.created_at', '>=', f.signedUpFrom);
  if (f.signedUpBefore !== undefined) q = q.where('m.created_at', '<', f.signedUpBefore);
  if (f.seen === 'never') q = q.where('m.last_seen_at', 'is', null);
  else if (f.seen === 'over90d') q = q.where('m.last_seen_at', '<', o.now - 90 * DAY);
  else if (f.seen) q = q.where('m.last_seen_at', '>=', o.now - Number.parseInt(f.seen, 10) * DAY);
  // "Has commented" starts from the commenters (comments_member_idx), so a filter that matches few of them
  // does not walk every member; "has not" walks the members, probing that index.
  if (f.commented === true) q = q.where(sql<SqlBool>`m.id in (select c.member_id from comments c where c.member_id is not null)`);
  else if (f.commented === false) q = q.where(sql<SqlBool>`not exists (select 1 from comments c where c.member_id = m.id)`);
  // Suppressed addresses are few: the list starts from them (their key) and finds each member by address.
  if (f.suppressed === true) q = q.where(sql<SqlBool>`m.email_normalized in (select s.email_normalized from email_suppressions s)`);
  else if (f.suppressed === false) q = q.where(sql<SqlBool>`not exists (select 1 from email_suppressions s where s.email_normalized = m.email_normalized)`);
  if (f.q) {
    const term = f.q.trim();
    const email = prefix(dialect, sql.ref('m.email_normalized'), term.toLowerCase());
    const name = prefix(dialect, sql`lower(m.name)`, dialect === 'postgres' ? term.toLowerCase() : asciiLower(term));
    q = q.where(term.includes('@') ? email : sql<SqlBool>`(${email} or ${name})`);
  }
  if (bySignup) {
    if (o.before !== undefined) {
      // Below the cursor in (created_at, id) order, written so the first term bounds the index range.
      q = q.where('m.created_at', '<=', cursorAt!).where((w) => w.or([w('m.created_at', '<', cursorAt!), w('m.id', '<', o.before!)]));
    }
    return (await q.orderBy('m.created_at', 'desc').orderBy('m.id', 'desc').limit(o.limit).execute()).map((r) => r.id);
  }
  // In id order on PostgreSQL, two steps. First the walk, over the WALK ids below the cursor only: a filter that most members
  // match fills its page there. Then, if the page is not full, the rest below that as a set, sorted (id + 0: no walk
  // in id order), whose cost is what the filter's own index finds. A planner left to choose walks the ids
  // whenever it guesses matches spread evenly, and the matches of "commented and paid", or of a search
  // prefix, sit together: PostgreSQL walked 900,000 members to find none.
  // SQLite's planner walks the filter's own (column, id) index in id order and stops at the page's end; split in two,
  // its pages were slower (bench:members). The split is for PostgreSQL's guesses.
  if (dialect === 'sqlite') {
    const b = o.before === undefined ? q : q.where('m.id', '<', o.before);
    return (await b.orderBy('m.id', 'desc').limit(o.limit).execute()).map((r) => r.id);
  }
  const top = o.before ?? Number((await db.selectFrom('members').select((e) => e.fn.max('id').as('n')).executeTakeFirst())?.n ?? 0) + 1;
  const floor = Math.max(0, top - WALK);
  const bounded = (w: typeof q, lo: number | undefined, hi: number) => {
    let b = w.where('m.id', '<', hi);
    if (lo !== undefined) b = b.where('m.id', '>=', lo);
    // With a label, the bounds go on both sides of the join, so a merge join's walk of members starts at the cursor too.
    if (labelId !== undefined) {
      b = b.where('x.member_id', '<', hi);
      if (lo !== undefined) b = b.where('x.member_id', '>=', lo);
    }
    return b;
  };
  const walked = (await bounded(q, floor, top).orderBy('m.id', 'desc').limit(o.limit).execute()).map((r) => r.id);
  if (walked.length >= o.limit || floor === 0) return walked;
  const rest = await bounded(q, undefined, floor).orderBy(sql`m.id + 0`, 'desc').limit(o.limit - walked.length).execute();
  return [...walked, ...rest.map((r) => r.id)];
}

/** How many ids below the cursor the first step of an id-order page walks (see memberIds). */
const WALK = 20_000;

export async function labelsOf(db: Q, memberIds: number[]): Promise<Map<number, { name: string; slug: string }[]>> {
  const out = new Map<number, { name: string; slug: string }[]>();
  if (!memberIds.length) return out;
  const rows = await db.selectFrom('member_label_links as x').innerJoin('member_labels as l', 'l.id', 'x.label_id')
    .select(['x.member_id', 'l.name', 'l.slug']).where('x.member_id', 'in', memberIds).orderBy('l.name').execute();
  for (const r of rows) out.set(r.member_id, [...(out.get(r.member_id) ?? []), { name: r.name, slug: r.slug }]);
  return out;
}

export async function allLabels(db: Q) {
  return db.selectFrom('member_labels').select(['id', 'name', 'slug']).orderBy('name').limit(1000).execute();
}

/** Labels by slug, created when missing (first name wins); returns slug → id. */
export async function ensureLabels(db: Q, labels: { name: string; slug: string }[], now: number): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (!labels.length) return out;
  const unique = [...new Map(labels.map((l) => [l.slug, l])).values()];
  for (let i = 0; i < unique.length; i += 500) {
    await db.insertInto('member_labels').values(unique.slice(i, i + 500).map((l) => ({ name: l.name, slug: l.slug, created_at: now })))
      .onConflict((oc) => oc.column('slug').doNothing()).execute();
  }
  for (let i = 0; i < unique.length; i += 500) {
    const rows = await db.selectFrom('member_labels').select(['id', 'slug']).where('slug', 'in', unique.slice(i, i + 500).map((l) => l.slug)).execute();
    for (const r of rows) out.set(r.slug, r.id);
  }
  return out;
}

export async function replaceMemberLabels(db: Q, memberId: number, labelIds: number[]): Promise<void> {
  await db.deleteFrom('member_label_links').where('member_id', '=', memberId).execute();
  if (labelIds.length) await db.insertInto('member_label_links').values(labelIds.map((label_id) => ({ label_id, member_id: memberId }))).execute();
}

export async function addLabelLinks(db: Q, links: { label_id: number; member_id: number }[]): Promise<void> {
  for (let i = 0; i < links.length; i += 500) {
    await db.insertInto('member_label_links').values(links.slice(i, i + 500)).onConflict((oc) => oc.columns(['label_id', 'member_id']).doNothing()).execute();
  }
}

export async function memberRow(db: Q, id: number) {
  return db.selectFrom('members as m').leftJoin('plans as p', 'p.id', 'm.plan_id')
    .select(['m.id', 'm.email', 'm.name', 'm.status', 'm.standing', 'm.plan_id', 'p.name as plan_name', 'm.created_at', 'm.last_seen_at', 'm.stripe_customer_id', 'm.note', 'm.email_verified'])
    .where('m.id', '=', id).where('m.deleted_at', 'is', null).executeTakeFirst();
}

/** Every change of every subscription the member has had, newest first, with its cause. */
export async function subscriptionHistory(db: Q, memberId: number) {
  return db.selectFrom('subscription_history as h').innerJoin('subscriptions as s', 's.id', 'h.subscription_id').leftJoin('plans as p', 'p.id', 's.plan_id')
    .select(['h.id', 'h.subscription_id', 'h.at', 'h.from_status', 'h.to_status', 'h.cause', 'p.name as plan_name'])
    .where('s.member_id', '=', memberId).orderBy('h.at', 'desc').orderBy('h.id', 'desc').limit(200).execute();
}

export async function memberComments(db: Q, memberId: number, limit = 50) {
  return db.selectFrom('comments as c').innerJoin('articles as a', 'a.id', 'c.article_id')
    .select(['c.id', 'c.body_text', 'c.status', 'c.created_at', 'a.title', 'a.slug'])
    .where('c.member_id', '=', memberId).orderBy('c.created_at', 'desc').limit(limit).execute();
}

/** Existing members by normalised address (for an import's batch), erased ones included: their address is no longer theirs. */
export async function membersByEmail(db: Q, emails: string[]) {
  if (!emails.length) return [];
  return db.selectFrom('members').select(['id', 'email_normalized', 'name', 'note', 'stripe_customer_id', 'status']).where('email_normalized', 'in', emails).execute();
}

/** Why newsletter mail no longer goes to this address, if it does not: the suppression list's entry. */
export async function suppressionOf(db: Q, emailNormalized: string) {
  return db.selectFrom('email_suppressions').select(['reason', 'detail', 'at']).where('email_normalized', '=', emailNormalized).executeTakeFirst();
}
