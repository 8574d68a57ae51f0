import type { Kysely, Transaction } from 'kysely';
import type { DB } from './schema.js';

/**
 * Run `fn` in one transaction with the same dependencies, `db` swapped for the
 * transaction. Already inside one, it simply joins it: services compose, and
 * the outermost caller decides where the transaction starts.
 */
export async function withTransaction<D extends { db: Kysely<DB> | Transaction<DB> }, T>(d: D, fn: (d: D) => Promise<T>): Promise<T> {
  if (d.db.isTransaction) return fn(d);
  return (d.db as Kysely<DB>).transaction().execute((trx) => fn({ ...d, db: trx }));
}
