import { audit } from '../members/audit.js';
import { linkTag, linkTagValid } from '../members/crypto.js';
import { DAY } from '../shared/time.js';
import { invalidInput, notFound } from '../errors.js';
import type { ContentDeps } from './deps.js';
import { findPreviewLink, insertPreviewLink, livePreviewLinks, revokePreviewLinkRow, type PreviewLinkRow } from './preview-links.queries.js';

/**
 * Shareable preview links: a staff member lets someone without an account read an article that
 * is not out yet (a source checking a quote, a lawyer, a partner). The URL is
 * /preview/<id>/<tag>, the tag a keyed hash under the site secret of the link's id, article and
 * expiry, so a link cannot be guessed or made to point elsewhere or last longer; the row is what
 * revoking sets. The page it opens is never cached publicly and never indexed (routes/preview-links.ts).
 */
export const PREVIEW_LINK_DAYS = [1, 3, 7, 14, 30] as const;
export type PreviewLinkDays = (typeof PREVIEW_LINK_DAYS)[number];

export interface PreviewLinkDeps extends Pick<ContentDeps, 'db' | 'clock'> {
  /** The current secret (signs), then the one being retired (still verifies), as everywhere else. */
  secrets: readonly (string | null)[];
}

const message = (l: { id: number; articleId: number; expiresAt: number }) => `preview-link:${l.id}:${l.articleId}:${l.expiresAt}`;

export type PreviewLinkState = 'open' | 'expired' | 'revoked' | 'invalid';

/**
 * Whether a link opens, the one rule: a wrong tag is 'invalid' whatever the row says (nothing
 * about a row is told to someone who cannot name it), then revoked, then expired.
 */
export function previewLinkState(link: Pick<PreviewLinkRow, 'expiresAt' | 'revokedAt'> | undefined, tagValid: boolean, now: number): PreviewLinkState {
  if (!link || !tagValid) return 'invalid';
  if (link.revokedAt !== null) return 'revoked';
  return now < link.expiresAt ? 'open' : 'expired';
}

export interface PreviewLinkOut extends PreviewLinkRow { path: string }

function signed(deps: PreviewLinkDeps, l: PreviewLinkRow): PreviewLinkOut {
  const secret = deps.secrets[0];
  if (!secret) throw new Error('no site secret to sign preview links with');
  return { ...l, path: `/preview/${l.id}/${linkTag(secret, message(l))}` };
}

export async function createPreviewLink(deps: PreviewLinkDeps, articleId: number, days: number, staff: { id: number; name: string }): Promise<PreviewLinkOut> {
  if (!(PREVIEW_LINK_DAYS as readonly number[]).includes(days)) throw invalidInput(`a preview link lasts ${PREVIEW_LINK_DAYS.join(', ')} days`);
  const now = deps.clock.now();
  const row = await insertPreviewLink(deps.db, { articleId, createdBy: staff.id, createdByName: staff.name, createdAt: now, expiresAt: now + days * DAY });
  await audit(deps.db, { at: now, actor: `staff:${staff.id}`, action: 'preview_link.create', target: `article:${articleId}`, details: { link: row.id, expiresAt: row.expiresAt } });
  return signed(deps, row);
}

export async function listPreviewLinks(deps: PreviewLinkDeps, articleId: number): Promise<PreviewLinkOut[]> {
  return (await livePreviewLinks(deps.db, articleId, deps.clock.now())).map((l) => signed(deps, l));
}

export async function revokePreviewLink(deps: PreviewLinkDeps, articleId: number, id: number, staff: { id: number }): Promise<void> {
  const now = deps.clock.now();
  if (!(await revokePreviewLinkRow(deps.db, articleId, id, now))) throw notFound('preview link');
  await audit(deps.db, { at: now, actor: `staff:${staff.id}`, action: 'preview_link.revoke', target: `article:${articleId}`, details: { link: id } });
}

/** The article a link opens, or why it does not. */
export async function openPreviewLink(deps: PreviewLinkDeps, id: number, tag: string): Promise<{ state: 'open'; link: PreviewLinkRow } | { state: Exclude<PreviewLinkState, 'open'> }> {
  const link = Number.isSafeInteger(id) && id > 0 && tag.length <= 64 ? await findPreviewLink(deps.db, id) : undefined;
  const state = previewLinkState(link, !!link && linkTagValid(deps.secrets, message(link), tag), deps.clock.now());
  return state === 'open' ? { state, link: link! } : { state };
}
