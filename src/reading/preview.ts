import { decide, type MeterState, type Reader } from '../access/decision.js';
import { findSummary, tagsFor } from '../content/articles.queries.js';
import type { ArticleSummary } from '../content/types.js';
import type { AccessDecision } from '../access/decision.js';
import type { ArticleShell } from '../web/reader-cache.js';
import type { Site } from '../web/site.js';
import { buildShell, readerSlot, type ReadingDeps } from './article.js';
import type { Part } from './comment-block.js';

/**
 * "Preview as a reader" for the newsroom: any article, draft or not, as one kind of reader gets
 * it, through the same decision (access/decision.ts) and the same shell and slot as the article
 * page. Only the reader is made up: an anonymous reader or a free member who has used up the
 * meter this period, or a subscriber. A walled reader's page is built from the preview column, so
 * the text behind the wall is never read for it, let alone sent.
 */
export const PREVIEW_READERS = ['anonymous', 'member', 'subscriber'] as const;
export type PreviewReader = (typeof PREVIEW_READERS)[number];

export interface ArticlePreview { article: ArticleSummary; decision: AccessDecision; shell: ArticleShell; slot: Part }

const NO_SLOT: Part = { template: '', needsToken: false };

export async function previewArticle(deps: ReadingDeps, site: Site, id: number, as: PreviewReader): Promise<ArticlePreview | null> {
  const { content, cache } = deps;
  const article = await findSummary(content.db, { id });
  if (!article) return null;
  const tags = await tagsFor(content.db, id);
  const now = content.clock.now();
  const reader: Reader = { kind: as, hasDevice: true, prefetch: false, verifiedCrawler: false };
  const allowance = as === 'member' ? site.meterRules.memberAllowance : site.meterRules.anonymousAllowance;
  // Over the meter: this period's allowance already spent, on other articles.
  const spent = Array.from({ length: allowance }, (_, i) => ({ articleId: -1 - i, readAt: now }));
  const meter: MeterState = { reads: spent, addressReads: spent, ceilingReads: spent };
  const decision = decide(article, reader, meter, site.meterRules, now);
  const shell = await buildShell(content, site, article, tags, decision.full ? 'full' : 'preview', { noindex: true });
  const who = { deviceId: null, staff: false, ip: '', userAgent: '', prefetch: false, look: true, ...(as === 'member' ? { member: { id: 0, status: 'free' } } : {}) };
  const slot = decision.reason === 'free' ? NO_SLOT : await readerSlot(cache, site, article, decision, who);
  return { article, decision, shell, slot };
}
