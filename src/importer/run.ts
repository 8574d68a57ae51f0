import type { ContentDeps } from '../content/deps.js';
import { importItem, TaxonomyCache, type ImportOptions, type ImportOutcome } from './import.service.js';
import { readEntries, type FormatChoice, type ImportInput } from './sources.js';

export interface RunOptions extends ImportOptions {
  format: FormatChoice;
  includePages: boolean;
}

export interface ImportSummary {
  created: number;
  updated: number;
  unchanged: number;
  failed: number;
  /** Articles flagged for a person to review (e.g. a title made from the body). */
  flagged: number;
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

/**
 * Reads entries one at a time and imports each in its own transaction. A bad entry is
 * reported and skipped; an unexpected error (the database went away) stops the run, and
 * because every committed item is recorded with its hash, a rerun skips what is done.
 */
export async function runImport(deps: ContentDeps, input: ImportInput, opts: RunOptions, hooks: RunHooks = {}): Promise<ImportSummary> {
  const now = hooks.now ?? Date.now;
  const started = now();
  const summary: ImportSummary = { created: 0, updated: 0, unchanged: 0, failed: 0, flagged: 0, dryRun: opts.dryRun, interrupted: false, ms: 0 };
  const cache = new TaxonomyCache();
  // Caches of rendered pages are cleared once at the end, not after each of 100,000 commits.
  const quiet: ContentDeps = { ...deps, changed: undefined };
  let wrote = false;
  try {
    for await (const { format, entry } of readEntries(input, { format: opts.format, includePages: opts.includePages, onBytes: hooks.onBytes })) {
      if (hooks.signal?.aborted) {
        summary.interrupted = true;
        break;
      }
      const outcome: ImportOutcome = entry.ok
        ? await importItem(quiet, entry.item, format, opts, cache)
        : { kind: 'failed', position: entry.error.position, message: entry.error.message };
      switch (outcome.kind) {
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
        case 'failed':
          summary.failed++;
          break;
      }
      if (outcome.kind === 'created' || outcome.kind === 'updated') wrote = true;
      if (outcome.kind !== 'failed' && outcome.flags.length) summary.flagged++;
      hooks.onOutcome?.(outcome);
    }
  } finally {
    if (wrote) deps.changed?.();
    summary.ms = now() - started;
  }
  return summary;
}
