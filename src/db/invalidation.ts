import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Logger } from 'pino';
import { sql } from 'kysely';
import type { Database } from './database.js';

const CHANNEL = 'masthead_invalidate';
const RECONNECT_MS = 1000;

/**
 * Tells every instance on one PostgreSQL database that what it caches may be stale: a content,
 * settings or access change on one instance clears the caches of all of them within a round trip
 * of the commit (NOTIFY is delivered when the sender's transaction commits), rather than when the
 * one-second caches run out. SQLite has one process: the bus there is local only.
 */
export interface InvalidationBus {
  /** After a write that commits: clear every other instance's caches too. */
  publish(): void;
  close(): Promise<void>;
}

/**
 * For a process that writes without serving (a `masthead` command): tell the running instances
 * once, after its writes have committed, so a setting tightened from the command line holds on
 * every instance as fast as one changed in the app. Nothing on SQLite, which has no NOTIFY: its
 * one server's caches of what a command can change live a second.
 */
export async function notifyInstances(database: Database): Promise<void> {
  if (database.dialect === 'postgres') await sql`select pg_notify(${CHANNEL}, 'command')`.execute(database.db);
}

export function invalidationBus(database: Database, databaseUrl: string, onRemote: () => void, logger?: Logger): InvalidationBus {
  if (database.dialect !== 'postgres') return { publish() {}, async close() {} };
  const me = randomBytes(8).toString('hex');
  let client: pg.Client | null = null;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;

  const listen = async () => {
    const c = new pg.Client({ connectionString: databaseUrl });
    c.on('notification', (n) => {
      if (n.channel === CHANNEL && n.payload !== me) onRemote();
    });
    c.on('error', (err) => {
      logger?.warn({ err }, 'cache invalidation: the LISTEN connection failed; reconnecting (caches fall back to their one-second life)');
      void c.end().catch(() => {});
      if (client === c) client = null;
      schedule();
    });
    try {
      await c.connect();
      await c.query(`listen ${CHANNEL}`);
      if (closed) return void (await c.end());
      client = c;
      // Whatever changed while this instance was not listening is only as stale as the caches' second.
      onRemote();
    } catch (err) {
      logger?.warn({ err }, 'cache invalidation: could not LISTEN; retrying');
      void c.end().catch(() => {});
      schedule();
    }
  };
  const schedule = () => {
    if (closed || retry) return;
    retry = setTimeout(() => {
      retry = undefined;
      void listen();
    }, RECONNECT_MS);
    retry.unref();
  };
  void listen();

  return {
    publish() {
      sql`select pg_notify(${CHANNEL}, ${me})`.execute(database.db).catch((err: unknown) => logger?.warn({ err }, 'cache invalidation: NOTIFY failed'));
    },
    async close() {
      closed = true;
      clearTimeout(retry);
      const c = client;
      client = null;
      await c?.end().catch(() => {});
    },
  };
}
