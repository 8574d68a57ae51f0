import { escapeHtml } from '../../shared/escape.js';
import { cleanScrapedText, type CorpusStats } from './clean.js';
import type { ImportItem } from '../types.js';

/**
 * A scraped plain-text page → one article. The calendar date of a dateline is stored at
 * noon UTC, so it shows as the same day in every time zone a newsroom is likely to be in.
 */
export function textItem(text: string, opts: { sourceId: string; position: string; corpus?: CorpusStats }): ImportItem {
  const c = cleanScrapedText(text, { corpus: opts.corpus });
  if (!c.paragraphs.length) throw new Error('no article text is left once the boilerplate is removed');
  return {
    sourceId: opts.sourceId,
    position: opts.position,
    kind: 'post',
    title: c.title,
    html: c.paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join('\n'),
    authors: c.byline.map((name) => ({ name })),
    sections: [],
    tags: [],
    publishedAt: c.date ? `${c.date}T12:00:00.000Z` : null,
    sourceStatus: 'published',
    oldPaths: [],
    flags: c.titleFromBody ? ['title_from_body'] : [],
    removed: c.removed,
  };
}
