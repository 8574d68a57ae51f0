import type { BlockNode, Doc, InlineNode, ListItem } from './doc.js';

/**
 * A document as Markdown, for the editor's plain-text fallback (no JavaScript). Captions and
 * code languages have no Markdown form, so the fallback writes the body back only when the
 * person changed this text (the editor route compares it with what it sent).
 */
export function docToMarkdown(doc: Doc): string {
  notes = [];
  try {
    const body = doc.content.map((b) => block(b, '')).join('\n\n');
    // Footnotes as GFM-style references, `[^1]`, defined after the body (content/richtext/from-markdown.ts).
    const defs = notes.map((t, i) => `[^${i + 1}]: ${t}`).join('\n');
    return defs ? `${body}\n\n${defs}` : body;
  } finally {
    notes = [];
  }
}

/** The footnotes met so far in the document being written (rendering is synchronous). */
let notes: string[] = [];

const esc = (s: string) => s.replace(/([\\`*_[\]<>#])/g, '\\$1');

function inline(nodes: InlineNode[] | undefined): string {
  return (nodes ?? []).map((n) => {
    if (n.type === 'hardBreak') return '  \n';
    if (n.type === 'footnote') return `[^${notes.push(n.attrs.text.replace(/\s+/g, ' ').trim())}]`;
    if (!n.marks?.length) return esc(n.text);
    // Emphasis may not start or end with a space (`_ by_` is not italic): the spaces go outside.
    const [, lead, core, trail] = /^(\s*)([\s\S]*?)(\s*)$/.exec(n.text)!;
    if (!core) return n.text;
    let t = n.marks.some((m) => m.type === 'code') ? `\`${core}\`` : esc(core!);
    for (const m of n.marks) {
      if (m.type === 'bold') t = `**${t}**`;
      else if (m.type === 'italic') t = `_${t}_`;
      else if (m.type === 'strike') t = `~~${t}~~`;
      else if (m.type === 'link') t = `[${t}](${m.attrs.href})`;
    }
    return lead + t + trail;
  }).join('');
}

const indent = (s: string, pad: string) => s.split('\n').map((l, i) => (i === 0 || !l ? l : pad + l)).join('\n');

function item(li: ListItem, marker: string): string {
  return marker + indent(li.content.map((b) => block(b, '')).join('\n\n'), ' '.repeat(marker.length));
}

function block(b: BlockNode, _p: string): string {
  switch (b.type) {
    case 'paragraph': return inline(b.content);
    case 'heading': return `${'#'.repeat(b.attrs.level)} ${inline(b.content)}`;
    case 'blockquote': return b.content.map((c) => block(c, '')).join('\n\n').split('\n').map((l) => `> ${l}`.trimEnd()).join('\n');
    case 'bulletList': return b.content.map((li) => item(li, '- ')).join('\n');
    case 'orderedList': return b.content.map((li, i) => item(li, `${(b.attrs?.start ?? 1) + i}. `)).join('\n');
    case 'codeBlock': return '```\n' + (b.content ?? []).map((n) => (n.type === 'text' ? n.text : '\n')).join('') + '\n```';
    case 'horizontalRule': return '---';
    case 'image': return `![${esc(b.attrs.alt ?? '')}](${b.attrs.src})`;
    case 'table': {
      const cell = (c: { content: { content?: InlineNode[] }[] }) => c.content.map((p) => inline(p.content)).join(' ').replace(/\|/g, '\\|');
      const rows = b.content.map((r) => `| ${r.content.map(cell).join(' | ')} |`);
      const cols = b.content[0]?.content.length ?? 1;
      return [rows[0], `|${' --- |'.repeat(cols)}`, ...rows.slice(1)].join('\n');
    }
    case 'embed': return `[${esc(b.attrs.title ?? b.attrs.provider ?? b.attrs.url)}](${b.attrs.url})`;
    case 'previewBreak': return '<!--more-->';
  }
}
