/**
 * `npm run bench:media`: one image upload as the library does it, timed. A 12-megapixel JPEG
 * (4000 × 3000, made with sharp from noise, which compresses like a photograph) goes through
 * uploadMedia into a fresh SQLite database and a temporary data dir: checked, oriented, stripped,
 * every width in JPEG and WebP, files written, row inserted. Prints each run, the median, and the
 * event loop's longest stall meanwhile (the image work runs on libvips' threads). Target: < 2 s.
 * Benchmarks report; they never assert.
 *
 * Flags: --runs N (3)  --json
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { openDatabase } from '../db/database.js';
import { migrateToLatest } from '../db/migrate.js';
import { systemClock } from '../clock.js';
import { uploadMedia } from '../media/media.service.js';
import { DataDirMediaStore } from '../media/store.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' }, json: { type: 'boolean', default: false } } });
const runs = Math.max(1, Number(values.runs) || 3);

const dir = mkdtempSync(join(tmpdir(), 'masthead-media-bench-'));
const database = openDatabase(`sqlite:${join(dir, 'bench.db')}`);
try {
  await migrateToLatest(database);
  const deps = { db: database.db, dialect: database.dialect, clock: systemClock, store: new DataDirMediaStore(join(dir, 'media')) };
  const times: number[] = [];
  let stall = 0;
  let p99 = 0;
  let variants = 0;
  let inputBytes = 0;
  for (let i = 0; i < runs; i++) {
    // A different photo each run: the same bytes twice would be found in the library, not processed.
    const noise = await sharp({ create: { width: 4000, height: 3000, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 120 + i, sigma: 35 } } })
      .blur(0.8).jpeg({ quality: 90 }).withMetadata({ orientation: 1 }).toBuffer();
    inputBytes = noise.length;
    const loop = monitorEventLoopDelay({ resolution: 5 });
    loop.enable();
    const t0 = performance.now();
    const { media } = await uploadMedia(deps, { data: noise, originalName: `bench-${i}.jpg`, uploadedBy: null });
    times.push(performance.now() - t0);
    loop.disable();
    stall = Math.max(stall, loop.max / 1e6);
    p99 = Math.max(p99, loop.percentile(99) / 1e6);
    variants = media.variants.length;
  }
  const median = [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
  const result = { megapixels: 12, inputMB: +(inputBytes / 1024 / 1024).toFixed(1), variants, runsMs: times.map((t) => Math.round(t)), medianMs: Math.round(median), maxEventLoopStallMs: Math.round(stall), eventLoopP99Ms: Math.round(p99), targetMs: 2000 };
  if (values.json) process.stdout.write(JSON.stringify(result) + '\n');
  else {
    process.stdout.write(`bench:media: 12-megapixel JPEG (${result.inputMB} MB) → ${variants} variants (5 widths × JPEG + WebP)\n`);
    process.stdout.write(`  runs: ${result.runsMs.map((t) => `${t} ms`).join(', ')}\n`);
    process.stdout.write(`  median: ${result.medianMs} ms (target < 2000 ms) ${median < 2000 ? 'OK' : 'OVER'}\n`);
    process.stdout.write(`  event-loop delay during uploads: p99 ${result.eventLoopP99Ms} ms, longest ${result.maxEventLoopStallMs} ms (on a shared machine this includes waiting for a CPU)\n`);
  }
} finally {
  await database.close();
  rmSync(dir, { recursive: true, force: true });
}
