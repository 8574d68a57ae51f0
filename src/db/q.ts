import type { Kysely, Transaction } from 'kysely';
import type { DB } from './schema.js';

/** What a query module runs on: the database, or the caller's transaction. */
export type Q = Kysely<DB> | Transaction<DB>;
