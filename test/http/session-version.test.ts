import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';

/** The version that keeps remembered session lookups honest (SQLite): every write they depend on moves it. */
describe('session data version on SQLite', () => {
  let d: TestDatabase;
  beforeAll(async () => {
    d = await freshDatabase('sqlite');
  });
  afterAll(() => d?.destroy());

  it('moves on writes to sessions, members and comment bans, and not on other writes or reads', async () => {
    const v = () => d.sessionDataVersion!();
    const now = Date.now();
    let before = v();
    await d.db.insertInto('members').values({ email: 'a@example.com', email_normalized: 'a@example.com', name: 'A', status: 'free', email_verified: 1, created_at: now } as never).execute();
    expect(v()).toBeGreaterThan(before);
    before = v();
    await d.db.selectFrom('members').selectAll().execute();
    await d.db.insertInto('meter_reads').values({ subject: 'd:x', article_id: 1, read_at: now }).execute();
    await d.db.insertInto('settings').values({ key: 'k', value: '1' }).execute();
    expect(v()).toBe(before);
    for (const write of [
      () => d.db.updateTable('members').set({ status: 'paid' }).execute(),
      () => d.db.insertInto('comment_bans').values({ member_id: 1, banned_by: 'staff:1', reason: '', created_at: now }).execute(),
      () => d.db.deleteFrom('comment_bans').execute(),
      () => d.db.deleteFrom('sessions').execute(),
      () => sql`update members set name = 'B'`.execute(d.db),
    ]) {
      before = v();
      await write();
      expect(v()).toBeGreaterThan(before);
    }
  });
});
