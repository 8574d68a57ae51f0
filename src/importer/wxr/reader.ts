import type { Handler, Parser } from 'htmlparser2';
import type { ImportPerson } from '../types.js';
import { MAX_NESTING, NestingError } from '../../content/richtext/limits.js';
import { MAX_ITEM_BYTES, megabytes } from '../limits.js';

/**
 * The XML side of WXR: htmlparser2 events (xmlMode) → channel facts and one raw `<item>` at a time.
 * Only the fields we use are captured, so memory is one item's text whatever the file size;
 * comments (`<wp:comment>`) and unneeded post meta (page-builder blobs can be megabytes) are
 * skipped without being buffered. Nesting is tracked by depth because a corrupt item must not
 * derail the items after it.
 *
 * A captured field stops growing at MAX_ITEM_BYTES (the item is then an error), so one item's
 * memory is bounded whatever the file holds. XML nested past MAX_NESTING stops the read
 * (NestingError): a WordPress export is six levels deep, post content is escaped text, and
 * htmlparser2's open-element stack makes every further level cost more than the last.
 */

export type ItemField =
  | 'title' | 'link' | 'guid' | 'creator' | 'content' | 'excerpt' | 'postId' | 'postDate' | 'postDateGmt'
  | 'postName' | 'status' | 'postType' | 'attachmentUrl';

export interface RawItem {
  /** 1-based count of `<item>`s in the file. */
  index: number;
  line: number;
  fields: Partial<Record<ItemField, string>>;
  categories: { domain: string; nicename: string; name: string }[];
  /** Only the keys in WANTED_META. */
  meta: Partial<Record<string, string>>;
  /** Structural problems; any makes the item an error entry. */
  problems: string[];
  truncated: boolean;
}

export interface WxrChannel {
  /** The channel's `<link>`: the site's address. */
  link: string;
  baseBlogUrl: string;
  /** By login (what items name in `dc:creator`). */
  authors: Map<string, ImportPerson>;
  /** Category term id → nicename, for Yoast's primary category (stored as a term id). */
  categorySlugs: Map<string, string>;
  /** Category name → nicename, for items whose `<category>` lacks the nicename attribute. */
  categoryByName: Map<string, string>;
}

/**
 * A copy of `s` that does not share memory with the chunk it was cut from. The parser hands us
 * slices of its 64 KB input chunks, and V8 keeps a slice's whole parent alive: one attachment URL
 * kept for the run would pin its chunk, and 30,000 of them the whole file. Anything that outlives
 * the current item goes through here. (Concatenation makes a rope; slicing it flattens a copy.)
 */
export function detach(s: string): string {
  return s.length ? (' ' + s).slice(1) : '';
}

const ITEM_FIELDS = new Map<string, ItemField>([
  ['title', 'title'], ['link', 'link'], ['guid', 'guid'], ['dc:creator', 'creator'],
  ['content:encoded', 'content'], ['excerpt:encoded', 'excerpt'], ['wp:post_id', 'postId'],
  ['wp:post_date', 'postDate'], ['wp:post_date_gmt', 'postDateGmt'], ['wp:post_name', 'postName'],
  ['wp:status', 'status'], ['wp:post_type', 'postType'], ['wp:attachment_url', 'attachmentUrl'],
]);

export const WANTED_META = new Set(['_thumbnail_id', '_wp_attachment_image_alt', '_yoast_wpseo_canonical', '_yoast_wpseo_primary_category']);

type Capture =
  | { kind: 'item'; field: ItemField }
  | { kind: 'category'; domain: string; nicename: string }
  | { kind: 'metaKey' }
  | { kind: 'metaValue' }
  | { kind: 'channel'; name: string }
  | { kind: 'section'; name: string };

export class WxrReader implements Partial<Handler> {
  readonly channel: WxrChannel = { link: '', baseBlogUrl: '', authors: new Map(), categorySlugs: new Map(), categoryByName: new Map() };
  sawChannel = false;
  itemCount = 0;
  /** Set before `parser.end()`: closes from then on are the parser closing what the file left open. */
  ending = false;

  private parser: Parser | undefined;
  private depth = 0;
  private channelDepth = -1;
  private item: RawItem | null = null;
  private itemDepth = -1;
  private metaDepth = -1;
  private metaKey = '';
  private section: 'author' | 'category' | null = null;
  private sectionDepth = -1;
  private sectionData: Record<string, string> = {};
  private cap: Capture | null = null;
  private capName = '';
  private capDepth = -1;
  private buf = '';
  /** The capture in progress passed MAX_ITEM_BYTES: the rest of its text is dropped. */
  private overflow = false;
  // Event counter: a close that follows its own open with nothing between is `<x/>`, which
  // htmlparser2 reports as "implied" just like a close forced by a missing end tag.
  private seq = 0;
  private openSeq = -1;

  constructor(
    private readonly onItem: (raw: RawItem) => void,
    private readonly lineAt: (index: number) => number,
  ) {}

  /** The `<item>` being read, if any. */
  get openItem(): RawItem | null {
    return this.item;
  }

  onparserinit(parser: Parser): void {
    this.parser = parser;
  }

  onopentag(name: string, attribs: Record<string, string>): void {
    const d = ++this.depth;
    if (d > MAX_NESTING) throw new NestingError('the XML');
    this.openSeq = ++this.seq;
    if (name === 'item') {
      // Always starts a new item, even inside a broken one: one bad item must not swallow the rest.
      if (this.item) this.finishItem(['<item> is not closed before the next <item>']);
      this.startItem(d);
      return;
    }
    if (this.cap) {
      if (this.item) this.item.problems.push(`unexpected <${name}> inside <${this.capName}>`);
      return;
    }
    if (this.item) {
      if (d === this.itemDepth + 1) {
        const field = ITEM_FIELDS.get(name);
        if (field) this.start({ kind: 'item', field }, name, d);
        else if (name === 'category') this.start({ kind: 'category', domain: attribs.domain ?? '', nicename: attribs.nicename ?? '' }, name, d);
        else if (name === 'wp:postmeta') {
          this.metaDepth = d;
          this.metaKey = '';
        }
      } else if (d === this.metaDepth + 1) {
        if (name === 'wp:meta_key') this.start({ kind: 'metaKey' }, name, d);
        else if (name === 'wp:meta_value' && WANTED_META.has(this.metaKey)) this.start({ kind: 'metaValue' }, name, d);
      }
      return;
    }
    if (name === 'channel' && !this.sawChannel) {
      this.sawChannel = true;
      this.channelDepth = d;
      return;
    }
    if (this.section) {
      if (d === this.sectionDepth + 1) this.start({ kind: 'section', name }, name, d);
      return;
    }
    if (d === this.channelDepth + 1) {
      if (name === 'link' || name === 'wp:base_blog_url') this.start({ kind: 'channel', name }, name, d);
      else if (name === 'wp:author' || name === 'wp:category') {
        this.section = name === 'wp:author' ? 'author' : 'category';
        this.sectionDepth = d;
        this.sectionData = {};
      }
    }
  }

  ontext(text: string): void {
    this.seq++;
    if (!this.cap) return;
    if (this.buf.length + text.length <= MAX_ITEM_BYTES) this.buf += text;
    else if (!this.overflow) {
      this.overflow = true;
      // Only an item's own fields make it unreadable; a channel field is simply cut.
      if (this.item && (this.cap.kind === 'item' || this.cap.kind === 'metaValue' || this.cap.kind === 'category')) {
        this.item.problems.push(`<${this.capName}> is larger than ${megabytes(MAX_ITEM_BYTES)}, the most one post can be`);
      }
    }
  }

  onclosetag(name: string, implied: boolean): void {
    const d = this.depth--;
    const selfClosing = implied && this.openSeq === this.seq;
    this.seq++;
    const item = this.item;
    if (item && implied && !selfClosing && !this.ending && d > this.itemDepth) item.problems.push(`<${name}> is not closed`);
    if (this.cap && d === this.capDepth) {
      this.finishCapture();
      return;
    }
    if (item) {
      if (d === this.itemDepth) {
        if (this.ending) {
          item.truncated = true;
          this.finishItem(['the file ends inside this item (is the export truncated?)']);
        } else this.finishItem(implied && !selfClosing ? ['<item> is not closed'] : []);
      } else if (d === this.metaDepth) this.metaDepth = -1;
      return;
    }
    if (this.section && d === this.sectionDepth) this.finishSection();
    else if (d === this.channelDepth) this.channelDepth = -1;
  }

  private startItem(depth: number): void {
    this.itemCount++;
    this.item = {
      index: this.itemCount,
      line: this.parser ? this.lineAt(this.parser.startIndex) : 0,
      fields: {},
      categories: [],
      meta: {},
      problems: [],
      truncated: false,
    };
    this.itemDepth = depth;
    this.metaDepth = -1;
    this.cap = null;
    this.buf = '';
  }

  private finishItem(problems: string[]): void {
    const item = this.item!;
    item.problems.push(...problems);
    this.item = null;
    this.itemDepth = -1;
    this.metaDepth = -1;
    this.cap = null;
    this.buf = '';
    this.onItem(item);
  }

  private start(cap: Capture, name: string, depth: number): void {
    this.cap = cap;
    this.capName = name;
    this.capDepth = depth;
    this.buf = '';
    this.overflow = false;
  }

  private finishCapture(): void {
    const cap = this.cap!;
    const value = this.buf;
    this.cap = null;
    this.buf = '';
    const item = this.item;
    switch (cap.kind) {
      case 'item':
        if (item && item.fields[cap.field] === undefined) item.fields[cap.field] = value;
        break;
      case 'category':
        item?.categories.push({ domain: cap.domain, nicename: cap.nicename, name: value });
        break;
      case 'metaKey':
        this.metaKey = value.trim();
        break;
      case 'metaValue':
        if (item) item.meta[this.metaKey] = value;
        break;
      case 'channel':
        if (cap.name === 'link' && !this.channel.link) this.channel.link = detach(value.trim());
        else if (cap.name === 'wp:base_blog_url' && !this.channel.baseBlogUrl) this.channel.baseBlogUrl = detach(value.trim());
        break;
      case 'section':
        this.sectionData[cap.name] = value;
        break;
    }
  }

  private finishSection(): void {
    const s = this.sectionData;
    if (this.section === 'author') {
      const login = s['wp:author_login']?.trim();
      if (login) {
        const name = s['wp:author_display_name']?.trim() || [s['wp:author_first_name'], s['wp:author_last_name']].map((x) => x?.trim()).filter(Boolean).join(' ') || login;
        const email = s['wp:author_email']?.trim();
        this.channel.authors.set(detach(login), { name: detach(name), ...(email ? { email: detach(email) } : {}) });
      }
    } else if (this.section === 'category') {
      const slug = s['wp:category_nicename']?.trim();
      const id = s['wp:term_id']?.trim();
      const name = s['wp:cat_name'];
      if (slug && id) this.channel.categorySlugs.set(detach(id), detach(slug));
      if (slug && name) this.channel.categoryByName.set(detach(name.trim()), detach(slug));
    }
    this.section = null;
    this.sectionDepth = -1;
    this.sectionData = {};
  }
}
