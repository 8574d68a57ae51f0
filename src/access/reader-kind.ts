import { isEntitled } from './entitlement.js';

/** Who is reading, as every rule sees it: the meter, the comments, billing's pages. */
export type ReaderKind = 'anonymous' | 'member' | 'subscriber' | 'staff';

/**
 * "Who is this reader": the one classification. Staff first (a staff session is never metered),
 * then a signed-in member, a subscriber when their status is entitled; everyone else is anonymous.
 */
export function readerKind(who: { staff?: unknown; member?: { status: string } | null }): ReaderKind {
  if (who.staff) return 'staff';
  if (!who.member) return 'anonymous';
  return isEntitled(who.member.status) ? 'subscriber' : 'member';
}
