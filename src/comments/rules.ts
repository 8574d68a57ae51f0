import { z } from 'zod';
import type { ReaderKind } from '../access/reader-kind.js';
import { settingsGroup } from '../content/settings-group.js';

/** Comment settings under `comments.*`. The defaults follow the site we model: subscribers read and post. */
export const commentRulesSchema = z.object({
  readers: z.enum(['everyone', 'members', 'subscribers']),
  posters: z.enum(['members', 'subscribers']),
  /** Hold a member's first comment for a moderator. Off: subscribers pay and are known. */
  premoderateFirst: z.boolean(),
  /** Comments containing any of these words wait for a moderator. */
  blockedWords: z.array(z.string().trim().min(1).max(60)).max(500),
  /** A daily mail to each article's author (linked staff account) listing new comments. */
  authorDigest: z.boolean(),
}).strict();
export type CommentRules = z.infer<typeof commentRulesSchema>;
export const DEFAULT_COMMENT_RULES: CommentRules = { readers: 'subscribers', posters: 'subscribers', premoderateFirst: false, blockedWords: [], authorDigest: false };

const group = settingsGroup('comments', commentRulesSchema, DEFAULT_COMMENT_RULES);
export const readCommentRules = group.read;
export const writeCommentRules = group.write;

/** Who comments: the reader classification everyone uses (access/reader-kind). */
export type CommenterKind = ReaderKind;

/**
 * Pure permission rules. Nobody sees the comments of an article they cannot
 * read; staff always may. Returns null when allowed, else the reason in words.
 */
export function readRefusal(kind: CommenterKind, rules: Pick<CommentRules, 'readers'>, canReadArticle: boolean): string | null {
  if (kind === 'staff') return null;
  if (!canReadArticle) return 'you cannot read this article, so you cannot read its comments';
  if (rules.readers === 'everyone') return null;
  if (rules.readers === 'members') return kind === 'anonymous' ? 'comments are for signed-in readers' : null;
  return kind === 'subscriber' ? null : 'comments are for subscribers';
}

export function postRefusal(kind: CommenterKind, rules: Pick<CommentRules, 'posters'>, canReadArticle: boolean, banned: boolean): string | null {
  if (kind === 'staff') return null;
  if (kind === 'anonymous') return 'sign in to comment';
  if (banned) return 'you have been banned from commenting';
  if (!canReadArticle) return 'you cannot read this article, so you cannot comment on it';
  if (rules.posters === 'subscribers' && kind !== 'subscriber') return 'commenting is for subscribers';
  return null;
}

/** Everything a reader can do to comments. Reading pages and threads is readRefusal's. */
export type CommentAction = 'post' | 'reply' | 'edit' | 'delete' | 'like' | 'report';

const SIGN_IN: Record<CommentAction, string> = { post: 'comment', reply: 'reply', edit: 'edit your comments', delete: 'delete your comments', like: 'like comments', report: 'report comments' };
const UNREADABLE: Record<CommentAction, string> = { post: 'comment on it', reply: 'reply to its comments', edit: 'edit your comment on it', delete: 'delete your comment on it', like: 'like its comments', report: 'report its comments' };

/**
 * The one rule for every comment action: null when allowed, else the reason in words. Nothing is
 * done to the comments of an article the reader cannot read, nor to comments they may not see;
 * writing (post, reply, edit) also follows who may post and bans. A banned member may not like
 * either, but may still report comments and delete their own.
 */
export function actionRefusal(action: CommentAction, kind: CommenterKind, rules: Pick<CommentRules, 'readers' | 'posters'>, canReadArticle: boolean, banned: boolean): string | null {
  if (kind === 'anonymous') return `sign in to ${SIGN_IN[action]}`;
  if (kind === 'staff') return action === 'like' ? 'likes are for readers' : null;
  if (!canReadArticle) return `you cannot read this article, so you cannot ${UNREADABLE[action]}`;
  const read = readRefusal(kind, rules, true);
  if (read) return read;
  if (action === 'post' || action === 'reply' || action === 'edit') return postRefusal(kind, rules, true, banned);
  if (action === 'like' && banned) return 'you have been banned from commenting';
  return null;
}

/** How long a moderator can ban for, as the ban form offers it. */
export const BAN_LENGTHS = { day: 'For a day', week: 'For a week', month: 'For 30 days', forever: 'For good' } as const;
export type BanLength = keyof typeof BAN_LENGTHS;
const BAN_DAYS: Record<Exclude<BanLength, 'forever'>, number> = { day: 1, week: 7, month: 30 };

/** When a ban of this length, starting now, ends (epoch ms); null is never. */
export function banEnd(length: BanLength, now: number): number | null {
  return length === 'forever' ? null : now + BAN_DAYS[length] * 86_400_000;
}
