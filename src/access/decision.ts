import type { AccessLevel } from '../content/types.js';

/**
 * Who may read an article's full text. Pure: the caller gathers the inputs,
 * and the page loads the body only after this has answered.
 *
 * Until the metered paywall lands (issue 4) no reader is known to be entitled,
 * so every non-free article is shown up to its preview break.
 */
export type AccessReason = 'free' | 'subscriber' | 'staff' | 'metered' | 'limit_reached' | 'registration_required' | 'paid_only';

export interface AccessDecision {
  full: boolean;
  reason: AccessReason;
}

export function decideAccess(article: { access: AccessLevel }): AccessDecision {
  switch (article.access) {
    case 'free':
      return { full: true, reason: 'free' };
    case 'metered':
      return { full: false, reason: 'limit_reached' };
    case 'registered':
      return { full: false, reason: 'registration_required' };
    case 'paid':
      return { full: false, reason: 'paid_only' };
  }
}
