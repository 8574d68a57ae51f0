import { autop } from './autop.js';
import { expandShortcodes } from './shortcodes.js';

/**
 * WordPress post content (as stored: block-editor comments, shortcodes, classic-editor text
 * without `<p>`) → the HTML `htmlToDoc` reads. Steps, in WordPress's own order: block comments
 * out, shortcodes expanded, then paragraphs (WordPress runs `wpautop` before shortcodes, but our
 * shortcodes produce finished block HTML, so expanding first lets paragraphing see it as blocks).
 */
export function cleanWordPressHtml(html: string): string {
  let s = html.indexOf('\r') >= 0 ? html.replace(/\r\n?/g, '\n') : html;
  s = comments(s);
  s = expandShortcodes(s);
  s = embedWrappers(s);
  return autop(s);
}

/**
 * Block-editor delimiters (`<!-- wp:paragraph -->`, `<!-- /wp:image -->`, `<!-- wp:image {"id":5} /-->`)
 * and every other comment go; WordPress never shows comments. `<!--more-->` (with or without
 * custom link text, `<!--more Keep reading-->`) is the preview break and stays, on its own line.
 * `<!--nextpage-->` goes too: the pages of a paginated post become one article.
 */
function comments(s: string): string {
  if (s.indexOf('<!--') < 0) return s;
  return s.replace(/<!--([\s\S]*?)-->/g, (_m, body: string) => (/^\s*more\b/i.test(body) ? '\n\n<!--more-->\n\n' : ''));
}

/**
 * The block editor's embed block keeps only the URL, in a wrapper div; htmlToDoc would make that
 * a paragraph of plain text. A link keeps it useful.
 */
function embedWrappers(s: string): string {
  if (s.indexOf('wp-block-embed__wrapper') < 0) return s;
  return s.replace(
    /<div class="wp-block-embed__wrapper">\s*(https?:\/\/[^\s<>"']+)\s*<\/div>/g,
    (_m, url: string) => `<p><a href="${url}">${url}</a></p>`,
  );
}
