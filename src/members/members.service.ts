import type { Kysely, Transaction } from 'kysely';
import { setSubscription, signupNewsletterIds } from '../newsletters/newsletters.queries.js';
import { withTransaction } from '../db/transaction.js';
import type { Clock } from '../clock.js';
import type { Dialect } from '../db/database.js';
import type { DB } from '../db/schema.js';
import { AppError, invalidInput } from '../errors.js';
import { deleteMailTo, queueMail } from '../mail/mailer.js';
import { anonymiseRecipient } from '../newsletters/sends.queries.js';
import { forgetInImportReports } from './member-import.js';
import { changeEmailMail, emailInUseMail, signInMail, type Brand } from '../mail/messages.js';
import { claimCodeAttempt, consumeLoginToken, createLoginToken, deleteLoginTokensFor, findLoginToken, loginTokenEmailsOf, MAX_CODE_ATTEMPTS, type LinkPurpose, type LoginToken } from './login-tokens.js';
import { checkPasswordPolicy, hashPassword, verifyPassword } from './passwords.js';
import { createSession, listMemberSessions, revokeMemberSessions } from './sessions.js';
import { emailSchema, normalizeEmail } from './staff.js';
import { acceptTotp } from './two-factor.js';
import type { Throttle } from './throttle.js';
import { audit } from './audit.js';

export interface AccountDeps {
  db: Kysely<DB> | Transaction<DB>;
  dialect: Dialect;
  clock: Clock;
  siteUrl: string;
  brand(): Promise<Brand>;
  /** Wake the mail worker once the transaction has committed. */
  mailQueued(): void;
  /** Called inside the sign-in transaction; the meter merges the device's reads here (issue 4). */
  onMemberSignIn(d: { db: Kysely<DB> | Transaction<DB>; now: number }, memberId: number, deviceId: string | null): Promise<void>;
  /** Carry out what the reader asked for with their link (start a trial); returns where to send them. */
  onIntent(d: { db: Kysely<DB> | Transaction<DB> }, memberId: number, intent: string, returnTo: string): Promise<string>;
  /** Days of free trial a trial link for this address would start (0: none), for the mail to say so. */
  trialOffer(d: { db: Kysely<DB> | Transaction<DB> }, email: string): Promise<number>;
}

export interface Member {
  id: number;
  email: string;
  name: string;
  status: string;
  emailVerified: boolean;
  hasPassword: boolean;
  createdAt: number;
  lastSeenAt: number | null;
}

const toMember = (r: { id: number; email: string; name: string; status: string; email_verified: number; password_hash: string | null; created_at: number; last_seen_at: number | null }): Member => ({
  id: r.id, email: r.email, name: r.name, status: r.status, emailVerified: r.email_verified === 1, hasPassword: r.password_hash !== null, createdAt: r.created_at, lastSeenAt: r.last_seen_at,
});

export async function getMember(db: Kysely<DB> | Transaction<DB>, id: number): Promise<Member | undefined> {
  const r = await db.selectFrom('members').selectAll().where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
  return r ? toMember(r) : undefined;
}

async function findMemberByEmail(db: Kysely<DB> | Transaction<DB>, email: string) {
  return db.selectFrom('members').selectAll().where('email_normalized', '=', normalizeEmail(email)).where('deleted_at', 'is', null).executeTakeFirst();
}

/** Any origin of ours would do: only whether the target stays on it matters. */
const OWN_ORIGIN = 'https://masthead.invalid';

/**
 * Only same-site paths: an open redirect would turn our sign-in mail into a phishing tool.
 * The target is resolved the way a browser resolves it (the URL parser drops TAB, CR and LF,
 * turns `\` into `/`, resolves `.` segments), must stay on our origin, and is sent back in its
 * normalised, percent-encoded form, so no byte that a browser strips or a header refuses gets
 * through. Anything else is the home page.
 */
export function safeReturnTo(path: string | undefined | null): string {
  if (!path || typeof path !== 'string' || path.length > 1000 || !path.startsWith('/')) return '/';
  let u: URL;
  try {
    u = new URL(path, OWN_ORIGIN);
  } catch {
    return '/';
  }
  if (u.origin !== OWN_ORIGIN) return '/';
  // "/.//evil.example" normalises to the path "//evil.example", which a browser reads as a host.
  const target = u.pathname.replace(/^\/+/, '/') + u.search + u.hash;
  return target.length <= 1000 ? target : '/';
}

export function parseEmail(email: unknown): string {
  const r = emailSchema.safeParse(email);
  if (!r.success) throw invalidInput(typeof email === 'string' && email.trim() ? 'that is not a valid email address' : 'enter your email address');
  return r.data;
}

/**
 * Send a sign-in link. Known and unknown addresses get the same answer; an
 * unknown address receives a sign-up link that creates the account when used.
 */
export async function requestSignInLink(deps: AccountDeps, i: { email: string; name?: string; bindingHash: string | null; deviceId: string | null; returnTo?: string; intent?: string; newsletters?: number[] | null }): Promise<void> {
  const email = parseEmail(i.email);
  const name = (i.name ?? '').trim().slice(0, 200) || null;
  await withTransaction(deps, async (d) => {
    const now = d.clock.now();
    const member = await findMemberByEmail(d.db, email);
    const purpose: LinkPurpose = member ? 'signin' : 'signup';
    const intent = i.intent === 'trial' ? 'trial' : null;
    const token = await createLoginToken(d.db, { purpose, email, name, memberId: member?.id ?? null, staffUserId: null, bindingHash: i.bindingHash, deviceId: i.deviceId, returnTo: safeReturnTo(i.returnTo), intent, newsletters: member ? null : (i.newsletters ?? null) }, now);
    const trialDays = intent === 'trial' ? await d.trialOffer({ db: d.db }, email) : 0;
    await queueMail(d.db, signInMail(await d.brand(), member?.email ?? email, `${d.siteUrl}/signin/verify?token=${token}`, purpose === 'signup' ? 'signup' : 'signin', trialDays), now);
  });
  deps.mailQueued();
}

export type LinkCheck =
  | { kind: 'invalid' | 'expired' | 'used' }
  | { kind: 'confirm'; purpose: LinkPurpose; email: string; needsCode: boolean };

/** What a link would do, without using it (the GET of the link never changes anything by itself across browsers). */
export async function checkLink(deps: AccountDeps, raw: string): Promise<LinkCheck & { token?: LoginToken }> {
  const found = await findLoginToken(deps.db, raw, deps.clock.now());
  if (!found.ok) return { kind: found.reason };
  const t = found.token;
  let needsCode = false;
  if (t.purpose === 'staff_signin' && t.staffUserId) {
    const s = await deps.db.selectFrom('staff_users').select('totp_enabled').where('id', '=', t.staffUserId).executeTakeFirst();
    needsCode = s?.totp_enabled === 1;
  }
  return { kind: 'confirm', purpose: t.purpose, email: t.email, needsCode, token: t };
}

export type LinkResult =
  | { kind: 'invalid' | 'expired' | 'used' | 'too_many_codes' }
  | { kind: 'code_required' | 'email_taken' }
  | { kind: 'code_wrong'; attemptsLeft: number }
  | { kind: 'throttled'; retryAfterSeconds: number }
  | { kind: 'signed_in'; sessionToken: string; maxAgeMs: number; returnTo: string; memberId?: number; staffUserId?: number; deviceId: string | null }
  | { kind: 'email_changed'; memberId: number };

/**
 * Use a link: once, atomically. Sign-in rotates the session (a fresh id every time).
 * A staff link whose user has two-factor on also needs a code. Each code tried spends one of
 * the link's MAX_CODE_ATTEMPTS (claimed in the database before the code is checked, so parallel
 * guesses cannot outrun the count), and `codeThrottle` bounds guesses per staff user across links.
 */
export async function useLink(deps: AccountDeps, raw: string, o: { userAgent: string; totpCode?: string; ip?: string; codeThrottle: Throttle }): Promise<LinkResult> {
  return withTransaction(deps, async (d) => {
    const now = d.clock.now();
    const found = await findLoginToken(d.db, raw, now);
    if (!found.ok) return { kind: found.reason };
    const t = found.token;
    if (t.purpose === 'staff_signin') {
      const s = await d.db.selectFrom('staff_users').select(['id', 'totp_enabled', 'totp_secret']).where('id', '=', t.staffUserId!).executeTakeFirst();
      if (!s) return { kind: 'invalid' };
      if (s.totp_enabled === 1) {
        if (!o.totpCode) return { kind: 'code_required' };
        const wait = o.codeThrottle.hit(`staff:${s.id}`);
        if (wait) return { kind: 'throttled', retryAfterSeconds: wait };
        const attempt = await claimCodeAttempt(d.db, t.id);
        if (attempt === null) return { kind: 'too_many_codes' };
        if (!(await acceptTotp(d.db, s.id, s.totp_secret, o.totpCode, now))) {
          await audit(d.db, { at: now, actor: 'anonymous', action: 'staff.signin_failed', target: `staff:${s.id}`, ip: o.ip, details: { reason: 'totp', method: 'link', attempt } });
          if (attempt >= MAX_CODE_ATTEMPTS) {
            await consumeLoginToken(d.db, t.id, now);
            return { kind: 'too_many_codes' };
          }
          return { kind: 'code_wrong', attemptsLeft: MAX_CODE_ATTEMPTS - attempt };
        }
      }
      if (!(await consumeLoginToken(d.db, t.id, now))) return { kind: 'used' };
      const session = await createSession(d.db, { staffUserId: s.id }, o.userAgent, now);
      await audit(d.db, { at: now, actor: `staff:${s.id}`, action: 'staff.signin', target: `staff:${s.id}`, ip: o.ip, details: { method: 'link' } });
      return { kind: 'signed_in', sessionToken: session.token, maxAgeMs: session.maxAgeMs, returnTo: safeReturnTo(t.returnTo ?? '/admin'), staffUserId: s.id, deviceId: null };
    }
    if (t.purpose === 'change_email') {
      const taken = await findMemberByEmail(d.db, t.email);
      if (taken && taken.id !== t.memberId) return { kind: 'email_taken' };
      if (!(await consumeLoginToken(d.db, t.id, now))) return { kind: 'used' };
      await d.db.updateTable('members').set({ email: t.email, email_normalized: normalizeEmail(t.email), email_verified: 1 }).where('id', '=', t.memberId!).execute();
      return { kind: 'email_changed', memberId: t.memberId! };
    }
    if (!(await consumeLoginToken(d.db, t.id, now))) return { kind: 'used' };
    let member = await findMemberByEmail(d.db, t.email);
    if (!member) {
      member = await d.db.insertInto('members').values({
        email: t.email, email_normalized: normalizeEmail(t.email), name: t.name ?? '', status: 'free', email_verified: 1,
        password_hash: null, created_at: now, last_seen_at: now, deleted_at: null,
      }).returningAll().executeTakeFirstOrThrow();
      // A new member is on the newsletters they ticked at sign-up (those marked default when the form offered no choice).
      for (const id of await signupNewsletterIds(d.db, t.newsletters ?? null)) await setSubscription(d.db, member.id, id, true, 'sign-up', now);
    } else {
      await d.db.updateTable('members').set({ email_verified: 1, last_seen_at: now, ...(t.name && !member.name ? { name: t.name } : {}) }).where('id', '=', member.id).execute();
    }
    await d.onMemberSignIn({ db: d.db, now }, member.id, t.deviceId);
    const session = await createSession(d.db, { memberId: member.id }, o.userAgent, now);
    const returnTo = t.intent ? await d.onIntent({ db: d.db }, member.id, t.intent, safeReturnTo(t.returnTo)) : safeReturnTo(t.returnTo);
    return { kind: 'signed_in', sessionToken: session.token, maxAgeMs: session.maxAgeMs, returnTo: safeReturnTo(returnTo), memberId: member.id, deviceId: t.deviceId };
  });
}

/** Email + password sign-in for readers who set one. Wrong email and wrong password look the same. */
export async function passwordSignIn(deps: AccountDeps, i: { email: string; password: string; userAgent: string; deviceId: string | null }) {
  const email = parseEmail(i.email);
  const member = await findMemberByEmail(deps.db, email);
  const ok = await verifyPassword(member?.password_hash ?? null, i.password);
  if (!member || !ok) throw new AppError('unauthorized', 'that email and password do not match');
  return withTransaction(deps, async (d) => {
    const now = d.clock.now();
    await d.onMemberSignIn({ db: d.db, now }, member.id, i.deviceId);
    await d.db.updateTable('members').set({ last_seen_at: now }).where('id', '=', member.id).execute();
    const session = await createSession(d.db, { memberId: member.id }, i.userAgent, now);
    return { sessionToken: session.token, maxAgeMs: session.maxAgeMs, memberId: member.id };
  });
}

export async function setMemberPassword(deps: AccountDeps, memberId: number, password: string): Promise<void> {
  checkPasswordPolicy(password);
  await deps.db.updateTable('members').set({ password_hash: await hashPassword(password) }).where('id', '=', memberId).execute();
}

export async function changeName(deps: AccountDeps, memberId: number, name: string): Promise<void> {
  const n = name.trim();
  if (n.length > 200) throw invalidInput('name must be at most 200 characters');
  await deps.db.updateTable('members').set({ name: n }).where('id', '=', memberId).execute();
}

/**
 * The new address must prove itself: nothing changes until its link is used. An address that
 * belongs to another account gets a notice instead of a link, and the asker sees no difference.
 */
export async function requestEmailChange(deps: AccountDeps, memberId: number, newEmail: string): Promise<void> {
  const email = parseEmail(newEmail);
  await withTransaction(deps, async (d) => {
    const now = d.clock.now();
    const taken = await findMemberByEmail(d.db, email);
    if (taken && taken.id !== memberId) {
      await queueMail(d.db, emailInUseMail(await d.brand(), taken.email), now);
      return;
    }
    const token = await createLoginToken(d.db, { purpose: 'change_email', email, name: null, memberId, staffUserId: null, bindingHash: null, deviceId: null, returnTo: '/account' }, now);
    await queueMail(d.db, changeEmailMail(await d.brand(), email, `${d.siteUrl}/signin/verify?token=${token}`), now);
  });
  deps.mailQueued();
}

export async function exportMemberData(deps: AccountDeps, memberId: number) {
  const m = await deps.db.selectFrom('members').selectAll().where('id', '=', memberId).executeTakeFirstOrThrow();
  const sessions = await listMemberSessions(deps.db, memberId, deps.clock.now());
  return {
    exportedAt: new Date(deps.clock.now()).toISOString(),
    account: { email: m.email, name: m.name, status: m.status, emailVerified: m.email_verified === 1, hasPassword: m.password_hash !== null, createdAt: new Date(m.created_at).toISOString(), lastSeenAt: m.last_seen_at ? new Date(m.last_seen_at).toISOString() : null },
    sessions: sessions.map((s) => ({ createdAt: new Date(s.created_at).toISOString(), lastSeenAt: new Date(s.last_seen_at).toISOString(), userAgent: s.user_agent })),
  };
}

/**
 * Erase personal data. The row stays (anonymised) so billing records that the
 * law requires us to keep still point somewhere; nothing in it identifies a person.
 */
export async function deleteMember(deps: AccountDeps, memberId: number): Promise<void> {
  await withTransaction(deps, async (d) => {
    const now = d.clock.now();
    const before = await d.db.selectFrom('members').select(['email_normalized']).where('id', '=', memberId).executeTakeFirst();
    // Every other copy of the address and the name goes too (test/http/erasure.test.ts reads every
    // table for them): the newsletters' recipient lists keep the row (a send's counts) without
    // either; sign-in links and mail to any address the member used (their own, one they were
    // moving to, one typed in other capitals) are deleted; import reports lose the lines naming them.
    await anonymiseRecipient(d.db, memberId);
    const addresses = new Set<string>(before ? [before.email_normalized] : []);
    for (const e of await loginTokenEmailsOf(d.db, memberId)) addresses.add(normalizeEmail(e));
    for (const address of addresses) {
      await deleteLoginTokensFor(d.db, address);
      await deleteMailTo(d.db, d.dialect, address);
      await forgetInImportReports(d.db, address);
    }
    await d.db.updateTable('members').set({
      email: `deleted-member-${memberId}@invalid`, email_normalized: `deleted-member-${memberId}@invalid`, name: '', note: '', password_hash: null, email_verified: 0, deleted_at: now, last_seen_at: null,
    }).where('id', '=', memberId).execute();
    await d.db.deleteFrom('login_tokens').where('member_id', '=', memberId).execute();
    await d.db.deleteFrom('sessions').where('member_id', '=', memberId).execute();
  });
}

export async function signOutEverywhere(deps: AccountDeps, memberId: number): Promise<number> {
  return revokeMemberSessions(deps.db, memberId, deps.clock.now());
}
