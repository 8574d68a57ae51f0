import { h, Fragment, type Html } from '../../shared/jsx.js';
import { Layout } from '../layout.js';
import type { Site } from '../site.js';
import type { Media } from '../../media/types.js';
import { primaryUrl, responsive } from '../../media/media.service.js';
import { Picture, ARTICLE_SIZES } from '../media.js';

export interface MediaItemView { media: Media; mayChange: boolean }

const size = (bytes: number) => (bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} KB`);

/** The markup a page needs for this image, for pasting into a template or a post. */
export function pictureSnippet(m: Media): string {
  return Picture({ image: responsive(m), alt: m.alt, sizes: ARTICLE_SIZES }).value;
}

export function MediaLibraryPage(props: {
  site: Site; csrf: string; q: string; items: MediaItemView[]; olderHref: string | null; newestHref: string | null;
  notice?: string; error?: string;
  /** For staff who may change the site identity: the logo now, so each image can be made the logo. */
  logo?: { currentKey: string | null } | null;
}): Html {
  const results = props.q ? `Images matching “${props.q}”` : 'Images';
  return (
    <Layout site={props.site} meta={{ title: 'Media library', description: 'Media library', noindex: true }}>
      <section class="media-library">
        <p><a href="/admin">← Newsroom</a></p>
        <h1>Media library</h1>
        {props.notice ? <p class="form-notice" role="status">{props.notice}</p> : null}
        {props.error ? <p class="form-error" role="alert">{props.error}</p> : null}
        <h2>Upload an image</h2>
        <form class="account-form" method="post" action="/admin/media" enctype="multipart/form-data">
          <input type="hidden" name="_csrf" value={props.csrf} />
          <p class="field">
            <label for="m-file">Image</label>
            <input id="m-file" name="file" type="file" required accept="image/jpeg,image/png,image/webp,image/gif,image/avif" aria-describedby="m-file-hint" />
            <span id="m-file-hint" class="small">JPEG, PNG, WebP, GIF or AVIF, up to 20 MB. Location and camera data are removed. SVG is refused: it can carry scripts.</span>
          </p>
          <p class="field"><label for="m-alt">Alt text <span class="optional">(what the image shows, for readers who cannot see it)</span></label><input id="m-alt" name="alt" maxlength="500" /></p>
          <p><button class="button" type="submit">Upload</button></p>
        </form>
        <h2>Find an image</h2>
        <form class="account-form" method="get" action="/admin/media" role="search">
          <p class="field"><label for="m-q">Search by file name or alt text</label><input id="m-q" name="q" type="search" value={props.q} maxlength="200" /></p>
          <p><button class="button button--secondary" type="submit">Search</button></p>
        </form>
        <h2>{results}</h2>
        {props.items.length ? (
          <ul class="media-grid">
            {props.items.map(({ media: m, mayChange }) => {
              const thumb = m.variants.filter((v) => v.format !== 'webp').sort((a, b) => a.width - b.width)[0] ?? m.variants[0]!;
              return (
                <li class="media-item">
                  <img src={`/media/${thumb.key}`} alt="" width={String(thumb.width)} height={String(thumb.height)} loading="lazy" decoding="async" />
                  <h3 class="media-item__name">{m.originalName}</h3>
                  <p class="small">{m.width} × {m.height} · {size(m.bytes)} · {m.mime}{m.alt ? '' : ' · no alt text yet'}</p>
                  <p class="field"><label for={`m-url-${m.id}`}>URL</label><input id={`m-url-${m.id}`} readonly value={primaryUrl(m)} /></p>
                  <p class="field"><label for={`m-snip-${m.id}`}>Responsive image markup (srcset)</label><textarea id={`m-snip-${m.id}`} readonly rows="3">{pictureSnippet(m)}</textarea></p>
                  {mayChange ? (
                    <Fragment>
                      <form method="post" action={`/admin/media/${m.id}/alt`}>
                        <input type="hidden" name="_csrf" value={props.csrf} />
                        <p class="field"><label for={`m-alt-${m.id}`}>Alt text for {m.originalName}</label><input id={`m-alt-${m.id}`} name="alt" value={m.alt} maxlength="500" /></p>
                        <p><button class="button button--secondary" type="submit">Save alt text</button> <a href={`/admin/media/${m.id}/delete`}>Delete {m.originalName}…</a></p>
                      </form>
                    </Fragment>
                  ) : <p class="small">Alt text: {m.alt || '(none)'}</p>}
                  {props.logo ? (props.logo.currentKey === m.key ? <p class="small">This image is the site logo.</p> : (
                    <form method="post" action={`/admin/media/${m.id}/logo`}>
                      <input type="hidden" name="_csrf" value={props.csrf} />
                      <p><button class="button button--secondary" type="submit" aria-label={`Use ${m.originalName} as the site logo`}>Use as the site logo</button></p>
                    </form>
                  )) : null}
                </li>
              );
            })}
          </ul>
        ) : <p>{props.q ? 'No image matches that search.' : 'No images yet.'}</p>}
        {props.olderHref || props.newestHref ? (
          <nav class="pagination" aria-label="Pages of images">
            {props.newestHref ? <a href={props.newestHref}>← Newest</a> : null}
            {props.olderHref ? <a rel="next" href={props.olderHref}>Older images →</a> : null}
          </nav>
        ) : null}
      </section>
    </Layout>
  );
}

export function MediaDeletePage(props: { site: Site; csrf: string; media: Media; usedBy: { title: string; slug: string }[]; isLogo?: boolean }): Html {
  const m = props.media;
  return (
    <Layout site={props.site} meta={{ title: 'Delete an image', description: 'Delete an image', noindex: true }}>
      <section class="account-page">
        <h1>Delete {m.originalName}?</h1>
        <p>Its {m.variants.length} files are removed from the library; this cannot be undone.</p>
        {props.usedBy.length ? (
          <Fragment>
            <p role="alert">It is used by {props.usedBy.length === 1 ? 'this article' : `these ${props.usedBy.length} articles`}, which will show a missing image:</p>
            <ul>{props.usedBy.map((a) => <li><a href={`/articles/${a.slug}`}>{a.title}</a></li>)}</ul>
          </Fragment>
        ) : <p>No article uses it.</p>}
        {props.isLogo ? <p role="alert">It is the site logo: after it is deleted, pages show the site’s title in text.</p> : null}
        <form method="post" action={`/admin/media/${m.id}/delete`}>
          <input type="hidden" name="_csrf" value={props.csrf} />
          <p><button class="button" type="submit">Delete the image</button> <a href="/admin/media">Keep it</a></p>
        </form>
      </section>
    </Layout>
  );
}
