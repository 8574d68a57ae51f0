import { h, type Html } from '../../shared/jsx.js';
import { Layout } from '../layout.js';
import { Pagination, StoryList } from '../components.js';
import type { ArticleSummary } from '../../content/types.js';
import type { Site } from '../site.js';

export interface SearchView { q: string; page: number; articles: ArticleSummary[]; hasNext: boolean }

export function SearchPage(props: { site: Site; view: SearchView }): Html {
  const { site, view } = props;
  return (
    <Layout site={site} meta={{ title: view.q ? `Search: ${view.q}` : 'Search', description: `Search ${site.settings.title}`, noindex: true }}>
      <header class="page-header"><h1>Search</h1></header>
      <form class="search-form search-form--page" role="search" aria-label="Articles" action="/search" method="get">
        <label for="search-q">Search articles</label>
        <input id="search-q" type="search" name="q" value={view.q} maxlength="200" />
        <button type="submit" class="button">Search</button>
      </form>
      {view.q ? (
        <p class="search-summary" role="status">
          {view.articles.length ? `Results for “${view.q}”` : `No articles match “${view.q}”.`}
        </p>
      ) : null}
      {view.articles.length ? <StoryList articles={view.articles} site={site} className="search-results" headingLevel={2} /> : null}
      <Pagination page={view.page} hasNext={view.hasNext} base="/search" extra={{ q: view.q }} />
    </Layout>
  );
}
