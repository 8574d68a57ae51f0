import { Parser } from 'htmlparser2';
import { collapseWhitespace } from './text/normalize.js';

/**
 * Small text helpers shared by the WXR and Ghost parsers.
 * Titles, term names and excerpts in both formats are HTML fragments ("Arts &amp; Culture",
 * "<em>Live</em>: the vote"), so they go through a real HTML tokenizer rather than a regex:
 * entity decoding has hundreds of named cases we should not re-implement.
 */

/** Inline elements: their boundaries are not word boundaries. Every other tag is. */
const INLINE = new Set(['a', 'abbr', 'b', 'bdi', 'bdo', 'cite', 'code', 'data', 'dfn', 'em', 'i', 'kbd', 'mark', 'q', 's', 'samp', 'small', 'span', 'strike', 'strong', 'sub', 'sup', 'time', 'u', 'var', 'del', 'ins']);
const SKIP = new Set(['script', 'style', 'template', 'noscript']);

let textBuf = '';
let skipDepth = 0;
// One parser, reset per call: the work is synchronous, so no two calls can interleave.
const parser = new Parser(
  {
    ontext(t) {
      if (!skipDepth) textBuf += t;
    },
    onopentag(name) {
      if (SKIP.has(name)) skipDepth++;
      else if (!INLINE.has(name)) textBuf += ' ';
    },
    onclosetag(name) {
      if (SKIP.has(name)) skipDepth = Math.max(0, skipDepth - 1);
      else if (!INLINE.has(name)) textBuf += ' ';
    },
  },
  { decodeEntities: true },
);

/** HTML fragment → plain text: entities decoded, tags stripped, white space collapsed. */
export function htmlToText(html: string): string {
  if (!html) return '';
  if (html.indexOf('<') < 0 && html.indexOf('&') < 0) return collapseWhitespace(html);
  textBuf = '';
  skipDepth = 0;
  parser.reset();
  parser.end(html);
  const out = collapseWhitespace(textBuf);
  textBuf = '';
  return out;
}

/**
 * A title for an item that has none, from the start of its body, and whether it was derived.
 * The import flags such items (`title_from_body`) so an editor checks them.
 */
export function titleFromHtml(html: string, max = 80): string {
  const text = htmlToText(html.replace(/<!--[\s\S]*?-->/g, ' '));
  if (!text) return '';
  const sentence = /^(.+?[.!?])(?:\s|$)/.exec(text)?.[1] ?? text;
  if (sentence.length <= max) return sentence;
  const cut = sentence.slice(0, max);
  const space = cut.lastIndexOf(' ');
  return (space > max / 2 ? cut.slice(0, space) : cut) + '…';
}
