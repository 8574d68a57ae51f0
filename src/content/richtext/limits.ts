import { Parser, type ParserOptions } from 'htmlparser2';
import { DomHandler, type Document, type DomHandlerOptions } from 'domhandler';
import { AppError } from '../../errors.js';

/**
 * How deeply anything read from outside may nest: HTML elements, document nodes, Markdown
 * containers, Lexical nodes, JSON. Articles never go past a dozen levels; a saved web page adds
 * twenty or thirty levels of site wrappers around its article. Past this, input is refused
 * rather than walked: every tree walk (ours, htmlparser2's open-element stack, marked's
 * recursive lexer, Readability's scoring) gets slower with depth, and the recursive ones
 * overflow the stack somewhere between a few thousand and tens of thousands of levels.
 */
export const MAX_NESTING = 100;

/** Input nested past MAX_NESTING: a 400 at the API, a skipped item in an import. */
export class NestingError extends AppError {
  constructor(what = 'the document') {
    super('invalid_input', `${what} is nested too deeply (more than ${MAX_NESTING} levels)`);
    this.name = 'NestingError';
  }
}

/**
 * Counts open elements as htmlparser2 builds them (its implied closes included, so `<p>a<p>b`
 * is one level, not two) and stops the parse the moment the count passes the limit. Stopping
 * early is what keeps this linear: htmlparser2's own open-element stack costs O(depth) per tag,
 * so a deep document is quadratic to parse to the end.
 */
class DepthCount {
  depth = 0;
  constructor(private readonly what: string) {}
  onopentag(): void {
    if (++this.depth > MAX_NESTING) throw new NestingError(this.what);
  }
  onclosetag(): void {
    this.depth--;
  }
}

/** Throws NestingError when the HTML nests elements deeper than MAX_NESTING; nothing is built. */
export function assertHtmlDepth(html: string, what = 'the HTML'): void {
  if (html.indexOf('<') < 0) return;
  new Parser(new DepthCount(what), { decodeEntities: false }).end(html);
}

/** A DOM handler that refuses to build a tree deeper than MAX_NESTING. */
class ShallowDomHandler extends DomHandler {
  private readonly count: DepthCount;
  constructor(options: DomHandlerOptions, what: string) {
    super(undefined, options);
    this.count = new DepthCount(what);
  }
  override onopentag(name: string, attribs: Record<string, string>): void {
    this.count.onopentag();
    super.onopentag(name, attribs);
  }
  override onclosetag(): void {
    this.count.onclosetag();
    super.onclosetag();
  }
}

/** htmlparser2's parseDocument, refusing (NestingError) a document nested deeper than MAX_NESTING. */
export function parseShallowDocument(html: string, options: ParserOptions & DomHandlerOptions = {}, what = 'the HTML'): Document {
  const handler = new ShallowDomHandler(options, what);
  new Parser(handler, options).end(html);
  return handler.root;
}

/**
 * Whether a tree (a parsed JSON document, a Lexical or ProseMirror node tree) is more than
 * `limit` levels deep, by an explicit stack rather than recursion, so it answers for any depth.
 * `children` names a node's children; the root is level 1.
 */
export function deeperThan(root: unknown, children: (node: unknown) => readonly unknown[] | undefined, limit = MAX_NESTING): boolean {
  const stack: [unknown, number][] = [[root, 1]];
  while (stack.length) {
    const [node, level] = stack.pop()!;
    if (level > limit) return true;
    const kids = children(node);
    if (kids) for (const k of kids) stack.push([k, level + 1]);
  }
  return false;
}

/** The children of a JSON value as JSON nests them: an array's items, an object's values. */
export function jsonChildren(v: unknown): readonly unknown[] | undefined {
  if (Array.isArray(v)) return v;
  return v !== null && typeof v === 'object' ? Object.values(v) : undefined;
}

const LIST_MARKER = /^(?:[-+*]|\d{1,9}[.)])(?=[ \t]|$)/;
const FENCE = /^(?:`{3,}|~{3,})/;

/**
 * A cheap, line-by-line upper bound on how deeply Markdown nests, checked before marked sees it.
 * marked's lexer recurses once per blockquote, list item and emphasis level, and its list
 * handling grows with the square of the depth (3,000 nested list levels take a minute, 2,000
 * `>` overflow the stack), so the input is measured first:
 *  - block containers: the `>` and list markers that open a line, plus the indentation
 *    around them (a nested list is indented about two columns a level);
 *  - emphasis: within a paragraph, how many `*`/`_` delimiters stand open at once.
 * Fenced code is skipped. The estimate errs high for lists indented four columns a level, which
 * still leaves fifty real levels, four times what an article uses.
 */
export function assertMarkdownDepth(md: string, what = 'the Markdown'): void {
  let fence: string | null = null;
  let open = 0;
  for (const line of md.split('\n')) {
    let i = 0;
    let depth = 0;
    let columns = 0;
    // The one space after a marker belongs to the marker (`> > x` is two levels, not three).
    let afterMarker = false;
    for (;;) {
      const c = line.charCodeAt(i);
      if (c === 32 || c === 9) {
        if (afterMarker) afterMarker = false;
        else columns += c === 9 ? 4 : 1;
        i++;
      } else if (c === 62 /* > */) {
        depth++;
        i++;
        afterMarker = true;
      } else {
        const m = fence === null ? LIST_MARKER.exec(line.slice(i, i + 12)) : null;
        if (!m) break;
        depth++;
        i += m[0].length;
        afterMarker = true;
      }
    }
    const rest = line.slice(i);
    const f = FENCE.exec(rest);
    if (fence !== null) {
      if (f && f[0][0] === fence) fence = null;
      continue;
    }
    if (f) fence = f[0][0]!;
    if (depth > 0) depth += Math.floor(columns / 2);
    if (depth > MAX_NESTING) throw new NestingError(what);
    if (!rest.trim()) {
      open = 0;
      continue;
    }
    open = emphasisDepth(rest, open, what);
  }
}

const isSpace = (c: string | undefined) => c === undefined || /\s/.test(c);
const isPunct = (c: string | undefined) => c !== undefined && /[\p{P}\p{S}]/u.test(c);

/** Runs of `*` and `_` that can only open add to the count, runs that can only close take from it. */
function emphasisDepth(text: string, open: number, what: string): number {
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c !== '*' && c !== '_') continue;
    let j = i;
    while (text[j] === c) j++;
    const before = text[i - 1];
    const after = text[j];
    const left = !isSpace(after) && (!isPunct(after) || isSpace(before) || isPunct(before));
    const right = !isSpace(before) && (!isPunct(before) || isSpace(after) || isPunct(after));
    if (left && !right) open += j - i;
    else if (right && !left) open = Math.max(0, open - (j - i));
    if (open > MAX_NESTING) throw new NestingError(what);
    i = j - 1;
  }
  return open;
}
