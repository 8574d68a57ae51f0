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
import type { Limits } from '../../src/http/context.js';
import type { Resolver } from '../../src/access/crawler.js';
import type { Logger } from 'pino';
import type { FetchLimits } from '../../src/media/fetch.js';

export const T0 = Date.parse('2026-03-10T12:00:00Z');

export interface TestApp {
  app: App;
  db: TestDatabase;
  clock: ReturnType<typeof fixedClock>;
  token: string;
  get(url: string, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  api(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, body?: unknown, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  /** A browser-like client with its own cookie jar. */
  agent(headers?: Record<string, string>): Agent;
  close(): Promise<void>;
}

export interface Agent {
  cookies: Map<string, string>;
  get(url: string, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  /** POST a urlencoded form; `_csrf` is taken from the last page fetched unless given. */
  post(url: string, form: Record<string, string>, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  /** The CSRF token from the last HTML page this agent fetched. */
  csrf(): string;
  signedIn(): Promise<boolean>;
}

export function makeAgent(app: App, base: Record<string, string> = {}): Agent {
  const cookies = new Map<string, string>();
  let lastCsrf = '';
  const cookieHeader = () => [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  const remember = (res: LightMyRequestResponse) => {
    for (const c of res.cookies as { name: string; value: string; maxAge?: number; expires?: Date }[]) {
      if (c.value === '' || c.maxAge === 0 || (c.expires && c.expires.getTime() < Date.now())) cookies.delete(c.name);
      else cookies.set(c.name, c.value);
    }
    const m = /name="_csrf" value="([^"]+)"/.exec(res.body);
    if (m) lastCsrf = m[1]!;
    return res;
  };
  const agent: Agent = {
    cookies,
    get: async (url, headers) => remember(await app.server.inject({ method: 'GET', url, headers: { ...base, cookie: cookieHeader(), ...headers } })),
    post: async (url, form, headers) =>
      remember(await app.server.inject({
        method: 'POST', url,
        headers: { ...base, cookie: cookieHeader(), 'content-type': 'application/x-www-form-urlencoded', ...headers },
        payload: new URLSearchParams({ _csrf: lastCsrf, ...form }).toString(),
      })),
    csrf: () => lastCsrf,
    signedIn: async () => (await agent.get('/account')).statusCode === 200,
  };
  return agent;
}

export function testConfig(over: Partial<Config> = {}): Config {
  const dataDir = mkdtempSync(join(tmpdir(), 'masthead-data-'));
  return { ...parseEnv({ MASTHEAD_DATA_DIR: dataDir, SITE_URL: 'https://news.example', LOG_LEVEL: 'silent' }), secret: 'x'.repeat(40), ...over } as Config;
}

/** The real app on a fresh database, driven through Fastify's inject, with a clock the test controls. */
export async function startTestApp(dialect: Dialect, opts: { now?: number; smtpUrl?: string; limits?: Partial<Limits>; resolver?: Resolver; trustedProxies?: string[]; stripe?: Config['stripe']; logger?: Logger; importImages?: Partial<FetchLimits>; config?: Partial<Config> } = {}): Promise<TestApp> {
  const db = await freshDatabase(dialect);
  const clock = fixedClock(opts.now ?? T0);
  const config = testConfig({ databaseUrl: db.url, dialect, smtpUrl: opts.smtpUrl ?? null, trustedProxies: opts.trustedProxies ?? [], stripe: opts.stripe ?? null, ...opts.config });
  const app = await createApp({ config, database: db, clock, logger: opts.logger ?? false, limits: opts.limits, pollMs: 50, resolver: opts.resolver, importImages: opts.importImages });
  const owner = await createStaffUser(db.db, { email: 'owner@news.example', role: 'owner', now: clock.now() });
  const { token } = await createApiToken(db.db, owner.id, 'test', clock.now());
  return {
    app,
    db,
    clock,
    token,
    get: (url, headers) => app.server.inject({ method: 'GET', url, headers }),
    agent: (headers) => makeAgent(app, headers),
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
