import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { ContentDeps } from '../content/deps.js';
import type { Database } from '../db/database.js';
import type { SiteCache } from '../web/site.js';

/** Everything routes need, built once in app.ts and passed down explicitly. */
export interface AppContext {
  config: Config;
  database: Database;
  clock: Clock;
  content: ContentDeps;
  site: SiteCache;
}
