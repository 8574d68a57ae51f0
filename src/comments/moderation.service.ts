import { withTransaction } from '../db/transaction.js';
import { audit } from '../members/audit.js';
import { AppError, invalidInput } from '../errors.js';
import { banMember, setStatus, unbanMember, type CommentDeps } from './comments.service.js';
import { readCommentRules, writeCommentRules, banEnd, type BanLength } from './rules.js';

/**
 * Moderation from the newsroom app: each change and its audit entry in one transaction, so a
 * bulk action is applied whole or not at all. Who may moderate is members/permissions.ts.
 */
export type ModerationAction = 'approve' | 'hide' | 'delete';
const STATUS = { approve: 'visible', hide: 'hidden', delete: 'deleted' } as const;

export interface Moderator { actor: string; ip?: string }

export async function moderateComments(deps: CommentDeps, who: Moderator, ids: number[], action: ModerationAction): Promise<number> {
  if (!ids.length) throw invalidInput('select at least one comment');
  await withTransaction(deps, async (d) => {
    for (const id of ids) {
      await setStatus(d, id, STATUS[action]);
      await audit(d.db, { at: d.clock.now(), actor: who.actor, action: `comment.${action === 'approve' ? 'approved' : action === 'hide' ? 'hidden' : 'deleted'}`, target: `comment:${id}`, ip: who.ip });
    }
  });
  return ids.length;
}

export async function banFromComments(deps: CommentDeps, who: Moderator, memberId: number, length: BanLength, reason: string): Promise<void> {
  const r = reason.trim();
  if (!r) throw new ReasonMissing();
  if (r.length > 500) throw invalidInput('keep the reason under 500 characters');
  await withTransaction(deps, async (d) => {
    const now = d.clock.now();
    const until = banEnd(length, now);
    await banMember(d, memberId, who.actor, r, until);
    await audit(d.db, { at: now, actor: who.actor, action: 'member.comment_banned', target: `member:${memberId}`, ip: who.ip, details: { reason: r, until } });
  });
}

/** A ban without a reason is refused at its field: the member and the next moderator need to know why. */
export class ReasonMissing extends AppError {
  readonly field = 'reason';
  constructor() { super('invalid_input', 'give the reason for the ban'); }
}

export async function liftBan(deps: CommentDeps, who: Moderator, memberId: number): Promise<void> {
  await withTransaction(deps, async (d) => {
    await unbanMember(d, memberId);
    await audit(d.db, { at: d.clock.now(), actor: who.actor, action: 'member.comment_ban_lifted', target: `member:${memberId}`, ip: who.ip });
  });
  deps.changed();
}

/** Blocked words and first-comment premoderation, the moderation rules an editor runs. */
export async function setModerationRules(deps: CommentDeps, who: Moderator, i: { blockedWords: string[]; premoderateFirst: boolean }): Promise<void> {
  await withTransaction(deps, async (d) => {
    const before = await readCommentRules(d.db);
    await writeCommentRules(d.db, i);
    await audit(d.db, { at: d.clock.now(), actor: who.actor, action: 'comments.rules_changed', target: 'settings:comments', ip: who.ip, details: { before: { blockedWords: before.blockedWords, premoderateFirst: before.premoderateFirst }, after: i } });
  });
  deps.changed();
}
