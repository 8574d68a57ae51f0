import { createPrivateKey, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, accessSync, constants } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError, StartupError } from './errors.js';

export interface Config {
  port: number;
  host: string;
  siteUrl: string;
  databaseUrl: string;
  dialect: 'sqlite' | 'postgres';
  /** PostgreSQL connections this instance may hold (pg.Pool max). */
  databasePoolSize: number;
  dataDir: string;
  /** Signs cookies and links; new signatures always use this one. */
  secret: string;
  /** The secret being retired (MASTHEAD_SECRET_PREVIOUS): still verifies, never signs. */
  previousSecret: string | null;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  logRequests: boolean;
  /** nodemailer SMTP URL; unset writes mail to <dataDir>/outbox as .eml files. */
  smtpUrl: string | null;
  /** From address; defaults to "<site title>" <no-reply@site host>. */
  mailFrom: string | null;
  /** DKIM signing of every message sent (DKIM_DOMAIN, DKIM_SELECTOR, DKIM_PRIVATE_KEY_FILE), when set. */
  dkim: { domainName: string; keySelector: string; privateKey: string } | null;
  /** The token in mail providers' webhook URLs (bounces, complaints); the endpoint is off without it. */
  mailWebhookSecret: string | null;
  /** Reverse proxies whose X-Forwarded-For we believe (IPs or CIDRs); none by default. */
  trustedProxies: string[];
  /** Stripe, when both keys are set; otherwise trials without a card and comp access still work. */
  stripe: { secretKey: string; webhookSecret: string; apiUrl: string | null } | null;
  /** How long a claimed job is held before another instance may take it over (renewed while it runs). */
  jobLeaseMs: number;
  /** How long SIGTERM may take before the process gives up and exits non-zero. */
  shutdownTimeoutMs: number;
}

/**
 * The config as the environment and data dir give it. `secret` is null on PostgreSQL without
 * MASTHEAD_SECRET: every instance of the publication then uses the one stored in the database,
 * which only exists once the database is reached (see resolveSecret in app.ts).
 */
export type LoadedConfig = Omit<Config, 'secret'> & { secret: string | null };

const envSchema = z.object({
  PORT: z.string().regex(/^\d{1,5}$/, 'must be a port number from 0 to 65535').transform(Number).pipe(z.number().max(65535, 'must be a port number from 0 to 65535')).default(3000),
  HOST: z.string().regex(/^[A-Za-z0-9.:_-]+$/, 'must be a host name or IP address').default('127.0.0.1'),
  SITE_URL: z.url({ protocol: /^https?$/ }).optional(),
  DATABASE_URL: z.string().min(1).optional(),
  // Two at least: start-up holds one for its advisory lock while the migrations run on another.
  DATABASE_POOL_SIZE: z.string().regex(/^\d{1,3}$/, 'must be a whole number from 2 to 200').transform(Number).pipe(z.number().min(2, 'must be a whole number from 2 to 200').max(200, 'must be a whole number from 2 to 200')).default(10),
  MASTHEAD_DATA_DIR: z.string().min(1).default('./data'),
  MASTHEAD_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  MASTHEAD_SECRET_PREVIOUS: z.string().min(32, 'must be at least 32 characters').optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_REQUESTS: z.enum(['0', '1', 'true', 'false']).default('0'),
  SMTP_URL: z.string().regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL').optional(),
  MAIL_FROM: z.string().max(300).optional(),
  DKIM_DOMAIN: z.string().regex(/^[a-z0-9.-]+\.[a-z]{2,}$/i, 'must be a domain name such as example.com').optional(),
  DKIM_SELECTOR: z.string().regex(/^[a-z0-9._-]+$/i, 'must be a DKIM selector such as mail2026').optional(),
  DKIM_PRIVATE_KEY_FILE: z.string().min(1).optional(),
  MAIL_WEBHOOK_SECRET: z.string().regex(/^[A-Za-z0-9_-]{32,200}$/, 'must be 32 or more letters, digits, - or _ (it goes in a URL)').optional(),
  STRIPE_SECRET_KEY: z.string().regex(/^(sk|rk)_(test|live)_[A-Za-z0-9]+$/, 'must be a Stripe secret key (sk_test_… or sk_live_…)').optional(),
  STRIPE_WEBHOOK_SECRET: z.string().regex(/^whsec_[A-Za-z0-9]+$/, 'must be a Stripe webhook signing secret (whsec_…)').optional(),
  STRIPE_API_URL: z.url({ protocol: /^https?$/ }).optional(),
  TRUSTED_PROXIES: z.string().regex(/^[0-9a-fA-F.:/,\s]+$/, 'must be a comma-separated list of IP addresses or CIDR ranges').optional(),
  JOB_LEASE_MS: milliseconds(1000, 3_600_000).default(60_000),
  SHUTDOWN_TIMEOUT_MS: milliseconds(100, 600_000).default(10_000),
});

function milliseconds(min: number, max: number) {
  const range = `must be a whole number of milliseconds from ${min} to ${max}`;
  return z.string().regex(/^\d{1,9}$/, range).transform(Number).pipe(z.number().min(min, range).max(max, range));
}

const ECHOED = new Set(['DATABASE_POOL_SIZE', 'PORT', 'HOST', 'SITE_URL', 'LOG_LEVEL', 'LOG_REQUESTS', 'TRUSTED_PROXIES', 'MAIL_FROM', 'STRIPE_API_URL', 'JOB_LEASE_MS', 'SHUTDOWN_TIMEOUT_MS', 'DKIM_DOMAIN', 'DKIM_SELECTOR', 'DKIM_PRIVATE_KEY_FILE']);

/** Validate the environment once, at boot. Throws ConfigError with one readable line. */
export function parseEnv(env: Record<string, string | undefined>): Omit<Config, 'secret'> & { secret?: string } {
  // An empty variable (PORT= in a unit file) means "not set", not zero.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = String(issue.path[0] ?? 'config');
    // Echo the value only where it cannot be a secret.
    const shown = ECHOED.has(key) && cleaned[key] !== undefined ? ` (got ${JSON.stringify(cleaned[key])})` : '';
    throw new ConfigError(`invalid ${key}: ${issue.message}${shown}`);
  }
  const e = parsed.data;
  if (!e.STRIPE_SECRET_KEY !== !e.STRIPE_WEBHOOK_SECRET) {
    throw new ConfigError(`invalid ${e.STRIPE_SECRET_KEY ? 'STRIPE_WEBHOOK_SECRET' : 'STRIPE_SECRET_KEY'}: set both STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET, or neither`);
  }
  if (e.MASTHEAD_SECRET_PREVIOUS && e.MASTHEAD_SECRET_PREVIOUS === e.MASTHEAD_SECRET) {
    throw new ConfigError('invalid MASTHEAD_SECRET_PREVIOUS: it is the same as MASTHEAD_SECRET; set it to the secret being retired');
  }
  const dkimSet = [e.DKIM_DOMAIN, e.DKIM_SELECTOR, e.DKIM_PRIVATE_KEY_FILE].filter(Boolean).length;
  if (dkimSet && dkimSet < 3) throw new ConfigError('invalid DKIM_DOMAIN: set DKIM_DOMAIN, DKIM_SELECTOR and DKIM_PRIVATE_KEY_FILE together, or none of them');
  let dkim: Config['dkim'] = null;
  if (dkimSet) {
    let privateKey: string;
    try {
      privateKey = readFileSync(e.DKIM_PRIVATE_KEY_FILE!, 'utf8');
    } catch (err) {
      throw new ConfigError(`invalid DKIM_PRIVATE_KEY_FILE: cannot read ${e.DKIM_PRIVATE_KEY_FILE} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
    try {
      createPrivateKey(privateKey);
    } catch {
      throw new ConfigError(`invalid DKIM_PRIVATE_KEY_FILE: ${e.DKIM_PRIVATE_KEY_FILE} does not hold a PEM private key`);
    }
    dkim = { domainName: e.DKIM_DOMAIN!, keySelector: e.DKIM_SELECTOR!, privateKey };
  }
  const dataDir = resolve(e.MASTHEAD_DATA_DIR);
  const databaseUrl = e.DATABASE_URL ?? `sqlite:${join(dataDir, 'masthead.db')}`;
  const dialect = dialectOf(databaseUrl);
  const host = e.HOST;
  const siteUrl = (e.SITE_URL ?? `http://${host.includes(':') ? `[${host}]` : host}:${e.PORT}`).replace(/\/+$/, '');
  return {
    port: e.PORT,
    host,
    siteUrl,
    databaseUrl,
    dialect,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    dataDir,
    secret: e.MASTHEAD_SECRET,
    previousSecret: e.MASTHEAD_SECRET_PREVIOUS ?? null,
    logLevel: e.LOG_LEVEL,
    logRequests: e.LOG_REQUESTS === '1' || e.LOG_REQUESTS === 'true',
    smtpUrl: e.SMTP_URL ?? null,
    mailFrom: e.MAIL_FROM ?? null,
    dkim,
    mailWebhookSecret: e.MAIL_WEBHOOK_SECRET ?? null,
    stripe: e.STRIPE_SECRET_KEY && e.STRIPE_WEBHOOK_SECRET ? { secretKey: e.STRIPE_SECRET_KEY, webhookSecret: e.STRIPE_WEBHOOK_SECRET, apiUrl: e.STRIPE_API_URL ?? null } : null,
    trustedProxies: (e.TRUSTED_PROXIES ?? '').split(',').map((x) => x.trim()).filter(Boolean),
    jobLeaseMs: e.JOB_LEASE_MS,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
  };
}

export function dialectOf(url: string): 'sqlite' | 'postgres' {
  if (/^postgres(ql)?:\/\//.test(url)) return 'postgres';
  if (url.startsWith('sqlite:') || url.startsWith('file:')) return 'sqlite';
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1];
  throw new ConfigError(`invalid DATABASE_URL: expected postgres://… or sqlite:/path/to/file.db${scheme ? ` (got a ${scheme}: URL)` : ''}`);
}

/** Path of the SQLite file named by a sqlite:/file: URL. */
export function sqlitePath(url: string): string {
  const p = url.replace(/^(sqlite|file):(\/\/)?/, '');
  return p === ':memory:' ? p : resolve(p);
}

/**
 * Full boot-time config: validates the environment, makes sure the data dir is writable and,
 * on SQLite, that a secret exists (generated and kept in the data dir on first start). On
 * PostgreSQL without MASTHEAD_SECRET the secret is left null: the database holds it.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): LoadedConfig {
  const base = parseEnv(env);
  try {
    mkdirSync(base.dataDir, { recursive: true });
    accessSync(base.dataDir, constants.W_OK);
  } catch (err) {
    throw new StartupError(`data dir ${base.dataDir} is not writable (${(err as NodeJS.ErrnoException).code ?? 'error'}); set MASTHEAD_DATA_DIR to a writable folder`);
  }
  const secret = base.secret ?? (base.dialect === 'sqlite' ? readOrCreateSecret(base.dataDir) : null);
  return { ...base, secret };
}

/** A new random secret, as the data dir file and the database row hold it. */
export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** The data dir's secret file, when there is one (an instance that ran before the secret moved to the database). */
export function readSecretFile(dataDir: string): string | null {
  try {
    const existing = readFileSync(join(dataDir, 'secret'), 'utf8').trim();
    return existing.length >= 32 ? existing : null;
  } catch {
    return null;
  }
}

function readOrCreateSecret(dataDir: string): string {
  const existing = readSecretFile(dataDir);
  if (existing) return existing;
  const secret = newSecret();
  writeFileSync(join(dataDir, 'secret'), secret + '\n', { mode: 0o600 });
  return secret;
}
