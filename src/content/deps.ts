import type { Kysely, Transaction } from 'kysely';
import { withTransaction } from '../db/transaction.js';
import type { Clock } from '../clock.js';
import type { Dialect } from '../db/database.js';
import type { DB } from '../db/schema.js';
import type { SearchDoc } from './search.js';

/** What content services need. `db` may be a transaction opened by the caller. */
export interface ContentDeps {
  db: Kysely<DB> | Transaction<DB>;
  dialect: Dialect;
  clock: Clock;
  /** Called after content changes commit, so caches of rendered pages drop what they hold. */
  changed?: () => void;
  /**
   * A bulk writer's way to index search later in the same transaction. SQLite's full-text
   * index writes a segment whenever a savepoint follows an insert; the importer keeps each
   * article in its own savepoint, so it hands the documents over and indexes them together.
   */
  indexLater?: (doc: SearchDoc) => void;
}

/** Run `fn` in one transaction; services called inside share it. */
export async function inTransaction<T>(deps: ContentDeps, fn: (d: ContentDeps) => Promise<T>): Promise<T> {
  if (deps.db.isTransaction) return fn(deps);
  // Caches are cleared once, after the commit, not by each service inside the transaction.
  const out = await withTransaction({ ...deps, changed: undefined }, fn);
  deps.changed?.();
  return out;
}
