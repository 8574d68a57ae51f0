import { h, Fragment, type Html } from '../../shared/jsx.js';
import { Layout } from '../layout.js';
import { AccessBadge, Byline, FeatureImage, Pagination, StoryList } from '../components.js';
import type { ArticleSummary, SectionRef } from '../../content/types.js';
import type { Site } from '../site.js';

export interface HomeView {
  page: number;
  lead?: ArticleSummary;
  latest: ArticleSummary[];
  hasNext: boolean;
  rails: { section: SectionRef; articles: ArticleSummary[] }[];
}

export function HomePage(props: { site: Site; view: HomeView }): Html {
  const { site, view } = props;
  const s = site.settings;
  const lead = view.lead;
  return (
    <Layout site={site} meta={{ title: view.page > 1 ? `Latest, page ${view.page}` : s.title, description: s.description, canonical: site.siteUrl + (view.page > 1 ? `/?page=${view.page}` : '/'), currentSection: '' }}>
      <h1 class="visually-hidden">{s.title}</h1>
      {lead ? (
        <section class="lead-story" aria-labelledby="lead-title">
          {lead.section ? <p class="kicker">{lead.section.name}</p> : null}
          <h2 class="lead-story__title" id="lead-title"><a href={`/articles/${lead.slug}`}>{lead.title}</a></h2>
          {lead.dek ? <p class="dek">{lead.dek}</p> : null}
          <Byline article={lead} site={site} />
          <AccessBadge access={lead.access} />
          {/* The lead is the first thing on the page: loaded at once, not lazily. */}
          <FeatureImage article={lead} className="lead-story__image" width={1200} height={800} lazy={false} sizes="(min-width: 64rem) 60rem, 100vw" />
        </section>
      ) : null}
      <div class="home-grid">
        <section class="latest" aria-labelledby="latest-title">
          <h2 class="section-heading" id="latest-title">Latest</h2>
          {view.latest.length ? <StoryList articles={view.latest} site={site} /> : <p>Nothing published yet.</p>}
          <Pagination page={view.page} hasNext={view.hasNext} base="/" />
        </section>
        {view.rails.length ? (
          <aside class="rails" aria-label="Sections">
            {view.rails.map((r) => (
              <section class="rail">
                <h2 class="rail__title"><a href={`/section/${r.section.slug}`}>{r.section.name}</a></h2>
                <StoryList articles={r.articles} site={site} compact />
              </section>
            ))}
          </aside>
        ) : <Fragment />}
      </div>
    </Layout>
  );
}
