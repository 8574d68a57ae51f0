import type { RequestFacts } from '../access/access.service.js';

/**
 * Everything the reader request needs to know about who is asking, as plain facts: the HTTP layer
 * builds them once per request (http/reader-facts.ts) and nothing below it sees a request object.
 */
export interface ReaderFacts extends RequestFacts {
  member?: RequestFacts['member'] & { commentBanned?: boolean };
  /** The staff user signed in, when one is (their own comments get Edit and Delete). */
  staffId?: number;
  /** A HEAD request: answered as a GET would be, but it changes nothing (no read counted, no device). */
  look: boolean;
}
