import { escapeHtml } from '../../shared/escape.js';
import { figureHtml, linkCardHtml, markdownToHtml, RenderError, type Rendered } from './cards.js';
import { isObject, parseBody, str } from './json.js';

/**
 * Ghost's Mobiledoc documents (Ghost 1–4) → HTML, for posts exported without `html`.
 * Mobiledoc is a list of sections over shared tables of markups, atoms and cards:
 *   [1, tag, markers]   a markup section (p, h2, blockquote…)
 *   [2, src, caption?]  an image section
 *   [3, tag, [markers]] a list section (ul/ol), one markers array per item
 *   [10, cardIndex]     a card: markdown, html, image, hr, code, bookmark/embed, paywall
 * A marker opens markups, carries text (or an atom), then closes some of the open markups.
 */

type Json = unknown;

const SECTION_TAGS = new Set(['p', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'blockquote']);
const MARKUP_TAGS = new Set(['a', 'b', 'strong', 'i', 'em', 's', 'del', 'code', 'sup', 'sub', 'u']);

interface Tables {
  markups: { tag: string; href?: string }[];
  atoms: { name: string; text: string }[];
  cards: { name: string; payload: Record<string, unknown> }[];
}

export function renderMobiledoc(json: string): Rendered {
  const doc: Json = parseBody(json, 'Mobiledoc');
  if (!isObject(doc) || !Array.isArray(doc.sections)) throw new RenderError('the Mobiledoc body has no sections');
  const tables: Tables = {
    markups: list(doc.markups).map((m) => {
      const tag = Array.isArray(m) ? String(m[0]).toLowerCase() : '';
      const attrs = Array.isArray(m) && Array.isArray(m[1]) ? m[1] : [];
      const i = attrs.indexOf('href');
      return i >= 0 && typeof attrs[i + 1] === 'string' ? { tag, href: attrs[i + 1] as string } : { tag };
    }),
    atoms: list(doc.atoms).map((a) => (Array.isArray(a) ? { name: String(a[0]), text: typeof a[1] === 'string' ? a[1] : '' } : { name: '', text: '' })),
    cards: list(doc.cards).map((c) => (Array.isArray(c) ? { name: String(c[0]), payload: isObject(c[1]) ? c[1] : {} } : { name: '', payload: {} })),
  };
  const dropped: string[] = [];
  let html = '';
  for (const s of doc.sections) {
    if (!Array.isArray(s)) throw new RenderError('the Mobiledoc body has a malformed section');
    html += section(s, tables, dropped);
  }
  return { html, dropped };
}

const list = (v: Json): Json[] => (Array.isArray(v) ? v : []);

function section(s: Json[], t: Tables, dropped: string[]): string {
  switch (s[0]) {
    case 1: {
      const tag = SECTION_TAGS.has(str(s[1]).toLowerCase()) ? str(s[1]).toLowerCase() : (str(s[1]).toLowerCase() === 'aside' || str(s[1]) === 'pull-quote' ? 'blockquote' : 'p');
      const inner = markers(list(s[2]), t);
      if (!inner.trim()) return '';
      return tag === 'blockquote' ? `<blockquote><p>${inner}</p></blockquote>` : `<${tag}>${inner}</${tag}>`;
    }
    case 2:
      return figureHtml(str(s[1]), '', str(s[2]));
    case 3: {
      const tag = str(s[1]).toLowerCase() === 'ol' ? 'ol' : 'ul';
      return `<${tag}>${list(s[2]).map((item) => `<li>${markers(list(item), t)}</li>`).join('')}</${tag}>`;
    }
    case 10: {
      const card = typeof s[1] === 'number' ? t.cards[s[1]] : undefined;
      if (!card) throw new RenderError('the Mobiledoc body names a card that is not there');
      return cardHtml(card, dropped);
    }
    default:
      throw new RenderError(`the Mobiledoc body has a section of unknown type ${JSON.stringify(s[0])}`);
  }
}

function markers(ms: Json[], t: Tables): string {
  let out = '';
  const open: string[] = [];
  for (const m of ms) {
    if (!Array.isArray(m)) continue;
    // Mobiledoc 0.3 markers are [type, opens, closes, value]; 0.2 had no type: [opens, closes, value].
    const [type, opens, closes, value] = m.length >= 4 ? m : [0, m[0], m[1], m[2]];
    for (const i of list(opens)) {
      const mk = typeof i === 'number' ? t.markups[i] : undefined;
      const tag = mk && MARKUP_TAGS.has(mk.tag) ? mk.tag : 'span';
      out += tag === 'a' && mk?.href ? `<a href="${escapeHtml(mk.href)}">` : `<${tag}>`;
      open.push(tag);
    }
    if (type === 1) {
      const atom = typeof value === 'number' ? t.atoms[value] : undefined;
      out += atom?.name === 'soft-return' ? '<br>' : escapeHtml(atom?.text ?? '');
    } else out += escapeHtml(str(value));
    const n = typeof closes === 'number' ? closes : 0;
    for (let k = 0; k < n && open.length; k++) out += `</${open.pop()}>`;
  }
  while (open.length) out += `</${open.pop()}>`;
  return out;
}

function cardHtml(card: Tables['cards'][number], dropped: string[]): string {
  const p = card.payload;
  switch (card.name) {
    case 'markdown':
    case 'card-markdown':
      return markdownToHtml(str(p.markdown));
    case 'html':
      return str(p.html);
    case 'image':
      return figureHtml(str(p.src), str(p.alt), str(p.caption));
    case 'gallery':
      return list(p.images).filter(isObject).map((i) => figureHtml(str(i.src), str(i.alt), str(i.caption))).join('');
    case 'hr':
      return '<hr>';
    case 'code':
      return `<pre><code>${escapeHtml(str(p.code))}</code></pre>`;
    case 'paywall':
      return '<!--more-->';
    case 'bookmark':
    case 'embed': {
      const meta = isObject(p.metadata) ? p.metadata : {};
      return linkCardHtml(str(p.url), str(meta.title));
    }
    default:
      dropped.push(card.name || 'unknown');
      return '';
  }
}
