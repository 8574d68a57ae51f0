import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { dialects } from '../helpers/db.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { makeArticle, makeComment, makeSection } from '../helpers/factories.js';
import { linkIn, startInbox, type Inbox } from '../helpers/smtp.js';
import { createNewsletter, sendStatus, startSend } from '../../src/newsletters/newsletters.service.js';
import { setSubscription } from '../../src/newsletters/newsletters.queries.js';

const EMAIL = 'erase-me-7f3a@example.com';
const NAME = 'Ottoline Erasable';
const NEW_EMAIL = 'ottoline-moving-91c2@example.org';
const pathOf = (link: string) => new URL(link).pathname + new URL(link).search;

/**
 * A member's erasure (their own, from the account page) leaves their address and name in no table
 * at all: every row of every table is read back and searched. A new table or column that keeps a
 * copy of either (a newsletter's recipient list did) fails here, whichever domain added it.
 */
describe.each(dialects())('erasure on %s', (dialect) => {
  let t: TestApp;
  let inbox: Inbox;

  beforeAll(async () => {
    inbox = await startInbox();
    t = await startTestApp(dialect, { smtpUrl: inbox.url });
  });
  afterAll(async () => {
    await t?.close();
    await inbox?.close();
  });

  async function everyRow(): Promise<string> {
    const tables = dialect === 'sqlite'
      ? (await sql<{ name: string }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`.execute(t.db.db)).rows.map((r) => r.name)
      : (await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE'`.execute(t.db.db)).rows.map((r) => r.name);
    let all = '';
    for (const name of tables) {
      const rows = (await sql`select * from ${sql.table(name)}`.execute(t.db.db)).rows;
      all += `\n[${name}] ` + JSON.stringify(rows, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : Buffer.isBuffer(v) ? v.toString('latin1') : v));
    }
    return all;
  }

  it('keeps the address and the name in no table: newsletters, sign-in links and mail (to any address it used, in any capitals), the staff note, import reports', async () => {
    const d = t.app.ctx.content;
    const section = await makeSection(d, { slug: 'erasure-desk', defaultAccess: 'free' });
    const article = await makeArticle(d, { title: 'An article to comment on', section: section.slug, rest: 'More.' });
    const briefing = await createNewsletter(t.app.ctx.newsletters, { slug: 'erasure-briefing', name: 'Briefing', senderName: 'The Ledger', senderEmail: 'briefing@news.example' });

    // A reader signs up by email, follows the link, names themselves, gets a newsletter and comments.
    const a = t.agent();
    await a.get('/signup');
    const before = inbox.messages.length;
    await a.post('/signin', { email: EMAIL });
    await a.get(pathOf(linkIn(await inbox.waitFor(EMAIL, { after: before }))));
    await a.get('/account');
    expect((await a.post('/account/name', { name: NAME })).statusCode).toBe(303);
    const member = await t.db.db.selectFrom('members').select('id').where('email', '=', EMAIL).executeTakeFirstOrThrow();
    await setSubscription(t.db.db, member.id, briefing.id, true, 'sign-up', t.clock.now());
    const send = await startSend(t.app.ctx.newsletters, { newsletter: 'erasure-briefing', articleId: article.id, by: 'test' });
    for (let i = 0; i < 200 && (await sendStatus(t.app.ctx.newsletters, send.send.id)).send.status === 'sending'; i++) {
      await t.app.ctx.worker.drain();
      await new Promise((r) => setTimeout(r, 20));
    }
    await inbox.waitFor(EMAIL, { after: before + 1 });
    await makeComment(t.app.ctx.comments, article.id, member.id, 'A comment of mine.');
    // An address they were moving to, a sign-in asked for in other capitals, a staff note, an import report naming them.
    await a.get('/account');
    expect((await a.post('/account/email', { email: NEW_EMAIL })).statusCode).toBe(303);
    const other = t.agent();
    await other.get('/signin');
    await other.post('/signin', { email: EMAIL.toUpperCase() });
    await t.db.db.updateTable('members').set({ note: `Met ${NAME} at the harbour fair` }).where('id', '=', member.id).execute();
    await t.db.db.insertInto('member_imports').values({
      staff_user_id: null, file_name: 'ghost.csv', format: 'ghost', state: 'done', rows_total: 2, rows_done: 2, created: 1, updated: 0,
      problems: JSON.stringify({ count: 1, rows: [{ line: 3, email: EMAIL.toUpperCase(), problem: 'the same address as line 2' }] }), error: null, started_at: t.clock.now(), finished_at: t.clock.now(), data: null,
    }).execute();
    await t.app.ctx.worker.drain();
    // The canary holds: before the erasure both are there to find.
    const held = (await everyRow()).toLowerCase();
    for (const needle of [EMAIL, NEW_EMAIL, NAME.toLowerCase()]) expect(held).toContain(needle);

    await a.get('/account');
    expect((await a.post('/account/delete', { confirm: 'yes' })).statusCode).toBe(303);
    await t.app.ctx.worker.drain();
    const after = (await everyRow()).toLowerCase();
    const where = (needle: string) => after.split('\n').filter((l) => l.includes(needle.toLowerCase())).map((l) => l.slice(0, l.indexOf(']') + 1));
    expect(where(EMAIL), 'tables still holding the address').toEqual([]);
    expect(where(NEW_EMAIL), 'tables still holding the address they were moving to').toEqual([]);
    expect(where(NAME), 'tables still holding the name').toEqual([]);
  });
});
