import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { cliEnv, noStackTrace, oneLine, run, startCli, tempDirs } from '../helpers/cli.js';
import { writeTar } from '../../src/shared/tar.js';

/** `masthead backup` and `masthead restore`, run for real against live and stopped servers. */

const freshDir = tempDirs('masthead-backup-');

const counts = (dataDir: string) => {
  const db = new BetterSqlite3(join(dataDir, 'masthead.db'), { readonly: true });
  try {
    const n = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
    return { articles: n('select count(*) as n from articles'), staff: n(`select count(*) as n from staff_users where email = 'archivist@news.example'`) };
  } finally {
    db.close();
  }
};

/** SQLite's own checks of a database file: every page and index sound, no row pointing at a missing parent. */
const integrity = (dataDir: string) => {
  const db = new BetterSqlite3(join(dataDir, 'masthead.db'), { readonly: true });
  try {
    return { integrity: db.pragma('integrity_check', { simple: true }), foreignKeys: db.pragma('foreign_key_check') };
  } finally {
    db.close();
  }
};

/** A sign-in request on a running server: a mail in <data dir>/outbox (no SMTP_URL), and writes to the database. */
async function askForLink(base: string, email: string): Promise<void> {
  const form = await fetch(`${base}/signin`);
  const cookie = form.headers.getSetCookie().map((c) => c.split(';')[0]!).join('; ');
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())![1]!;
  const post = await fetch(`${base}/signin`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie }, body: new URLSearchParams({ email, _csrf: csrf }).toString() });
  expect(post.status).toBe(303);
}

async function outboxFiles(dataDir: string, atLeast: number): Promise<string[]> {
  const outbox = join(dataDir, 'outbox');
  const deadline = Date.now() + 10_000;
  for (;;) {
    const files = existsSync(outbox) ? readdirSync(outbox).filter((f) => f.endsWith('.eml')) : [];
    if (files.length >= atLeast || Date.now() > deadline) return files;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('masthead backup and restore', () => {
  it('backs up a live server mid-traffic into one archive that tar reads, and restores it into a new data dir that serves the same publication', async () => {
    const source = freshDir();
    expect((await run(['user', 'create', '--email', 'archivist@news.example', '--role', 'owner', '--password', 'correct horse battery staple'], { dataDir: source })).code).toBe(0);
    const server = startCli(['start'], cliEnv({ MASTHEAD_DATA_DIR: source, LOG_LEVEL: 'silent', PORT: '0' }, { withoutMail: true }));
    const archive = join(freshDir(), 'masthead.tar.gz');
    try {
      const base = (await server.runningAt()).replace(/\/$/, '');
      await askForLink(base, 'first@example.com');
      expect(await outboxFiles(source, 1)).toHaveLength(1);
      // Readers keep writing (meter reads, sign-in links) while the backup is taken.
      let reading = true;
      const traffic = (async () => {
        let n = 0;
        while (reading) {
          await fetch(`${base}/articles/harbour-redevelopment-plan-wins-approval-after-eight-hour-meeting`, { headers: { 'user-agent': `Reader/${n++}` } });
        }
        return n;
      })();
      const backup = await run(['backup', archive], { dataDir: source });
      reading = false;
      expect(await traffic).toBeGreaterThan(0);
      expect(backup.code, backup.stderr).toBe(0);
      expect(oneLine(backup.stdout)).toMatch(new RegExp(`^backed up .*masthead\\.db \\(14 articles, \\d+ members\\) and 2 files from .* to ${archive.replace(/[.]/g, '\\.')} \\([\\d.]+ MB\\)$`));
      expect(statSync(archive).mode & 0o777, 'the archive holds the secret').toBe(0o600);
      expect(existsSync(`${archive}.partial`)).toBe(false);

      const listed = spawnSync('tar', ['tzf', archive], { encoding: 'utf8' });
      expect(listed.status, listed.stderr).toBe(0);
      const names = listed.stdout.trim().split('\n');
      expect(names.slice(0, 3)).toEqual(['masthead-backup.json', 'masthead.db', 'data/']);
      expect(names).toContain('data/secret');
      expect(names.some((n) => /^data\/outbox\/.+\.eml$/.test(n))).toBe(true);
      expect(names.filter((n) => /masthead\.db-(wal|shm)$/.test(n))).toEqual([]);
    } finally {
      const { exit } = await server.terminate();
      expect(exit.code).toBe(0);
    }

    const target = freshDir();
    const restore = await run(['restore', archive], { dataDir: target });
    expect(restore.code, restore.stderr).toBe(0);
    expect(restore.stdout).toMatch(/^restored .*masthead\.db \(14 articles, \d+ members, backed up 20\d\d-[\d-]+T[\d:.]+Z\) and 2 files into /);
    expect(readFileSync(join(target, 'secret'), 'utf8')).toBe(readFileSync(join(source, 'secret'), 'utf8'));
    expect(statSync(join(target, 'secret')).mode & 0o777).toBe(0o600);
    expect(readdirSync(join(target, 'outbox'))).toHaveLength(1);
    expect(counts(target)).toEqual({ articles: 14, staff: 1 });
    expect(integrity(target), 'the copy taken under load is a sound database').toEqual({ integrity: 'ok', foreignKeys: [] });

    const again = startCli(['start'], cliEnv({ MASTHEAD_DATA_DIR: target, LOG_LEVEL: 'silent', PORT: '0' }, { withoutMail: true }));
    try {
      const base = await again.runningAt();
      expect((await fetch(new URL('/readyz', base))).status).toBe(200);
      expect(await (await fetch(base)).text()).toContain('The Harbour Ledger');
    } finally {
      expect((await again.terminate()).exit.code).toBe(0);
    }

    // Into a data dir that has a publication: refused while its server runs, refused with content, replaced with --force.
    const busy = freshDir();
    const other = startCli(['start'], cliEnv({ MASTHEAD_DATA_DIR: busy, LOG_LEVEL: 'silent', PORT: '0' }, { withoutMail: true }));
    try {
      await other.runningAt();
      const r = await run(['restore', archive], { dataDir: busy });
      expect(r.code).toBe(1);
      expect(oneLine(r.stderr)).toMatch(/^masthead: .*masthead\.db is open in another process \(a running server\?\); stop it before restoring, or add --force/);
    } finally {
      expect((await other.terminate()).exit.code).toBe(0);
    }
    const full = await run(['restore', archive], { dataDir: busy });
    expect(full.code).toBe(1);
    expect(oneLine(full.stderr)).toMatch(/^masthead: .*masthead\.db already holds a publication \(14 articles, 0 members, \d+ staff\); add --force to replace it with the backup$/);
    expect(counts(busy).staff, 'nothing was restored').toBe(0);
    const forced = await run(['restore', archive, '--force'], { dataDir: busy });
    expect(forced.code, forced.stderr).toBe(0);
    expect(counts(busy)).toEqual({ articles: 14, staff: 1 });
  });

  it('refuses archives that are not backups, are cut short, or reach outside the data dir, with one line and nothing restored', async () => {
    const dir = freshDir();
    const notTar = join(dir, 'notes.tar');
    writeFileSync(notTar, 'these are not the files you are looking for\n'.repeat(40));
    const plain = join(dir, 'plain.tar');
    mkdirSync(join(dir, 'stuff'));
    writeFileSync(join(dir, 'stuff', 'a.txt'), 'a');
    expect(spawnSync('tar', ['cf', plain, '-C', dir, 'stuff']).status).toBe(0);
    const evil = join(dir, 'evil.tar');
    const out = createWriteStream(evil);
    await writeTar(out, [
      { name: 'masthead-backup.json', type: 'file', mode: 0o644, mtimeMs: Date.now(), data: Buffer.from('{"format":"masthead-backup","version":1}') },
      { name: 'data/../../escaped', type: 'file', mode: 0o644, mtimeMs: Date.now(), data: Buffer.from('gotcha') },
    ]);
    await new Promise((r) => out.end(r));
    const cut = join(dir, 'cut.tar');
    writeFileSync(cut, readFileSync(plain).subarray(0, 700));

    const cases: [string, RegExp][] = [
      [notTar, /^masthead: cannot read .*notes\.tar: not a tar archive/],
      [plain, /^masthead: .*plain\.tar is not a Masthead backup \(it has no masthead-backup\.json\)/],
      [evil, /^masthead: cannot read .*evil\.tar: the archive names a path outside its own folder/],
      [cut, /^masthead: cannot read .*cut\.tar: the archive (is truncated|ends)/],
      [join(dir, 'missing.tar'), /^masthead: no such file: /],
    ];
    await Promise.all(cases.map(async ([file, message]) => {
      const target = freshDir();
      const r = await run(['restore', file], { dataDir: target });
      expect(r.code, r.stderr).toBe(1);
      expect(oneLine(r.stderr)).toMatch(message);
      noStackTrace(r.stderr);
      expect(existsSync(join(target, 'masthead.db'))).toBe(false);
    }));
    expect(existsSync(join(dir, '..', 'escaped'))).toBe(false);
  });

  it('will not overwrite an archive without --force, needs one file name, and on PostgreSQL explains pg_dump without printing the password', async () => {
    const dataDir = freshDir();
    expect((await run(['migrate'], { dataDir })).code).toBe(0);
    const existing = join(freshDir(), 'old.tar');
    writeFileSync(existing, 'yesterday');
    const [kept, fresh, noName, pg] = await Promise.all([
      run(['backup', existing], { dataDir }),
      run(['backup', join(freshDir(), 'new.tar')], { dataDir }),
      run(['backup'], { dataDir }),
      run(['backup', join(freshDir(), 'pg.tar')], { dataDir: freshDir(), env: { DATABASE_URL: 'postgres://masthead:hunter2@db.internal:5432/news' } }),
    ]);
    expect(kept.code).toBe(1);
    expect(oneLine(kept.stderr)).toMatch(/already exists; choose another name, or add --force to replace it$/);
    expect(readFileSync(existing, 'utf8')).toBe('yesterday');
    expect(fresh.code, fresh.stderr).toBe(0);
    expect(noName.code).toBe(2);
    expect(oneLine(noName.stderr)).toBe('masthead: usage: masthead backup <file.tar | file.tar.gz> [--force]');
    expect(pg.code).toBe(1);
    expect(pg.stderr).toMatch(/^masthead: backup handles SQLite; this publication is on PostgreSQL: back it up with pg_dump:\n/);
    expect(pg.stderr).toContain("pg_dump --format=custom --file=masthead-$(date +%F).dump 'postgres://masthead@db.internal:5432/news'");
    expect(pg.stderr).toContain('pg_restore --clean --if-exists --no-owner');
    expect(pg.stderr).not.toContain('hunter2');
  });
});
