/**
 * The one place the paywall asks "is this member a subscriber?". Billing
 * (issue 5) keeps `members.status` in step with subscriptions.
 */
const ENTITLED = new Set(['trialing', 'paid', 'active', 'comp']);

export const isEntitled = (status: string | undefined | null): boolean => !!status && ENTITLED.has(status);
