import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { ContentDeps } from '../content/deps.js';
import type { Database } from '../db/database.js';
import type { JobWorker } from '../jobs/worker.js';
import type { AccountDeps } from '../members/members.service.js';
import type { Throttle } from '../members/throttle.js';
import type { SiteCache } from '../web/site.js';
import type { ReaderCache } from '../web/reader-cache.js';
import type { AccessDeps } from '../access/access.service.js';
import type { BillingDeps } from '../billing/subscriptions.js';
import type { StripeDeps } from '../billing/stripe.service.js';
import type { CommentDeps } from '../comments/comments.service.js';
import type { NewsletterDeps } from '../newsletters/newsletters.service.js';
import type { MediaDeps } from '../media/media.service.js';
import type { FetchLimits } from '../media/fetch.js';

export interface Limits {
  windowMs: number;
  /** Magic-link requests per client address and per email in a window. */
  linkPerIp: number;
  linkPerEmail: number;
  /** Password attempts per client address and per email in a window. */
  passwordPerIp: number;
  passwordPerEmail: number;
  /** Comments a member may post per minute. */
  commentsPerMinute: number;
  /** Two-factor codes tried per staff user in a window, across links and the password form. */
  codePerStaff: number;
  /** Comments a member may report per minute and per day (each report lands in a moderator's queue). */
  reportsPerMinute: number;
  reportsPerDay: number;
}

export const DEFAULT_LIMITS: Limits = { windowMs: 15 * 60_000, linkPerIp: 20, linkPerEmail: 5, passwordPerIp: 30, passwordPerEmail: 10, commentsPerMinute: 5, codePerStaff: 10, reportsPerMinute: 5, reportsPerDay: 20 };

/** Everything routes need, built once in app.ts and passed down explicitly. */
export interface AppContext {
  config: Config;
  database: Database;
  clock: Clock;
  content: ContentDeps;
  accounts: AccountDeps;
  site: SiteCache;
  cache: ReaderCache;
  /** Drop every cached page and site setting (after a content or settings change). */
  invalidate(): void;
  worker: JobWorker;
  access: AccessDeps;
  billing: BillingDeps;
  comments: CommentDeps;
  newsletters: NewsletterDeps;
  media: MediaDeps;
  /** Limits for the images an import fetches (importer/limits.ts unless a test sets them). */
  importImages: Partial<FetchLimits>;
  /** Present when Stripe is configured. */
  stripe: StripeDeps | null;
  limits: Limits;
  throttles: { linkPerEmail: Throttle; passwordPerEmail: Throttle; commentsPerMember: Throttle; codePerStaff: Throttle };
  /** The paywall's anonymous device id, when the request carries a valid one. */
  deviceIdOf(req: CookieCarrier): string | null;
  /** The request's device cookie verified only under MASTHEAD_SECRET_PREVIOUS: it is to be signed again. */
  deviceCookieRetiring(req: CookieCarrier): boolean;
}

/** A request's cookies, as @fastify/cookie parsed them (a FastifyRequest, or the reader lane's request). */
export interface CookieCarrier {
  readonly cookies?: { [name: string]: string | undefined };
}
