import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { fixedClock } from '../../src/clock.js';
import { openDatabase } from '../../src/db/database.js';
import { dialects, freshDatabase, type TestDatabase } from '../helpers/db.js';
import { T0, testConfig } from '../helpers/app.js';

describe.each(dialects())('/readyz and /healthz on %s', (dialect) => {
  let db: TestDatabase;
  let app: App;
  beforeAll(async () => {
    db = await freshDatabase(dialect);
    app = await createApp({ config: testConfig({ databaseUrl: db.url, dialect }), database: db, clock: fixedClock(T0), logger: false, startWorker: false });
  });
  afterAll(async () => {
    await app?.close();
    await db?.destroy();
  });

  const get = (url: string) => app.server.inject({ method: 'GET', url });

  it('are ready and live on a migrated database, and never cached', async () => {
    const ready = await get('/readyz');
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ok' });
    expect(ready.headers['cache-control']).toBe('no-store');
    expect((await get('/healthz')).json()).toEqual({ status: 'ok' });
  });

  it('is unready, naming the migration, while one is not applied; the process stays live', async () => {
    const row = await db.db.selectFrom('kysely_migration' as never).selectAll().where('name' as never, '=', '008_cluster' as never).executeTakeFirstOrThrow();
    await db.db.deleteFrom('kysely_migration' as never).where('name' as never, '=', '008_cluster' as never).execute();
    try {
      const res = await get('/readyz');
      expect(res.statusCode).toBe(503);
      expect(res.json()).toEqual({ status: 'unavailable', reason: 'migrations not applied: 008_cluster' });
      expect((await get('/healthz')).statusCode).toBe(200);
    } finally {
      await db.db.insertInto('kysely_migration' as never).values(row as never).execute();
    }
    expect((await get('/readyz')).statusCode).toBe(200);
  });

  it('is unready when the database cannot be reached, without saying where it is', async () => {
    // A connection of this app's own, then cut: the test's database stays usable for clean-up.
    const own = openDatabase(db.url);
    const cut = await createApp({ config: testConfig({ databaseUrl: db.url, dialect }), database: own, clock: fixedClock(T0), logger: false, startWorker: false });
    try {
      await own.close();
      const res = await cut.server.inject({ method: 'GET', url: '/readyz' });
      expect(res.statusCode).toBe(503);
      expect(res.json()).toEqual({ status: 'unavailable', reason: 'database unreachable' });
      expect((await cut.server.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    } finally {
      await cut.close();
    }
  });
});
