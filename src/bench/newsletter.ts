/**
 * `npm run bench:newsletter`: the newsletter's three figures (issue 17), measured, never asserted.
 *  1. the publish dialog's recipient count at --count-members members (1,000,000), target < 100 ms;
 *  2. preparing a send to --members members (100,000): segment, copies, one row each, target < 30 s;
 *  3. delivering --deliver messages (5,000) to a local SMTP sink (smtp-server in a process of its
 *     own, bench/smtp-sink.ts, which reads and drops each message) over --connections pooled
 *     connections (5), target ≥ 300 messages a second, with the sending process's peak memory.
 *     --sink in-process puts the sink back in the sender's process (the first measurements did).
 * On a temporary SQLite database unless --database-url names an empty PostgreSQL one.
 *
 * Flags: --members N  --count-members N  --deliver N  --connections N  --sink process|in-process  --track  --database-url URL  --json
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { SMTPServer } from 'smtp-server';
import { sql } from 'kysely';
import { openDatabase } from '../db/database.js';
import { migrateToLatest } from '../db/migrate.js';
import { systemClock } from '../clock.js';
import { createArticle } from '../content/articles.service.js';
import { readSiteSettings } from '../content/settings.js';
import { createMailTransport } from '../mail/transport.js';
import { audienceCount, createNewsletter, startSend, type NewsletterDeps } from '../newsletters/newsletters.service.js';
import { newsletterLane } from '../newsletters/delivery.js';
import { writeEmailTracking } from '../newsletters/tracking.js';

const { values } = parseArgs({
  options: {
    members: { type: 'string', default: '100000' }, 'count-members': { type: 'string', default: '1000000' }, deliver: { type: 'string', default: '5000' },
    'database-url': { type: 'string' }, json: { type: 'boolean', default: false },
    connections: { type: 'string', default: '5' }, sink: { type: 'string', default: 'process' },
    // Open and click tracking on for the send: each message then carries a pixel and signed links.
    track: { type: 'boolean', default: false },
  },
});
const num = (v: string, name: string) => {
  const n = Number(v.replace(/[_,]/g, ''));
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a whole number of at least 1`);
  return n;
};
const members = num(values.members, 'members');
const countMembers = Math.max(members, num(values['count-members'], 'count-members'));
const deliver = Math.min(members, num(values.deliver, 'deliver'));
const connections = num(values.connections, 'connections');
if (values.sink !== 'process' && values.sink !== 'in-process') throw new Error('--sink must be process or in-process');
const log = (line: string) => process.stderr.write(`bench: ${line}\n`);

const dir = mkdtempSync(join(tmpdir(), 'masthead-newsletter-bench-'));
const database = openDatabase(values['database-url'] ?? `sqlite:${join(dir, 'bench.db')}`);
let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
try {
  await migrateToLatest(database);
  const content = { db: database.db, dialect: database.dialect, clock: systemClock, changed: () => {} };
  const article = await createArticle(content, { title: 'Bench briefing', dek: 'A standfirst.', body: { markdown: 'Opening paragraph.\n\n<!--more-->\n\nThe rest of the story.' }, status: 'published', publishedAt: new Date(Date.now() - 60_000).toISOString(), accessLevel: 'metered' });
  const nd: NewsletterDeps = { db: database.db, dialect: database.dialect, clock: systemClock, siteUrl: 'https://news.example', secrets: ['bench-secret-0123456789abcdefghijklmnop'], brand: async () => ({ settings: await readSiteSettings(database.db), siteUrl: 'https://news.example' }), queued: () => {} };
  const n = await createNewsletter(nd, { slug: 'bench', name: 'Bench briefing', senderName: 'Bench', senderEmail: 'bench@news.example', subscribeOnSignup: false });

  // Members and their subscriptions, in set-based inserts: a quarter of them paying.
  const t0 = performance.now();
  const now = Date.now();
  for (let from = 0; from < countMembers; from += 50_000) {
    const to = Math.min(countMembers, from + 50_000);
    await database.db.transaction().execute(async (trx) => {
      const rows = Array.from({ length: to - from }, (_, k) => from + k);
      for (let i = 0; i < rows.length; i += 2000) {
        await trx.insertInto('members').values(rows.slice(i, i + 2000).map((j) => ({
          email: `m${j}@bench.example`, email_normalized: `m${j}@bench.example`, name: '', status: j % 4 ? 'free' : 'paid', email_verified: 1,
          password_hash: null, created_at: now, last_seen_at: null, deleted_at: null,
        }))).execute();
      }
    });
  }
  // The first --members of them take this newsletter; the rest are members who do not.
  await sql`insert into newsletter_subscriptions (member_id, newsletter_id, subscribed, cause, changed_at)
    select id, ${n.id}, case when id <= ${members} then 1 else 0 end, 'import', ${now} from members`.execute(database.db);
  log(`seeded ${countMembers.toLocaleString('en')} members (${members.toLocaleString('en')} on the newsletter) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  // 1. The count, as the dialog asks for it: warm once, then the median of five.
  await audienceCount(nd, n.id, 'all');
  const counts: number[] = [];
  let counted = 0;
  for (let i = 0; i < 5; i++) {
    const c0 = performance.now();
    counted = await audienceCount(nd, n.id, 'free');
    counts.push(performance.now() - c0);
  }
  counts.sort((a, b) => a - b);
  const countMs = counts[2]!;

  if (values.track) await writeEmailTracking(database.db, { trackOpens: true, trackClicks: true });
  // 2. Preparing the send.
  const p0 = performance.now();
  const started = await startSend(nd, { newsletter: n.id, articleId: article.id, by: 'bench' });
  const prepareMs = performance.now() - p0;

  // 3. Delivery to a sink: only the first --deliver recipients stay queued.
  await database.db.updateTable('newsletter_recipients').set({ state: 'skipped', last_error: 'bench: not delivered' })
    .where('send_id', '=', started.send.id).where('member_id', '>', deliver).execute();
  const sink = values.sink === 'process' ? await processSink() : await inProcessSink();
  const transport = createMailTransport({ smtpUrl: `smtp://127.0.0.1:${sink.port}?maxConnections=${connections}`, dataDir: dir });
  const lane = newsletterLane({ ...nd, secret: nd.secrets[0]!, transport, workerId: 'bench', leaseMs: 60_000, sliceMs: 3_600_000, concurrency: connections });
  const d0 = performance.now();
  await lane({ sendId: started.send.id, lane: 0 });
  const deliverSeconds = (performance.now() - d0) / 1000;
  transport.close();
  const received = await sink.received();
  await sink.close();

  const result = {
    database: database.dialect,
    countMembers, countMs: Number(countMs.toFixed(1)), counted, countTarget: '< 100 ms', countMet: countMs < 100,
    members, prepareSeconds: Number((prepareMs / 1000).toFixed(2)), queued: started.counts.queued, prepareTarget: '< 30 s', prepareMet: prepareMs < 30_000,
    sink: values.sink, connections, tracked: values.track,
    delivered: received, deliverSeconds: Number(deliverSeconds.toFixed(2)), perSecond: Math.round(received / deliverSeconds), deliverTarget: '>= 300/s', deliverMet: received / deliverSeconds >= 300,
    peakRssMb: Math.round(peakRss / 1048576),
  };
  if (values.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  else {
    const met = (b: boolean) => (b ? 'met' : 'below');
    process.stdout.write([
      `recipient count at ${countMembers.toLocaleString('en')} members: ${result.countMs} ms (median of 5; ${counted.toLocaleString('en')} free members)   target < 100 ms: ${met(result.countMet)}`,
      `prepare a send to ${members.toLocaleString('en')} members: ${result.prepareSeconds} s (${result.queued.toLocaleString('en')} recipient rows)   target < 30 s: ${met(result.prepareMet)}`,
      `deliver ${received.toLocaleString('en')} messages to a local SMTP sink (${values.sink === 'process' ? 'its own process' : 'in this process'}, ${connections} connections${values.track ? ', opens and clicks tracked' : ''}): ${result.deliverSeconds} s, ${result.perSecond}/s   target >= 300/s: ${met(result.deliverMet)}`,
      `peak memory (RSS): ${result.peakRssMb} MB   database: ${database.dialect}`,
      '',
    ].join('\n'));
  }
} finally {
  clearInterval(sampler);
  await database.close();
  rmSync(dir, { recursive: true, force: true });
}

interface Sink { port: number; received(): Promise<number>; close(): Promise<void> }

/** The sink as a child process (bench/smtp-sink.js beside this file). */
async function processSink(): Promise<Sink> {
  const child = fork(fileURLToPath(new URL('./smtp-sink.js', import.meta.url)), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const next = <T>() => new Promise<T>((resolve, reject) => {
    child.once('message', (m) => resolve(m as T));
    child.once('exit', (code) => reject(new Error(`the SMTP sink exited (${code})`)));
  });
  const { port } = await next<{ port: number }>();
  return {
    port,
    received: async () => {
      const answer = next<{ received: number }>();
      child.send({ ask: 'count' });
      return (await answer).received;
    },
    close: async () => {
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.send({ ask: 'stop' });
      await exited;
    },
  };
}

async function inProcessSink(): Promise<Sink> {
  let received = 0;
  const sink = new SMTPServer({ authOptional: true, disabledCommands: ['STARTTLS'], logger: false, closeTimeout: 200, onData(stream, _s, cb) { stream.on('data', () => {}); stream.on('end', () => (received++, cb())); } });
  await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
  return { port: (sink.server.address() as { port: number }).port, received: async () => received, close: () => new Promise<void>((r) => sink.close(() => r())) };
}
