import pino, { type Logger } from 'pino';
import type { FastifyInstance } from 'fastify';
import { systemClock, type Clock } from './clock.js';
import type { Config } from './config.js';
import { checkConnection, openDatabase, type Database } from './db/database.js';
import { migrateToLatest } from './db/migrate.js';
import { buildServer } from './http/server.js';
import type { AppContext } from './http/context.js';
import { SiteCache } from './web/site.js';

export interface App {
  server: FastifyInstance;
  ctx: AppContext;
  close(): Promise<void>;
}

export function createLogger(config: Pick<Config, 'logLevel'>): Logger {
  return pino({ level: config.logLevel });
}

/** The composition root: wires config, database, clock and HTTP together. */
export async function createApp(opts: { config: Config; database?: Database; clock?: Clock; logger?: Logger | false }): Promise<App> {
  const { config } = opts;
  const database = opts.database ?? openDatabase(config.databaseUrl);
  const ownsDatabase = !opts.database;
  const clock = opts.clock ?? systemClock;
  try {
    await checkConnection(database, config.databaseUrl);
    await migrateToLatest(database);
  } catch (err) {
    if (ownsDatabase) await database.close().catch(() => {});
    throw err;
  }
  const ctx: AppContext = {
    config,
    database,
    clock,
    content: { db: database.db, dialect: database.dialect, clock },
    site: new SiteCache(database.db, config.siteUrl),
  };
  const server = await buildServer(ctx, opts.logger === undefined ? createLogger(config) : opts.logger);
  return {
    server,
    ctx,
    async close() {
      await server.close();
      if (ownsDatabase) await database.close();
    },
  };
}
