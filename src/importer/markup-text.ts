import { Parser } from 'htmlparser2';
import { MAX_NESTING, NestingError } from '../content/richtext/limits.js';
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
// Open elements: past MAX_NESTING the parse stops, before htmlparser2's stack makes it quadratic.
let depth = 0;
// One parser, reset per call: the work is synchronous, so no two calls can interleave.
const parser = new Parser(
  {
    ontext(t) {
      if (!skipDepth) textBuf += t;
    },
    onopentag(name) {
      if (++depth > MAX_NESTING) throw new NestingError('the HTML');
      if (SKIP.has(name)) skipDepth++;
      else if (!INLINE.has(name)) textBuf += ' ';
    },
    onclosetag(name) {
      depth--;
      if (SKIP.has(name)) skipDepth = Math.max(0, skipDepth - 1);
      else if (!INLINE.has(name)) textBuf += ' ';
    },
  },
  { decodeEntities: true },
);

/** HTML fragment → plain text: entities decoded, tags stripped, white space collapsed. Nesting past MAX_NESTING: NestingError. */
export function htmlToText(html: string): string {
  if (!html) return '';
  if (html.indexOf('<') < 0 && html.indexOf('&') < 0) return collapseWhitespace(html);
  textBuf = '';
  skipDepth = 0;
  depth = 0;
  parser.reset();
  try {
    parser.end(html);
    return collapseWhitespace(textBuf);
  } finally {
    textBuf = '';
  }
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
