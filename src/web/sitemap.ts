import { escapeHtml as x } from '../shared/escape.js';

/** Each articles sitemap holds at most this many URLs (the protocol allows 50,000). */
export const SITEMAP_PAGE = 10_000;

export function sitemapIndex(siteUrl: string, articlePages: number, lastmod?: number): string {
  const lm = lastmod ? `<lastmod>${new Date(lastmod).toISOString()}</lastmod>` : '';
  const maps = [`${siteUrl}/sitemaps/pages.xml`, ...Array.from({ length: articlePages }, (_, i) => `${siteUrl}/sitemaps/articles-${i + 1}.xml`)];
  return `<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">`
    + maps.map((m) => `<sitemap><loc>${x(m)}</loc>${lm}</sitemap>`).join('') + `</sitemapindex>\n`;
}

export function urlset(urls: { loc: string; lastmod?: number }[]): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">`
    + urls.map((u) => `<url><loc>${x(u.loc)}</loc>${u.lastmod ? `<lastmod>${new Date(u.lastmod).toISOString()}</lastmod>` : ''}</url>`).join('')
    + `</urlset>\n`;
}

export function robotsTxt(siteUrl: string): string {
  return `User-agent: *\nAllow: /\nDisallow: /search\nDisallow: /api/\n\nSitemap: ${siteUrl}/sitemap.xml\n`;
}
