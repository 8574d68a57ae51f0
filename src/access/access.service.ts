import { randomFillSync } from 'node:crypto';
import type { ArticleSummary } from '../content/types.js';
import { decide, decideWithoutMeter, type AccessDecision, type MeterState, type Read, type Reader } from './decision.js';
import { windowAt } from './periods.js';
import type { MeterRules } from './rules.js';
import type { Meter } from './meter.js';
import { claimsGooglebot, type CrawlerVerifier } from './crawler.js';
import { readerKind } from './reader-kind.js';
import { deriveKey, keyedHash, type DeviceCookieSigner } from './keyed-hash.js';

/** The meter's device cookie: a random id, signed, HttpOnly, used for nothing else. */
export const DEVICE_COOKIE = 'mh_device';

export interface AccessDeps {
  meter: Meter;
  crawler: CrawlerVerifier;
  secret: string;
  deviceCookie: DeviceCookieSigner;
  now(): number;
}

/** What the HTTP layer knows about the request, without HTTP types. */
export interface RequestFacts {
  deviceId: string | null;
  member?: { id: number; status: string };
  staff: boolean;
  ip: string;
  userAgent: string;
  prefetch: boolean;
  /** The referring site's domain when the reader came from another site (dashboard/rules.ts referrerDomain); counted, never kept per reader. */
  referrer?: string | null;
}

export interface AccessOutcome {
  decision: AccessDecision;
  reader: Reader;
  /** A device id to set in the cookie (new devices only). */
  newDeviceId: string | null;
}

/**
 * Device ids: the second they were made (base 36, so they sort by time) then 18 random bytes,
 * cut from a pool filled 4 KB at a time (a new device on every view would otherwise ask the
 * kernel for 18 bytes per request). Sorting by time puts new devices' meter rows at the end of
 * the meter's b-tree, where a flush writes a few pages instead of one page per row: measured,
 * 300,000 upserts took 0.9 s with time-ordered keys against 5.3 s with random ones.
 */
const POOL_BYTES = 4096;
const ID_BYTES = 18;
const pool = Buffer.alloc(POOL_BYTES);
let poolAt = POOL_BYTES;
export function randomDeviceId(): string {
  if (poolAt + ID_BYTES > POOL_BYTES) {
    randomFillSync(pool);
    poolAt = 0;
  }
  const id = Math.floor(Date.now() / 1000).toString(36) + pool.toString('base64url', poolAt, poolAt + ID_BYTES);
  poolAt += ID_BYTES;
  return id;
}

/**
 * The cookieless meters' subjects: keyed hashes with a key that changes every period, so the raw
 * address and browser are never kept and a subject cannot be followed from one period to the next.
 * `a:` is address + browser (one client behind a shared address); `c:` is the address alone, the
 * ceiling that a client rotating its User-Agent still meets.
 */
const periodKeys = new Map<string, { secret: string; period: string; key: string }>();
function periodKey(secret: string, purpose: string, period: string): string {
  // The key changes once a period: derived once, and found again without building a string.
  const k = periodKeys.get(purpose);
  if (k && k.period === period && k.secret === secret) return k.key;
  const key = deriveKey(secret, `${purpose}:${period}`);
  periodKeys.set(purpose, { secret, period, key });
  return key;
}
export function addressSubject(secret: string, period: string, ip: string, ua: string): string {
  return 'a:' + keyedHash(periodKey(secret, 'meter-address', period), `${ip}\n${ua}`, 22);
}
export function ceilingSubject(secret: string, period: string, ip: string): string {
  return 'c:' + keyedHash(periodKey(secret, 'meter-ceiling', period), ip, 22);
}

const NONE: Read[] = [];
/** The meter state once every read is in memory: the ceiling's reads are always asked (NONE when there is no ceiling). */
type Settled = Required<MeterState>;

/**
 * Gather the meter state the decision needs (and only that), decide, and
 * record what the decision says to record. The body is not touched here.
 */
export function decideForRequest(deps: AccessDeps, article: Pick<ArticleSummary, 'id' | 'access'>, f: RequestFacts, rules: MeterRules & { timezone: string }, o: { record?: boolean } = {}): AccessOutcome | Promise<AccessOutcome> {
  const record = o.record ?? true;
  const now = deps.now();
  const kind = readerKind(f);
  const reader: Reader = { kind, hasDevice: f.deviceId !== null, prefetch: f.prefetch, verifiedCrawler: false };
  // Where readers come from: an hourly count in the meter's batch, like the other events (no await, no write here).
  if (record && f.referrer && !f.prefetch) deps.meter.event({ kind: 'referrer', articleId: null, reason: f.referrer, reader: null, at: now });
  if (rules.verifiedCrawlers && kind === 'anonymous' && !f.prefetch && article.access !== 'free' && claimsGooglebot(f.userAgent)) {
    return deps.crawler.verify(f.ip).then((verified) => {
      reader.verifiedCrawler = verified;
      return decideFor(deps, article, f, rules, record, now, reader);
    });
  }
  return decideFor(deps, article, f, rules, record, now, reader);
}

/**
 * The decision once the reader is known. Answered without a promise when no meter state is
 * needed (free, paid, staff, subscribers: most views), so those views await nothing here.
 */
function decideFor(deps: AccessDeps, article: Pick<ArticleSummary, 'id' | 'access'>, f: RequestFacts, rules: MeterRules & { timezone: string }, record: boolean, now: number, reader: Reader): AccessOutcome | Promise<AccessOutcome> {
  const early = decideWithoutMeter(article, reader);
  if (early) {
    if (record && !early.full && !f.prefetch) deps.meter.event({ kind: 'wall_shown', articleId: article.id, reason: early.reason, reader: reader.kind, at: now });
    return { decision: early, reader, newDeviceId: null };
  }
  return decideMetered(deps, article, f, rules, record, now, reader);
}

function decideMetered(deps: AccessDeps, article: Pick<ArticleSummary, 'id' | 'access'>, f: RequestFacts, rules: MeterRules & { timezone: string }, record: boolean, now: number, reader: Reader): AccessOutcome | Promise<AccessOutcome> {
  const kind = reader.kind;
  const w = windowAt(rules.period, now, rules.timezone);
  const subject = f.member ? `m:${f.member.id}` : f.deviceId ? `d:${f.deviceId}` : null;
  // The address key is a keyed hash: computed only when it is read (no device cookie) or a read is counted, not on rereads.
  let address: string | null | undefined;
  const addressOf = () => (address === undefined ? (address = kind === 'anonymous' ? addressSubject(deps.secret, w.key, f.ip, f.userAgent) : null) : address);
  // Requests without a device cookie also meet the address ceiling (any browser).
  const ceiling = kind === 'anonymous' && !f.deviceId ? ceilingSubject(deps.secret, w.key, f.ip) : null;
  // Most reads are answered from memory without a promise (and then this view awaits nothing);
  // only those that query wait. After a wait, the state is asked again and decided on at once,
  // with no await between the asking and the recording: a read recorded by a parallel request
  // while this one waited is counted.
  const state = () => ({
    reads: subject ? deps.meter.reads(subject, w.start) : NONE,
    addressReads: !f.deviceId && addressOf() ? deps.meter.reads(addressOf()!, w.start) : NONE,
    ceilingReads: ceiling ? deps.meter.reads(ceiling, w.start) : NONE,
  });
  const pending = (s: ReturnType<typeof state>) => s.reads instanceof Promise || s.addressReads instanceof Promise || s.ceilingReads instanceof Promise;
  const settle = (settled: Settled): AccessOutcome | Promise<AccessOutcome> => {
    const decision = decide(article, reader, settled, rules, now);
    if (!record) return { decision, reader, newDeviceId: null };
    if (!decision.count || reader.verifiedCrawler) return counted(decision, null);
    let own = subject;
    let newDeviceId: string | null = null;
    if (!own) {
      newDeviceId = randomDeviceId();
      own = `d:${newDeviceId}`;
    }
    // Every anonymous read also counts on the address meter, which binds only clients that keep no cookie.
    const addr = addressOf();
    // A meter that already holds this article in the window counts it already: like a reread of
    // one's own meter, it is not written again (the first read in the window is the one that
    // counts). The bench's new devices behind one address write two rows a view instead of three;
    // on PostgreSQL such a subject also needs no lock, so new readers behind one address (an
    // office, a campus) do not queue on their shared ceiling's lock.
    const seen = (s: string) => (s === subject ? settled.reads : s === ceiling ? settled.ceilingReads : !f.deviceId && s === addr ? settled.addressReads : NONE).some((r) => r.articleId === article.id);
    const writes = [own, addr, ceiling].filter((s): s is string => s !== null && !seen(s));
    if (!deps.meter.shared) {
      for (const s of writes) deps.meter.record(s, article.id, now);
      return counted(decision, newDeviceId);
    }
    // Other instances spend the same allowance: decide again under the database's lock, held on
    // every subject the read is written to (an address meter is shared with other clients).
    return deps.meter.claim({
      lock: writes, writes, articleId: article.id, at: now, since: w.start,
      read: [subject, !f.deviceId ? addr : null, ceiling].filter((x): x is string => x !== null),
      decideFresh: (readsOf) => decide(article, reader, {
        reads: subject ? readsOf(subject) : NONE,
        addressReads: !f.deviceId && addr ? readsOf(addr) : NONE,
        ceilingReads: ceiling ? readsOf(ceiling) : NONE,
      }, rules, now),
      // Walled after all: no device is made for a view that counted nothing.
    }).then((fresh) => counted(fresh, fresh.count ? newDeviceId : null));
  };
  const counted = (decision: AccessDecision, newDeviceId: string | null): AccessOutcome => {
    if (decision.count && !reader.verifiedCrawler) {
      deps.meter.event({ kind: 'meter_read', articleId: article.id, reason: null, reader: kind, at: now });
    } else if (!decision.full) {
      deps.meter.event({ kind: 'wall_shown', articleId: article.id, reason: decision.reason, reader: kind, at: now });
    }
    return { decision, reader, newDeviceId };
  };
  const first = state();
  if (!pending(first)) return settle(first as Settled);
  return (async () => {
    let s = first;
    for (let waits = 0; pending(s); waits++) {
      // A load fills the cache, so the second asking is answered from memory; only eviction by
      // tens of thousands of other loads in between could make it wait again.
      if (waits === 8) throw new Error('meter state could not be settled');
      await Promise.all([s.reads, s.addressReads, s.ceilingReads]);
      s = state();
    }
    return settle(s as Settled);
  })();
}
