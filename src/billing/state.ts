import { DAY } from '../shared/time.js';
/**
 * The subscription state machine, pure. Every change goes through `transition`,
 * which refuses moves the machine does not have, so a bug or an odd webhook
 * cannot put a subscription into a state it could never reach.
 *
 *   trialing ─→ active ─→ past_due ─→ canceled
 *      │          │  ↑________│          ↑
 *      └──────────┴──────────────────────┘   (cancel or trial end at any point)
 *   comp ─→ canceled                          (complimentary access, granted by staff)
 */
export const SUB_STATUSES = ['trialing', 'active', 'past_due', 'canceled', 'comp'] as const;
export type SubStatus = (typeof SUB_STATUSES)[number];

const ALLOWED: Record<SubStatus, readonly SubStatus[]> = {
  trialing: ['trialing', 'active', 'past_due', 'canceled'],
  active: ['active', 'past_due', 'canceled'],
  past_due: ['past_due', 'active', 'canceled'],
  comp: ['comp', 'canceled'],
  canceled: ['canceled'],
};

export function canTransition(from: SubStatus, to: SubStatus): boolean {
  return ALLOWED[from].includes(to);
}

export class TransitionError extends Error {
  constructor(readonly from: SubStatus, readonly to: SubStatus) {
    super(`a ${from} subscription cannot become ${to}`);
  }
}

export function transition(from: SubStatus, to: SubStatus): SubStatus {
  if (!canTransition(from, to)) throw new TransitionError(from, to);
  return to;
}

export const DEFAULT_GRACE_DAYS = 7;

/**
 * The cause written when a paid subscription replaces a running no-card trial: that trial
 * converted although its own row ends canceled (the dashboard counts it so: dashboard/rules.ts).
 */
export const REPLACED_BY_PAID = 'system: replaced by a paid subscription';

export interface SubFacts { status: SubStatus; trialEnd: number | null; pastDueSince: number | null }

/** Does this subscription give access now? Past-due keeps access for the grace period. */
export function grantsAccess(s: SubFacts, now: number, graceDays = DEFAULT_GRACE_DAYS): boolean {
  switch (s.status) {
    case 'trialing':
      return s.trialEnd === null || now < s.trialEnd;
    case 'active':
    case 'comp':
      return true;
    case 'past_due':
      return s.pastDueSince !== null && now < s.pastDueSince + graceDays * DAY;
    case 'canceled':
      return false;
  }
}

/**
 * A member's standing for the paywall (members.status), derived from their subscriptions by
 * memberStatus below. Entitlement ("is this member a subscriber?") is derived from this list in
 * access/entitlement, so the two cannot drift apart.
 */
export const MEMBER_STATUSES = ['free', 'trialing', 'paid', 'comp'] as const;
export type MemberStatus = (typeof MEMBER_STATUSES)[number];
/** The statuses that read everything: every status but free. */
export const ENTITLED_STATUSES: readonly MemberStatus[] = MEMBER_STATUSES.filter((s) => s !== 'free');

/** The member's status for the paywall (members.status), from all their subscriptions. */
export function memberStatus(subs: SubFacts[], now: number, graceDays = DEFAULT_GRACE_DAYS): MemberStatus {
  const live = subs.filter((s) => grantsAccess(s, now, graceDays));
  if (live.some((s) => s.status === 'active' || s.status === 'past_due')) return 'paid';
  if (live.some((s) => s.status === 'comp')) return 'comp';
  if (live.some((s) => s.status === 'trialing')) return 'trialing';
  return 'free';
}

/** Stripe's subscription statuses, in our machine's terms. `incomplete` is not yet a subscription. */
export function fromStripeStatus(s: string): SubStatus | null {
  switch (s) {
    case 'trialing':
      return 'trialing';
    case 'active':
      return 'active';
    case 'past_due':
    case 'unpaid':
      return 'past_due';
    case 'canceled':
    case 'incomplete_expired':
      return 'canceled';
    default:
      return null;
  }
}

/**
 * A member's standing as the newsroom's member list filters it (members.standing): the paywall's
 * status (memberStatus) with two distinctions it does not need. A paying member whose only paid
 * subscription is past due is `past_due` (in grace or not, until it is cancelled); a free member
 * who once had a subscription or trial that has ended is `cancelled`. The plan is that of the
 * subscription the standing comes from (the latest such), or null.
 */
export const MEMBER_STANDINGS = ['free', 'trialing', 'paid', 'comp', 'past_due', 'cancelled'] as const;
export type MemberStanding = (typeof MEMBER_STANDINGS)[number];
export interface PlannedSub extends SubFacts { planId: number | null }

export function memberStanding(subs: PlannedSub[], now: number, graceDays = DEFAULT_GRACE_DAYS): { standing: MemberStanding; planId: number | null } {
  const status = memberStatus(subs, now, graceDays);
  const live = subs.filter((s) => grantsAccess(s, now, graceDays));
  const last = (list: PlannedSub[], st: SubStatus) => list.filter((s) => s.status === st).at(-1);
  switch (status) {
    case 'paid': {
      const active = last(live, 'active');
      if (active) return { standing: 'paid', planId: active.planId };
      return { standing: 'past_due', planId: last(live, 'past_due')!.planId };
    }
    case 'comp':
    case 'trialing':
      return { standing: status, planId: last(live, status)!.planId };
    case 'free': {
      const lapsed = last(subs, 'past_due');
      if (lapsed) return { standing: 'past_due', planId: lapsed.planId };
      return { standing: subs.length ? 'cancelled' : 'free', planId: null };
    }
  }
}
