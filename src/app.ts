import pino, { type Logger } from 'pino';
import { invalidationBus } from './db/invalidation.js';
import type { FastifyInstance } from 'fastify';
import { systemClock, type Clock } from './clock.js';
import { newSecret, readSecretFile, type Config, type LoadedConfig } from './config.js';
import { checkConnection, openServingDatabase, type Database } from './db/database.js';
import { migrateToLatest } from './db/migrate.js';
import { sharedSecret } from './db/secrets.js';
import { buildServer } from './http/server.js';
import { DEFAULT_LIMITS, type AppContext, type CookieCarrier, type Limits } from './http/context.js';
import { SiteCache } from './web/site.js';
import { ReaderCache } from './web/reader-cache.js';
import { JobWorker } from './jobs/worker.js';
import { processWorkerId } from './jobs/queue.js';
import { NEWSLETTER_JOB, type NewsletterDeps } from './newsletters/newsletters.service.js';
import { newsletterLane } from './newsletters/delivery.js';
import { followArticle, GOLIVE_JOB } from './newsletters/publish.service.js';
import { createMailTransport, poolConnections } from './mail/transport.js';
import { defaultFrom, MAIL_JOB, mailJobHandler } from './mail/mailer.js';
import { Throttle } from './members/throttle.js';
import type { AccountDeps } from './members/members.service.js';
import { Meter } from './access/meter.js';
import { CrawlerVerifier, systemResolver, type Resolver } from './access/crawler.js';
import { readMeterRules } from './access/rules.js';
import { windowAt } from './access/periods.js';
import { readSiteSettings } from './content/settings.js';
import { endCompIfDue, endTrialIfDue, JOBS, recomputeMemberStatus, remindTrialEnding, startTrial, trialDaysOffered, type BillingDeps } from './billing/subscriptions.js';
import { withNotice } from './web/reader-nav.js';
import { makeStripe, type StripeDeps } from './billing/stripe.service.js';
import { AppError } from './errors.js';
import { DIGEST_JOB, scheduleDigest, sendDigests } from './comments/digest.js';
import { IMPORT_RUN_JOB, importRunHandler } from './importer/import-runs.service.js';
import { MEMBER_IMPORT_JOB, memberImportHandler } from './members/member-import.js';
import { DataDirMediaStore, mediaDir, type MediaStore } from './media/store.js';
import type { FetchLimits } from './media/fetch.js';

export interface App {
  server: FastifyInstance;
  ctx: AppContext;
  close(): Promise<void>;
}

export function createLogger(config: Pick<Config, 'logLevel'>): Logger {
  return pino({ level: config.logLevel });
}

import { DEVICE_COOKIE } from './access/access.service.js';
import { DeviceCookieSigner } from './access/keyed-hash.js';

export interface AppOptions {
  /** A null secret (PostgreSQL without MASTHEAD_SECRET) is the publication's, from the database. */
  config: LoadedConfig;
  database?: Database;
  clock?: Clock;
  logger?: Logger | false;
  limits?: Partial<Limits>;
  /** Run the background job worker (mail). Tests may step it with ctx.worker.drain() instead. */
  startWorker?: boolean;
  /** Job worker poll interval. */
  pollMs?: number;
  /** DNS for verifying crawlers; tests inject one. */
  resolver?: Resolver;
  /** Where media bytes go; the data dir's media folder unless a test gives another. */
  mediaStore?: MediaStore;
  /** Limits for images an import fetches; tests allow local addresses and shorten the time. */
  importImages?: Partial<FetchLimits>;
}

/** The composition root: wires config, database, clock, mail, jobs and HTTP together. */
export async function createApp(opts: AppOptions): Promise<App> {
  const database = opts.database ?? openServingDatabase(opts.config.databaseUrl, opts.config.databasePoolSize);
  const ownsDatabase = !opts.database;
  const clock = opts.clock ?? systemClock;
  const logger = opts.logger === undefined ? createLogger(opts.config) : opts.logger;
  let config: Config;
  try {
    await checkConnection(database, opts.config.databaseUrl);
    const { applied } = await migrateToLatest(database, { onWait: () => logger && logger.info('another instance is migrating the database; waiting for it') });
    if (applied.length && logger) logger.info({ applied }, `applied migrations: ${applied.join(', ')}`);
    config = { ...opts.config, secret: await resolveSecret(opts.config, database, clock.now(), logger || undefined) };
  } catch (err) {
    if (ownsDatabase) await database.close().catch(() => {});
    throw err;
  }
  const site = new SiteCache(database.db, config.siteUrl, () => clock.now());
  const cache = new ReaderCache(clock);
  const clearLocal = () => {
    site.invalidate();
    cache.clear();
  };
  // A local write clears this instance's caches at once and, on PostgreSQL, every other instance's.
  const bus = invalidationBus(database, opts.config.databaseUrl, clearLocal, logger || undefined);
  const invalidate = () => {
    clearLocal();
    bus.publish();
  };
  const transport = createMailTransport({ smtpUrl: config.smtpUrl, dataDir: config.dataDir, logger: logger || undefined, dkim: config.dkim });
  let siteTitle = 'Masthead';
  // Mail is composed inside transactions: peek() never waits on the database (see SiteCache).
  const brand = async () => {
    const s = await site.peek();
    siteTitle = s.settings.title;
    return { settings: s.settings, siteUrl: config.siteUrl };
  };
  const billing: BillingDeps = { db: database.db, clock, siteUrl: config.siteUrl, brand };
  const stripe: StripeDeps | null = config.stripe
    ? { ...billing, stripe: makeStripe({ secretKey: config.stripe.secretKey, apiUrl: config.stripe.apiUrl }), webhookSecret: config.stripe.webhookSecret }
    : null;
  // The worker below runs the lanes; it kicks itself when a send is started (newsletters.queued).
  let kick = () => {};
  const newsletters: NewsletterDeps = {
    db: database.db, dialect: database.dialect, clock, siteUrl: config.siteUrl, secrets: [config.secret, config.previousSecret], brand, queued: () => kick(), transport,
  };
  const mediaDeps = { db: database.db, dialect: database.dialect, clock, store: opts.mediaStore ?? new DataDirMediaStore(mediaDir(config.dataDir)), changed: invalidate, log: logger || undefined };
  const worker = new JobWorker(database.db, database.dialect, clock, {
    [NEWSLETTER_JOB]: newsletterLane({ ...newsletters, secret: config.secret, transport, workerId: processWorkerId, leaseMs: config.jobLeaseMs, log: logger || undefined, concurrency: poolConnections(config.smtpUrl) }),
    [GOLIVE_JOB]: async (p: { articleId: number }) => void (await followArticle(newsletters, p.articleId)),
    [MAIL_JOB]: mailJobHandler(transport, () => config.mailFrom ?? defaultFrom(siteTitle, config.siteUrl)),
    [JOBS.trialEnd]: (p: { subscriptionId: number }) => endTrialIfDue(billing, p.subscriptionId),
    [JOBS.trialReminder]: (p: { subscriptionId: number }) => remindTrialEnding(billing, p.subscriptionId),
    [JOBS.graceCheck]: async (p: { memberId: number }) => void (await recomputeMemberStatus(billing, p.memberId)),
    'billing.comp_end': (p: { subscriptionId: number }) => endCompIfDue(billing, p.subscriptionId),
    [DIGEST_JOB]: async () => void (await sendDigests({ db: database.db, clock, siteUrl: config.siteUrl, brand })),
    [MEMBER_IMPORT_JOB]: memberImportHandler({ db: database.db, dialect: database.dialect, clock, billing, onProgress: invalidate }),
    [IMPORT_RUN_JOB]: importRunHandler({
      content: { db: database.db, dialect: database.dialect, clock, changed: invalidate },
      images: { ...(opts.importImages ?? {}), media: mediaDeps }, now: () => clock.now(),
    }),
  }, logger || undefined, opts.pollMs ?? 1000, { leaseMs: config.jobLeaseMs });
  kick = () => worker.kick();
  const limits = { ...DEFAULT_LIMITS, ...opts.limits };
  // One SQLite writer sees every meter write, so its cache is exact; PostgreSQL instances share the table.
  const meter = new Meter(database.db, clock, logger || undefined, database.dialect === 'sqlite' ? Infinity : 1000, database.dialect, database.oneConnection, () => site.current()?.settings.timezone ?? 'UTC');
  const accounts: AccountDeps = {
    db: database.db,
    dialect: database.dialect,
    clock,
    siteUrl: config.siteUrl,
    brand,
    mailQueued: () => worker.kick(),
    // "Try N days free" from a signed-out wall: the trial starts when the link is used.
    onIntent: async (d, memberId, intent, returnTo) => {
      if (intent !== 'trial') return returnTo;
      try {
        await startTrial({ ...billing, db: d.db }, memberId, undefined, { returnTo });
        // Back where they were, with the header saying the trial has started (a fixed notice key).
        return withNotice(returnTo, 'trial-started');
      } catch (err) {
        const reason = err instanceof AppError && err.code === 'conflict' ? (err.details as { reason?: string } | undefined)?.reason : undefined;
        if (reason) return `/subscribe?notice=${reason}&return_to=${encodeURIComponent(returnTo)}`;
        throw err;
      }
    },
    trialOffer: (d, email) => trialDaysOffered(d.db, email),
    // Signing in carries the device's reads this period over to the member: no fresh allowance by signing in.
    onMemberSignIn: async (d, memberId, deviceId) => {
      if (!deviceId) return;
      const [rules, settings] = await Promise.all([readMeterRules(d.db), readSiteSettings(d.db)]);
      await meter.merge(d.db, `d:${deviceId}`, `m:${memberId}`, windowAt(rules.period, d.now, settings.timezone).start);
    },
  };
  const verifiedDevices = new Map<string, string>();
  const deviceCookie = new DeviceCookieSigner(config.secret, config.previousSecret);
  const ctx: AppContext = {
    config,
    database,
    clock,
    content: { db: database.db, dialect: database.dialect, clock, changed: invalidate },
    accounts,
    site,
    cache,
    invalidate,
    worker,
    limits,
    access: { meter, crawler: new CrawlerVerifier(opts.resolver ?? systemResolver, () => clock.now()), secret: config.secret, deviceCookie, now: () => clock.now() },
    billing,
    stripe,
    media: mediaDeps,
    importImages: opts.importImages ?? {},
    comments: { db: database.db, clock, siteUrl: config.siteUrl, secret: config.secret, brand, mailQueued: () => worker.kick(), changed: invalidate },
    newsletters,
    throttles: {
      linkPerEmail: new Throttle(limits.linkPerEmail, limits.windowMs, () => clock.now()),
      passwordPerEmail: new Throttle(limits.passwordPerEmail, limits.windowMs, () => clock.now()),
      codePerStaff: new Throttle(limits.codePerStaff, limits.windowMs, () => clock.now()),
      // Five comments a minute per member is plenty for a person and little for a script.
      commentsPerMember: new Throttle(limits.commentsPerMinute, 60_000, () => clock.now()),
    },
    deviceIdOf(req: CookieCarrier) {
      const raw = req.cookies?.[DEVICE_COOKIE];
      if (!raw) return null;
      // A value that verified once is remembered (exact string only): a map lookup is cheaper than the hash.
      const known = verifiedDevices.get(raw);
      if (known) return known;
      const id = deviceCookie.verify(raw);
      if (id) {
        if (verifiedDevices.size >= 100_000) verifiedDevices.delete(verifiedDevices.keys().next().value!);
        verifiedDevices.set(raw, id);
      }
      return id;
    },
    deviceCookieRetiring(req: CookieCarrier) {
      // Only while a previous secret is configured can a cookie verify under another key.
      if (!config.previousSecret) return false;
      const raw = req.cookies?.[DEVICE_COOKIE];
      return !!raw && deviceCookie.verify(raw) !== null && !deviceCookie.signedWithCurrent(raw);
    },
  };
  await site.get();
  if (database.dialect === 'sqlite') await meter.loadKnownSubjects();
  const server = await buildServer(ctx, logger);
  if (opts.startWorker !== false) {
    await scheduleDigest(database.db, clock.now());
    worker.start();
  }
  return {
    server,
    ctx,
    async close() {
      // No new connections or jobs; requests and the job in flight finish (the job may still send mail).
      await Promise.all([server.close(), worker.stop()]);
      // After the last request: their meter reads are in this batch.
      await meter.stop();
      transport.close();
      await bus.close();
      if (ownsDatabase) await database.close();
    },
  };
}

/**
 * The signing secret: MASTHEAD_SECRET (or SQLite's data-dir file) when the config has one, else
 * the publication's, stored once in the database for every instance (see sharedSecret).
 */
async function resolveSecret(config: LoadedConfig, database: Database, now: number, logger: Logger | undefined): Promise<string> {
  if (config.secret) return config.secret;
  const file = readSecretFile(config.dataDir);
  const secret = await sharedSecret(database.db, file ?? newSecret(), now);
  if (file && file !== secret) logger?.warn(`${config.dataDir}/secret is not the publication's secret; the one in the database is used`);
  return secret;
}
