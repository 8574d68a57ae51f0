import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import { createApp, type App } from '../../src/app.js';
import { fixedClock } from '../../src/clock.js';
import { parseEnv, type Config } from '../../src/config.js';
import type { Dialect } from '../../src/db/database.js';
import { createStaffUser } from '../../src/members/staff.js';
import { createApiToken } from '../../src/members/tokens.js';
import { freshDatabase, type TestDatabase } from './db.js';

export const T0 = Date.parse('2026-03-10T12:00:00Z');

export interface TestApp {
  app: App;
  db: TestDatabase;
  clock: ReturnType<typeof fixedClock>;
  token: string;
  get(url: string, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  api(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, body?: unknown, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export function testConfig(over: Partial<Config> = {}): Config {
  const dataDir = mkdtempSync(join(tmpdir(), 'masthead-data-'));
  return { ...parseEnv({ MASTHEAD_DATA_DIR: dataDir, SITE_URL: 'https://news.example', LOG_LEVEL: 'silent' }), secret: 'x'.repeat(40), ...over } as Config;
}

/** The real app on a fresh database, driven through Fastify's inject, with a clock the test controls. */
export async function startTestApp(dialect: Dialect, opts: { now?: number } = {}): Promise<TestApp> {
  const db = await freshDatabase(dialect);
  const clock = fixedClock(opts.now ?? T0);
  const config = testConfig({ databaseUrl: db.url, dialect });
  const app = await createApp({ config, database: db, clock, logger: false });
  const owner = await createStaffUser(db.db, { email: 'owner@news.example', role: 'owner', now: clock.now() });
  const { token } = await createApiToken(db.db, owner.id, 'test', clock.now());
  return {
    app,
    db,
    clock,
    token,
    get: (url, headers) => app.server.inject({ method: 'GET', url, headers }),
    api: (method, url, body, headers) =>
      app.server.inject({
        method,
        url,
        headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
        ...(body !== undefined ? { payload: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
      }),
    close: async () => {
      await app.close();
      await db.destroy();
    },
  };
}
