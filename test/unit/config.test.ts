import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { dialectOf, loadConfig, parseEnv } from '../../src/config.js';
import { ConfigError, StartupError } from '../../src/errors.js';

const tmpDirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'masthead-config-'));
  tmpDirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of tmpDirs) rmSync(d, { recursive: true, force: true });
});

/** Run fn, expecting it to throw; return what it threw. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw, but nothing was thrown');
}

describe('parseEnv', () => {
  it('applies the defaults to an empty environment', () => {
    const c = parseEnv({});
    expect(c.port).toBe(3000);
    expect(c.host).toBe('127.0.0.1');
    expect(c.siteUrl).toBe('http://127.0.0.1:3000');
    expect(c.dataDir).toBe(resolve('./data'));
    expect(c.databaseUrl).toBe(`sqlite:${join(resolve('./data'), 'masthead.db')}`);
    expect(c.dialect).toBe('sqlite');
    expect(c.secret).toBeUndefined();
    expect(c.logLevel).toBe('info');
    expect(c.logRequests).toBe(false);
  });

  it('puts the default SQLite file inside the (resolved) data dir', () => {
    const abs = parseEnv({ MASTHEAD_DATA_DIR: '/srv/masthead' });
    expect(abs.dataDir).toBe('/srv/masthead');
    expect(abs.databaseUrl).toBe('sqlite:/srv/masthead/masthead.db');
    expect(abs.dialect).toBe('sqlite');

    const rel = parseEnv({ MASTHEAD_DATA_DIR: 'var/news' });
    expect(rel.dataDir).toBe(resolve('var/news'));
    expect(rel.databaseUrl).toBe(`sqlite:${join(resolve('var/news'), 'masthead.db')}`);
  });

  it('detects the dialect from DATABASE_URL', () => {
    expect(parseEnv({ DATABASE_URL: 'postgres://u:p@db.example:5432/news' })).toMatchObject({ dialect: 'postgres', databaseUrl: 'postgres://u:p@db.example:5432/news' });
    expect(parseEnv({ DATABASE_URL: 'postgresql://db.example/news' }).dialect).toBe('postgres');
    expect(parseEnv({ DATABASE_URL: 'sqlite:/tmp/x.db' })).toMatchObject({ dialect: 'sqlite', databaseUrl: 'sqlite:/tmp/x.db' });
    expect(parseEnv({ DATABASE_URL: 'file:/tmp/x.db' }).dialect).toBe('sqlite');
    expect(dialectOf('postgres://h/db')).toBe('postgres');
    expect(dialectOf('sqlite::memory:')).toBe('sqlite');
  });

  it('trims trailing slashes from SITE_URL', () => {
    expect(parseEnv({ SITE_URL: 'https://news.example/' }).siteUrl).toBe('https://news.example');
    expect(parseEnv({ SITE_URL: 'https://news.example///' }).siteUrl).toBe('https://news.example');
    expect(parseEnv({ SITE_URL: 'https://news.example/ledger/' }).siteUrl).toBe('https://news.example/ledger');
    expect(parseEnv({ SITE_URL: 'http://news.example:8080' }).siteUrl).toBe('http://news.example:8080');
  });

  it('treats an empty variable as unset, not as zero', () => {
    expect(parseEnv({ PORT: '', HOST: ' ' })).toMatchObject({ port: 3000, host: '127.0.0.1' });
  });

  it('never echoes a secret or a database URL in a config error', () => {
    expect(() => parseEnv({ MASTHEAD_SECRET: 'hunter2' })).toThrow(/^invalid MASTHEAD_SECRET: must be at least 32 characters$/);
    expect(() => parseEnv({ DATABASE_URL: 'mysql://user:hunter2@db/x' })).toThrow(/^invalid DATABASE_URL: expected postgres:\/\/… or sqlite:\/path\/to\/file\.db \(got a mysql: URL\)$/);
  });

  it('derives the site URL from HOST and PORT when SITE_URL is unset', () => {
    expect(parseEnv({ HOST: '0.0.0.0', PORT: '8080' }).siteUrl).toBe('http://0.0.0.0:8080');
    expect(parseEnv({ HOST: '::1', PORT: '8080' }).siteUrl).toBe('http://[::1]:8080');
  });

  it('accepts valid explicit values', () => {
    const c = parseEnv({ PORT: '0', HOST: '0.0.0.0', LOG_LEVEL: 'silent', LOG_REQUESTS: 'true', MASTHEAD_SECRET: 's'.repeat(32) });
    expect(c).toMatchObject({ port: 0, host: '0.0.0.0', logLevel: 'silent', logRequests: true, secret: 's'.repeat(32) });
    expect(parseEnv({ PORT: '65535' }).port).toBe(65535);
    expect(parseEnv({ LOG_REQUESTS: '1' }).logRequests).toBe(true);
    expect(parseEnv({ LOG_REQUESTS: 'false' }).logRequests).toBe(false);
  });

  const bad: [string, string][] = [
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['PORT', '-1'],
    ['PORT', '80.5'],
    ['SITE_URL', 'notaurl'],
    ['SITE_URL', 'ftp://news.example'],
    ['DATABASE_URL', 'mysql://x'],
    ['MASTHEAD_SECRET', 'too-short'],
    ['LOG_LEVEL', 'loud'],
    ['LOG_REQUESTS', 'yes'],
    ['HOST', 'bad host name'],
    ['MASTHEAD_SECRET_PREVIOUS', 'too-short'],
    ['DATABASE_POOL_SIZE', '1'],
    ['DATABASE_POOL_SIZE', 'many'],
    ['JOB_LEASE_MS', '500'],
    ['JOB_LEASE_MS', '2s'],
    ['SHUTDOWN_TIMEOUT_MS', '-1'],
    ['SHUTDOWN_TIMEOUT_MS', '9999999'],
  ];
  it.each(bad)('rejects %s=%j with a one-line ConfigError naming the variable', (key, value) => {
    const err = thrown(() => parseEnv({ [key]: value }));
    expect(err).toBeInstanceOf(ConfigError);
    const message = (err as Error).message;
    expect(message).toMatch(new RegExp(`^invalid ${key}: `));
    expect(message).not.toMatch(/[\r\n]/);
    expect(message.length).toBeLessThan(300);
  });

  it('reads the rotation, lease and shutdown settings, with defaults', () => {
    expect(parseEnv({})).toMatchObject({ previousSecret: null, jobLeaseMs: 60_000, shutdownTimeoutMs: 10_000, databasePoolSize: 10 });
    expect(parseEnv({ DATABASE_POOL_SIZE: '4' }).databasePoolSize).toBe(4);
    expect(parseEnv({ MASTHEAD_SECRET: 'n'.repeat(32), MASTHEAD_SECRET_PREVIOUS: 'o'.repeat(32), JOB_LEASE_MS: '2000', SHUTDOWN_TIMEOUT_MS: '1500' }))
      .toMatchObject({ secret: 'n'.repeat(32), previousSecret: 'o'.repeat(32), jobLeaseMs: 2000, shutdownTimeoutMs: 1500 });
  });

  it('refuses a previous secret equal to the current one, without echoing either', () => {
    const err = thrown(() => parseEnv({ MASTHEAD_SECRET: 's'.repeat(32), MASTHEAD_SECRET_PREVIOUS: 's'.repeat(32) }));
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toBe('invalid MASTHEAD_SECRET_PREVIOUS: it is the same as MASTHEAD_SECRET; set it to the secret being retired');
  });

  it('keeps the message on one line even when the bad value has a newline in it', () => {
    const err = thrown(() => parseEnv({ LOG_LEVEL: 'info\nat evil' }));
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/^invalid LOG_LEVEL: /);
    expect((err as Error).message).not.toMatch(/[\r\n]/);
  });
});

describe('loadConfig', () => {
  it('generates a secret in the data dir on first call and reuses it afterwards', () => {
    const dataDir = join(tempDir(), 'nested', 'data'); // does not exist yet: loadConfig creates it
    const env = { MASTHEAD_DATA_DIR: dataDir, LOG_LEVEL: 'silent' };
    const first = loadConfig(env);
    expect(first.dataDir).toBe(dataDir);
    expect(first.secret!.length).toBeGreaterThanOrEqual(32);
    const file = join(dataDir, 'secret');
    expect(existsSync(file)).toBe(true);
    expect(readFileSync(file, 'utf8').trim()).toBe(first.secret);
    expect(statSync(file).mode & 0o777).toBe(0o600);

    const second = loadConfig(env);
    expect(second.secret).toBe(first.secret);
  });

  it('gives different data dirs different secrets', () => {
    const a = loadConfig({ MASTHEAD_DATA_DIR: tempDir() });
    const b = loadConfig({ MASTHEAD_DATA_DIR: tempDir() });
    expect(a.secret).not.toBe(b.secret);
  });

  it('uses MASTHEAD_SECRET when set and writes no secret file', () => {
    const dataDir = tempDir();
    const secret = 'k'.repeat(40);
    expect(loadConfig({ MASTHEAD_DATA_DIR: dataDir, MASTHEAD_SECRET: secret }).secret).toBe(secret);
    expect(existsSync(join(dataDir, 'secret'))).toBe(false);
  });

  it('on PostgreSQL without MASTHEAD_SECRET leaves the secret to the database and writes no file', () => {
    const dataDir = tempDir();
    const c = loadConfig({ MASTHEAD_DATA_DIR: dataDir, DATABASE_URL: 'postgres://db.example/news' });
    expect(c.secret).toBeNull();
    expect(existsSync(join(dataDir, 'secret'))).toBe(false);
    expect(loadConfig({ MASTHEAD_DATA_DIR: dataDir, DATABASE_URL: 'postgres://db.example/news', MASTHEAD_SECRET: 'k'.repeat(40) }).secret).toBe('k'.repeat(40));
  });

  it('throws a one-line StartupError for a data dir it cannot create', () => {
    const file = join(tempDir(), 'plain-file');
    writeFileSync(file, 'not a directory');
    const dataDir = join(file, 'sub');
    const err = thrown(() => loadConfig({ MASTHEAD_DATA_DIR: dataDir }));
    expect(err).toBeInstanceOf(StartupError);
    const message = (err as Error).message;
    expect(message).not.toMatch(/[\r\n]/);
    expect(message).toContain(dataDir);
    expect(message).toContain('MASTHEAD_DATA_DIR');
  });

  it('reports a bad environment as ConfigError before touching the disk', () => {
    const dataDir = join(tempDir(), 'never-created');
    const err = thrown(() => loadConfig({ MASTHEAD_DATA_DIR: dataDir, PORT: 'abc' }));
    expect(err).toBeInstanceOf(ConfigError);
    expect(existsSync(dataDir)).toBe(false);
  });
});
