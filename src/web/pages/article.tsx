import { h, Fragment, raw, type Html } from '../../shared/jsx.js';
import { Layout } from '../layout.js';
import { AccessBadge, Byline } from '../components.js';
import { absolute, describe, GATED_SELECTOR, newsArticleJsonLd } from '../meta.js';
import { isoDate } from '../format.js';
import type { ArticleSummary, TagRef } from '../../content/types.js';
import type { BodyParts } from '../../content/articles.queries.js';
import type { Site } from '../site.js';
import { ARTICLE_SIZES, Picture } from '../media.js';

export interface ArticleView {
  article: ArticleSummary;
  /** Which part of the body this page carries; decided before the body was loaded. */
  part: 'full' | 'preview';
  body: BodyParts;
  tags: TagRef[];
  /** Previews (the newsroom's, and shared preview links): never indexed. */
  noindex?: boolean;
}

/**
 * Where the reader-specific part of the page (notice, wall, meter count) goes.
 * The rest of the page is the same for every reader who gets the same part, so
 * it is rendered once and cached as the text before and after this marker.
 */
export const READER_SLOT = '<!--reader-slot-->';

export function ArticlePage(props: { site: Site; view: ArticleView }): Html {
  const { site, view } = props;
  const a = view.article;
  const description = a.seoDescription || describe(a, view.body.previewText);
  return (
    <Layout
      site={site}
      meta={{
        title: a.seoTitle || a.title,
        description,
        canonical: a.canonicalUrl || absolute(site, `/articles/${a.slug}`),
        type: 'article',
        image: a.featureImageUrl ? absolute(site, a.featureImageUrl) : null,
        imageAlt: a.featureImageAlt,
        publishedTime: a.publishedAt ? isoDate(a.publishedAt) : undefined,
        modifiedTime: isoDate(a.updatedAt),
        jsonLd: newsArticleJsonLd(site, a, description),
        currentSection: a.section?.slug,
        noindex: view.noindex,
      }}
    >
      <article class="article">
        <header class="article__header">
          {a.section ? <p class="kicker"><a href={`/section/${a.section.slug}`}>{a.section.name}</a></p> : null}
          <h1 class="article__title">{a.title}</h1>
          {a.dek ? <p class="article__dek">{a.dek}</p> : null}
          <Byline article={a} site={site} />
          <AccessBadge access={a.access} />
          {a.featureImageUrl ? (
            <figure class="article__image">{a.featureImage
              ? <Picture image={a.featureImage} alt={a.featureImageAlt ?? ''} sizes={ARTICLE_SIZES} lazy={false} />
              : <img src={a.featureImageUrl} alt={a.featureImageAlt ?? ''} />}</figure>
          ) : null}
        </header>
        <div class="article__body">
          {raw(view.body.previewHtml)}
          {view.body.restHtml !== undefined && view.body.restHtml !== '' ? (
            a.access === 'free' ? raw(view.body.restHtml) : <div class={GATED_SELECTOR.slice(1)}>{raw(view.body.restHtml)}</div>
          ) : null}
        </div>
        {raw(READER_SLOT)}
        {view.tags.length ? (
          <footer class="article__footer">
            <h2 class="visually-hidden">Tags</h2>
            <ul class="tag-list">{view.tags.map((t) => <li><a href={`/tag/${t.slug}`}>{t.name}</a></li>)}</ul>
          </footer>
        ) : <Fragment />}
      </article>
    </Layout>
  );
}
