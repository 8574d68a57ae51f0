import type { StaffRole } from './staff.js';

/**
 * The staff permission matrix, as a pure function.
 * contributors draft; authors publish their own; editors publish anything and
 * run the taxonomy and comments; administrators also manage members, billing
 * and settings; the owner does everything, including managing staff.
 */
export type Action =
  | 'article.create'
  | 'article.edit'
  | 'article.publish'
  | 'article.delete'
  | 'taxonomy.manage'
  | 'comments.moderate'
  | 'members.manage'
  | 'billing.manage'
  | 'settings.manage'
  | 'staff.manage'
  | 'staff.invite'
  | 'staff.transfer'
  | 'audit.read'
  | 'dashboard.read'
  | 'media.upload'
  | 'media.edit'
  | 'media.delete';

export interface ArticleFacts {
  /** The acting user created the article. */
  own: boolean;
  /** The article is published or scheduled (not a draft). */
  live: boolean;
}

const RANK: Record<StaffRole, number> = { contributor: 0, author: 1, editor: 2, administrator: 3, owner: 4 };

export function can(role: StaffRole, action: Action, article?: ArticleFacts): boolean {
  const r = RANK[role];
  switch (action) {
    case 'article.create':
      return true;
    case 'article.edit':
    case 'article.delete':
      if (r >= RANK.editor) return true;
      if (!article?.own) return false;
      // Contributors only touch their drafts; authors their own articles, live or not.
      return r >= RANK.author || !article.live;
    case 'article.publish':
      if (r >= RANK.editor) return true;
      return r >= RANK.author && article?.own === true;
    case 'taxonomy.manage':
    case 'comments.moderate':
    // The dashboard names revenue and the funnel: editors who run the publication, not every writer.
    case 'dashboard.read':
      return r >= RANK.editor;
    case 'members.manage':
    case 'billing.manage':
    case 'settings.manage':
    case 'audit.read':
      return r >= RANK.administrator;
    case 'staff.manage':
    case 'staff.transfer':
      return r >= RANK.owner;
    // Administrators bring people in (below their own rank: staffChangeRefusal); the owner too.
    case 'staff.invite':
      return r >= RANK.administrator;
    // Anyone who writes adds images; an image's alt text and its deletion are its uploader's, or an editor's.
    case 'media.upload':
      return true;
    case 'media.edit':
    case 'media.delete':
      return r >= RANK.editor || article?.own === true;
  }
}

/** What one staff member may do to another's place in the staff. */
export type StaffChange =
  | { kind: 'invite'; role: StaffRole }
  | { kind: 'role'; self: boolean; from: StaffRole; to: StaffRole }
  | { kind: 'remove'; self: boolean; role: StaffRole }
  | { kind: 'transfer'; self: boolean; role: StaffRole };

/**
 * The one rule for inviting, changing roles, removing staff and transferring ownership: null when
 * allowed, else the reason. The owner does anything but leave the newsroom without an owner;
 * an administrator invites and manages editors, authors and contributors only; nobody else does.
 * Ownership moves only by transfer, so there is always exactly one owner.
 */
export function staffChangeRefusal(actor: StaffRole, change: StaffChange): string | null {
  const r = RANK[actor];
  if (change.kind === 'transfer') {
    if (actor !== 'owner') return 'only the owner can transfer ownership';
    if (change.self) return 'you are already the owner';
    return null;
  }
  if (r < RANK.administrator) return `your role (${actor}) does not allow managing staff`;
  const below = (role: StaffRole) => RANK[role] < r || actor === 'owner';
  if (change.kind === 'invite') {
    if (change.role === 'owner') return 'ownership cannot be given by invitation; invite them, then transfer ownership';
    return below(change.role) ? null : `your role (${actor}) can only invite editors, authors and contributors`;
  }
  if (change.kind === 'role') {
    if (change.self) return 'you cannot change your own role';
    if (change.from === 'owner') return 'the owner’s role changes only by transferring ownership';
    if (change.to === 'owner') return 'to make someone the owner, transfer ownership';
    if (!below(change.from) || !below(change.to)) return `your role (${actor}) can only manage editors, authors and contributors`;
    return null;
  }
  if (change.self) return 'you cannot remove yourself';
  if (change.role === 'owner') return 'the owner cannot be removed; transfer ownership first';
  return below(change.role) ? null : `your role (${actor}) can only remove editors, authors and contributors`;
}
