import { ENTITLED_STATUSES } from '../billing/state.js';

/**
 * The one place the paywall asks "is this member a subscriber?", derived from the member
 * statuses billing writes (billing/state: MEMBER_STATUSES, kept in step with subscriptions).
 */
const ENTITLED: ReadonlySet<string> = new Set(ENTITLED_STATUSES);

export const isEntitled = (status: string | undefined | null): boolean => !!status && ENTITLED.has(status);
