import type { Q } from './q.js';

/**
 * The publication's signing secret when no MASTHEAD_SECRET is set and the database is shared
 * (PostgreSQL). Race-free without a lock: every instance offers a candidate, the primary key lets
 * exactly one insert win, and everyone reads back the winner. The candidate is the data dir's old
 * secret file when there is one, so a single instance upgraded from a file keeps its cookies valid.
 */
export async function sharedSecret(db: Q, candidate: string, now: number): Promise<string> {
  await db.insertInto('instance_secrets').values({ name: 'signing', value: candidate, created_at: now })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const row = await db.selectFrom('instance_secrets').select('value').where('name', '=', 'signing').executeTakeFirstOrThrow();
  return row.value;
}
