import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import type { Dialect } from '../db/database.js';
import type { Clock } from '../clock.js';
import { grantComp, revokeComp, type BillingDeps } from '../billing/subscriptions.js';
import { MEMBER_STANDINGS, type MemberStanding } from '../billing/state.js';
import { slugForName } from '../content/slug.js';
import { invalidInput, notFound } from '../errors.js';
import { audit } from './audit.js';
import { deleteMember, requestSignInLink, type AccountDeps } from './members.service.js';
import { listMemberSessions, revokeSession } from './sessions.js';
import {
  allLabels, ensureLabels, labelsOf, memberComments, memberPage, memberRow, replaceMemberLabels, subscriptionHistory, suppressionOf,
  type MemberFilter, type MemberRow,
} from './directory.queries.js';
import { normalizeEmail } from './staff.js';

/**
 * The newsroom's members pages (issue 16): the list with its filters, a member's page, and the
 * staff actions on a member. Every change is written to the audit log in the transaction that
 * makes it, with the staff user as the actor.
 */
export interface DirectoryDeps { db: Kysely<DB>; dialect: Dialect; clock: Clock; billing: BillingDeps; accounts: AccountDeps }
export interface Actor { staffId: number; ip?: string }

export const STANDING_NAMES: Record<MemberStanding, string> = {
  free: 'Free', trialing: 'Trialing', paid: 'Paid', comp: 'Complimentary', past_due: 'Past due', cancelled: 'Cancelled',
};
export { MEMBER_STANDINGS };

export interface ListedMember extends MemberRow { labels: { name: string; slug: string }[] }

export async function listMembers(d: DirectoryDeps, f: MemberFilter, page: { limit: number; before?: number }): Promise<{ members: ListedMember[]; next: number | null }> {
  const { rows, next } = await memberPage(d.db, d.dialect, f, { limit: page.limit, before: page.before, now: d.clock.now() });
  const labels = await labelsOf(d.db, rows.map((m) => m.id));
  return { members: rows.map((m) => ({ ...m, labels: labels.get(m.id) ?? [] })), next };
}

/** Every member the filter selects, a page at a time (for the CSV export): memory stays one page. */
export async function* eachMember(d: DirectoryDeps, f: MemberFilter): AsyncGenerator<ListedMember> {
  let before: number | undefined;
  for (;;) {
    const page = await listMembers(d, f, { limit: 1000, before });
    yield* page.members;
    if (page.next === null) return;
    before = page.next;
  }
}

export const labelOptions = (d: DirectoryDeps) => allLabels(d.db);

export async function memberDetail(d: DirectoryDeps, id: number) {
  const m = await memberRow(d.db, id);
  if (!m) throw notFound('member');
  const [labels, history, comments, sessions, suppression] = await Promise.all([
    labelsOf(d.db, [id]), subscriptionHistory(d.db, id), memberComments(d.db, id), listMemberSessions(d.db, id, d.clock.now()), suppressionOf(d.db, normalizeEmail(m.email)),
  ]);
  return { member: m, labels: labels.get(id) ?? [], history, comments, sessions, suppression: suppression ?? null };
}

async function requireMember(db: Kysely<DB> | Parameters<typeof memberRow>[0], id: number) {
  const m = await memberRow(db, id);
  if (!m) throw notFound('member');
  return m;
}

/** Labels as typed: comma-separated names; new ones are created. */
export function parseLabels(text: string): { name: string; slug: string }[] {
  const names = [...new Set(text.split(',').map((l) => l.trim().replace(/\s+/g, ' ')).filter(Boolean))];
  if (names.length > 50) throw invalidInput('a member can have at most 50 labels');
  const long = names.find((n) => n.length > 100);
  if (long) throw invalidInput(`the label “${long.slice(0, 30)}…” is longer than 100 characters`);
  // Two spellings of one label ("Donor", "donor ") are one label, named as first typed.
  const bySlug = new Map<string, string>();
  for (const n of names) if (!bySlug.has(slugForName(n, 'label'))) bySlug.set(slugForName(n, 'label'), n);
  return [...bySlug].map(([slug, name]) => ({ name, slug }));
}

export async function setLabels(d: DirectoryDeps, a: Actor, memberId: number, text: string): Promise<void> {
  const labels = parseLabels(text);
  await d.db.transaction().execute(async (trx) => {
    await requireMember(trx, memberId);
    const before = (await labelsOf(trx, [memberId])).get(memberId)?.map((l) => l.name) ?? [];
    const ids = await ensureLabels(trx, labels, d.clock.now());
    await replaceMemberLabels(trx, memberId, labels.map((l) => ids.get(l.slug)!));
    await audit(trx, { at: d.clock.now(), actor: `staff:${a.staffId}`, action: 'member.labels', target: `member:${memberId}`, ip: a.ip, details: { before, after: labels.map((l) => l.name) } });
  });
}

export async function grantComplimentary(d: DirectoryDeps, a: Actor, memberId: number, until?: number): Promise<void> {
  if (until !== undefined && until <= d.clock.now()) throw invalidInput('the end date must be in the future');
  await d.db.transaction().execute(async (trx) => {
    await grantComp({ ...d.billing, db: trx }, memberId, `staff:${a.staffId}: granted complimentary access`, until);
    await audit(trx, { at: d.clock.now(), actor: `staff:${a.staffId}`, action: 'member.comp_granted', target: `member:${memberId}`, ip: a.ip, details: until ? { until: new Date(until).toISOString() } : undefined });
  });
}

export async function revokeComplimentary(d: DirectoryDeps, a: Actor, memberId: number): Promise<void> {
  await d.db.transaction().execute(async (trx) => {
    await revokeComp({ ...d.billing, db: trx }, memberId, `staff:${a.staffId}: revoked complimentary access`);
    await audit(trx, { at: d.clock.now(), actor: `staff:${a.staffId}`, action: 'member.comp_revoked', target: `member:${memberId}`, ip: a.ip });
  });
}

export async function sendSignInLink(d: DirectoryDeps, a: Actor, memberId: number): Promise<void> {
  const m = await requireMember(d.db, memberId);
  await requestSignInLink(d.accounts, { email: m.email, bindingHash: null, deviceId: null, returnTo: '/account' });
  await audit(d.db, { at: d.clock.now(), actor: `staff:${a.staffId}`, action: 'member.signin_link_sent', target: `member:${memberId}`, ip: a.ip });
}

export async function revokeMemberSession(d: DirectoryDeps, a: Actor, memberId: number, sessionId: string): Promise<void> {
  await d.db.transaction().execute(async (trx) => {
    const s = (await listMemberSessions(trx, memberId, d.clock.now())).find((x) => x.id === sessionId);
    if (!s) throw notFound('session');
    await revokeSession(trx, sessionId, d.clock.now());
    await audit(trx, { at: d.clock.now(), actor: `staff:${a.staffId}`, action: 'member.session_revoked', target: `member:${memberId}`, ip: a.ip, details: { createdAt: new Date(s.created_at).toISOString() } });
  });
}

/** The reader's own erasure (members.service deleteMember), asked for by staff. */
export async function eraseMember(d: DirectoryDeps, a: Actor, memberId: number): Promise<void> {
  await d.db.transaction().execute(async (trx) => {
    await requireMember(trx, memberId);
    await deleteMember({ ...d.accounts, db: trx }, memberId);
    await audit(trx, { at: d.clock.now(), actor: `staff:${a.staffId}`, action: 'member.erased', target: `member:${memberId}`, ip: a.ip });
  });
}

export async function auditExport(d: DirectoryDeps, a: Actor, f: MemberFilter): Promise<void> {
  // The search text is a prefix of someone's address or name: the log keeps that there was one, not what it was.
  const { q, ...rest } = f;
  await audit(d.db, { at: d.clock.now(), actor: `staff:${a.staffId}`, action: 'members.exported', ip: a.ip, details: q ? { ...rest, searched: true } : rest });
}
