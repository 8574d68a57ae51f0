/**
 * One trial per person, by a normalised email: case-folded, and for providers
 * that ignore them, dots and "+tags" removed from the local part
 * (j.o.h.n+news@gmail.com and john@gmail.com are one person).
 */
const IGNORE_DOTS = new Set(['gmail.com', 'googlemail.com']);
const IGNORE_TAGS = new Set(['gmail.com', 'googlemail.com', 'outlook.com', 'hotmail.com', 'live.com', 'icloud.com', 'me.com', 'fastmail.com', 'proton.me', 'protonmail.com', 'yahoo.com']);

export function trialKey(email: string): string {
  const [rawLocal = '', rawDomain = ''] = email.trim().toLowerCase().split(/@(?=[^@]*$)/);
  const domain = rawDomain === 'googlemail.com' ? 'gmail.com' : rawDomain;
  let local = rawLocal;
  if (IGNORE_TAGS.has(domain)) local = local.replace(/\+.*$/, '');
  // Yahoo uses '-' for its disposable addresses.
  if (domain === 'yahoo.com') local = local.replace(/-.*$/, '');
  if (IGNORE_DOTS.has(domain)) local = local.replace(/\./g, '');
  return `${local}@${domain}`;
}
