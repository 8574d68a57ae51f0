import { escapeHtml } from '../../shared/escape.js';
import { markdownToHtml as toHtml } from '../../content/richtext/from-markdown.js';

/** What the Lexical and Mobiledoc renderers share: their result, their error, and the cards both have. */

export class RenderError extends Error {}

export interface Rendered {
  html: string;
  /** Card types we dropped, for a flag. */
  dropped: string[];
}

/** A Markdown card, through the same depth-checked Markdown as the Content API. */
export const markdownToHtml = (md: string) => toHtml(md, 'the Markdown card');

/** An image card. Ghost stores captions as HTML, so the caption is kept as it is. */
export function figureHtml(src: string, alt: string, caption: string): string {
  if (!src) return '';
  const cap = caption ? `<figcaption>${caption}</figcaption>` : '';
  return `<figure><img src="${escapeHtml(src)}" alt="${escapeHtml(alt)}">${cap}</figure>`;
}

/** Bookmark and embed cards: without their iframe or preview, a link to what they showed. */
export function linkCardHtml(url: string, title: string): string {
  return url ? `<p><a href="${escapeHtml(url)}">${escapeHtml(title || url)}</a></p>` : '';
}
