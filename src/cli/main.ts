import { parseArgs } from 'node:util';
import { loadConfig, type LoadedConfig } from '../config.js';
import { ConfigError, StartupError, AppError } from '../errors.js';
import { createApp, createLogger } from '../app.js';
import { checkConnection, openDatabase } from '../db/database.js';
import { notifyInstances } from '../db/invalidation.js';
import { migrateToLatest, withStartupLock } from '../db/migrate.js';
import { stopOnSignals } from './shutdown.js';
import { isEmpty, loadDemo } from '../content/demo/load.js';
import { systemClock } from '../clock.js';
import { createStaffUser, findStaffByEmail, firstOwner, STAFF_ROLES, type StaffRole } from '../members/staff.js';
import { createApiToken } from '../members/tokens.js';
import { setStaffPassword } from '../members/staff-auth.service.js';
import { checkPasswordPolicy } from '../members/passwords.js';
import { audit } from '../members/audit.js';
import { allSettings, parseCliValue, setSetting } from '../content/settings-registry.js';
import { archivePlan, createPlan, findPlanBySlug, formatMoney, listPlans, planInputSchema } from '../billing/plans.js';
import { grantComp, revokeComp } from '../billing/subscriptions.js';
import { heldJobs, jobCounts } from '../jobs/queue.js';
import { readSiteSettings } from '../content/settings.js';
import { normalizeEmail } from '../members/staff.js';

const USAGE = `Usage: masthead <command> [options]

Commands:
  start                                  run the server (migrates, loads the demo into an empty database)
  migrate                                apply database migrations
  demo                                   load the demo publication into an empty database
  user create --email E --role R [--name N] [--password P]
                                         create a staff user (roles: ${STAFF_ROLES.join(', ')}); prints a password when none is given
  user reset-password --email E [--password P]
                                         set a new password for a staff user (generated and printed when none is given)
  token create [--email E] [--name N]    print a new Admin API token for a staff user (default: the first owner)
  plan create --name N --monthly AMOUNT [--yearly AMOUNT] [--currency gbp] [--trial-days 14] [--default]
                                         create a plan (amounts in minor units: 900 = £9.00)
  plan list | plan archive SLUG          list plans; archive one (its subscribers stay on it)
  comp grant --email E [--days N] | comp revoke --email E
                                         give or take complimentary access
  import <file|dir|-> [--format auto|text|html|wxr|ghost] [--access LEVEL] [--section S] [--author A]
         [--publish] [--pages] [--dry-run] [--explain] [--json]
                                         import articles from scraped text, HTML pages, a WordPress (WXR) or Ghost
                                         export; drafts unless --publish; reruns update by source id
  jobs                                   background jobs by state, the ones running now (where, since when), recent failures
  backup <file.tar[.gz]> [--force]       a consistent copy of the live SQLite database and the data dir (secret, outbox,
                                         uploads) in one archive; on PostgreSQL, how to use pg_dump
  restore <file.tar[.gz]> [--force]      bring a backup back; refuses a database in use or with content unless --force
  newsletter create --slug S --name N [--sender-email E] [--sender-name N] [--reply-to E] [--audience members|subscribers]
             [--not-on-signup]             a newsletter members can choose; new members are put on it unless --not-on-signup
  newsletter list | count NEWSLETTER [--segment all|free|subscribers]
  newsletter send NEWSLETTER --article SLUG|ID [--segment S] [--publish | --email-only] [--at ISO-TIME]
                                         email a published article (a scheduled one when it goes live); --publish publishes a
                                         draft with it, --email-only publishes it by email only (listed nowhere), --at schedules
                                         either; one step: if the send cannot start, nothing is published. The running server
                                         delivers it, once per member
  newsletter status SEND_ID [--follow] | cancel SEND_ID
                                         counts, a progress bar, rate and estimated finish; opens and clicks when tracked
  publication export FILE|-              the whole publication (articles, authors, sections, tags, staff, members, plans,
                                         subscriptions, comments, newsletters, settings) as one JSON file; no passwords,
                                         sessions, tokens or secrets (the file lists what it leaves out)
  publication import FILE                load an export into an empty database, all of it or nothing
  settings get [KEY]                     print settings (site.*, nav.*, meter.*, wall.*, billing.*, comments.*, email.*) as KEY=VALUE lines
  settings set KEY VALUE                 change a setting, e.g. settings set meter.anonymousAllowance 5

Configuration comes from the environment: PORT, HOST, SITE_URL, DATABASE_URL, MASTHEAD_DATA_DIR, MASTHEAD_SECRET,
MASTHEAD_SECRET_PREVIOUS, LOG_LEVEL, TRUSTED_PROXIES, JOB_LEASE_MS, SHUTDOWN_TIMEOUT_MS (see the README).`;

class UsageError extends Error {}

/**
 * Opens the database for one command. A command that may write (all but `readOnly` ones) tells
 * the running instances afterwards, so that their caches do not outlive what it changed.
 */
async function withDatabase<T>(config: LoadedConfig, fn: (d: ReturnType<typeof openDatabase>) => Promise<T>, opts: { migrate?: boolean; readOnly?: boolean } = {}): Promise<T> {
  const database = openDatabase(config.databaseUrl);
  try {
    await checkConnection(database, config.databaseUrl);
    if (opts.migrate !== false) await migrateToLatest(database);
    const result = await fn(database);
    if (!opts.readOnly) await notifyInstances(database);
    return result;
  } finally {
    await database.close();
  }
}

/** PORT=0 means "any free port"; links in mail need the real one, so it is chosen before the app is built. */
async function freePort(host: string): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

async function start(initial: LoadedConfig): Promise<void> {
  let config = initial;
  if (config.port === 0) {
    const port = await freePort(config.host);
    config = { ...config, port, siteUrl: process.env.SITE_URL ? config.siteUrl : `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}` };
  }
  const logger = createLogger(config);
  const app = await createApp({ config, logger });
  // Under the start-up lock: of several instances started together on an empty database, one loads it.
  await withStartupLock(app.ctx.database, async () => {
    if (!(await isEmpty(app.ctx.content))) return;
    const { articles } = await loadDemo(app.ctx.content);
    logger.info(`empty database: loaded the demo publication (${articles} articles)`);
  });
  try {
    await app.server.listen({ port: config.port, host: config.host });
  } catch (err) {
    await app.close();
    const e = err as NodeJS.ErrnoException;
    throw new StartupError(e.code === 'EADDRINUSE' ? `port ${config.port} on ${config.host} is already in use; set PORT to another port` : `cannot listen on ${config.host}:${config.port}: ${e.message}`);
  }
  const addr = app.server.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.port;
  // Without SITE_URL, print the address actually bound (PORT=0 picks a free port).
  const url = process.env.SITE_URL ? config.siteUrl : `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  // The one line a newcomer looks for.
  process.stdout.write(`Masthead is running at ${url}/\n`);
  stopOnSignals(app, { timeoutMs: config.shutdownTimeoutMs, logger });
}

export async function main(argv: string[]): Promise<number> {
  const [command, sub, ...rest] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    (command ? process.stdout : process.stderr).write(USAGE + '\n');
    return command ? 0 : 2;
  }
  const config = loadConfig();
  switch (command) {
    case 'start':
      await start(config);
      return -1; // keep running
    case 'migrate':
      return withDatabase(config, async (d) => {
        const { applied } = await migrateToLatest(d);
        process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'database is up to date\n');
        return 0;
      }, { migrate: false });
    case 'demo':
      return withDatabase(config, async (d) => {
        const deps = { db: d.db, dialect: d.dialect, clock: systemClock };
        if (!(await isEmpty(deps))) {
          process.stderr.write('masthead: the database already has content; the demo loads only into an empty one\n');
          return 1;
        }
        const { articles } = await loadDemo(deps);
        process.stdout.write(`loaded the demo publication: ${articles} articles\n`);
        return 0;
      });
    case 'user': {
      if (sub === 'reset-password') {
        const { values } = parseArgs({ args: rest, options: { email: { type: 'string' }, password: { type: 'string' } }, strict: true });
        if (!values.email) throw new UsageError('user reset-password needs --email');
        return withDatabase(config, async (d) => {
          const pw = await setStaffPassword({ db: d.db, clock: systemClock }, values.email!, values.password, 'cli');
          process.stdout.write(values.password ? 'password updated\n' : `new password: ${pw}\n`);
          return 0;
        });
      }
      if (sub !== 'create') throw new UsageError('usage: masthead user create --email E --role R [--name N] [--password P] | masthead user reset-password --email E');
      const { values } = parseArgs({ args: rest, options: { email: { type: 'string' }, role: { type: 'string' }, name: { type: 'string' }, password: { type: 'string' } }, strict: true });
      if (!values.email) throw new UsageError('user create needs --email');
      if (!values.role || !(STAFF_ROLES as readonly string[]).includes(values.role)) throw new UsageError(`user create needs --role, one of: ${STAFF_ROLES.join(', ')}`);
      if (values.password !== undefined) checkPasswordPolicy(values.password);
      return withDatabase(config, async (d) => {
        const now = Date.now();
        const u = await createStaffUser(d.db, { email: values.email!, name: values.name, role: values.role as StaffRole, now });
        const pw = await setStaffPassword({ db: d.db, clock: systemClock }, u.email, values.password, 'cli');
        await audit(d.db, { at: now, actor: 'cli', action: 'staff.created', target: `staff:${u.id}`, details: { role: u.role } });
        process.stdout.write(`created ${u.role} ${u.email} (id ${u.id})\n${values.password ? '' : `password: ${pw}\n`}`);
        return 0;
      });
    }
    case 'token': {
      if (sub !== 'create') throw new UsageError('usage: masthead token create [--email E] [--name N]');
      const { values } = parseArgs({ args: rest, options: { email: { type: 'string' }, name: { type: 'string' } }, strict: true });
      return withDatabase(config, async (d) => {
        const user = values.email ? await findStaffByEmail(d.db, values.email) : await firstOwner(d.db);
        if (!user) {
          process.stderr.write(values.email
            ? `masthead: no staff user with email ${values.email}\n`
            : 'masthead: no owner yet; create one with `masthead user create --email you@example.com --role owner`\n');
          return 1;
        }
        const { id, token } = await createApiToken(d.db, user.id, values.name ?? 'cli', Date.now());
        await audit(d.db, { at: Date.now(), actor: 'cli', action: 'token.created', target: `token:${id}`, details: { for: `staff:${user.id}` } });
        process.stdout.write(token + '\n');
        return 0;
      });
    }
    case 'plan': {
      if (sub === 'list') {
        return withDatabase(config, async (d) => {
          for (const p of await listPlans(d.db)) {
            const prices = p.prices.map((x) => `${formatMoney(x.amount, x.currency, 'en')}/${x.interval}`).join(', ');
            process.stdout.write(`${p.slug}\t${p.name}\t${p.status}${p.isDefault ? ' (default)' : ''}\t${prices}\ttrial ${p.trialDays} days\n`);
          }
          return 0;
        });
      }
      if (sub === 'archive') {
        const slug = rest[0];
        if (!slug) throw new UsageError('usage: masthead plan archive SLUG');
        return withDatabase(config, async (d) => {
          const p = await findPlanBySlug(d.db, slug);
          if (!p) throw new AppError('not_found', `no plan "${slug}"`);
          await archivePlan(d.db, p.id, Date.now());
          process.stdout.write(`archived ${slug}; its subscribers stay on it\n`);
          return 0;
        });
      }
      if (sub !== 'create') throw new UsageError('usage: masthead plan create|list|archive');
      const { values } = parseArgs({ args: rest, options: { name: { type: 'string' }, monthly: { type: 'string' }, yearly: { type: 'string' }, currency: { type: 'string' }, 'trial-days': { type: 'string' }, description: { type: 'string' }, default: { type: 'boolean' } }, strict: true });
      const int = (v: string | undefined, what: string) => {
        if (v === undefined) return undefined;
        if (!/^\d+$/.test(v)) throw new UsageError(`${what} must be a whole number (minor units: 900 = 9.00)`);
        return Number(v);
      };
      const currency = values.currency ?? 'gbp';
      const prices = [
        ...(values.monthly !== undefined ? [{ interval: 'month' as const, currency, amount: int(values.monthly, '--monthly')! }] : []),
        ...(values.yearly !== undefined ? [{ interval: 'year' as const, currency, amount: int(values.yearly, '--yearly')! }] : []),
      ];
      const input = planInputSchema.parse({ name: values.name, description: values.description, trialDays: int(values['trial-days'], '--trial-days'), prices, ...(values.default ? { default: true } : {}) });
      return withDatabase(config, async (d) => {
        const p = await d.db.transaction().execute((trx) => createPlan(trx, input, Date.now()));
        process.stdout.write(`created plan ${p.slug}${p.isDefault ? ' (default)' : ''}\n`);
        return 0;
      });
    }
    case 'newsletter': {
      const { newsletterCommand } = await import('./newsletter.js');
      return withDatabase(config, (d) => newsletterCommand(sub, rest, d, config, (m) => new UsageError(m)), { readOnly: sub !== 'create' && sub !== 'send' && sub !== 'cancel' });
    }
    case 'comp': {
      const { values } = parseArgs({ args: rest, options: { email: { type: 'string' }, days: { type: 'string' } }, strict: true });
      if ((sub !== 'grant' && sub !== 'revoke') || !values.email) throw new UsageError('usage: masthead comp grant --email E [--days N] | masthead comp revoke --email E');
      if (values.days !== undefined && !/^\d{1,4}$/.test(values.days)) throw new UsageError('--days must be a whole number of days');
      return withDatabase(config, async (d) => {
        const m = await d.db.selectFrom('members').select('id').where('email_normalized', '=', normalizeEmail(values.email!)).where('deleted_at', 'is', null).executeTakeFirst();
        if (!m) throw new AppError('not_found', `no member with email ${values.email}`);
        const billing = { db: d.db, clock: systemClock, siteUrl: config.siteUrl, brand: async () => ({ settings: await readSiteSettings(d.db), siteUrl: config.siteUrl }) };
        if (sub === 'grant') {
          await grantComp(billing, m.id, 'cli: granted complimentary access', values.days ? Date.now() + Number(values.days) * 86_400_000 : undefined);
          process.stdout.write(`complimentary access granted to ${values.email}${values.days ? ` for ${values.days} days` : ''}\n`);
        } else {
          await revokeComp(billing, m.id, 'cli: revoked complimentary access');
          process.stdout.write(`complimentary access revoked for ${values.email}\n`);
        }
        return 0;
      });
    }
    case 'import': {
      const args = [sub, ...rest].filter((a): a is string => a !== undefined);
      // Loaded on demand: the importer pulls in a DOM and parsers that no other command needs.
      const { importCommand } = await import('./import.js');
      const { DataDirMediaStore, mediaDir } = await import('../media/store.js');
      return withDatabase(config, (d) => importCommand(args, { db: d.db, dialect: d.dialect, clock: systemClock }, config.siteUrl, !!process.env.SITE_URL,
        { media: { db: d.db, dialect: d.dialect, clock: systemClock, store: new DataDirMediaStore(mediaDir(config.dataDir)) } }));
    }
    case 'jobs': {
      return withDatabase(config, async (d) => {
        const counts = await jobCounts(d.db);
        if (!counts.length) process.stdout.write('no jobs\n');
        for (const c of counts) process.stdout.write(`${c.state}\t${c.kind}\t${c.count}\n`);
        const now = Date.now();
        for (const h of await heldJobs(d.db)) {
          const state = h.leaseUntil < now ? 'lease expired, will be taken over' : `lease until ${new Date(h.leaseUntil).toISOString()}`;
          process.stdout.write(`running #${h.id} ${h.kind} on ${h.holder} since ${h.claimedAt ? new Date(h.claimedAt).toISOString() : '?'} (attempt ${h.attempts}; ${state})\n`);
        }
        const failed = await d.db.selectFrom('jobs').select(['id', 'kind', 'attempts', 'last_error', 'failed_at']).where('failed_at', 'is not', null).orderBy('failed_at', 'desc').limit(10).execute();
        for (const f of failed) process.stdout.write(`failed #${f.id} ${f.kind} after ${f.attempts} attempts: ${f.last_error ?? ''}\n`);
        return 0;
      }, { readOnly: true });
    }
    case 'backup':
    case 'restore': {
      const { backupCommand, restoreCommand } = await import('./backup.js');
      const args = [sub, ...rest].filter((a): a is string => a !== undefined);
      return command === 'backup' ? backupCommand(args, config) : restoreCommand(args, config);
    }
    case 'publication': {
      const { publicationCommand } = await import('./publication.js');
      const args = [sub, ...rest].filter((a): a is string => a !== undefined);
      return withDatabase(config, (d) => publicationCommand(args, d, systemClock));
    }
    case 'settings': {
      if (sub === 'get') {
        return withDatabase(config, async (d) => {
          const all = await allSettings(d.db);
          const key = rest[0];
          if (key && !(key in all)) {
            process.stderr.write(`masthead: unknown setting "${key}"\n`);
            return 2;
          }
          for (const [k, v] of Object.entries(all)) if (!key || k === key) process.stdout.write(`${k}=${JSON.stringify(v)}\n`);
          return 0;
        }, { readOnly: true });
      }
      if (sub === 'set') {
        const [key, raw] = rest;
        if (!key || raw === undefined) throw new UsageError('usage: masthead settings set KEY VALUE');
        return withDatabase(config, async (d) => {
          await setSetting(d.db, key, parseCliValue(raw));
          process.stdout.write(`${key}=${JSON.stringify((await allSettings(d.db))[key])}\n`);
          return 0;
        });
      }
      throw new UsageError('usage: masthead settings get [KEY] | masthead settings set KEY VALUE');
    }
    default:
      throw new UsageError(`unknown command "${command}"; run \`masthead help\` for the list`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err) => {
    if (err instanceof ConfigError) {
      process.stderr.write(`masthead: ${err.message}\n`);
      process.exit(2);
    }
    if (err instanceof UsageError || (err as { usage?: boolean }).usage || (err as { code?: string }).code?.startsWith?.('ERR_PARSE_ARGS')) {
      process.stderr.write(`masthead: ${err.message}\n`);
      process.exit(2);
    }
    if (err instanceof StartupError || err instanceof AppError) {
      process.stderr.write(`masthead: ${err.message}\n`);
      process.exit(1);
    }
    if ((err as { name?: string }).name === 'ZodError') {
      const issue = (err as { issues: { message: string; path: PropertyKey[] }[] }).issues[0];
      process.stderr.write(`masthead: ${issue ? `${issue.path.length ? issue.path.join('.') : 'input'} ${issue.message}` : 'invalid input'}\n`);
      process.exit(2);
    }
    process.stderr.write(`masthead: ${(err as Error).stack ?? err}\n`);
    process.exit(1);
  },
);
