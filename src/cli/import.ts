import { parseArgs } from 'node:util';
import { z } from 'zod';
import { ACCESS_LEVELS } from '../content/types.js';
import type { ContentDeps } from '../content/deps.js';
import { runImport, type ImportSummary } from '../importer/run.js';
import { inputSize, type ImportInput } from '../importer/sources.js';
import { FORMAT_CHOICES } from '../importer/types.js';
import { outcomeRecord, type ImportOutcome } from '../importer/import.service.js';
import { Progress } from './progress.js';
import type { ImageImportOptions } from '../importer/images.js';
import { REVIEW_REASONS } from '../importer/review-reasons.js';

export const IMPORT_USAGE = `masthead import <file|dir|-> [--format auto|text|html|wxr|ghost] [--access LEVEL] [--section S] [--author A]
                [--publish] [--pages] [--dry-run] [--explain] [--json] [--no-images]`;

const optionsSchema = z.object({
  format: z.enum(FORMAT_CHOICES).default('auto'),
  access: z.enum(ACCESS_LEVELS).optional(),
  section: z.string().trim().min(1).max(200).optional(),
  author: z.string().trim().min(1).max(200).optional(),
});

function describe(o: ImportOutcome, siteUrl: string): string {
  if (o.kind === 'failed') return `skipped ${o.position}: ${o.message}`;
  const verb = { created: 'created', updated: 'updated', unchanged: 'unchanged', kept: 'kept', would_create: 'would create', would_update: 'would update' }[o.kind];
  const note = o.kind === 'kept' ? ' (edited in Masthead since it was imported: left as it is)' : o.status === 'draft' ? ' (draft)' : '';
  return `${verb.padEnd(12)} ${siteUrl}${o.path}  ${JSON.stringify(o.title)}${note}`;
}

function summaryLine(s: ImportSummary): string {
  const total = s.created + s.updated + s.unchanged + s.kept;
  const secs = s.ms / 1000;
  const rate = secs > 0 ? Math.round((total + s.failed) / secs) : 0;
  const verb = s.dryRun ? 'Dry run: would import' : s.interrupted ? 'Interrupted after importing' : 'Imported';
  const parts = [`${s.created} new`, `${s.updated} updated`, `${s.unchanged} unchanged`, ...(s.kept ? [`${s.kept} kept as edited`] : [])];
  return `${verb} ${total} article${total === 1 ? '' : 's'} (${parts.join(', ')}); ${s.failed} skipped with errors; ${s.flagged} to review; ${secs.toFixed(1)} s, ${rate}/s.`
    + (s.imagesFetched || s.imagesFailed ? ` Images: ${s.imagesFetched} fetched into the media library, ${s.imagesFailed} could not be${s.imagesFailed ? ' (--explain or --json lists each)' : ''}.` : '')
    + (s.interrupted ? ' Run the same command again to continue.' : '');
}

/** `masthead import`: thin shell over importer/run.ts; everything it prints is derived from outcomes. */
export async function importCommand(args: string[], deps: ContentDeps, siteUrl: string, siteUrlSet = true, images?: ImageImportOptions): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      format: { type: 'string' }, access: { type: 'string' }, section: { type: 'string' }, author: { type: 'string' },
      publish: { type: 'boolean', default: false }, pages: { type: 'boolean', default: false },
      'dry-run': { type: 'boolean', default: false }, explain: { type: 'boolean', default: false }, json: { type: 'boolean', default: false },
      'no-images': { type: 'boolean', default: false },
    },
  });
  if (positionals.length !== 1) throw Object.assign(new Error(`usage: ${IMPORT_USAGE}`), { usage: true });
  const parsed = optionsSchema.safeParse(values);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    throw Object.assign(new Error(`--${String(i.path[0])}: ${i.message}`), { usage: true });
  }
  const opts = parsed.data;
  const target = positionals[0]!;
  const input: ImportInput = target === '-' ? { kind: 'stream', stream: process.stdin, name: 'stdin' } : { kind: 'path', path: target };
  if (input.kind === 'path') {
    const { stat } = await import('node:fs/promises');
    try {
      await stat(input.path);
    } catch {
      process.stderr.write(`masthead: ${input.path}: no such file or directory\n`);
      return 2;
    }
  }

  const out = process.stdout;
  const progress = process.stderr.isTTY ? new Progress(process.stderr, await inputSize(input)) : null;
  const print = (line: string, stream: NodeJS.WriteStream = out) => {
    progress?.clear();
    stream.write(line + '\n');
  };

  // The first Ctrl-C finishes the item in flight and stops; a second one leaves at once.
  const abort = new AbortController();
  const onSigint = () => {
    if (abort.signal.aborted) process.exit(130);
    abort.abort();
    progress?.clear();
    process.stderr.write('masthead: stopping after the current article (Ctrl-C again to quit now)\n');
  };
  process.on('SIGINT', onSigint);
  try {
    const summary = await runImport(deps, input, {
      format: opts.format, includePages: values.pages, access: opts.access, section: opts.section, author: opts.author,
      publish: values.publish, dryRun: values['dry-run'], images: values['no-images'] ? undefined : images,
    }, {
      signal: abort.signal,
      onBytes: (n) => progress?.bytes(n),
      onOutcome: (o) => {
        if (values.json) {
          const { ok, record } = outcomeRecord(o, siteUrl, values.explain);
          print(JSON.stringify({ type: ok ? 'article' : 'error', ...record }));
        } else {
          print(describe(o, siteUrl), o.kind === 'failed' ? process.stderr : out);
          if (o.kind !== 'failed') {
            for (const f of o.flags) print(`    review: ${REVIEW_REASONS[f] ?? f}`);
            if (values.explain) for (const f of o.images?.failed ?? []) print(`    image not fetched (${f.message}): ${f.url}`);
            if (values.explain) {
              if (!o.removed.length) print('    removed nothing');
              for (const r of o.removed) print(`    removed (${r.reason}${r.detail ? `: ${r.detail}` : ''}): ${JSON.stringify(r.text)}`);
            }
          }
        }
        progress?.item();
      },
    });
    progress?.clear();
    if (values.json) print(JSON.stringify({ type: 'summary', ...summary, siteUrl }));
    else {
      print(summaryLine(summary));
      // The links above are only as right as the address they are built on: say where it came from.
      print(siteUrlSet
        ? `Links use SITE_URL (${siteUrl}).`
        : `Links use ${siteUrl}, made from HOST and PORT because SITE_URL is not set; set SITE_URL to the address readers use.`);
    }
    return summary.interrupted ? 130 : summary.failed ? 1 : 0;
  } finally {
    process.off('SIGINT', onSigint);
    progress?.clear();
  }
}
