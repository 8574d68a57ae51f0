import { h, type Html } from '../../shared/jsx.js';
import { Layout } from '../layout.js';
import { Pagination, StoryList } from '../components.js';
import { truncate } from '../format.js';
import type { ArticleSummary } from '../../content/types.js';
import type { Site } from '../site.js';

/** Section, author and tag pages share one shape. */
export interface ListingView {
  kind: 'section' | 'author' | 'tag';
  slug: string;
  name: string;
  description: string;
  page: number;
  articles: ArticleSummary[];
  hasNext: boolean;
}

const PREFIX = { section: '', author: '', tag: 'Tagged: ' } as const;

export function ListingPage(props: { site: Site; view: ListingView }): Html {
  const { site, view } = props;
  const base = `/${view.kind}/${view.slug}`;
  const feeds = view.kind === 'section' ? { rss: `${base}/feed.xml`, atom: `${base}/atom.xml`, title: `${site.settings.title}: ${view.name}` } : undefined;
  return (
    <Layout
      site={site}
      meta={{
        title: view.page > 1 ? `${view.name}, page ${view.page}` : view.name,
        description: truncate(view.description || `${view.name} — ${site.settings.title}`, 200),
        canonical: site.siteUrl + base + (view.page > 1 ? `?page=${view.page}` : ''),
        feeds,
        currentSection: view.kind === 'section' ? view.slug : undefined,
      }}
    >
      <header class="page-header">
        <h1>{PREFIX[view.kind]}{view.name}</h1>
        {view.description ? <p class="page-header__desc">{view.description}</p> : null}
      </header>
      {view.articles.length ? <StoryList articles={view.articles} site={site} headingLevel={2} /> : <p>No articles here yet.</p>}
      <Pagination page={view.page} hasNext={view.hasNext} base={base} />
    </Layout>
  );
}
