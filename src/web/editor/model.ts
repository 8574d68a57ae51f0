/**
 * Editor JSON ↔ stored document. ProseMirror writes every attribute of a node, defaults
 * included (`language: null`, a link's `target`); the stored form keeps only what was set.
 * `toStored` is what the island sends and what the round-trip test checks: a stored document
 * loaded into the editor schema and written back this way is the document it was.
 */
type Json = { type: string; attrs?: Record<string, unknown>; marks?: Json[]; content?: Json[]; text?: string };

/** What a stored mark keeps: a link's href and nothing else (the renderer reads nothing else). */
const MARK_ATTRS: Record<string, string[]> = { link: ['href'] };

function cleanAttrs(attrs: Record<string, unknown> | undefined, keep?: string[]): Record<string, unknown> | undefined {
  if (!attrs) return undefined;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined) continue;
    if (keep && !keep.includes(k)) continue;
    out[k] = v;
  }
  return Object.keys(out).length ? out : undefined;
}

/** Defaults a stored node leaves out: a table cell spans one column and one row. */
const DEFAULTS: Record<string, Record<string, unknown>> = { tableCell: { colspan: 1, rowspan: 1 }, tableHeader: { colspan: 1, rowspan: 1 } };

function node(n: Json): Json {
  const out: Json = { type: n.type };
  if (n.type === 'text') out.text = n.text ?? '';
  const defaults = DEFAULTS[n.type];
  const attrs = cleanAttrs(n.attrs && defaults ? Object.fromEntries(Object.entries(n.attrs).filter(([k, v]) => defaults[k] !== v)) : n.attrs);
  if (attrs) out.attrs = attrs;
  if (n.marks?.length) out.marks = n.marks.map((m) => {
    const a = cleanAttrs(m.attrs, MARK_ATTRS[m.type] ?? []);
    return a ? { type: m.type, attrs: a } : { type: m.type };
  });
  if (n.content) out.content = n.content.map(node);
  return out;
}

export function toStored(json: Json): Json {
  const doc = node(json);
  // ProseMirror cannot hold an empty document: it shows one empty paragraph. Stored, that is [].
  const c = doc.content ?? [];
  if (c.length === 1 && c[0]!.type === 'paragraph' && !c[0]!.content?.length) return { type: 'doc', content: [] };
  return { type: 'doc', content: c };
}

/** A stored document as the editor opens it: an empty body is one empty paragraph there. */
export function fromStored(doc: { type: 'doc'; content: unknown[] }): { type: 'doc'; content: unknown[] } {
  return doc.content.length ? doc : { type: 'doc', content: [{ type: 'paragraph' }] };
}

/** Words and minutes, as the editor's status line and the article list count them. */
export function wordCount(text: string): number {
  const m = text.match(/[\p{L}\p{N}][\p{L}\p{N}'’-]*/gu);
  return m ? m.length : 0;
}
export const readingMinutes = (words: number) => Math.max(1, Math.round(words / 230));
