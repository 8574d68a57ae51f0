/**
 * Input built to hurt a parser: nesting far past MAX_NESTING and files past the size limits, in
 * every form the Content API and the importer accept. Deep structures are built as strings,
 * since JSON.stringify itself recurses and would overflow first.
 */

export const DEPTHS = [150, 2_000, 20_000, 100_000];

export const nestedHtml = (depth: number, tag = 'div', inner = 'deep') => `<${tag}>`.repeat(depth) + inner + `</${tag}>`.repeat(depth);

/** A ProseMirror document `depth` blockquotes deep, as JSON text. */
export const nestedDocJson = (depth: number) =>
  '{"type":"doc","content":[' + '{"type":"blockquote","content":['.repeat(depth) + '{"type":"paragraph","content":[{"type":"text","text":"deep"}]}' + ']}'.repeat(depth) + ']}';

/**
 * A valid-looking document whose code block carries attrs nested as deep in JSON as `depth`
 * document levels would be (two JSON levels each: a node and its content), as JSON text.
 */
export const deepAttrsDocJson = (depth: number) =>
  `{"type":"doc","content":[{"type":"codeBlock","attrs":{"language":${'['.repeat(2 * depth)}"js"${']'.repeat(2 * depth)}},"content":[{"type":"text","text":"x"}]}]}`;

/** A Lexical body of `depth` nested quotes, as JSON text. */
export const nestedLexical = (depth: number) =>
  '{"root":{"type":"root","children":[' + '{"type":"quote","children":['.repeat(depth) + '{"type":"text","text":"deep"}' + ']}'.repeat(depth) + ']}}';

export const MARKDOWN: Record<string, (depth: number) => string> = {
  quotes: (d) => '>'.repeat(d) + ' deep',
  'spaced quotes': (d) => '> '.repeat(d) + 'deep',
  lists: (d) => '- '.repeat(d) + 'deep',
  'ordered lists': (d) => '1. '.repeat(d) + 'deep',
  // Indentation grows with the square of the depth: 1,000 levels is 1 MB.
  'indented lists': (d) => Array.from({ length: Math.min(d, 1_000) }, (_, i) => ' '.repeat(i * 2) + '- deep').join('\n'),
  emphasis: (d) => '*a '.repeat(d) + 'deep' + ' a*'.repeat(d),
  'emphasis run': (d) => '*'.repeat(d) + 'deep' + '*'.repeat(d),
};

/** A Mobiledoc body whose one Markdown card is `markdown`. */
export const mobiledocMarkdown = (markdown: string) =>
  JSON.stringify({ version: '0.3.1', markups: [], atoms: [], cards: [['markdown', { markdown }]], sections: [[10, 0]] });

/** A Mobiledoc paragraph that opens `depth` bold markups around one word. */
export const mobiledocMarkups = (depth: number) =>
  JSON.stringify({ version: '0.3.1', markups: [['strong']], atoms: [], cards: [], sections: [[1, 'p', [[0, Array.from({ length: depth }, () => 0), depth, 'deep']]]] });

/** `depth` enclosing shortcodes, each of its own name. */
export const nestedShortcodes = (depth: number) =>
  Array.from({ length: depth }, (_, i) => `[sc${i}]`).join('') + 'deep' + Array.from({ length: depth }, (_, i) => `[/sc${depth - 1 - i}]`).join('');

/** Three plain paragraphs: an article any parser keeps. */
export const storyParagraphs = (topic: string) => [
  `The harbour board met on Tuesday evening to discuss ${topic}, and agreed a plan after a long debate.`,
  `Members said the work on ${topic} would start in the spring, once the contractors had been chosen.`,
  `A public meeting about ${topic} will be held in the community hall next month for residents.`,
];
export const storyHtml = (topic: string) => storyParagraphs(topic).map((p) => `<p>${p}</p>`).join('\n');
export const storyText = (topic: string) => `Harbour board agrees plan for ${topic}\n\n${storyParagraphs(topic).join('\n\n')}\n`;
export const storyPage = (topic: string, body = storyHtml(topic)) =>
  `<!doctype html><html><head><title>Plan agreed for ${topic}</title></head><body><article><h1>Plan agreed for ${topic}</h1>${body}</article></body></html>`;

export interface WxrPost { id: number; title: string; content: string }

/** A WordPress export of published posts; content goes in CDATA as WordPress writes it. */
export function wxrExport(posts: WxrPost[]): string {
  const items = posts.map((p) => `<item><title>${p.title}</title><link>https://old.example/${p.id}/</link>
<dc:creator><![CDATA[editor]]></dc:creator><content:encoded><![CDATA[${p.content}]]></content:encoded>
<wp:post_id>${p.id}</wp:post_id><wp:post_date_gmt>2024-05-01 09:00:00</wp:post_date_gmt><wp:post_name>post-${p.id}</wp:post_name>
<wp:status>publish</wp:status><wp:post_type>post</wp:post_type></item>`).join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel><title>Old site</title><link>https://old.example</link><wp:wxr_version>1.2</wp:wxr_version>
${items}
</channel></rss>`;
}

export type GhostBody = { html: string } | { lexical: string } | { mobiledoc: string };
export interface GhostPost { id: string; title: string; body: GhostBody }

/** A Ghost export of published posts with the given bodies. */
export function ghostExport(posts: GhostPost[]): string {
  return JSON.stringify({
    db: [{
      meta: { version: '5.80.0' },
      data: {
        posts: posts.map((p) => ({ id: p.id, title: p.title, slug: `ghost-${p.id}`, status: 'published', visibility: 'public', published_at: '2024-05-01T09:00:00.000Z', html: null, lexical: null, mobiledoc: null, ...p.body })),
        users: [], tags: [], posts_tags: [], posts_authors: [],
      },
    }],
  });
}

export const lexicalStory = (topic: string) => JSON.stringify({
  root: { type: 'root', children: storyParagraphs(topic).map((text) => ({ type: 'paragraph', children: [{ type: 'text', text }] })) },
});
