import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { dialects, freshDatabase, type TestDatabase } from '../helpers/db.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { makeComment } from '../helpers/factories.js';
import { loadDemo } from '../../src/content/demo/load.js';
import { grantComp } from '../../src/billing/subscriptions.js';
import { createNewsletter } from '../../src/newsletters/newsletters.service.js';
import { createSession } from '../../src/members/sessions.js';
import { setSetting } from '../../src/content/settings-registry.js';
import { exportToString } from '../../src/export/export.js';
import { loadPublication } from '../../src/export/load.js';
import { EXPORTED, LEFT_OUT } from '../../src/export/tables.js';
import { newsroomPage } from '../../src/content/newsroom.queries.js';

/** Everything but the moment it was made: two exports of the same publication are otherwise byte-equal. */
const withoutTime = (s: string) => s.replace(/"exportedAt":"[^"]+"/, '"exportedAt":""');

/**
 * The publication export: a full export loads into an empty database and exports again with no
 * differences; nothing secret is in it; a load into a database that is not empty, or of a file that
 * is not an export, changes nothing.
 */
describe.each(dialects())('publication export on %s', (dialect) => {
  let t: TestApp;
  let target: TestDatabase;
  let first: string;
  let sessionToken = '';

  beforeAll(async () => {
    t = await startTestApp(dialect);
    const d = t.app.ctx.content;
    await loadDemo(d);
    const now = t.clock.now();
    const m = await t.db.db.insertInto('members').values({ email: 'reader@example.com', email_normalized: 'reader@example.com', name: 'Rita Reader', status: 'free', email_verified: 1, password_hash: 'scrypt$SECRET-MEMBER-HASH', created_at: now, last_seen_at: null, deleted_at: null }).returning('id').executeTakeFirstOrThrow();
    await grantComp(t.app.ctx.billing, m.id, 'test: comp');
    const article = await t.db.db.selectFrom('articles').select('id').where('status', '=', 'published').orderBy('id').executeTakeFirstOrThrow();
    const c = await makeComment(t.app.ctx.comments, article.id, m.id, 'A first comment');
    await makeComment(t.app.ctx.comments, article.id, m.id, 'A second comment');
    expect(c.id).toBeGreaterThan(0);
    await createNewsletter(t.app.ctx.newsletters, { slug: 'weekly', name: 'The Weekly', senderName: 'The Ledger' });
    await setSetting(t.db.db, 'meter.anonymousAllowance', 4);
    await t.db.db.updateTable('staff_users').set({ password_hash: 'scrypt$SECRET-STAFF-HASH', totp_secret: 'SECRETTOTP', totp_enabled: 1 }).execute();
    const session = await createSession(t.db.db, { memberId: m.id }, 'test', now);
    sessionToken = session.token;
    first = await exportToString(t.db.db, dialect, { now });
    target = await freshDatabase(dialect);
  });
  afterAll(async () => {
    await t?.close();
    await target?.destroy();
  });

  it('loads into an empty database, and the second export is the first', async () => {
    const counts = await loadPublication(target.db, dialect, JSON.parse(first));
    expect(counts.articles).toBeGreaterThan(5);
    expect(counts.members).toBe(1);
    expect(counts.comments).toBe(2);
    expect(counts.plans).toBe(1);
    const second = await exportToString(target.db, dialect, { now: t.clock.now() + 60_000 });
    expect(withoutTime(second)).toBe(withoutTime(first));
  });

  it("rebuilds the newsroom's title search on loading (its index is left out of the file)", async () => {
    const titles = await target.db.selectFrom('articles').select(['id', 'title']).orderBy('id').execute();
    expect(titles.length).toBeGreaterThan(5);
    for (const a of titles) {
      const part = a.title.slice(1, 9);
      const found = await newsroomPage(target.db, { q: part, sort: 'updated', limit: 100, now: t.clock.now() + 60_000 });
      expect({ part, has: found.some((r) => r.id === a.id) }).toEqual({ part, has: true });
    }
  });

  it('holds no secrets, and says what it leaves out', () => {
    expect(first).not.toContain('SECRET-MEMBER-HASH');
    expect(first).not.toContain('SECRET-STAFF-HASH');
    expect(first).not.toContain('SECRETTOTP');
    expect(first).not.toContain(sessionToken);
    expect(first).not.toMatch(/"password_hash"|"token_hash"|"totp_secret"/);
    const header = JSON.parse(first) as { leftOut: { tables: Record<string, string>; columns: string[] }; tables: Record<string, unknown[]> };
    expect(Object.keys(header.leftOut.tables)).toEqual(expect.arrayContaining(['sessions', 'api_tokens', 'login_tokens', 'instance_secrets']));
    expect(header.leftOut.columns).toEqual(expect.arrayContaining(['members.password_hash', 'staff_users.password_hash', 'staff_users.totp_secret']));
    expect(Object.keys(header.tables)).toEqual(EXPORTED.map((x) => x.name));
  });

  it('has decided, for every table in the schema, whether it is exported', async () => {
    const tables = dialect === 'sqlite'
      ? (await sql<{ name: string }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like 'article_search_%'`.execute(t.db.db)).rows.map((r) => r.name)
      : (await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = 'public'`.execute(t.db.db)).rows.map((r) => r.name);
    const decided = new Set([...EXPORTED.map((x) => x.name), ...Object.keys(LEFT_OUT), 'kysely_migration', 'kysely_migration_lock']);
    expect(tables.filter((n) => !decided.has(n))).toEqual([]);
  });

  it('finds the search index rebuilt in the loaded database', async () => {
    const n = dialect === 'sqlite'
      ? (await sql<{ n: number }>`select count(*) as n from article_search`.execute(target.db)).rows[0]!.n
      : (await sql<{ n: number }>`select count(*)::int as n from article_search`.execute(target.db)).rows[0]!.n;
    const articles = await target.db.selectFrom('articles').select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow();
    expect(Number(n)).toBe(Number(articles.n));
  });

  it('refuses a database that is not empty, and a file that is not an export, changing nothing', async () => {
    await expect(loadPublication(target.db, dialect, JSON.parse(first))).rejects.toThrow(/the database is not empty: settings \(\d+\), sections/);
    const empty = await freshDatabase(dialect);
    try {
      await expect(loadPublication(empty.db, dialect, { format: 'something-else' })).rejects.toThrow(/not a Masthead publication export/);
      const bad = JSON.parse(first) as { tables: Record<string, Record<string, unknown>[]> };
      bad.tables.comments![0]!.evil = 'x';
      await expect(loadPublication(empty.db, dialect, bad)).rejects.toThrow(/comments row 1: unknown column "evil"/);
      const newer = { ...(JSON.parse(first) as object), migrations: ['999_future'] };
      await expect(loadPublication(empty.db, dialect, newer)).rejects.toThrow(/newer Masthead/);
      // The refused load with the bad column had inserted every table before comments: all of it is gone.
      const left = await empty.db.selectFrom('articles').select('id').execute();
      expect(left).toEqual([]);
    } finally {
      await empty.destroy();
    }
  });
});
