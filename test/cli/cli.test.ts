import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';
import { join } from 'node:path';
import { cliEnv, noStackTrace, oneLine, run, startCli, tempDirs } from '../helpers/cli.js';

/**
 * The real CLI as a child process: `node --import tsx src/cli/main.ts <args>`.
 * Every spawn compiles through tsx (~1s), so independent cases run concurrently.
 */

const freshDataDir = tempDirs('masthead-cli-');

function unwritableDataDir(): string {
  const file = join(freshDataDir(), 'plain-file');
  writeFileSync(file, 'not a directory');
  return join(file, 'sub');
}

// Every case spawns the CLI (tsx compiles ~1 s each) beside the rest of the file running at once, on
// two cores beside other test files: the default 30 s is too short for a case of several runs.
describe.concurrent('masthead CLI: failures are one readable line', { timeout: 120_000 }, () => {
  it('PORT=abc start exits 2 with one line naming PORT', async () => {
    const r = await run(['start'], { dataDir: freshDataDir(), env: { PORT: 'abc' } });
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toMatch(/^masthead: invalid PORT/);
    expect(r.stdout).toBe('');
  });

  it('an unwritable data dir exits non-zero with one line naming the data dir', async () => {
    const dataDir = unwritableDataDir();
    const r = await run(['start'], { dataDir });
    expect(r.code).not.toBe(0);
    expect(r.code).not.toBeNull();
    const line = oneLine(r.stderr);
    expect(line).toMatch(/^masthead: data dir /);
    expect(line).toContain(dataDir);
    noStackTrace(r.stderr);
  });

  it('an unreachable database exits non-zero with one line and no stack trace', async () => {
    const r = await run(['start'], { dataDir: freshDataDir(), env: { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/nope' } });
    expect(r.code).not.toBe(0);
    expect(r.code).not.toBeNull();
    expect(oneLine(r.stderr)).toMatch(/^masthead: cannot reach database/);
    noStackTrace(r.stderr);
    expect(r.stdout).toBe('');
  });

  it('an unknown command exits 2', async () => {
    const r = await run(['frobnicate'], { dataDir: freshDataDir() });
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toBe('masthead: unknown command "frobnicate"; run `masthead help` for the list');
    noStackTrace(r.stderr);
  });

  it('no command prints the usage and exits 2; help exits 0', async () => {
    const [none, help] = await Promise.all([run([], { dataDir: freshDataDir() }), run(['help'], { dataDir: freshDataDir() })]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^Usage: masthead <command>/);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: masthead <command>/);
  });

  it('a bad user create is a usage error (exit 2, one line)', async () => {
    const dataDir = freshDataDir();
    const [badEmail, badRole, noEmail, badSub, badFlag] = await Promise.all([
      run(['user', 'create', '--email', 'x', '--role', 'owner'], { dataDir }),
      run(['user', 'create', '--email', 'ok@example.com', '--role', 'emperor'], { dataDir: freshDataDir() }),
      run(['user', 'create', '--role', 'owner'], { dataDir: freshDataDir() }),
      run(['user', 'delete'], { dataDir: freshDataDir() }),
      run(['user', 'create', '--email', 'ok@example.com', '--role', 'owner', '--bogus'], { dataDir: freshDataDir() }),
    ]);
    expect(badEmail.code).toBe(2);
    expect(oneLine(badEmail.stderr)).toMatch(/^masthead: .*email/);
    expect(badRole.code).toBe(2);
    expect(oneLine(badRole.stderr)).toMatch(/^masthead: .*--role/);
    expect(noEmail.code).toBe(2);
    expect(oneLine(noEmail.stderr)).toMatch(/^masthead: .*--email/);
    expect(badSub.code).toBe(2);
    expect(oneLine(badSub.stderr)).toMatch(/^masthead: usage: masthead user create/);
    expect(badFlag.code).toBe(2);
    expect(oneLine(badFlag.stderr)).toMatch(/^masthead: .*bogus/);
    for (const r of [badEmail, badRole, noEmail, badSub, badFlag]) noStackTrace(r.stderr);
  });

  it('a database migrated by a newer version stops start with one line naming the unknown migration', async () => {
    const dataDir = freshDataDir();
    expect((await run(['migrate'], { dataDir })).code).toBe(0);
    const db = new BetterSqlite3(join(dataDir, 'masthead.db'));
    db.prepare('insert into kysely_migration (name, timestamp) values (?, ?)').run('999_from_the_future', new Date().toISOString());
    db.close();
    const r = await run(['start'], { dataDir, env: { PORT: '0' } });
    expect(r.code).toBe(1);
    expect(oneLine(r.stderr)).toBe('masthead: the database has migration 999_from_the_future, which this version of Masthead does not know: a newer version migrated it; run that version');
    noStackTrace(r.stderr);
  });
});

describe.concurrent('masthead CLI: commands', { timeout: 120_000 }, () => {
  it('migrate on a fresh data dir applies the migrations and names them', async () => {
    const r = await run(['migrate'], { dataDir: freshDataDir() });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^applied: 001_initial/);
  });

  it('migrate a second time reports the database up to date', async () => {
    const dataDir = freshDataDir();
    const first = await run(['migrate'], { dataDir });
    expect(first.code).toBe(0);
    const second = await run(['migrate'], { dataDir });
    expect(second.stderr).toBe('');
    expect(second.code).toBe(0);
    expect(second.stdout).toBe('database is up to date\n');
  });

  it('user create, then token create for the first owner or a given email', async () => {
    const dataDir = freshDataDir();
    const created = await run(['user', 'create', '--email', 'Owner@Example.com', '--role', 'owner', '--name', 'Olga'], { dataDir });
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/^created owner Owner@Example\.com \(id \d+\)\npassword: [A-Za-z0-9_-]{20}\n$/);

    const [token, byEmail, nobody, duplicate] = await Promise.all([
      run(['token', 'create'], { dataDir }),
      run(['token', 'create', '--email', 'owner@example.com', '--name', 'ci'], { dataDir }),
      run(['token', 'create', '--email', 'nobody@example.com'], { dataDir }),
      run(['user', 'create', '--email', 'OWNER@example.com', '--role', 'editor'], { dataDir }),
    ]);
    expect(token.stderr).toBe('');
    expect(token.code).toBe(0);
    expect(token.stdout).toMatch(/^mh_\d+_[A-Za-z0-9_-]{20,}\n$/);

    expect(byEmail.code).toBe(0);
    expect(byEmail.stdout).toMatch(/^mh_\d+_[A-Za-z0-9_-]{20,}\n$/);
    expect(byEmail.stdout).not.toBe(token.stdout);

    expect(nobody.code).toBe(1);
    expect(oneLine(nobody.stderr)).toMatch(/^masthead: no staff user with email nobody@example\.com/);
    expect(nobody.stdout).toBe('');

    // Emails are case-insensitive identities.
    expect(duplicate.code).toBe(1);
    expect(oneLine(duplicate.stderr)).toMatch(/^masthead: a staff user with email .* exists/);
  });

  it('plan create/list/archive and comp grant/revoke work on the demo publication', async () => {
    const dataDir = freshDataDir();
    expect((await run(['demo'], { dataDir })).code).toBe(0);
    const created = await run(['plan', 'create', '--name', 'Patron', '--monthly', '1500', '--yearly', '15000', '--currency', 'eur', '--trial-days', '0'], { dataDir });
    expect(created.code).toBe(0);
    expect(created.stdout).toBe('created plan patron\n');
    const list = (await run(['plan', 'list'], { dataDir })).stdout;
    expect(list).toMatch(/^supporter\tSupporter\tactive \(default\)\t£7\.00\/month, £70\.00\/year\ttrial 14 days$/m);
    expect(list).toMatch(/^patron\tPatron\tactive\t€15\.00\/month, €150\.00\/year\ttrial 0 days$/m);
    const [float, badCurrency] = await Promise.all([
      run(['plan', 'create', '--name', 'Cheap', '--monthly', '4.99'], { dataDir }),
      run(['plan', 'create', '--name', 'Odd', '--monthly', '500', '--currency', 'xyz'], { dataDir }),
    ]);
    expect(float.code).toBe(2);
    expect(oneLine(float.stderr)).toMatch(/whole number/);
    expect(badCurrency.code).toBe(2);
    expect(oneLine(badCurrency.stderr)).toMatch(/ISO 4217/);
    expect((await run(['plan', 'archive', 'patron'], { dataDir })).stdout).toMatch(/subscribers stay/);

    // A reader who signed up on the site (inserted here as the sign-up flow would).
    const db = new BetterSqlite3(join(dataDir, 'masthead.db'));
    db.prepare(`insert into members (email, email_normalized, name, status, email_verified, created_at) values ('friend@example.com', 'friend@example.com', 'Friend', 'free', 1, 0)`).run();
    db.close();
    expect((await run(['comp', 'grant', '--email', 'friend@example.com', '--days', '30'], { dataDir })).stdout).toBe('complimentary access granted to friend@example.com for 30 days\n');
    const check = new BetterSqlite3(join(dataDir, 'masthead.db'), { readonly: true });
    expect(check.prepare(`select status from members where email = 'friend@example.com'`).get()).toEqual({ status: 'comp' });
    check.close();
    expect((await run(['comp', 'revoke', '--email', 'friend@example.com'], { dataDir })).code).toBe(0);
    const nobody = await run(['comp', 'grant', '--email', 'nobody@example.com'], { dataDir });
    expect(nobody.code).toBe(1);
    expect(oneLine(nobody.stderr)).toMatch(/no member with email/);
    const jobs = await run(['jobs'], { dataDir });
    expect(jobs.stdout).toMatch(/pending\tbilling\.comp_end\t1|done\tbilling\.comp_end/);
  });

  it('newsletter create, list, count, send, status and cancel', async () => {
    const dataDir = freshDataDir();
    expect((await run(['demo'], { dataDir })).code).toBe(0);
    const create = await run(['newsletter', 'create', '--slug', 'morning', '--name', 'Morning briefing', '--sender-email', 'briefing@news.example'], { dataDir });
    expect(create.stderr).toBe('');
    expect(create.stdout).toBe('created newsletter morning\n');
    const [list, count, badSegment] = await Promise.all([
      run(['newsletter', 'list'], { dataDir }),
      run(['newsletter', 'count', 'morning', '--segment', 'subscribers'], { dataDir }),
      run(['newsletter', 'count', 'morning', '--segment', 'everyone'], { dataDir }),
    ]);
    // After the list: run beside it, it could be listed too.
    const noSender = await run(['newsletter', 'create', '--slug', 'weekly', '--name', 'Weekly'], { dataDir });
    expect(list.stdout).toBe('morning\tMorning briefing\tbriefing@news.example\tmembers\ton at sign-up\n');
    expect(count.stdout).toBe('0\n');
    expect(noSender.stdout).toBe('created newsletter weekly (no sender address yet: it cannot send until it has one)\n');
    expect(badSegment.code).toBe(1);
    expect(oneLine(badSegment.stderr)).toBe('masthead: --segment must be one of all, free, subscribers');
    const send = await run(['newsletter', 'send', 'morning', '--article', 'harbour-redevelopment-plan-wins-approval-after-eight-hour-meeting'], { dataDir });
    expect(send.stderr).toBe('');
    expect(send.stdout).toMatch(/^started send 1 of "Harbour redevelopment plan wins approval after eight-hour meeting" to 0 members \(0 skipped\); the running server delivers it/);
    const [again, refused, status] = await Promise.all([
      run(['newsletter', 'send', 'morning', '--article', 'harbour-redevelopment-plan-wins-approval-after-eight-hour-meeting'], { dataDir }),
      run(['newsletter', 'send', 'weekly', '--article', 'harbour-redevelopment-plan-wins-approval-after-eight-hour-meeting'], { dataDir }),
      run(['newsletter', 'status', '1'], { dataDir }),
    ]);
    expect(again.stdout).toMatch(/^already started: send 1 /);
    expect(oneLine(refused.stderr)).toBe('masthead: the newsletter "Weekly" has no sender address, so it cannot send; set one on the newsletters page first');
    expect(status.stdout).toBe([
      'send 1 (Morning briefing): sending; 0 sent, 0 failed, 0 skipped, 0 to go',
      `[${'#'.repeat(40)}] - 0 of 0`, // nothing to send is all done
      'opens and clicks: not tracked (tracking was off when the send began)', '',
    ].join('\n'));
    const cancelled = await run(['newsletter', 'cancel', '1'], { dataDir });
    expect(cancelled.stdout).toBe('cancelled send 1; nobody else will get it\n');
  });

  it('newsletter send --publish, --email-only and --at: the article and its send in one step, refused whole', async () => {
    const dataDir = freshDataDir();
    expect((await run(['demo'], { dataDir })).code).toBe(0);
    expect((await run(['newsletter', 'create', '--slug', 'morning', '--name', 'Morning briefing', '--sender-email', 'briefing@news.example'], { dataDir })).code).toBe(0);
    expect((await run(['newsletter', 'create', '--slug', 'weekly', '--name', 'Weekly'], { dataDir })).code).toBe(0);
    const draft = 'ward-boundary-review-could-split-northgate-in-two';
    const [both, atAlone, badAt, noSender, plain] = await Promise.all([
      run(['newsletter', 'send', 'morning', '--article', draft, '--publish', '--email-only'], { dataDir }),
      run(['newsletter', 'send', 'morning', '--article', draft, '--at', '2030-01-01T07:00:00Z'], { dataDir }),
      run(['newsletter', 'send', 'morning', '--article', draft, '--publish', '--at', 'next tuesday'], { dataDir }),
      run(['newsletter', 'send', 'weekly', '--article', draft, '--publish'], { dataDir }),
      run(['newsletter', 'send', 'morning', '--article', draft], { dataDir }),
    ]);
    expect(oneLine(both.stderr)).toBe('masthead: --publish and --email-only are two ways to publish: choose one');
    expect(oneLine(atAlone.stderr)).toMatch(/^masthead: --at schedules the article: add --publish/);
    expect(oneLine(badAt.stderr)).toMatch(/^masthead: --at: "next tuesday" is not a date and time/);
    expect(oneLine(noSender.stderr)).toMatch(/has no sender address, so it cannot send/);
    expect(oneLine(plain.stderr)).toBe('masthead: publish or schedule the article to email it');
    const db = new BetterSqlite3(join(dataDir, 'masthead.db'), { readonly: true });
    try {
      expect(db.prepare('select status from articles where slug = ?').get(draft), 'a refused send publishes nothing').toEqual({ status: 'draft' });
    } finally {
      db.close();
    }

    const scheduled = await run(['newsletter', 'send', 'morning', '--article', draft, '--email-only', '--at', '2030-01-01T07:00:00Z'], { dataDir });
    expect(scheduled.stderr).toBe('');
    expect(scheduled.stdout).toBe('scheduled "Ward boundary review could split Northgate in two" by email only (listed nowhere on the site); stored send 1 of "Ward boundary review could split Northgate in two"; it goes out when the article goes live, at 2030-01-01T07:00:00.000Z\n');
    const now = await run(['newsletter', 'send', 'morning', '--article', 'a-listening-guide-to-harbourlights-late-night-jams', '--publish'], { dataDir });
    expect(now.stderr).toBe('');
    expect(now.stdout).toMatch(/^published "A listening guide to Harbourlight's late-night jams"; started send 2 of /);
    const again = await run(['newsletter', 'send', 'morning', '--article', 'a-listening-guide-to-harbourlights-late-night-jams', '--publish'], { dataDir });
    expect(oneLine(again.stderr)).toMatch(/is published already; send it without --publish or --email-only$/);
    const db2 = new BetterSqlite3(join(dataDir, 'masthead.db'), { readonly: true });
    try {
      expect(db2.prepare('select status, email_only from articles where slug = ?').get(draft)).toEqual({ status: 'scheduled', email_only: 1 });
      expect(db2.prepare('select id, status from newsletter_sends order by id').all()).toEqual([{ id: 1, status: 'scheduled' }, { id: 2, status: 'sending' }]);
    } finally {
      db2.close();
    }
  });

  it('settings get and set validate keys and values', async () => {
    const dataDir = freshDataDir();
    const get = await run(['settings', 'get', 'meter.anonymousAllowance'], { dataDir });
    expect(get.code).toBe(0);
    expect(get.stdout).toBe('meter.anonymousAllowance=3\n');
    const set = await run(['settings', 'set', 'meter.period', 'week'], { dataDir });
    expect(set.stdout).toBe('meter.period="week"\n');
    const [bad, unknown, title] = await Promise.all([
      run(['settings', 'set', 'meter.period', 'fortnight'], { dataDir }),
      run(['settings', 'set', 'meter.colour', 'red'], { dataDir }),
      run(['settings', 'set', 'site.title', 'The Gazette'], { dataDir }),
    ]);
    expect(bad.code).toBe(1);
    expect(oneLine(bad.stderr)).toMatch(/^masthead: meter\.period: /);
    expect(unknown.code).toBe(1);
    expect(oneLine(unknown.stderr)).toMatch(/unknown setting "meter\.colour"/);
    expect(title.code).toBe(0);
    const all = await run(['settings', 'get'], { dataDir });
    expect(all.stdout).toContain('site.title="The Gazette"\n');
    expect(all.stdout).toContain('meter.period="week"\n');
  });

  it('settings get lists every group and settings set reaches comments.* as the README shows', async () => {
    const dataDir = freshDataDir();
    const set = await run(['settings', 'set', 'comments.readers', 'members'], { dataDir });
    expect(set.stderr).toBe('');
    expect(set.code).toBe(0);
    expect(set.stdout).toBe('comments.readers="members"\n');
    const words = await run(['settings', 'set', 'comments.blockedWords', '["spam","scam"]'], { dataDir });
    expect(words.stdout).toBe('comments.blockedWords=["spam","scam"]\n');
    const [all, bad, proto] = await Promise.all([
      run(['settings', 'get'], { dataDir }),
      run(['settings', 'set', 'comments.readers', 'robots'], { dataDir }),
      run(['settings', 'set', 'comments.constructor', '1'], { dataDir }),
    ]);
    const keys = all.stdout.trim().split('\n').map((l) => l.split('=')[0]);
    for (const prefix of ['site', 'meter', 'billing', 'comments']) expect(keys.some((k) => k!.startsWith(`${prefix}.`)), prefix).toBe(true);
    expect(all.stdout).toContain('comments.readers="members"\n');
    expect(all.stdout).toContain('comments.posters="subscribers"\n');
    expect(all.stdout).toContain('billing.trialMode="no_card"\n');
    expect(bad.code).toBe(1);
    expect(oneLine(bad.stderr)).toMatch(/^masthead: comments\.readers: /);
    expect(proto.code).toBe(1);
    expect(oneLine(proto.stderr)).toMatch(/unknown setting "comments\.constructor"/);
  });

  it('user reset-password prints a new password for a staff user', async () => {
    const dataDir = freshDataDir();
    await run(['user', 'create', '--email', 'ed@example.com', '--role', 'editor'], { dataDir });
    const r = await run(['user', 'reset-password', '--email', 'ed@example.com'], { dataDir });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^new password: [A-Za-z0-9_-]{20}\n$/);
    const missing = await run(['user', 'reset-password', '--email', 'nobody@example.com'], { dataDir });
    expect(missing.code).toBe(1);
    expect(oneLine(missing.stderr)).toMatch(/staff user not found/);
  });

  it('token create without any owner exits 1 with a hint', async () => {
    const r = await run(['token', 'create'], { dataDir: freshDataDir() });
    expect(r.code).toBe(1);
    expect(oneLine(r.stderr)).toMatch(/^masthead: no owner yet; create one with `masthead user create/);
    expect(r.stdout).toBe('');
  });

  it('demo loads into an empty data dir once, then refuses', async () => {
    const dataDir = freshDataDir();
    const first = await run(['demo'], { dataDir });
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^loaded the demo publication: \d+ articles\n$/);
    expect(Number(/(\d+) articles/.exec(first.stdout)![1])).toBeGreaterThan(0);

    const second = await run(['demo'], { dataDir });
    expect(second.code).toBe(1);
    expect(oneLine(second.stderr)).toMatch(/^masthead: the database already has content/);
  });
});

describe('masthead start', () => {
  it('serves the demo site on the port it prints, and exits 0 on SIGTERM', async () => {
    const server = startCli(['start'], cliEnv({ MASTHEAD_DATA_DIR: freshDataDir(), LOG_LEVEL: 'silent', PORT: '0' }));

    try {
      const url = await server.runningAt();
      const port = Number(new URL(url).port);
      // With PORT=0 the printed URL must carry the port actually bound, not 0.
      expect(port).toBeGreaterThan(0);

      const health = await fetch(new URL('/healthz', url));
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: 'ok' });

      const home = await fetch(url);
      expect(home.status).toBe(200);
      expect(await home.text()).toContain('The Harbour Ledger');

      const { exit, ms } = await server.terminate();
      expect(exit).toEqual({ code: 0, signal: null });
      expect(ms).toBeLessThan(5_000);
      expect(server.stderr).toBe('');
    } finally {
      server.kill();
    }
  });
});
