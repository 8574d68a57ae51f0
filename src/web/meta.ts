import type { ArticleSummary } from '../content/types.js';
import { isoDate, truncate } from './format.js';
import type { Site } from './site.js';

export const absolute = (site: Site, path: string) => (/^https?:\/\//.test(path) ? path : site.siteUrl + path);

/** Meta description: the dek, else the start of the preview. Never text past the preview break. */
export function describe(article: { dek: string }, previewText: string): string {
  return truncate(article.dek || previewText, 200);
}

/** The CSS class of the part of the page that only entitled readers receive. */
export const GATED_SELECTOR = '.article-gated';

export function newsArticleJsonLd(site: Site, a: ArticleSummary, description: string) {
  const url = absolute(site, `/articles/${a.slug}`);
  const free = a.access === 'free';
  return {
    '@context': 'https://schema.org',
    '@type': 'NewsArticle',
    mainEntityOfPage: { '@type': 'WebPage', '@id': url },
    url,
    headline: a.title,
    description,
    ...(a.featureImageUrl ? { image: [absolute(site, a.featureImageUrl)] } : {}),
    ...(a.publishedAt ? { datePublished: isoDate(a.publishedAt) } : {}),
    dateModified: isoDate(a.updatedAt),
    author: a.authors.map((au) => ({ '@type': 'Person', name: au.name, url: absolute(site, `/author/${au.slug}`) })),
    publisher: {
      '@type': 'NewsMediaOrganization',
      name: site.settings.title,
      url: site.siteUrl + '/',
      ...(site.settings.logoUrl ? { logo: { '@type': 'ImageObject', url: absolute(site, site.settings.logoUrl) } } : {}),
    },
    ...(a.section ? { articleSection: a.section.name } : {}),
    isAccessibleForFree: free,
    ...(free ? {} : { hasPart: { '@type': 'WebPageElement', isAccessibleForFree: false, cssSelector: GATED_SELECTOR } }),
  };
}
