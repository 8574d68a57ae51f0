/**
 * The newsroom section of `npm run bench` (issues 16 and 17): after the HTTP table, the member list's
 * p99 per filter, the member CSV import, the dashboard's p99 per period and the newsletter's three
 * figures (the publish dialog's count, preparing a send, delivery to an SMTP sink), each bench in its
 * own process (bench:members, bench:dashboard, bench:newsletter) on its own empty database, so neither the HTTP figures nor each
 * other's data colour them. The default is the issue's own sizes (1,000,000 members, a 100,000-row
 * import, 10,000,000 event rows): about five minutes on two shared cores with SQLite; --newsroom-scale
 * small is a quick look (a quarter of the members and a fifth of the events).
 *
 * Its flags are taken out of the arguments before run.ts reads the rest:
 *   --no-newsroom                 skip the section
 *   --newsroom-only               only the section (no HTTP table)
 *   --newsroom-scale full|small
 *   --newsroom-database-url URL   a PostgreSQL server to run them on: each bench gets a database of its own
 *                                 made beside URL's (CREATEDB needed) and dropped afterwards; default SQLite files
 * With --json, --only or --help the section is left out (it would not fit in one JSON document); run
 * bench:members / bench:dashboard with --json for its figures.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { BenchError } from './seed.js';

export const SCALES = {
  // The targets' sizes: about five minutes on two shared cores, SQLite (members 2, dashboard 3).
  full: { members: 1_000_000, importRows: 100_000, eventRows: 10_000_000, samples: 60, requests: 200, countMembers: 1_000_000, prepare: 100_000, deliver: 5000 },
  // About a minute and a half.
  small: { members: 250_000, importRows: 25_000, eventRows: 2_000_000, samples: 40, requests: 100, countMembers: 250_000, prepare: 25_000, deliver: 2000 },
} as const;
export type Scale = keyof typeof SCALES;

export interface NewsroomOptions { run: boolean; only: boolean; scale: Scale; databaseUrl?: string }

const HELP = `
Newsroom section (after the HTTP table; its own processes and databases):
  --no-newsroom                 skip the member list, member import, dashboard and newsletter figures
  --newsroom-only               run only them
  --newsroom-scale S            full (default: ${SCALES.full.members.toLocaleString('en')} members, a ${SCALES.full.importRows.toLocaleString('en')}-row import, ${SCALES.full.eventRows.toLocaleString('en')} event
                                rows, the targets' sizes; about 5 minutes) or small (${SCALES.small.members.toLocaleString('en')}, ${SCALES.small.importRows.toLocaleString('en')}, ${SCALES.small.eventRows.toLocaleString('en')})
  --newsroom-database-url URL   a PostgreSQL server (each bench makes and drops a database beside URL's)
`;

/** Takes the section's flags out of argv: what is left is run.ts's. */
export function splitNewsroomArgs(argv: string[]): { rest: string[]; newsroom: NewsroomOptions } {
  const rest: string[] = [];
  const o: NewsroomOptions = { run: true, only: false, scale: 'full' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const [flag, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new BenchError(`${flag} needs a value`);
      return v;
    };
    if (flag === '--no-newsroom') o.run = false;
    else if (flag === '--newsroom-only') o.only = true;
    else if (flag === '--newsroom-scale') {
      const v = value();
      if (v !== 'small' && v !== 'full') throw new BenchError(`--newsroom-scale is full or small (got ${JSON.stringify(v)})`);
      o.scale = v;
    } else if (flag === '--newsroom-database-url') {
      const v = value();
      if (!/^postgres(ql)?:\/\//.test(v)) throw new BenchError('--newsroom-database-url must be a postgres:// URL (the default is SQLite files)');
      o.databaseUrl = v;
    } else rest.push(a);
  }
  if (rest.some((a) => a === '--json' || a === '--help' || a === '-h' || a === '--only' || a.startsWith('--only='))) o.run = o.only;
  return { rest, newsroom: o };
}

/** run.ts's main with the newsroom section after it: `npm run bench`'s one entry. */
export async function withNewsroomFigures(argv: string[], http: (argv: string[]) => Promise<number>): Promise<number> {
  const { rest, newsroom } = splitNewsroomArgs(argv);
  if (!newsroom.only) {
    const code = await http(rest);
    if (rest.includes('--help') || rest.includes('-h')) process.stdout.write(HELP);
    if (code !== 0 || !newsroom.run) return code;
  }
  return newsroomFigures(newsroom);
}

async function newsroomFigures(o: NewsroomOptions): Promise<number> {
  const s = SCALES[o.scale];
  process.stdout.write(`\nNewsroom (${o.scale === 'full' ? 'the targets\' sizes' : 'small scale: below the targets\' sizes'}; ${o.databaseUrl ? 'PostgreSQL' : 'SQLite'}):\n`);
  const members = await inScratchDatabase(o.databaseUrl, 'members', (url) => child('members', [
    '--members', String(s.members), '--rows', String(s.importRows), '--samples', String(s.samples), ...(url ? ['--database-url', url] : []),
  ]));
  const dashboard = await inScratchDatabase(o.databaseUrl, 'dashboard', (url) => child('dashboard', [
    '--rows', String(s.eventRows), '--requests', String(s.requests), ...(url ? ['--database-url', url] : []),
  ]));
  // Issue 17's three figures: the publish dialog's count, preparing a send, delivery to an SMTP sink.
  const newsletter = await inScratchDatabase(o.databaseUrl, 'newsletter', (url) => child('newsletter', [
    '--count-members', String(s.countMembers), '--members', String(s.prepare), '--deliver', String(s.deliver), ...(url ? ['--database-url', url] : []),
  ]));
  return members || dashboard || newsletter;
}

/** A bench in its own process, its table on our stdout, its progress on our stderr. */
function child(name: 'members' | 'dashboard' | 'newsletter', args: string[]): Promise<number> {
  // Under tsx (src/*.ts) the child needs tsx's loader too: process.execArgv carries it.
  const ts = import.meta.url.endsWith('.ts');
  const file = fileURLToPath(new URL(`./${name}.${ts ? 'ts' : 'js'}`, import.meta.url));
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [...process.execArgv, file, ...args], { stdio: ['ignore', 'inherit', 'inherit'] });
    p.on('error', reject);
    p.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

async function inScratchDatabase(serverUrl: string | undefined, name: string, fn: (url: string | undefined) => Promise<number>): Promise<number> {
  if (!serverUrl) return fn(undefined);
  const url = new URL(serverUrl);
  const db = `masthead_bench_${name}_${process.pid}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${db}`);
    url.pathname = `/${db}`;
    return await fn(url.toString());
  } finally {
    await admin.query(`drop database if exists ${db} with (force)`).catch((err) => process.stderr.write(`bench: could not drop ${db}: ${(err as Error).message}\n`));
    await admin.end();
  }
}
