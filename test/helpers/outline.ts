import { htmlToDoc } from '../../src/content/richtext/from-html.js';
import type { BlockNode, InlineNode } from '../../src/content/richtext/doc.js';

/**
 * HTML as our document model sees it, as [type, text] pairs: enough to see paragraphs, breaks
 * and images without the noise. Images read "src (alt) | caption"; the alt only with `alt`.
 */
export function outline(html: string, opts: { alt?: boolean } = {}): [string, string][] {
  const text = (nodes: InlineNode[] | undefined) => (nodes ?? []).map((n) => (n.type === 'text' ? n.text : '\n')).join('');
  const walk = (b: BlockNode): [string, string] => {
    switch (b.type) {
      case 'paragraph':
      case 'heading':
      case 'codeBlock':
        return [b.type, text(b.content)];
      case 'image':
        return ['image', `${b.attrs.src}${opts.alt && b.attrs.alt ? ` (${b.attrs.alt})` : ''}${b.attrs.caption ? ` | ${b.attrs.caption}` : ''}`];
      case 'blockquote':
        return ['blockquote', b.content.map((c) => walk(c)[1]).join(' / ')];
      case 'bulletList':
      case 'orderedList':
        return [b.type, b.content.map((li) => li.content.map((c) => walk(c)[1]).join(' ')).join(' / ')];
      default:
        return [b.type, ''];
    }
  };
  return htmlToDoc(html).content.map(walk);
}
