import { Extension, Node, mergeAttributes, type AnyExtension } from '@tiptap/core';
import { goToNextCell, tableEditing } from '@tiptap/pm/tables';
/** The few DOM calls the parse rules make (this file is also compiled for Node, without DOM types). */
type El = { getAttribute(name: string): string | null; hasAttribute(name: string): boolean };

import StarterKit from '@tiptap/starter-kit';
import { OrderedList } from '@tiptap/extension-list';

/**
 * The editor's model of our stored document (content/richtext/doc.ts), shared by the browser
 * island and the round-trip test, so the test checks the very schema the newsroom edits with.
 * Every node and mark here has a stored counterpart and nothing more: StarterKit's underline and
 * trailing node are off (the one has no stored form, the other would add a paragraph to every
 * document that ends in an image), and attributes default to null so that an attribute a stored
 * document does not have comes back absent (model.ts drops nulls), not as a default value.
 */

/** "Readers without access stop here": the stored `previewBreak`, at most one per article. */
export const PreviewBreak = Node.create({
  name: 'previewBreak',
  group: 'block',
  atom: true,
  selectable: true,
  draggable: true,
  parseHTML: () => [{ tag: 'div[data-preview-break]' }],
  renderHTML: ({ HTMLAttributes }) => ['div', mergeAttributes(HTMLAttributes, { 'data-preview-break': '', class: 'preview-break', role: 'separator', 'aria-label': 'Paywall break: readers without access stop here' }), 'Readers without access stop here'],
});

/** A stored `image`: src, alt and caption as attributes of one atom block (a figure when shown). */
export const Figure = Node.create({
  name: 'image',
  group: 'block',
  atom: true,
  selectable: true,
  draggable: true,
  addAttributes: () => ({
    src: { default: null },
    alt: { default: null },
    caption: { default: null },
  }),
  parseHTML: () => [{ tag: 'img[src]', getAttrs: (el) => ({ src: (el as unknown as El).getAttribute('src'), alt: (el as unknown as El).getAttribute('alt') }) }],
  renderHTML: ({ node }) => {
    const a = node.attrs as { src: string; alt: string | null; caption: string | null };
    const img = ['img', { src: a.src, alt: a.alt ?? '' }] as const;
    return a.caption ? ['figure', {}, img, ['figcaption', {}, a.caption]] : ['figure', {}, img];
  },
});

/**
 * A stored `footnote`: an inline atom holding the note's text. The editor shows it as a raised
 * number (a CSS counter, so the numbers follow the text as it moves) and names it by its text.
 */
export const Footnote = Node.create({
  name: 'footnote',
  group: 'inline',
  inline: true,
  atom: true,
  selectable: true,
  addAttributes: () => ({ text: { default: null } }),
  parseHTML: () => [{ tag: 'sup[data-footnote]', getAttrs: (el) => ({ text: (el as unknown as El).getAttribute('data-footnote') }) }],
  renderHTML: ({ node }) => {
    const text = String((node.attrs as { text: string | null }).text ?? '');
    return ['sup', { 'data-footnote': text, class: 'footnote-mark', title: text, role: 'note', 'aria-label': `Footnote: ${text}` }];
  },
});

/**
 * A stored `embed`: a post or video kept as a link card (url, provider, title). The editor shows
 * the card as readers see it; nothing from the provider is loaded here either.
 */
export const Embed = Node.create({
  name: 'embed',
  group: 'block',
  atom: true,
  selectable: true,
  draggable: true,
  addAttributes: () => ({
    url: { default: null },
    provider: { default: null },
    title: { default: null },
  }),
  parseHTML: () => [{ tag: 'figure[data-embed-url]', getAttrs: (el) => ({ url: (el as unknown as El).getAttribute('data-embed-url'), provider: (el as unknown as El).getAttribute('data-embed-provider'), title: (el as unknown as El).getAttribute('data-embed-title') }) }],
  renderHTML: ({ node }) => {
    const a = node.attrs as { url: string; provider: string | null; title: string | null };
    return ['figure', { 'data-embed-url': a.url, ...(a.provider ? { 'data-embed-provider': a.provider } : {}), ...(a.title ? { 'data-embed-title': a.title } : {}), class: 'embed-card' },
      ['span', { class: 'embed-provider' }, a.provider ?? 'Embed'], ' ', ['span', { class: 'embed-title' }, a.title ?? a.url]];
  },
});

/**
 * Tables as prosemirror-tables expects them (its table roles, colspan and rowspan), with cells
 * of paragraphs only, like the stored `table`. Column widths are not stored: the reader's page
 * sizes its columns.
 */
const cellAttrs = () => ({ colspan: { default: 1 }, rowspan: { default: 1 }, colwidth: { default: null } });
const spanHtml = (a: { colspan: number; rowspan: number }) => ({ ...(a.colspan > 1 ? { colspan: a.colspan } : {}), ...(a.rowspan > 1 ? { rowspan: a.rowspan } : {}) });
const spanParse = (el: El) => ({ colspan: Number(el.getAttribute('colspan') ?? 1) || 1, rowspan: Number(el.getAttribute('rowspan') ?? 1) || 1 });
export const Table = Node.create({
  name: 'table', group: 'block', content: 'tableRow+', isolating: true,
  parseHTML: () => [{ tag: 'table' }],
  renderHTML: () => ['table', {}, ['tbody', 0]],
});
export const TableRow = Node.create({
  name: 'tableRow', content: '(tableCell | tableHeader)+',
  parseHTML: () => [{ tag: 'tr' }], renderHTML: () => ['tr', 0],
});
export const TableHeader = Node.create({
  name: 'tableHeader', content: 'paragraph+', isolating: true, addAttributes: cellAttrs,
  parseHTML: () => [{ tag: 'th', getAttrs: (el) => spanParse(el as unknown as El) }],
  renderHTML: ({ node }) => ['th', spanHtml(node.attrs as { colspan: number; rowspan: number }), 0],
});
export const TableCell = Node.create({
  name: 'tableCell', content: 'paragraph+', isolating: true, addAttributes: cellAttrs,
  parseHTML: () => [{ tag: 'td', getAttrs: (el) => spanParse(el as unknown as El) }],
  renderHTML: ({ node }) => ['td', spanHtml(node.attrs as { colspan: number; rowspan: number }), 0],
});
const TABLE_ROLES: Record<string, string> = { table: 'table', tableRow: 'row', tableHeader: 'header_cell', tableCell: 'cell' };
/** Cell selection, fixing of ragged tables, and Tab / Shift-Tab from cell to cell. */
export const TableEditing = Extension.create({
  name: 'tableEditing',
  // prosemirror-tables finds its nodes by a `tableRole` in their specs.
  extendNodeSchema: (ext) => (TABLE_ROLES[ext.name] ? { tableRole: TABLE_ROLES[ext.name] } : {}),
  addProseMirrorPlugins: () => [tableEditing()],
  addKeyboardShortcuts() {
    return {
      Tab: () => goToNextCell(1)(this.editor.state, this.editor.view.dispatch),
      'Shift-Tab': () => goToNextCell(-1)(this.editor.state, this.editor.view.dispatch),
    };
  },
});

export function editorExtensions(): AnyExtension[] {
  return [
    StarterKit.configure({
      heading: { levels: [2, 3, 4] },
      orderedList: false,
      underline: false,
      trailingNode: false,
      link: { openOnClick: false, autolink: false, linkOnPaste: true, HTMLAttributes: { target: null, rel: null, class: null } },
    }),
    // A stored list has a start only when one was given (and no list style): a default of 1 would add one to every list.
    OrderedList.extend({
      addAttributes: () => ({
        start: { default: null, parseHTML: (el: El) => (el.hasAttribute('start') ? Number.parseInt(el.getAttribute('start') ?? '', 10) : null), renderHTML: (a: { start: number | null }) => (a.start !== null && a.start !== 1 ? { start: a.start } : {}) },
      }),
    }),
    Figure,
    Footnote,
    Embed,
    PreviewBreak,
    Table, TableRow, TableHeader, TableCell, TableEditing,
  ];
}
