import { CompiledQuery, sql, type Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { DB } from '../db/schema.js';
import type { AccessDecision, Read } from './decision.js';
import { GrowingBloomFilter } from './bloom.js';
import type { Q } from '../db/q.js';
import type { Database } from '../db/database.js';
import { dayStart, monthStart, OTHER_REFERRER, REFERRERS_PER_FLUSH } from '../dashboard/rules.js';
import { HOUR } from '../shared/time.js';

/** `referrer` counts a view arriving from another site: its reason is the referrer's domain, nothing else. */
export interface MeterEvent { kind: 'meter_read' | 'wall_shown' | 'wall_action' | 'referrer'; articleId: number | null; reason: string | null; reader: string | null; at: number }

/**
 * A crash loses what is waiting: the reads of the open batch (at most FLUSH_MS old) and, if the
 * crash lands inside a write, that write's batch. 750 ms plus a write of tens of milliseconds
 * keeps the most a crash can lose under a second of meter reads and event counts; never an
 * account, subscription or comment, which are written directly.
 */
export const FLUSH_MS = 750;
/**
 * A memory bound, not a cadence: FLUSH_MS is. Each flush rewrites every b-tree page
 * its rows land on, and address-meter keys are random, so rows per flush decide the cost: measured
 * on the new-device bench, flushing at 500 rows (about 60 flushes a second) spent 14 µs a row and
 * a fifth of the event loop, flushing about once a second 3.5 µs a row.
 */
const FLUSH_AT = 50_000;
/** Reads older than this can never count again in any period; they are purged. */
const KEEP_MS = 40 * 86_400_000;

/**
 * Recently read subjects' rows, so a returning reader costs no query. With one
 * SQLite writer this process sees every write, so entries live until the
 * window moves; with PostgreSQL other instances write too, so entries live a second.
 */
interface CachedReads { since: number; at: number; rows: Map<number, number> }
const CACHE_MAX = 50_000;

/**
 * The claim's locks are taken in one order (by key) so that two claims of overlapping subjects
 * cannot each hold one the other waits for. Keys are 64-bit hashes of the subject; a collision
 * only makes two readers wait for each other.
 *
 * The lock, not the disk, is what makes the claim exact: its commit need not wait for the WAL
 * flush. Other transactions see the read the moment it commits; only a crash of the database
 * server itself (not of an instance) can lose the last fraction of a second of meter reads, as
 * SQLite's batch can. Waiting for the flush made each claim one fsync long.
 */
const ASYNC_COMMIT_SQL = 'set local synchronous_commit = off';

/** Meter subjects are a kind letter, a colon and a device id, member id or keyed hash: base64url and digits only. */
const SUBJECT = /^[a-z]:[A-Za-z0-9_-]{1,100}$/;
function literal(subject: string): string {
  if (!SUBJECT.test(subject)) throw new Error(`not a meter subject: ${JSON.stringify(subject.slice(0, 40))}`);
  return `'${subject}'`;
}
function integer(n: number): string {
  if (!Number.isSafeInteger(n)) throw new Error(`not an integer: ${n}`);
  return String(n);
}

/** On a conflict the latest read time wins: a read merged in at sign-in may be older than the one stored. */
const LATEST_READ_WINS = 'on conflict (subject, article_id) do update set read_at = case when excluded.read_at > meter_reads.read_at then excluded.read_at else meter_reads.read_at end';

/**
 * The meter's storage. Reads are decided against the database plus what this process has
 * recorded but not yet written; writes are grouped and flushed in one transaction every
 * FLUSH_MS (or sooner when FLUSH_AT are waiting).
 */
export class Meter {
  /**
   * Reads not yet written, per subject, as flat [articleId, readAt, …] pairs: a subject has a few
   * at most (its allowance), and a new device on every view made a Map per subject a cost of its own.
   */
  private pending = new Map<string, number[]>();
  /**
   * The batch a flush is writing, until it commits. Reads in it count like pending ones: a flush
   * yields between statements, and a view or a sign-in in that window must still see them.
   */
  private inFlight: Map<string, number[]> | undefined;
  /** After a failed flush, the next waits for the timer however much is waiting: no retry loop. */
  private failing = false;
  private cache = new Map<string, CachedReads>();
  private pendingCount = 0;
  /** Event counts not yet written, by hour|kind|article|reason|reader. */
  private events = new Map<string, number>();
  private eventCount = 0;
  /** Distinct referrer domains in `events`: beyond REFERRERS_PER_FLUSH they count as one "other", so junk headers cannot grow the tables without bound. */
  private referrers = 0;
  /** Hour → the local midnights its day and month begin at, for the roll-ups (a few dozen entries). */
  private days = new Map<string, { day: number; month: number }>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private lastPurge = 0;

  /**
   * With a single SQLite writer, every subject that has rows is known to this
   * process: loaded at start, added on every write. A subject the filter has
   * never seen has no rows, so its read needs no query.
   */
  private known: GrowingBloomFilter | undefined;

  /** Written once, not built per request: this runs on every metered view that misses the cache. */
  private readonly readsSql: string;

  constructor(private readonly db: Kysely<DB>, private readonly clock: Clock, private readonly log?: Logger, private readonly cacheTtlMs = Infinity, private readonly dialect: 'sqlite' | 'postgres' = 'sqlite', private readonly oneConnection?: Database['oneConnection'], private readonly timezone: () => string = () => 'UTC') {
    this.readsSql = dialect === 'postgres'
      ? 'select article_id, read_at from meter_reads where subject = $1 and read_at >= $2'
      : 'select article_id, read_at from meter_reads where subject = ? and read_at >= ?';
  }

  private readonly upserts = new Map<number, string>();
  /** `insert … values (…), (…) on conflict … do update`, for n rows, in this dialect's placeholders. */
  private upsertSql(n: number): string {
    let q = this.upserts.get(n);
    if (!q) {
      const pg = this.dialect === 'postgres';
      const rows = Array.from({ length: n }, (_, i) => (pg ? `($${i * 3 + 1}, $${i * 3 + 2}, $${i * 3 + 3})` : '(?, ?, ?)'));
      q = `insert into meter_reads (subject, article_id, read_at) values ${rows.join(', ')} ${LATEST_READ_WINS}`;
      this.upserts.set(n, q);
    }
    return q;
  }

  /** Load the set of subjects that have rows (SQLite, single writer only). */
  async loadKnownSubjects(): Promise<void> {
    const rows = await this.db.selectFrom('meter_reads').select('subject').distinct().execute();
    const bloom = new GrowingBloomFilter(Math.max(200_000, rows.length * 2));
    for (const r of rows) bloom.add(r.subject);
    this.known = bloom;
  }

  /**
   * The subject's counted reads since `since`: stored ones merged with those not yet written.
   * Answered without a promise when no query is needed (a cached or never-seen subject), which
   * is most views: the caller awaits only what is really pending.
   */
  reads(subject: string, since: number): Read[] | Promise<Read[]> {
    const cached = this.cache.get(subject);
    if (!cached && this.known && !this.known.has(subject)) {
      // A subject the filter has never seen has no stored rows; only its unwritten reads count.
      // Nothing is cached for it: most such subjects (new devices) never come back.
      return this.merged(undefined, subject, since);
    }
    if (!cached || cached.since > since || this.clock.now() - cached.at >= this.cacheTtlMs) return this.load(subject, since);
    return this.merged(cached.rows, subject, since);
  }

  private async load(subject: string, since: number): Promise<Read[]> {
    const now = this.clock.now();
    const rows = (await this.db.executeQuery<{ article_id: number; read_at: number }>(CompiledQuery.raw(this.readsSql, [subject, since]))).rows;
    const cached = { since, at: now, rows: new Map(rows.map((r) => [r.article_id, r.read_at])) };
    this.remember(subject, cached);
    return this.merged(cached.rows, subject, since);
  }

  private merged(stored: Map<number, number> | undefined, subject: string, since: number): Read[] {
    const out: Read[] = [];
    if (stored) for (const [articleId, readAt] of stored) if (readAt >= since) out.push({ articleId, readAt });
    for (const mine of this.unwritten(subject)) {
      for (let i = 0; i < mine.length; i += 2) {
        const articleId = mine[i]!, readAt = mine[i + 1]!;
        if (readAt < since) continue;
        const have = out.find((r) => r.articleId === articleId);
        if (!have) out.push({ articleId, readAt });
        else if (have.readAt < readAt) have.readAt = readAt;
      }
    }
    return out;
  }

  /** The subject's reads not yet in the database, as [articleId, readAt, …]: being written, then waiting. */
  private unwritten(subject: string): number[][] {
    const out: number[][] = [];
    const writing = this.inFlight?.get(subject);
    const waiting = this.pending.get(subject);
    if (writing) out.push(writing);
    if (waiting) out.push(waiting);
    return out;
  }

  private remember(subject: string, c: CachedReads): void {
    if (this.cache.size >= CACHE_MAX) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(subject, c);
  }

  /**
   * Several instances on one PostgreSQL database each see only their own unwritten reads, so a
   * read that spends allowance is claimed against the database instead: the subjects that could
   * still refuse it are locked (`lock`: a transaction-scoped advisory lock each, taken in one order
   * so two claims never deadlock), every subject the decision reads (`read`) is read afresh,
   * `decideFresh` decides again on them, and the read is written to `writes` before the locks are
   * released. Twenty parallel first reads on three instances therefore spend
   * exactly the allowance. Only spending reads pay for this: rereads and walls are decided from
   * the cache, and event counts stay batched.
   */
  async claim(c: { lock: string[]; read: string[]; since: number; decideFresh: (readsOf: (subject: string) => Read[]) => AccessDecision; writes: string[]; articleId: number; at: number }): Promise<AccessDecision> {
    if (!this.oneConnection) throw new Error('the meter on PostgreSQL claims reads over a connection of its own: pass Database.oneConnection');
    const subjects = [...new Set([...c.lock, ...c.read])];
    const fresh = new Map<string, Map<number, number>>(subjects.map((s) => [s, new Map()]));
    // Two round trips, each one script: lock and read; then write and commit. The script inlines
    // subjects and numbers, each checked first (see literal()): a simple query takes no parameters.
    const decision = await this.oneConnection(async (run) => {
      const lockAndRead = [
        'begin',
        ASYNC_COMMIT_SQL,
        ...(c.lock.length ? [`select pg_advisory_xact_lock(k) from (select distinct hashtextextended(s, 0) as k from unnest(array[${c.lock.map(literal).join(', ')}]::text[]) as s order by k) as keys`] : []),
        // After the locks, in a statement of its own: in READ COMMITTED each statement sees what committed before it began.
        `select subject, article_id, read_at from meter_reads where subject in (${subjects.map(literal).join(', ')}) and read_at >= ${integer(c.since)}`,
      ];
      const rows = (await run(lockAndRead.join(';\n'))).at(-1)!;
      for (const r of rows) fresh.get(String(r.subject))!.set(Number(r.article_id), Number(r.read_at));
      const d = c.decideFresh((subject) => this.merged(fresh.get(subject), subject, c.since));
      const write = d.count && c.writes.length
        ? `insert into meter_reads (subject, article_id, read_at) values ${c.writes.map((s) => `(${literal(s)}, ${integer(c.articleId)}, ${integer(c.at)})`).join(', ')} ${LATEST_READ_WINS};\n`
        : '';
      await run(`${write}commit`);
      return d;
    });
    // What was just read under the lock is the freshest state there is: the next reread here needs no query.
    const now = this.clock.now();
    if (decision.count) for (const s of c.writes) { if (!fresh.has(s)) fresh.set(s, new Map()); fresh.get(s)!.set(c.articleId, c.at); }
    for (const [s, rows] of fresh) this.remember(s, { since: c.since, at: now, rows });
    return decision;
  }

  /** Whether reads that spend allowance must be claimed against the database (several instances may share it). */
  get shared(): boolean {
    return this.dialect === 'postgres';
  }

  record(subject: string, articleId: number, at: number): void {
    this.add(subject, articleId, at);
    this.schedule();
  }

  /** Reads not yet written are merged from `pending`; cached rows stay as the database has them. The latest time wins. */
  private add(subject: string, articleId: number, at: number): void {
    this.known?.add(subject);
    const m = this.pending.get(subject);
    if (!m) {
      this.pending.set(subject, [articleId, at]);
      this.pendingCount++;
      return;
    }
    let i = 0;
    while (i < m.length && m[i] !== articleId) i += 2;
    if (i < m.length) {
      if (m[i + 1]! < at) m[i + 1] = at;
    } else {
      m.push(articleId, at);
      this.pendingCount++;
    }
  }

  event(e: MeterEvent): void {
    let key = `${Math.floor(e.at / HOUR) * HOUR}|${e.kind}|${e.articleId ?? 0}|${e.reason ?? ''}|${e.reader ?? ''}`;
    if (e.kind === 'referrer' && !this.events.has(key)) {
      if (this.referrers >= REFERRERS_PER_FLUSH) key = `${Math.floor(e.at / HOUR) * HOUR}|referrer|0|${OTHER_REFERRER}|`;
      else this.referrers++;
    }
    this.events.set(key, (this.events.get(key) ?? 0) + 1);
    this.eventCount++;
    this.schedule();
  }

  /**
   * At sign-in, the device's reads this period become the member's, so signing
   * in never resets the count. Runs inside the sign-in transaction.
   */
  async merge(trx: Q, fromSubject: string, toSubject: string, since: number): Promise<void> {
    this.cache.delete(toSubject);
    this.known?.add(toSubject);
    await sql`insert into meter_reads (subject, article_id, read_at)
      select ${toSubject}, article_id, read_at from meter_reads where subject = ${fromSubject} and read_at >= ${since}
      ${sql.raw(LATEST_READ_WINS)}`.execute(trx);
    for (const mine of this.unwritten(fromSubject)) {
      for (let i = 0; i < mine.length; i += 2) if (mine[i + 1]! >= since) this.record(toSubject, mine[i]!, mine[i + 1]!);
    }
  }

  private schedule(): void {
    if (this.pendingCount + this.eventCount >= FLUSH_AT && !this.failing) {
      void this.flush();
      return;
    }
    if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.flush();
      }, FLUSH_MS);
      this.timer.unref();
    }
  }

  /** Write everything waiting, in one transaction. */
  async flush(): Promise<void> {
    if (this.flushing) await this.flushing;
    if (!this.pendingCount && !this.eventCount) return;
    const batch = this.pending;
    const events = this.events;
    this.pending = new Map();
    this.pendingCount = 0;
    this.events = new Map();
    this.eventCount = 0;
    this.referrers = 0;
    // The rows as the statement's parameters (subject, article_id, read_at, subject, …), in the
    // table's key order. Address-meter keys are hashes: written as they came, each row landed on a
    // random page of the table, and a flush rewrote nearly every page (measured: 5 to 9 µs a row at
    // a few hundred thousand rows, growing with the table). In key order the writes move through
    // the table once: 2 to 3.5 µs a row, the sort included. Subjects are ASCII, so JavaScript's
    // order is SQLite's.
    const flat: (string | number)[] = [];
    for (const subject of [...batch.keys()].sort()) {
      const m = batch.get(subject)!;
      for (let i = 0; i < m.length; i += 2) flat.push(subject, m[i]!, m[i + 1]!);
    }
    const rowCount = flat.length / 3;
    this.inFlight = batch;
    this.flushing = (async () => {
      try {
        await this.db.transaction().execute(async (trx) => {
          // Chunks of fixed sizes (100, 10, 1 rows), so each is one prepared statement, reused.
          for (let i = 0; i < rowCount;) {
            const n = rowCount - i >= 100 ? 100 : rowCount - i >= 10 ? 10 : 1;
            await trx.executeQuery(CompiledQuery.raw(this.upsertSql(n), flat.slice(i * 3, (i + n) * 3)));
            i += n;
            // SQLite writes synchronously: every 1,000 rows (a few ms), let waiting requests run,
            // so a large batch is not one pause of every reader's page. Views do not need this
            // connection: their reads come from memory, and `inFlight` covers the batch.
            if (i % 1000 === 0 && i < rowCount) await new Promise((r) => setImmediate(r));
          }
          const counts = [...events].map(([key, count]) => {
            const [hour, kind, articleId, reason, reader] = key.split('|') as [string, string, string, string, string];
            return { hour: Number(hour), kind, article_id: Number(articleId), reason, reader, count };
          });
          for (let i = 0; i < counts.length; i += 200) {
            await trx.insertInto('event_counts').values(counts.slice(i, i + 200))
              .onConflict((oc) => oc.columns(['hour', 'kind', 'article_id', 'reason', 'reader']).doUpdateSet({ count: (eb) => eb('event_counts.count', '+', eb.ref('excluded.count')) }))
              .execute();
          }
          // The daily roll-ups the dashboard reads, from the same batch: a few rows more per flush, nothing per view.
          const { totals, perArticle, perMonth } = this.rollUp(counts);
          for (let i = 0; i < totals.length; i += 200) {
            await trx.insertInto('event_days').values(totals.slice(i, i + 200))
              .onConflict((oc) => oc.columns(['day', 'kind', 'reason']).doUpdateSet({ count: (eb) => eb('event_days.count', '+', eb.ref('excluded.count')) }))
              .execute();
          }
          for (let i = 0; i < perArticle.length; i += 200) {
            await trx.insertInto('article_days').values(perArticle.slice(i, i + 200))
              .onConflict((oc) => oc.columns(['kind', 'day', 'article_id']).doUpdateSet({ count: (eb) => eb('article_days.count', '+', eb.ref('excluded.count')) }))
              .execute();
          }
          for (let i = 0; i < perMonth.length; i += 200) {
            await trx.insertInto('article_months').values(perMonth.slice(i, i + 200))
              .onConflict((oc) => oc.columns(['kind', 'month', 'article_id']).doUpdateSet({ count: (eb) => eb('article_months.count', '+', eb.ref('excluded.count')) }))
              .execute();
          }
        });
        // Written: cached rows now include the batch. Done after the commit, so that a row set
        // loaded while the batch was being written (without it) gets it too.
        for (const [subject, m] of batch) {
          const c = this.cache.get(subject);
          if (c) for (let i = 0; i < m.length; i += 2) if ((c.rows.get(m[i]!) ?? -1) < m[i + 1]!) c.rows.set(m[i]!, m[i + 1]!);
        }
        this.failing = false;
      } catch (err) {
        // Put the reads back (the latest time wins) so a later flush retries them; events are best
        // effort. The retry waits for the timer: a database that is down is not hammered.
        for (let i = 0; i < flat.length; i += 3) this.add(flat[i] as string, flat[i + 1] as number, flat[i + 2] as number);
        this.failing = true;
        this.log?.error({ err }, 'meter flush failed; will retry');
      } finally {
        this.inFlight = undefined;
        this.flushing = undefined;
      }
      if (this.failing) this.schedule();
      await this.purgeNow();
    })();
    await this.flushing;
  }

  /** Hourly counts summed per local day (totals by kind and reason, per article by kind) and per local month (per article). */
  private rollUp(counts: { hour: number; kind: string; article_id: number; reason: string; count: number }[]) {
    const tz = this.timezone();
    const totals = new Map<string, { day: number; kind: string; reason: string; count: number }>();
    const perArticle = new Map<string, { kind: string; day: number; article_id: number; count: number }>();
    const perMonth = new Map<string, { kind: string; month: number; article_id: number; count: number }>();
    const add = <T extends { count: number }>(m: Map<string, T>, key: string, row: T) => {
      const have = m.get(key);
      if (have) have.count += row.count;
      else m.set(key, row);
    };
    for (const c of counts) {
      const dayKey = `${tz}|${c.hour}`;
      let at = this.days.get(dayKey);
      if (!at) {
        if (this.days.size > 1000) this.days.clear();
        this.days.set(dayKey, (at = { day: dayStart(c.hour, tz), month: monthStart(c.hour, tz) }));
      }
      add(totals, `${at.day}|${c.kind}|${c.reason}`, { day: at.day, kind: c.kind, reason: c.reason, count: c.count });
      if (c.article_id > 0) {
        add(perArticle, `${at.day}|${c.kind}|${c.article_id}`, { kind: c.kind, day: at.day, article_id: c.article_id, count: c.count });
        add(perMonth, `${at.month}|${c.kind}|${c.article_id}`, { kind: c.kind, month: at.month, article_id: c.article_id, count: c.count });
      }
    }
    return { totals: [...totals.values()], perArticle: [...perArticle.values()], perMonth: [...perMonth.values()] };
  }

  private async purgeNow(): Promise<void> {
    const now = this.clock.now();
    if (now - this.lastPurge < 10 * 60_000) return;
    this.lastPurge = now;
    await this.db.deleteFrom('meter_reads').where('read_at', '<', now - KEEP_MS).execute().catch(() => {});
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush();
  }
}
