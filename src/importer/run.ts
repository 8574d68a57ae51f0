import type { ControlledTransaction, Kysely } from 'kysely';
import type { ContentDeps } from '../content/deps.js';
import type { DB } from '../db/schema.js';
import { indexArticle, type SearchDoc } from '../content/search.js';
import { importItem, TaxonomyCache, type ImportOptions, type ImportOutcome } from './import.service.js';
import { readEntries, type ImportInput } from './sources.js';
import type { FormatChoice } from './types.js';
import { Converter, type ConverterOptions } from './worker/converter.js';
import { localizeImages, needsFetching, remoteImages, type ImageCache, type ImageImportOptions, type ImageReport } from './images.js';

export interface RunOptions extends ImportOptions {
  format: FormatChoice;
  includePages: boolean;
  /** Per item and for the worker thread's heap; the defaults are in limits.ts. */
  limits?: ConverterOptions;
  /** Fetch the images items link to into the media library (not in a dry run); off when absent. */
  images?: ImageImportOptions;
}

export interface ImportSummary {
  created: number;
  updated: number;
  unchanged: number;
  /** Edited in Masthead since their import, so left alone. */
  kept: number;
  failed: number;
  /** Articles flagged for a person to review (e.g. a title made from the body). */
  flagged: number;
  /** Images fetched into the media library, and those that could not be (each reported with its article). */
  imagesFetched: number;
  imagesFailed: number;
  dryRun: boolean;
  /** Stopped by the caller (Ctrl-C) before the input ended; a rerun continues where this stopped. */
  interrupted: boolean;
  ms: number;
}

export interface RunHooks {
  onOutcome?: (o: ImportOutcome) => void;
  onBytes?: (n: number) => void;
  /** Checked between items: the item in flight always finishes (or rolls back) first. */
  signal?: AbortSignal;
  now?: () => number;
}

const WAITED = Symbol('waited');

/** The next entry, or WAITED when `ms` pass first (null: no time limit) or the run is stopped. */
function raceTimer<T>(p: Promise<T>, ms: number | null, signal?: AbortSignal): Promise<T | typeof WAITED> {
  if (signal?.aborted) return Promise.resolve(WAITED);
  if (ms === null && !signal) return p;
  return new Promise((resolve, reject) => {
    const done = () => {
      if (timer) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    const onAbort = () => {
      done();
      resolve(WAITED);
    };
    const timer = ms === null ? undefined : setTimeout(onAbort, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
    p.then((v) => {
      done();
      resolve(v);
    }, (e) => {
      done();
      reject(e);
    });
  });
}

/** A batch commits after this many articles or this long, whichever comes first. */
const BATCH_ITEMS = 200;
const BATCH_MS = 250;

/**
 * Reads entries one at a time and imports each as its own unit: a savepoint (a nested
 * transaction) per article inside a short batch transaction that commits every 200 articles
 * or 250 ms. A bad item rolls back to its savepoint, is reported and skipped, and the rest
 * import. Committing per batch rather than per article is what makes 100,000 articles fit in
 * minutes: each commit flushes a full-text index segment, which costs more than the article.
 * Outcomes are reported when their batch commits, so what is printed is what is stored.
 * An unexpected error (the database went away) rolls back the open batch and stops the run;
 * every committed item is recorded with its hash, so a rerun skips what is done.
 * Items are read and converted on a worker thread (worker/converter.ts), each with a time
 * limit; this loop only waits for them and writes, so the process serves other requests meanwhile.
 */
export async function runImport(deps: ContentDeps, input: ImportInput, opts: RunOptions, hooks: RunHooks = {}): Promise<ImportSummary> {
  const now = hooks.now ?? Date.now;
  const started = now();
  const summary: ImportSummary = { created: 0, updated: 0, unchanged: 0, kept: 0, failed: 0, flagged: 0, imagesFetched: 0, imagesFailed: 0, dryRun: opts.dryRun, interrupted: false, ms: 0 };
  const cache = new TaxonomyCache();
  let wrote = false;
  let trx: ControlledTransaction<DB> | null = null;
  let batchStarted = 0;
  let held: ImportOutcome[] = [];

  const report = (o: ImportOutcome) => {
    switch (o.kind) {
      case 'created':
      case 'would_create':
        summary.created++;
        break;
      case 'updated':
      case 'would_update':
        summary.updated++;
        break;
      case 'unchanged':
        summary.unchanged++;
        break;
      case 'kept':
        summary.kept++;
        break;
      case 'failed':
        summary.failed++;
        break;
    }
    if (o.kind === 'created' || o.kind === 'updated') wrote = true;
    if (o.kind !== 'failed' && o.flags.length) summary.flagged++;
    if (o.kind !== 'failed' && o.images) {
      summary.imagesFetched += o.images.fetched;
      summary.imagesFailed += o.images.failed.length;
    }
    hooks.onOutcome?.(o);
  };
  let toIndex: SearchDoc[] = [];
  const commit = async () => {
    if (trx) {
      // One pass over the full-text index per batch, after the last savepoint of the batch.
      for (const doc of toIndex) await indexArticle(trx, deps.dialect, doc);
      await trx.commit().execute();
    }
    toIndex = [];
    trx = null;
    const out = held;
    held = [];
    out.forEach(report);
  };

  const converter = new Converter(opts.limits);
  const imageCache: ImageCache = new Map();
  try {
    const source = readEntries(input, { format: opts.format, includePages: opts.includePages, onBytes: hooks.onBytes, converter })[Symbol.asyncIterator]();
    for (;;) {
      const pending = source.next();
      // While the source is slow (a pipe, a huge page, a long run of attachments), the open batch
      // would hold SQLite's write lock and keep the site from writing: commit it when its time is up.
      // A Ctrl-C during the wait is seen at once.
      let got = await raceTimer(pending, trx ? Math.max(0, BATCH_MS - (now() - batchStarted)) : null, hooks.signal);
      if (got === WAITED) {
        await commit();
        got = await raceTimer(pending, null, hooks.signal);
      }
      if (got === WAITED || hooks.signal?.aborted) {
        summary.interrupted = true;
        void source.return(undefined).catch(() => {});
        break;
      }
      if (got.done) break;
      const { format } = got.value;
      let entry = got.value.entry;
      let images: ImageReport | undefined;
      if (entry.ok && opts.images && !opts.dryRun && remoteImages(entry.item).size) {
        // Fetching takes network time: the open batch commits first, so it does not hold SQLite's
        // write lock meanwhile, and each image is stored (files, then its row) on its own.
        if (!deps.db.isTransaction && needsFetching(entry.item, imageCache)) await commit();
        // Inside a caller's transaction, the media rows join it (SQLite has one connection).
        const media = deps.db.isTransaction ? { ...opts.images.media, db: deps.db } : opts.images.media;
        const done = await localizeImages(entry.item, { ...opts.images, media }, imageCache);
        entry = { ok: true, item: done.item };
        images = done.report;
      }
      const withImages = (o: ImportOutcome): ImportOutcome => (images && o.kind !== 'failed' ? { ...o, images } : o);
      if (!entry.ok) {
        held.push({ kind: 'failed', position: entry.error.position, message: entry.error.message });
      } else if (opts.dryRun || deps.db.isTransaction) {
        // A dry run writes nothing; a caller's own transaction is used as it is.
        held.push(withImages(await importItem({ ...deps, changed: undefined }, entry.item, format, opts, cache)));
      } else {
        if (!trx) {
          trx = await (deps.db as Kysely<DB>).startTransaction().execute();
          batchStarted = now();
        }
        const sp = await trx.savepoint('item').execute();
        // importItem adds the ids of authors and sections an item creates to the cache only when
        // the item succeeds; should the batch itself fail, the run stops and the cache goes with it.
        const docs: SearchDoc[] = [];
        const outcome = await importItem({ ...deps, db: sp, changed: undefined, indexLater: (doc) => docs.push(doc) }, entry.item, format, opts, cache);
        if (outcome.kind === 'failed') await sp.rollbackToSavepoint('item').execute();
        else toIndex.push(...docs);
        await sp.releaseSavepoint('item').execute();
        held.push(withImages(outcome));
      }
      if (held.length >= BATCH_ITEMS || (trx && now() - batchStarted >= BATCH_MS) || (!trx && held.length)) await commit();
    }
    await commit();
  } catch (err) {
    const open = trx as ControlledTransaction<DB> | null;
    if (open) await open.rollback().execute().catch(() => {});
    throw err;
  } finally {
    await converter.close();
    if (wrote) deps.changed?.();
    summary.ms = now() - started;
  }
  return summary;
}
