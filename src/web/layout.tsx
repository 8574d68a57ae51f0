import { h, Fragment, raw, jsonForScript, type Child, type Html } from '../shared/jsx.js';
import { getAssets } from './assets.js';
import { READER_MARK } from './reader-nav.js';
import type { Site } from './site.js';

export interface PageMeta {
  title: string;
  description: string;
  /** Absolute canonical URL; omitted for pages that should not be indexed (search, errors). */
  canonical?: string;
  type?: 'website' | 'article';
  image?: string | null;
  imageAlt?: string | null;
  jsonLd?: unknown;
  noindex?: boolean;
  publishedTime?: string;
  modifiedTime?: string;
  feeds?: { rss: string; atom: string; title: string };
  currentSection?: string;
}

/** `scripts`: the page's own hashed scripts (the editor's island); reader pages have none. */
export function Layout(props: { site: Site; meta: PageMeta; scripts?: string[]; children?: Child }): Html {
  const { site, meta } = props;
  const s = site.settings;
  const css = getAssets().css;
  const fullTitle = meta.title === s.title ? s.title : `${meta.title} — ${s.title}`;
  const feeds = meta.feeds ?? { rss: '/feed.xml', atom: '/atom.xml', title: s.title };
  return raw('<!doctype html>' + (
    <html lang={s.locale}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{fullTitle}</title>
        <meta name="description" content={meta.description} />
        {meta.noindex ? <meta name="robots" content="noindex" /> : null}
        {meta.canonical ? <link rel="canonical" href={meta.canonical} /> : null}
        <meta property="og:site_name" content={s.title} />
        <meta property="og:type" content={meta.type ?? 'website'} />
        <meta property="og:title" content={meta.title} />
        <meta property="og:description" content={meta.description} />
        {meta.canonical ? <meta property="og:url" content={meta.canonical} /> : null}
        {meta.image ? <meta property="og:image" content={meta.image} /> : null}
        {meta.image && meta.imageAlt ? <meta property="og:image:alt" content={meta.imageAlt} /> : null}
        {meta.publishedTime ? <meta property="article:published_time" content={meta.publishedTime} /> : null}
        {meta.modifiedTime ? <meta property="article:modified_time" content={meta.modifiedTime} /> : null}
        <meta name="twitter:card" content={meta.image ? 'summary_large_image' : 'summary'} />
        <meta name="twitter:title" content={meta.title} />
        <meta name="twitter:description" content={meta.description} />
        <meta name="theme-color" content={safeColor(s.accentColor)} />
        <link rel="icon" href="data:," />
        <link rel="stylesheet" href={css.path} />
        <style>{raw(`:root{--accent:${safeColor(s.accentColor)}}`)}</style>
        <link rel="alternate" type="application/rss+xml" title={`${feeds.title} (RSS)`} href={feeds.rss} />
        <link rel="alternate" type="application/atom+xml" title={`${feeds.title} (Atom)`} href={feeds.atom} />
        {meta.jsonLd ? <script type="application/ld+json">{jsonForScript(meta.jsonLd)}</script> : null}
        {(props.scripts ?? []).map((src) => <script src={src} defer></script>)}
      </head>
      <body>
        <a class="skip-link" href="#main">Skip to content</a>
        <header class="site-header">
          <div class="wrap">
            {raw(READER_MARK)}
            <a class="site-title" href="/">{s.logoUrl ? <img src={s.logoUrl} alt={s.title} /> : s.title}</a>
            {s.description ? <p class="site-tagline">{s.description}</p> : null}
            <nav class="site-nav" aria-label="Sections">
              <ul>
                <li><a href="/" aria-current={meta.currentSection === '' ? 'page' : undefined}>Home</a></li>
                {site.nav.showSections ? site.sections.map((sec) => (
                  <li><a href={`/section/${sec.slug}`} aria-current={meta.currentSection === sec.slug ? 'page' : undefined}>{sec.name}</a></li>
                )) : null}
                {site.nav.links.map((l) => <li><a href={l.url}>{l.label}</a></li>)}
              </ul>
            </nav>
            <form class="search-form" role="search" aria-label="Site" action="/search" method="get">
              <label class="visually-hidden" for="site-search">Search articles</label>
              <input id="site-search" type="search" name="q" placeholder="Search" maxlength="200" />
              <button type="submit">Search</button>
            </form>
          </div>
        </header>
        <main id="main" class="wrap">{props.children}</main>
        <footer class="site-footer">
          <div class="wrap">
            <p>© {new Date().getUTCFullYear()} {s.title}. Independent journalism, supported by readers.</p>
            <nav aria-label="Site">
              <ul>
                <li><a href="/feed.xml">RSS</a></li>
                <li><a href="/atom.xml">Atom</a></li>
                <li><a href="/sitemap.xml">Sitemap</a></li>
                <li><a href="/search">Search</a></li>
              </ul>
            </nav>
          </div>
        </footer>
      </body>
    </html>
  ).value);
}

export const Nothing = (): Html => <Fragment />;

/** The accent colour goes into a <style> block, so only a plain hex colour is ever emitted. */
const safeColor = (c: string) => (/^#[0-9a-fA-F]{6}$/.test(c) ? c : '#b3261e');
