import { escapeHtml as x } from '../shared/escape.js';
import type { ArticleSummary } from '../content/types.js';
import type { Site } from './site.js';
import { absolute } from './meta.js';

/**
 * RSS 2.0 and Atom. A gated article's entry carries its dek and preview only
 * (bodies come from feedBodies, which never reads past the preview for them).
 */
export interface FeedInput { site: Site; title: string; description: string; selfPath: string; htmlPath: string; articles: ArticleSummary[]; bodies: Map<number, string> }

const cdata = (s: string) => '<![CDATA[' + s.replace(/]]>/g, ']]]]><![CDATA[>') + ']]>';

function entryHtml(a: ArticleSummary, body: string): string {
  const gated = a.access !== 'free';
  return body + (gated ? `<p><a href="${x(`/articles/${a.slug}`)}">Continue reading</a></p>` : '');
}

export function rss(f: FeedInput): string {
  const items = f.articles.map((a) => {
    const url = absolute(f.site, `/articles/${a.slug}`);
    return `<item><title>${x(a.title)}</title><link>${x(url)}</link><guid isPermaLink="true">${x(url)}</guid>`
      + (a.publishedAt ? `<pubDate>${new Date(a.publishedAt).toUTCString()}</pubDate>` : '')
      + a.authors.map((au) => `<dc:creator>${x(au.name)}</dc:creator>`).join('')
      + (a.section ? `<category>${x(a.section.name)}</category>` : '')
      + `<description>${x(a.dek)}</description>`
      + `<content:encoded>${cdata(entryHtml(a, f.bodies.get(a.id) ?? ''))}</content:encoded></item>`;
  }).join('');
  const updated = f.articles[0]?.publishedAt;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>`
    + `<title>${x(f.title)}</title><link>${x(absolute(f.site, f.htmlPath))}</link><description>${x(f.description)}</description>`
    + `<language>${x(f.site.settings.locale)}</language>`
    + `<atom:link href="${x(absolute(f.site, f.selfPath))}" rel="self" type="application/rss+xml"/>`
    + (updated ? `<lastBuildDate>${new Date(updated).toUTCString()}</lastBuildDate>` : '')
    + items + `</channel></rss>\n`;
}

export function atom(f: FeedInput): string {
  const updated = new Date(Math.max(0, ...f.articles.map((a) => a.updatedAt))).toISOString();
  const entries = f.articles.map((a) => {
    const url = absolute(f.site, `/articles/${a.slug}`);
    return `<entry><title>${x(a.title)}</title><link rel="alternate" type="text/html" href="${x(url)}"/><id>${x(url)}</id>`
      + (a.publishedAt ? `<published>${new Date(a.publishedAt).toISOString()}</published>` : '')
      + `<updated>${new Date(a.updatedAt).toISOString()}</updated>`
      + a.authors.map((au) => `<author><name>${x(au.name)}</name><uri>${x(absolute(f.site, `/author/${au.slug}`))}</uri></author>`).join('')
      + (a.section ? `<category term="${x(a.section.slug)}" label="${x(a.section.name)}"/>` : '')
      + `<summary>${x(a.dek)}</summary>`
      + `<content type="html">${x(entryHtml(a, f.bodies.get(a.id) ?? ''))}</content></entry>`;
  }).join('');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="${x(f.site.settings.locale)}">`
    + `<title>${x(f.title)}</title><subtitle>${x(f.description)}</subtitle>`
    + `<link rel="alternate" type="text/html" href="${x(absolute(f.site, f.htmlPath))}"/><link rel="self" type="application/atom+xml" href="${x(absolute(f.site, f.selfPath))}"/>`
    + `<id>${x(absolute(f.site, f.selfPath))}</id><updated>${updated}</updated>`
    + entries + `</feed>\n`;
}
