import { linkTag, linkTagValid } from '../members/crypto.js';
import { withTransaction } from '../db/transaction.js';
import type { Kysely, Transaction } from 'kysely';
import type { Clock } from '../clock.js';
import type { DB } from '../db/schema.js';
import { AppError, invalidInput, notFound } from '../errors.js';
import type { AccessLevel } from '../content/types.js';
import { queueMail } from '../mail/mailer.js';
import { noticeMail, type Brand } from '../mail/messages.js';
import { MAX_COMMENT, renderComment } from './markup.js';
import { actionRefusal, type CommentAction, type CommenterKind, type CommentRules } from './rules.js';

type Q = Kysely<DB> | Transaction<DB>;

export interface CommentDeps {
  db: Q;
  clock: Clock;
  siteUrl: string;
  secret: string;
  brand(): Promise<Brand>;
  mailQueued(): void;
  /** Called after comments change, so cached pages drop their counts and threads. */
  changed(): void;
}

export const EDIT_WINDOW_MS = 15 * 60_000;
export const MAX_DEPTH = 2;
export const PAGE = 20;
export type Sort = 'oldest' | 'newest' | 'top';

export interface Author { memberId: number | null; staffUserId: number | null }

export interface CommentView {
  id: number;
  parentId: number | null;
  depth: number;
  authorName: string;
  badge: 'staff' | 'author' | null;
  html: string;
  createdAt: number;
  edited: boolean;
  likes: number;
  deleted: boolean;
  replyingTo: string | null;
  memberId: number | null;
  staffUserId: number | null;
  status: string;
  replies: CommentView[];
}

async function recount(db: Q, articleId: number): Promise<void> {
  const r = await db.selectFrom('comments').select((eb) => eb.fn.countAll<number>().as('n')).where('article_id', '=', articleId).where('status', '=', 'visible').executeTakeFirstOrThrow();
  await db.updateTable('articles').set({ comment_count: Number(r.n) }).where('id', '=', articleId).execute();
}

/** A ban counts until it expires; one without an end (expires_at null) is for good. */
export async function isBanned(db: Q, memberId: number, now: number): Promise<boolean> {
  return !!(await db.selectFrom('comment_bans').select('member_id').where('member_id', '=', memberId)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)])).executeTakeFirst());
}

/** Who is acting, as the HTTP layer knows them. */
export interface Actor {
  kind: CommenterKind;
  author: Author;
  /** The access decision (src/access) for this actor and an article, asked without counting a read. */
  mayRead(article: { id: number; access: AccessLevel }): Promise<boolean>;
}

declare const granted: unique symbol;

/**
 * Leave to do one action, made only by authorize(): every function that changes comments for a
 * reader takes one, so no action can skip the article's access, the comment rules or a ban.
 */
export interface Permit<A extends CommentAction = CommentAction> {
  readonly action: A;
  readonly author: Author;
  readonly articleId: number;
  readonly articleSlug: string;
  /** The comment acted on; for a reply, the comment replied to (checked when the reply is written). */
  readonly commentId: number | null;
  readonly [granted]: true;
}

export type Target = { articleId: number; parentId?: number | null } | { commentId: number };

export const editWindowOpen = (createdAt: number, now: number) => now - createdAt <= EDIT_WINDOW_MS;

/** An author's own comments still within the edit window, and what a thread offers them for those. */
export interface OwnActions { ids: ReadonlySet<number>; canEdit: boolean; canDelete: boolean }

/** What a thread offers this reader for their own recent comments (the same rules as authorize), or nothing. */
export function ownActions(kind: CommenterKind, threads: readonly CommentView[], author: Author, rules: Pick<CommentRules, 'readers' | 'posters'>, canRead: boolean, banned: boolean, now: number): OwnActions | undefined {
  if (kind === 'anonymous') return undefined;
  const ids = ownRecentComments(threads, author, now);
  if (!ids.length) return undefined;
  const canEdit = !actionRefusal('edit', kind, rules, canRead, banned);
  const canDelete = !actionRefusal('delete', kind, rules, canRead, banned);
  return canEdit || canDelete ? { ids: new Set(ids), canEdit, canDelete } : undefined;
}

/** Ids of this author's comments in a thread that are still within the edit window: the ones the thread offers them to edit or delete. */
export function ownRecentComments(threads: readonly CommentView[], author: Author, now: number): number[] {
  const out: number[] = [];
  const walk = (list: readonly CommentView[]) => {
    for (const c of list) {
      const mine = (author.memberId !== null && c.memberId === author.memberId) || (author.staffUserId !== null && c.staffUserId === author.staffUserId);
      if (mine && !c.deleted && c.status === 'visible' && editWindowOpen(c.createdAt, now)) out.push(c.id);
      walk(c.replies);
    }
  };
  walk(threads);
  return out;
}

/**
 * May this actor do this to this article or comment now? The one gate for every comment action:
 * a Permit, or a 404 (nothing there for this reader), 401 (signed out) or 403 with the reason.
 */
export async function authorize<A extends CommentAction>(deps: CommentDeps, rules: CommentRules, actor: Actor, action: A, target: A extends 'post' | 'reply' ? { articleId: number; parentId?: number | null } : { commentId: number }): Promise<Permit<A>> {
  const t = target as Target;
  const now = deps.clock.now();
  const c = 'commentId' in t ? await deps.db.selectFrom('comments').select(['id', 'article_id', 'member_id', 'staff_user_id', 'status', 'created_at']).where('id', '=', t.commentId).executeTakeFirst() : undefined;
  const mine = !!c && ((actor.author.memberId !== null && c.member_id === actor.author.memberId) || (actor.author.staffUserId !== null && c.staff_user_id === actor.author.staffUserId));
  // Held, hidden and deleted comments are not there for anyone but their author (and only to edit or delete).
  if ('commentId' in t && (!c || c.status === 'deleted' || (c.status !== 'visible' && !(mine && (action === 'edit' || action === 'delete'))))) throw notFound('comment');
  const articleId = c ? c.article_id : (t as { articleId: number }).articleId;
  const a = await deps.db.selectFrom('articles').select(['id', 'slug', 'effective_access', 'live_at']).where('id', '=', articleId).executeTakeFirst();
  if (!a || a.live_at === null || a.live_at > now) throw notFound(c ? 'comment' : 'article');
  const canRead = await actor.mayRead({ id: a.id, access: a.effective_access as AccessLevel });
  const banned = actor.author.memberId !== null && (await isBanned(deps.db, actor.author.memberId, now));
  const refusal = actionRefusal(action, actor.kind, rules, canRead, banned);
  if (refusal) throw new AppError(actor.kind === 'anonymous' ? 'unauthorized' : 'forbidden', refusal);
  if ((action === 'edit' || action === 'delete') && !mine) throw new AppError('forbidden', 'you can only change your own comments');
  if (action === 'edit' && !editWindowOpen(c!.created_at, now)) throw new AppError('forbidden', 'comments can be edited for 15 minutes after posting');
  const commentId = c ? c.id : ((t as { parentId?: number | null }).parentId ?? null);
  return { action, author: actor.author, articleId: a.id, articleSlug: a.slug, commentId } as Permit<A>;
}

/**
 * The moderation a text gets, posted or edited (so an edit cannot slip past it): blocked words
 * hold it for a moderator, and so does premoderation of a member's first comment until one of
 * theirs has been let through. A visible comment being edited is such a one, so an edit is held
 * for its words only.
 */
async function moderatedStatus(db: Q, rules: CommentRules, author: Author, text: string): Promise<'visible' | 'pending'> {
  const lower = text.toLowerCase();
  if (rules.blockedWords.some((w) => new RegExp(`\\b${w.toLowerCase().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`).test(lower))) return 'pending';
  if (rules.premoderateFirst && author.memberId) {
    const approved = await db.selectFrom('comments').select('id').where('member_id', '=', author.memberId).where('status', '=', 'visible').limit(1).executeTakeFirst();
    if (!approved) return 'pending';
  }
  return 'visible';
}

/** The text as it will be stored, or a 400 that says what is wrong (the form keeps the text). */
export function checkText(text: string): string {
  const t = (text ?? '').replace(/\r\n?/g, '\n').trim();
  if (!t) throw invalidInput('write something before posting');
  if (t.length > MAX_COMMENT) throw invalidInput(`comments are limited to ${MAX_COMMENT.toLocaleString('en')} characters (this one has ${t.length.toLocaleString('en')})`);
  return t;
}

/** Post a comment, or a reply to permit.commentId. */
export async function postComment(deps: CommentDeps, rules: CommentRules, permit: Permit<'post' | 'reply'>, rawText: string): Promise<{ id: number; status: string }> {
  const text = checkText(rawText);
  const { author, articleId } = permit;
  const out = await withTransaction(deps, async (d) => {
    const now = d.clock.now();
    let depth = 0;
    let rootId: number | null = null;
    let branchId: number | null = null;
    let parent: { id: number; member_id: number | null; depth: number; root_id: number | null; branch_id: number | null; article_id: number; status: string } | undefined;
    if (permit.commentId) {
      parent = await d.db.selectFrom('comments').select(['id', 'member_id', 'depth', 'root_id', 'branch_id', 'article_id', 'status']).where('id', '=', permit.commentId).executeTakeFirst();
      if (!parent || parent.article_id !== articleId || parent.status !== 'visible') throw invalidInput('the comment you are replying to is not there any more');
      depth = Math.min(MAX_DEPTH, parent.depth + 1);
      rootId = parent.root_id ?? parent.id;
      branchId = parent.depth === 0 ? null : parent.depth === 1 ? parent.id : parent.branch_id;
    }
    if (author.memberId) {
      const last = await d.db.selectFrom('comments').select('body_text').where('member_id', '=', author.memberId).where('article_id', '=', articleId)
        .orderBy('id', 'desc').limit(1).executeTakeFirst();
      if (last?.body_text === text) throw new AppError('conflict', 'you just posted that same comment');
    }
    const status = await moderatedStatus(d.db, rules, author, text);
    const row = await d.db.insertInto('comments').values({
      article_id: articleId, member_id: author.memberId, staff_user_id: author.staffUserId, parent_id: parent?.id ?? null, depth, root_id: rootId, branch_id: branchId,
      body_text: text, body_html: renderComment(text), status, like_count: 0, edited_at: null, created_at: now, updated_at: now,
    }).returning('id').executeTakeFirstOrThrow();
    if (!rootId) await d.db.updateTable('comments').set({ root_id: row.id }).where('id', '=', row.id).execute();
    await recount(d.db, articleId);
    if (status === 'visible' && parent?.member_id && parent.member_id !== author.memberId) await notifyReply(d, parent.member_id, articleId, row.id);
    return { id: row.id, status };
  });
  deps.changed();
  deps.mailQueued();
  return out;
}

/** One-click opt-out links carry a keyed hash of the member id: no sign-in needed, nothing to guess. */
export function unsubscribeToken(secret: string, memberId: number): string {
  return linkTag(secret, `comment-replies:${memberId}`);
}

/** Whether `token` is the opt-out token of `memberId` under any of `secrets` (see linkTagValid). */
export function unsubscribeTokenValid(secrets: readonly (string | null)[], memberId: number, token: string): boolean {
  return Number.isInteger(memberId) && memberId > 0 && linkTagValid(secrets, `comment-replies:${memberId}`, token);
}

async function notifyReply(d: CommentDeps, memberId: number, articleId: number, commentId: number): Promise<void> {
  const m = await d.db.selectFrom('members').select(['email', 'comment_emails', 'deleted_at']).where('id', '=', memberId).executeTakeFirst();
  if (!m || m.deleted_at || !m.comment_emails) return;
  const a = await d.db.selectFrom('articles').select(['slug', 'title']).where('id', '=', articleId).executeTakeFirstOrThrow();
  const brand = await d.brand();
  const unsubscribe = `${d.siteUrl}/comments/unsubscribe?m=${memberId}&t=${unsubscribeToken(d.secret, memberId)}`;
  const mail = noticeMail(brand, m.email, `New reply to your comment on “${a.title}”`, [
    `Someone replied to your comment on “${a.title}”.`,
    `Stop these emails: ${unsubscribe}`,
  ], { label: 'Read the reply', href: `${d.siteUrl}/articles/${a.slug}#comment-${commentId}` });
  mail.headers = { 'List-Unsubscribe': `<${unsubscribe}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' };
  await queueMail(d.db, mail, d.clock.now());
}

export async function setReplyEmails(db: Q, memberId: number, on: boolean): Promise<void> {
  await db.updateTable('members').set({ comment_emails: on ? 1 : 0 }).where('id', '=', memberId).execute();
}

/** New text for the author's comment, moderated as a new post would be; a held or hidden comment stays so. */
export async function editComment(deps: CommentDeps, rules: CommentRules, permit: Permit<'edit'>, text: string): Promise<{ status: string }> {
  const t = checkText(text);
  const out = await withTransaction(deps, async (d) => {
    const c = await d.db.selectFrom('comments').select(['id', 'article_id', 'status']).where('id', '=', permit.commentId!).executeTakeFirst();
    if (!c || c.status === 'deleted') throw notFound('comment');
    const status = c.status === 'visible' ? await moderatedStatus(d.db, rules, permit.author, t) : c.status;
    const now = d.clock.now();
    await d.db.updateTable('comments').set({ body_text: t, body_html: renderComment(t), status, edited_at: now, updated_at: now }).where('id', '=', c.id).execute();
    if (status !== c.status) await recount(d.db, c.article_id);
    return { status };
  });
  deps.changed();
  return out;
}

export async function deleteOwnComment(deps: CommentDeps, permit: Permit<'delete'>): Promise<number> {
  await setStatus(deps, permit.commentId!, 'deleted');
  return permit.articleId;
}

/** Moderation: approve (visible), hide, or delete. Open reports on the comment are resolved. */
export async function setStatus(deps: CommentDeps, id: number, status: 'visible' | 'hidden' | 'deleted'): Promise<void> {
  await withTransaction(deps, async (d) => {
    const c = await d.db.selectFrom('comments').select(['id', 'article_id', 'status', 'member_id']).where('id', '=', id).executeTakeFirst();
    if (!c) throw notFound('comment');
    const now = d.clock.now();
    await d.db.updateTable('comments').set({ status, updated_at: now, ...(status === 'deleted' ? { body_text: '', body_html: '' } : {}) }).where('id', '=', id).execute();
    await d.db.updateTable('comment_reports').set({ resolved_at: now }).where('comment_id', '=', id).where('resolved_at', 'is', null).execute();
    await recount(d.db, c.article_id);
  });
  deps.changed();
}

export async function likeComment(deps: CommentDeps, permit: Permit<'like'>): Promise<void> {
  const id = permit.commentId!;
  const memberId = permit.author.memberId;
  if (memberId === null) throw new AppError('forbidden', 'likes are for readers');
  await withTransaction(deps, async (d) => {
    const c = await d.db.selectFrom('comments').select(['id', 'status']).where('id', '=', id).executeTakeFirst();
    if (!c || c.status !== 'visible') throw notFound('comment');
    const r = await d.db.insertInto('comment_likes').values({ comment_id: id, member_id: memberId }).onConflict((oc) => oc.columns(['comment_id', 'member_id']).doNothing()).executeTakeFirst();
    if (Number(r.numInsertedOrUpdatedRows ?? 0)) await d.db.updateTable('comments').set((eb) => ({ like_count: eb('like_count', '+', 1) })).where('id', '=', id).execute();
  });
  deps.changed();
}

export async function reportComment(deps: CommentDeps, permit: Permit<'report'>, reason: string): Promise<void> {
  await deps.db.insertInto('comment_reports').values({ comment_id: permit.commentId!, reporter_member_id: permit.author.memberId, reason: reason.trim().slice(0, 500), created_at: deps.clock.now(), resolved_at: null }).execute();
}

/**
 * Ban a member from commenting until `until` (epoch ms), or for good (null). Banning someone
 * already banned replaces the ban: a moderator may lengthen, shorten or make it permanent.
 */
export async function banMember(deps: CommentDeps, memberId: number, by: string, reason: string, until: number | null = null): Promise<void> {
  if (!(await deps.db.selectFrom('members').select('id').where('id', '=', memberId).executeTakeFirst())) throw notFound('member');
  const now = deps.clock.now();
  if (until !== null && until <= now) throw invalidInput('a ban must end in the future');
  await deps.db.insertInto('comment_bans').values({ member_id: memberId, banned_by: by, reason, created_at: now, expires_at: until })
    .onConflict((oc) => oc.column('member_id').doUpdateSet({ banned_by: by, reason, created_at: now, expires_at: until })).execute();
  deps.changed();
}

export async function unbanMember(deps: CommentDeps, memberId: number): Promise<void> {
  await deps.db.deleteFrom('comment_bans').where('member_id', '=', memberId).execute();
}

/** A page of threads: top-level comments sorted as asked, each with its replies oldest first (flat below the first level). */
export async function loadThread(db: Q, articleId: number, sort: Sort, page: number): Promise<{ threads: CommentView[]; hasNext: boolean; total: number }> {
  let top = db.selectFrom('comments').selectAll().where('article_id', '=', articleId).where('depth', '=', 0).where('status', 'in', ['visible', 'deleted']);
  top = sort === 'newest' ? top.orderBy('created_at', 'desc').orderBy('id', 'desc') : sort === 'top' ? top.orderBy('like_count', 'desc').orderBy('id', 'asc') : top.orderBy('created_at', 'asc').orderBy('id', 'asc');
  const tops = await top.limit(PAGE + 1).offset((page - 1) * PAGE).execute();
  const pageTops = tops.slice(0, PAGE);
  const replies = pageTops.length
    ? await db.selectFrom('comments').selectAll().where('root_id', 'in', pageTops.map((t) => t.id)).where('depth', '>', 0).where('status', 'in', ['visible', 'deleted']).orderBy('created_at').orderBy('id').execute()
    : [];
  const all = [...pageTops, ...replies];
  const names = await authorNames(db, all, articleId);
  const byId = new Map<number, CommentView>();
  const view = (c: (typeof all)[number]): CommentView => ({
    id: c.id, parentId: c.parent_id, depth: c.depth, authorName: names.get(c.id)?.name ?? 'A reader', badge: names.get(c.id)?.badge ?? null,
    html: c.status === 'deleted' ? '' : c.body_html, createdAt: c.created_at, edited: c.edited_at !== null, likes: c.like_count, deleted: c.status === 'deleted',
    replyingTo: null, memberId: c.member_id, staffUserId: c.staff_user_id, status: c.status, replies: [],
  });
  for (const c of all) byId.set(c.id, view(c));
  for (const c of replies) {
    const v = byId.get(c.id)!;
    const anchor = c.depth === 1 ? byId.get(c.root_id!) : byId.get(c.branch_id ?? c.root_id!);
    if (c.depth === 2 && c.parent_id !== c.branch_id) v.replyingTo = byId.get(c.parent_id!)?.authorName ?? null;
    anchor?.replies.push(v);
  }
  // A deleted comment stays as a placeholder only while it holds replies.
  const threads = pageTops.map((t) => byId.get(t.id)!).filter((t) => !t.deleted || t.replies.length);
  const prune = (v: CommentView) => {
    v.replies = v.replies.filter((r) => !r.deleted || r.replies.length);
    v.replies.forEach(prune);
  };
  threads.forEach(prune);
  const total = Number((await db.selectFrom('articles').select('comment_count').where('id', '=', articleId).executeTakeFirst())?.comment_count ?? 0);
  return { threads, hasNext: tops.length > PAGE, total };
}

async function authorNames(db: Q, rows: { id: number; member_id: number | null; staff_user_id: number | null }[], articleId: number) {
  const out = new Map<number, { name: string; badge: 'staff' | 'author' | null }>();
  const memberIds = [...new Set(rows.map((r) => r.member_id).filter((x): x is number => x !== null))];
  const staffIds = [...new Set(rows.map((r) => r.staff_user_id).filter((x): x is number => x !== null))];
  const members = memberIds.length ? await db.selectFrom('members').select(['id', 'name', 'deleted_at']).where('id', 'in', memberIds).execute() : [];
  const staff = staffIds.length ? await db.selectFrom('staff_users').select(['id', 'name', 'email']).where('id', 'in', staffIds).execute() : [];
  const articleAuthors = staffIds.length
    ? new Set((await db.selectFrom('article_authors as aa').innerJoin('authors as au', 'au.id', 'aa.author_id').select('au.staff_user_id').where('aa.article_id', '=', articleId).execute()).map((r) => r.staff_user_id))
    : new Set<number | null>();
  const mName = new Map(members.map((m) => [m.id, m.deleted_at ? 'A former reader' : m.name || 'A reader']));
  const sName = new Map(staff.map((s) => [s.id, s.name || s.email.split('@')[0]!]));
  for (const r of rows) {
    if (r.staff_user_id) out.set(r.id, { name: sName.get(r.staff_user_id) ?? 'Staff', badge: articleAuthors.has(r.staff_user_id) ? 'author' : 'staff' });
    else out.set(r.id, { name: mName.get(r.member_id!) ?? 'A reader', badge: null });
  }
  return out;
}

export async function getComment(db: Q, id: number) {
  return db.selectFrom('comments').selectAll().where('id', '=', id).executeTakeFirst();
}

/**
 * A comment that has a page (visible, or deleted and shown as such) and the live article it is
 * under; undefined when either is not there for readers.
 */
export async function commentOnLiveArticle(db: Q, id: number, now: number) {
  const c = await getComment(db, id);
  if (!c || (c.status !== 'visible' && c.status !== 'deleted')) return undefined;
  const a = await db.selectFrom('articles').select(['id', 'slug', 'title', 'effective_access', 'live_at']).where('id', '=', c.article_id).executeTakeFirst();
  if (!a || a.live_at === null || a.live_at > now) return undefined;
  return { c, a };
}
