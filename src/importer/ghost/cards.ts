import { Marked } from 'marked';
import { escapeHtml } from '../../shared/escape.js';

/** What the Lexical and Mobiledoc renderers share: their result, their error, and the cards both have. */

export class RenderError extends Error {}

export interface Rendered {
  html: string;
  /** Card types we dropped, for a flag. */
  dropped: string[];
}

// A private instance, like the rich-text module's: no global options leak in.
const marked = new Marked({ gfm: true, breaks: false, async: false });
export const markdownToHtml = (md: string) => marked.parse(md) as string;

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
