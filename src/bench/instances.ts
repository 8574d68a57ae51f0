/**
 * `npm run bench -- --database-url postgres://… --instances N`: after the usual run on one
 * instance, the same pages are loaded on N instances of the server sharing the database, as a
 * publication that scales out runs them. wrk has one target per run, so each slice is N wrk
 * runs at once, one per instance, splitting the connections between them; the reference is N
 * bare servers loaded the same way in the same round. The table puts the one-instance and the
 * N-instance rates side by side, with each one's ratio to its bare reference.
 */
import type { ChildProcess } from 'node:child_process';
import { cpuSeconds, rate, type LoadGenerator, type RequestShape, type SliceResult } from './load.js';

/** The servers a slice spreads over: one wrk run per URL, at once. */
export interface Spread { urls: string[]; procs: ChildProcess[] }

export interface SpreadScenario {
  page: string;
  /** The page's path on every instance. */
  path: string;
  shape: RequestShape;
  /** What the one-instance run measured for this page. */
  one: { reqPerSec: number; ratio: number };
}

export interface InstancesRow {
  page: string;
  one: { reqPerSec: number; ratio: number };
  many: { reqPerSec: number; bareReqPerSec: number; ratio: number; roundRatios: number[]; p99Ms: number; cpu: number | null; errors: number };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2) : 0;
};

/** N runs at once; their 2xx rates add up, the worst p99 stands for the slice, CPU is the servers' sum. */
async function spreadSlice(gen: LoadGenerator, s: Spread, path: string, shape: RequestShape, seconds: number, track: (c: ChildProcess) => ChildProcess) {
  const c0 = s.procs.map((p) => cpuSeconds(p.pid));
  const t0 = performance.now();
  const runs: SliceResult[] = await Promise.all(s.urls.map((u) => gen.run(u + path, shape, seconds, track)));
  const wall = (performance.now() - t0) / 1000;
  const c1 = s.procs.map((p) => cpuSeconds(p.pid));
  const used = c0.every((x) => x !== undefined) && c1.every((x) => x !== undefined) ? c1.reduce((n, x, i) => n + x! - c0[i]!, 0) / wall : null;
  return {
    reqPerSec: runs.reduce((n, r) => n + rate(r), 0),
    p99Ms: Math.max(...runs.map((r) => r.p99Ms)),
    errors: runs.reduce((n, r) => n + r.errors + r.non2xx, 0),
    cpu: used,
  };
}

export async function loadInstances(d: {
  gen: LoadGenerator;
  servers: Spread;
  bares: Spread;
  scenarios: SpreadScenario[];
  rounds: number;
  sliceSeconds: number;
  warmupSeconds: number;
  /** Waited after each page slice, so deferred writes land before the next bare slice. */
  settleMs: number;
  track: (c: ChildProcess) => ChildProcess;
  log: (line: string) => void;
}): Promise<InstancesRow[]> {
  const n = d.servers.urls.length;
  const rows: InstancesRow[] = [];
  await spreadSlice(d.gen, d.bares, '/', {}, d.warmupSeconds, d.track);
  for (const s of d.scenarios) {
    d.log(`bench: ${s.page} on ${n} instances (${d.warmupSeconds} s warm-up, then ${d.rounds} x (${d.sliceSeconds} s ${n} bare, ${d.sliceSeconds} s ${n} instances))`);
    const warm = await spreadSlice(d.gen, d.servers, s.path, s.shape, d.warmupSeconds, d.track);
    const pages: Awaited<ReturnType<typeof spreadSlice>>[] = [];
    const bares: number[] = [];
    const ratios: number[] = [];
    for (let r = 0; r < d.rounds; r++) {
      const b = await spreadSlice(d.gen, d.bares, '/', s.shape, d.sliceSeconds, d.track);
      const p = await spreadSlice(d.gen, d.servers, s.path, s.shape, d.sliceSeconds, d.track);
      await new Promise((res) => setTimeout(res, d.settleMs));
      pages.push(p);
      bares.push(b.reqPerSec);
      ratios.push(b.reqPerSec > 0 ? p.reqPerSec / b.reqPerSec : 0);
    }
    const cpus = pages.map((p) => p.cpu).filter((c): c is number => c !== null);
    rows.push({
      page: s.page,
      one: s.one,
      many: {
        reqPerSec: pages.reduce((x, p) => x + p.reqPerSec, 0) / pages.length,
        bareReqPerSec: bares.reduce((x, b) => x + b, 0) / bares.length,
        ratio: median(ratios),
        roundRatios: ratios,
        p99Ms: median(pages.map((p) => p.p99Ms)),
        cpu: cpus.length ? median(cpus) : null,
        errors: warm.errors + pages.reduce((x, p) => x + p.errors, 0),
      },
    });
  }
  return rows;
}

export function instancesTable(rows: InstancesRow[], n: number, fmtInt: (x: number) => string): string {
  const head = ['page', '1 instance req/s', 'ratio', `${n} instances req/s`, `${n} bare req/s`, 'ratio (min-max)', `${n} vs 1`, 'p99 ms', 'servers cpu', 'errors'];
  const body = rows.map((r) => [
    r.page, fmtInt(r.one.reqPerSec), r.one.ratio.toFixed(2), fmtInt(r.many.reqPerSec), fmtInt(r.many.bareReqPerSec),
    `${r.many.ratio.toFixed(2)} (${Math.min(...r.many.roundRatios).toFixed(2)}-${Math.max(...r.many.roundRatios).toFixed(2)})`,
    r.one.reqPerSec > 0 ? `${(r.many.reqPerSec / r.one.reqPerSec).toFixed(2)}x` : '-',
    r.many.p99Ms.toFixed(1), r.many.cpu === null ? '-' : `${Math.round(r.many.cpu * 100)}%`, String(r.many.errors),
  ]);
  const all = [head, ...body];
  const width = head.map((_, i) => Math.max(...all.map((row) => row[i]!.length)));
  const line = (row: string[]) => row.map((c, i) => (i === 0 ? c.padEnd(width[i]!) : c.padStart(width[i]!))).join('  ');
  return [
    `On ${n} instances sharing the database (each slice: ${n} wrk runs at once, one per instance, the connections split between them;`,
    `the reference: ${n} bare servers loaded the same way in the same round). servers cpu: the ${n} instances together, in cores x 100%.`,
    '',
    line(head),
    ...body.map(line),
    '',
  ].join('\n');
}
