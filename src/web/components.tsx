import { h, Fragment, type Html } from '../shared/jsx.js';
import { formatDate, isoDate } from './format.js';
import type { AccessLevel, ArticleSummary } from '../content/types.js';
import type { Site } from './site.js';
import { Picture } from './media.js';

const BADGE: Record<AccessLevel, string | null> = { free: null, metered: null, registered: 'Members', paid: 'Subscribers' };

export function AccessBadge(props: { access: AccessLevel }): Html {
  const label = BADGE[props.access];
  return label ? <span class={`badge badge--${props.access}`}>{label}</span> : <Fragment />;
}

export function Byline(props: { article: ArticleSummary; site: Site }): Html {
  const a = props.article;
  const s = props.site.settings;
  return (
    <p class="byline">
      {a.authors.length ? (
        <Fragment>
          By{' '}
          {a.authors.map((au, i) => (
            <Fragment>
              {i > 0 ? (i === a.authors.length - 1 ? ' and ' : ', ') : ''}
              <a href={`/author/${au.slug}`}>{au.name}</a>
            </Fragment>
          ))}
          {a.publishedAt ? ' · ' : ''}
        </Fragment>
      ) : null}
      {a.publishedAt ? <time datetime={isoDate(a.publishedAt)}>{formatDate(a.publishedAt, s.locale, s.timezone)}</time> : null}
    </p>
  );
}

/**
 * An article's feature image in a listing. The box is fixed by width/height (3:2, and the same
 * aspect-ratio in the stylesheet, the image cropped to it), so the page does not move when it loads;
 * it loads only when scrolled near.
 */
export function FeatureImage(props: { article: ArticleSummary; className: string; width: number; height: number; lazy?: boolean; sizes: string }): Html {
  const a = props.article;
  if (!a.featureImageUrl) return <Fragment />;
  // A library image: every stored width and WebP, the browser picking the smallest that fills the box.
  if (a.featureImage) return <Picture image={a.featureImage} alt={a.featureImageAlt ?? ''} sizes={props.sizes} className={props.className} width={props.width} height={props.height} lazy={props.lazy} />;
  return <img class={props.className} src={a.featureImageUrl} alt={a.featureImageAlt ?? ''} width={String(props.width)} height={String(props.height)} loading={props.lazy === false ? undefined : 'lazy'} decoding="async" />;
}

export function StoryCard(props: { article: ArticleSummary; site: Site; compact?: boolean; headingLevel?: 2 | 3 }): Html {
  const a = props.article;
  const title = <a href={`/articles/${a.slug}`}>{a.title}</a>;
  // Rails (compact) stay text only: they are a column of headlines.
  const image = !props.compact && !!a.featureImageUrl;
  const text = (
    <Fragment>
      {a.section && !props.compact ? <p class="kicker">{a.section.name}</p> : null}
      {props.headingLevel === 2 ? <h2 class="story-card__title">{title}</h2> : <h3 class="story-card__title">{title}</h3>}
      {!props.compact && a.dek ? <p class="dek">{a.dek}</p> : null}
      {props.compact ? null : <Byline article={a} site={props.site} />}
      <AccessBadge access={a.access} />
      {a.commentCount ? <a class="comment-count-badge" href={`/articles/${a.slug}#comments`}>{a.commentCount} {a.commentCount === 1 ? 'comment' : 'comments'}</a> : null}
    </Fragment>
  );
  if (!image) return <li class="story-card">{text}</li>;
  return (
    <li class="story-card story-card--image">
      <div class="story-card__text">{text}</div>
      <FeatureImage article={a} className="story-card__image" width={360} height={240} sizes="(min-width: 48rem) 12rem, 7rem" />
    </li>
  );
}

export function StoryList(props: { articles: ArticleSummary[]; site: Site; compact?: boolean; className?: string; headingLevel?: 2 | 3 }): Html {
  return (
    <ol class={`story-list${props.compact ? ' story-list--compact' : ''}${props.className ? ' ' + props.className : ''}`}>
      {props.articles.map((a) => <StoryCard article={a} site={props.site} compact={props.compact} headingLevel={props.headingLevel} />)}
    </ol>
  );
}

export function Pagination(props: { page: number; hasNext: boolean; base: string; extra?: Record<string, string> }): Html {
  if (props.page <= 1 && !props.hasNext) return <Fragment />;
  const href = (p: number) => {
    const q = new URLSearchParams(props.extra);
    if (p > 1) q.set('page', String(p));
    const qs = q.toString();
    return qs ? `${props.base}?${qs}` : props.base;
  };
  return (
    <nav class="pagination" aria-label="Pages">
      {props.page > 1 ? <a rel="prev" href={href(props.page - 1)}>← Newer</a> : null}
      <span class="pagination__page">Page {props.page}</span>
      {props.hasNext ? <a rel="next" href={href(props.page + 1)}>Older →</a> : null}
    </nav>
  );
}
