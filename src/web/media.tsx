import { h, type Html } from '../shared/jsx.js';
import type { ResponsiveImage } from '../media/types.js';

/** How wide a feature image shows: the column on wide screens, the viewport on narrow ones. */
export const ARTICLE_SIZES = '(min-width: 48rem) 46rem, 100vw';
export const CARD_SIZES = '(min-width: 48rem) 360px, 100vw';

/**
 * A library image: WebP sources for the browsers that take them, the upload's own kind otherwise,
 * each at every stored width, so the browser fetches the smallest file that fills the box. Width
 * and height are the image's own, so the page keeps its place while it loads.
 */
export function Picture(props: { image: ResponsiveImage; alt: string; sizes: string; className?: string; lazy?: boolean; width?: number; height?: number }): Html {
  const i = props.image;
  return (
    <picture>
      {i.webpSrcset ? <source type="image/webp" srcset={i.webpSrcset} sizes={props.sizes} /> : null}
      <img class={props.className} src={i.src} srcset={i.srcset} sizes={props.sizes} alt={props.alt}
        width={String(props.width ?? i.width)} height={String(props.height ?? i.height)}
        loading={props.lazy === false ? undefined : 'lazy'} decoding="async" />
    </picture>
  );
}
