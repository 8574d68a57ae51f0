import type { IncomingMessage, ServerResponse } from 'node:http';
import { pickEncoding, type Encoding } from './compression.js';
import { referrerDomain } from '../dashboard/rules.js';
import type { ReplyBatch } from './reply-batch.js';

/**
 * Replies that every cookieless reader of a URL gets byte for byte (a free article, the front page
 * and the listings, to a reader with no cookies), answered in front of the router for as long as
 * the reader caches keep the page (a second, and cleared with them when content changes).
 *
 * Why: such a view needs no decision of its own — `decideWithoutMeter` answers every reader of a
 * free article in full, records nothing, and the page has no per-reader bytes; a listing shows
 * only what every reader sees — yet routing, hooks and reply handling cost more than the bare
 * server's whole answer. Only the reader routes put replies here (`mhShared`): the article route
 * for a free article alone, the front page and listings always; everything else, and every request
 * that carries a cookie, a query string, credentials or a prefetch hint, goes through the router.
 * Gated text cannot enter: a metered or paid article's page is never offered.
 */
/** `headers`: names and values in turn, as node's writeHead takes them (content-length included). */
export interface SharedReply { body: Buffer; headers: readonly string[] }

/**
 * The pages a route may offer, by their one canonical address: an article, the front page, and a
 * section, author or tag listing. Only that spelling is kept (no trailing slash, no percent-escapes,
 * slug characters only): each other spelling of the same page would be a copy of its own, and a
 * client could fill the map with copies and push the real pages out.
 */
const SHARED_PATHS = /^\/(?:|(?:articles|section|author|tag)\/[a-z0-9]+(?:-[a-z0-9]+)*)$/;

/** The variant of a reply a request wants: its encoding, as compression would choose it. */
type Variant = Encoding | 'identity';

/**
 * Which requests may be answered here: a plain GET that identifies no one, asks for no variant of
 * its own, and has nothing to count (a view from another site counts its referrer: the router's).
 */
export function sharedKey(req: IncomingMessage, ownHost: string): string | null {
  if (req.method !== 'GET') return null;
  const url = req.url;
  if (!url || url.length > 300 || url.includes('?') || !SHARED_PATHS.test(url)) return null;
  const h = req.headers;
  if (h.cookie !== undefined || h.authorization !== undefined || h.purpose !== undefined || h['sec-purpose'] !== undefined || h['x-purpose'] !== undefined || h['x-moz'] !== undefined) return null;
  if (h.referer !== undefined && referrerDomain(h.referer, ownHost) !== null) return null;
  const v: Variant = pickEncoding(h['accept-encoding']) ?? 'identity';
  return v + ' ' + url;
}

export class SharedReplies {
  private readonly map = new Map<string, { body: Buffer; headers: readonly string[]; at: number }>();
  /** Requests answered here (diagnostics and tests). */
  hits = 0;

  constructor(private readonly ttlMs: number, private readonly max: number, private readonly now: () => number, private readonly ownHost: string, private readonly batch: ReplyBatch) {}

  /** Answers the request from here when it can; false sends it on to the router. */
  serve(req: IncomingMessage, res: ServerResponse): boolean {
    if (!this.map.size) return false;
    const key = sharedKey(req, this.ownHost);
    if (key === null) return false;
    const e = this.map.get(key);
    if (!e) return false;
    const age = this.now() - e.at;
    if (age >= this.ttlMs || age < 0) {
      this.map.delete(key);
      return false;
    }
    this.batch.send(res, e.headers, e.body);
    this.hits++;
    return true;
  }

  /** The article route offers a reply it sent to a cookieless reader of a free article. */
  offer(req: { raw: IncomingMessage }, reply: SharedReply): void {
    const key = sharedKey(req.raw, this.ownHost);
    if (key === null) return;
    if (this.map.size >= this.max) this.map.delete(this.map.keys().next().value!);
    this.map.set(key, { body: reply.body, headers: reply.headers, at: this.now() });
  }

  clear(): void {
    this.map.clear();
  }

  get size(): number {
    return this.map.size;
  }
}
