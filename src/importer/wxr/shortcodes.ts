import { MAX_NESTING, NestingError } from '../../content/richtext/limits.js';

/**
 * WordPress shortcodes → plain HTML (or nothing). We cannot run the plugins that defined them,
 * so we keep what a reader would have seen as content (captions, embedded links, wrapped text)
 * and drop the rest.
 *
 * When is `[name …]` a shortcode? Prose has brackets too ("[sic]", "[1]", "[citation needed]"),
 * so `[name …]` is only treated as one when at least one of these holds:
 *   1. `name` is a shortcode WordPress core ships (KNOWN below);
 *   2. a matching `[/name]` follows (an enclosing shortcode);
 *   3. it ends in ` /]` (explicitly self-closing);
 *   4. it has attributes and every one of them is in shortcode form: `key="v"`, `key='v'`, `key=v`
 *      or a quoted string — bare words ("[citation needed]") disqualify.
 * `name` must start with a letter ("[1]" is never a shortcode), and `[[name]]` is WordPress's
 * escape for a literal `[name]`.
 */

const KNOWN = new Set(['caption', 'wp_caption', 'embed', 'gallery', 'audio', 'video', 'playlist']);
const MEDIA_ATTRS = ['src', 'mp3', 'm4a', 'ogg', 'wav', 'wma', 'mp4', 'm4v', 'webm', 'ogv', 'flv'];
/** Longest attribute text we scan for; a longer "[…]" is prose, and the bound keeps scanning linear. */
const MAX_TAG = 2000;

const NAME_RE = /[A-Za-z][\w-]*/y;
const ATTR_RE = /([\w-]+)\s*=\s*"([^"]*)"|([\w-]+)\s*=\s*'([^']*)'|([\w-]+)\s*=\s*([^\s'"\]]+)|"([^"]*)"|'([^']*)'|(\S+)/g;
const URL_RE = /^https?:\/\/[^\s<>"']+$/;

interface Tag {
  name: string;
  attrs: Record<string, string>;
  /** Attributes present and all in shortcode form (rule 4). */
  formal: boolean;
  selfClosing: boolean;
  /** Index just past the closing `]`. */
  end: number;
}

export function expandShortcodes(s: string): string {
  if (s.indexOf('[') < 0) return s;
  // Names known to have no `[/name]` after some point need no second search: keeps prose with
  // many brackets linear rather than quadratic.
  const noClose = new Set<string>();
  return expand(s, noClose, 0);
}

/** `depth`: enclosing shortcodes inside enclosing shortcodes, each a recursion. */
function expand(s: string, noClose: Set<string>, depth: number): string {
  if (depth > MAX_NESTING) throw new NestingError('a shortcode in the post');
  let out = '';
  let i = 0;
  for (;;) {
    const open = s.indexOf('[', i);
    if (open < 0) break;
    if (s.charCodeAt(open + 1) === 91 /* [ */) {
      // `[[name …]]` is a literal `[name …]`.
      const tag = readTag(s, open + 1);
      if (tag && s.charCodeAt(tag.end) === 93 /* ] */) {
        out += s.slice(i, open) + s.slice(open + 1, tag.end);
        i = tag.end + 1;
        continue;
      }
    }
    const tag = readTag(s, open);
    if (!tag) {
      out += s.slice(i, open + 1);
      i = open + 1;
      continue;
    }
    const closing = `[/${tag.name}]`;
    let close = -1;
    if (!tag.selfClosing && !noClose.has(tag.name)) {
      close = s.indexOf(closing, tag.end);
      if (close < 0) noClose.add(tag.name);
    }
    if (!(KNOWN.has(tag.name) || close >= 0 || tag.selfClosing || tag.formal)) {
      out += s.slice(i, open + 1);
      i = open + 1;
      continue;
    }
    out += s.slice(i, open);
    if (close >= 0) {
      // A fresh set: "no [/x] inside this slice" says nothing about the text after it.
      out += enclosing(tag, expand(s.slice(tag.end, close), new Set(), depth + 1));
      i = close + closing.length;
    } else {
      out += standalone(tag);
      i = tag.end;
    }
  }
  return i === 0 ? s : out + s.slice(i);
}

function readTag(s: string, open: number): Tag | null {
  NAME_RE.lastIndex = open + 1;
  const m = NAME_RE.exec(s);
  if (!m) return null;
  const name = m[0];
  let p = open + 1 + name.length;
  const next = s.charCodeAt(p);
  // The name must end at white space, `]` or `/` — "[Editor's note]" is not a shortcode.
  if (!(next === 93 || next === 47 || next === 32 || next === 9 || next === 10 || next === 160)) return null;
  const close = s.indexOf(']', p);
  if (close < 0 || close - p > MAX_TAG) return null;
  let body = s.slice(p, close);
  if (body.indexOf('[') >= 0) return null;
  let selfClosing = false;
  if (body.endsWith('/')) {
    selfClosing = true;
    body = body.slice(0, -1);
  }
  const { attrs, formal } = parseAttrs(body);
  p = close + 1;
  return { name: name.toLowerCase(), attrs, formal, selfClosing, end: p };
}

function parseAttrs(text: string): { attrs: Record<string, string>; formal: boolean } {
  const attrs: Record<string, string> = {};
  let count = 0;
  let bare = false;
  ATTR_RE.lastIndex = 0;
  for (let m = ATTR_RE.exec(text); m; m = ATTR_RE.exec(text)) {
    count++;
    if (m[1] !== undefined) attrs[m[1].toLowerCase()] = m[2]!;
    else if (m[3] !== undefined) attrs[m[3].toLowerCase()] = m[4]!;
    else if (m[5] !== undefined) attrs[m[5].toLowerCase()] = m[6]!;
    else if (m[9] !== undefined) bare = true;
  }
  return { attrs, formal: count > 0 && !bare };
}

function enclosing(tag: Tag, inner: string): string {
  switch (tag.name) {
    case 'caption':
    case 'wp_caption':
      return caption(tag, inner);
    case 'embed': {
      const url = inner.trim();
      return URL_RE.test(url) ? linkParagraph(url) : inner;
    }
    case 'audio':
    case 'video': {
      const url = mediaUrl(tag);
      return url ? linkParagraph(url) : '';
    }
    default:
      return inner;
  }
}

function standalone(tag: Tag): string {
  if (tag.name === 'audio' || tag.name === 'video') {
    const url = mediaUrl(tag);
    return url ? linkParagraph(url) : '';
  }
  // gallery, playlist, a lone [embed], plugin widgets: nothing a reader could use without the plugin.
  return '';
}

function mediaUrl(tag: Tag): string | undefined {
  for (const k of MEDIA_ATTRS) {
    const v = tag.attrs[k]?.trim();
    if (v && URL_RE.test(v)) return v;
  }
  return undefined;
}

/** Blank lines around it make it a paragraph of its own when the text is paragraphed later. */
function linkParagraph(url: string): string {
  return `\n\n<p><a href="${url}">${url}</a></p>\n\n`;
}

const IMG_RE = /<img\b[^>]*>/i;

/**
 * `[caption id="attachment_5" width="300"]<a href="…"><img …></a> Boats at dawn[/caption]`
 * → `<figure><img …><figcaption>Boats at dawn</figcaption></figure>`. Old exports put the
 * caption in a `caption="…"` attribute instead.
 */
function caption(tag: Tag, inner: string): string {
  const img = IMG_RE.exec(inner);
  if (!img) return inner;
  let text = inner.slice(0, img.index) + inner.slice(img.index + img[0].length);
  // The link that usually wraps the image would be left empty.
  text = text.replace(/<a\b[^>]*>\s*<\/a>/gi, '').trim();
  if (!text) text = (tag.attrs.caption ?? '').trim();
  const cap = text ? `<figcaption>${text}</figcaption>` : '';
  return `\n\n<figure>${img[0]}${cap}</figure>\n\n`;
}
