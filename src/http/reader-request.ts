import type { IncomingHttpHeaders } from 'node:http';
import type { Identity } from './identity.js';

/**
 * What the reader's pages need of a request. A FastifyRequest is one; so is what the reader lane
 * (http/reader-lane.ts) makes of node's request for an article view, so that both are answered by
 * the same code (http/article-view.ts) without that code knowing which of the two asked.
 */
export interface ReaderRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly cookies: { [name: string]: string | undefined };
  /** The client's address, as TRUSTED_PROXIES decide it. */
  readonly ip: string;
  readonly query: unknown;
  /** Who is asking, once worked out (identity.ts): the request's pages ask two or three times. */
  identity?: Identity;
}
