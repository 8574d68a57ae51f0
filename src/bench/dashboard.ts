/**
 * `npm run bench:dashboard`: the newsroom dashboard's answer time (issue 16), measured, never asserted.
 * Seeds --rows hourly event rows (10,000,000) spread over the last twelve months in event_counts,
 * with the daily roll-ups (event_days, article_days) the meter's flush would have written for them,
 * plus trials, subscriptions and members; then asks the real app for /admin/dashboard as a signed-in
 * editor over HTTP, one request at a time, and prints each period's p50 and p99 against 200 ms.
 * On a temporary SQLite database unless --database-url names an empty PostgreSQL one.
 *
 * Flags: --rows N  --requests N  --database-url URL  --json
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { openServingDatabase } from '../db/database.js';
import { migrateToLatest } from '../db/migrate.js';
import { createApp } from '../app.js';
import { loadConfig } from '../config.js';
import { createStaffUser } from '../members/staff.js';
import { setStaffPassword } from '../members/staff-auth.service.js';
import { DAY, HOUR } from '../shared/time.js';

const { values } = parseArgs({
  options: { rows: { type: 'string', default: '10000000' }, requests: { type: 'string', default: '200' }, 'database-url': { type: 'string' }, json: { type: 'boolean', default: false } },
});
const num = (v: string, name: string) => {
  const n = Number(v.replace(/[_,]/g, ''));
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a whole number of at least 1`);
  return n;
};
const rows = num(values.rows, 'rows');
const requests = num(values.requests, 'requests');
const log = (line: string) => process.stderr.write(`bench: ${line}\n`);
const TARGET_MS = 200;
const ARTICLES = 2000;

const dir = mkdtempSync(join(tmpdir(), 'masthead-dashboard-bench-'));
const url = values['database-url'] ?? `sqlite:${join(dir, 'bench.db')}`;
const database = openServingDatabase(url);
let app: Awaited<ReturnType<typeof createApp>> | undefined;
try {
  await migrateToLatest(database);
  const db = database.db;
  const now = Date.now();
  const hours = 365 * 24;
  const lastHour = Math.floor(now / HOUR) * HOUR;
  const firstHour = lastHour - (hours - 1) * HOUR;
  const perHour = Math.ceil(rows / hours);
  if (perHour > ARTICLES) throw new Error(`--rows at most ${ARTICLES * hours} (an hour's rows are distinct articles)`);
  // Per hour: 60% metered reads, 26% walls (two reasons), 9% wall clicks, 5% referrer domains
  // (one domain a row); each kind's rows name distinct articles, shifted every hour, so every article is read most days.
  const cut = (share: number) => Math.floor(perHour * share);
  const [reads, walls, clicks] = [cut(0.6), cut(0.86), cut(0.95)];
  const t0 = performance.now();
  const row = (h: string, r: string) => `${h}, case when ${r} < ${reads} then 'meter_read' when ${r} < ${walls} then 'wall_shown' when ${r} < ${clicks} then 'wall_action' else 'referrer' end,
    case when ${r} >= ${clicks} then 0 else ((${r} + (${h} / ${HOUR}) * 37) % ${ARTICLES}) + 1 end,
    case when ${r} < ${reads} then '' when ${r} < ${walls} then (case when ${r} % 2 = 0 then 'limit_reached' else 'paid_only' end) when ${r} < ${clicks} then 'trial:limit_reached' else 'site' || (${r} - ${clicks}) || '.example' end,
    case when ${r} >= ${clicks} then '' else 'anonymous' end, 1 + (${r} % 7)`;
  if (database.dialect === 'postgres') {
    await sql`insert into event_counts (hour, kind, article_id, reason, reader, count)
      select ${sql.raw(row('h', 'r'))} from generate_series(${firstHour}::bigint, ${lastHour}::bigint, ${HOUR}::bigint) as h, generate_series(0, ${perHour - 1}) as r
      on conflict do nothing`.execute(db);
  } else {
    // A month of hours per statement, so no single transaction grows without bound.
    for (let from = firstHour; from <= lastHour; from += 720 * HOUR) {
      const to = Math.min(lastHour, from + 719 * HOUR);
      await sql`with recursive h(h) as (select ${from} union all select h + ${HOUR} from h where h < ${to}),
        r(r) as (select 0 union all select r + 1 from r where r < ${perHour - 1})
        insert or ignore into event_counts (hour, kind, article_id, reason, reader, count) select ${sql.raw(row('h', 'r'))} from h, r`.execute(db);
    }
  }
  const seeded = Number((await sql<{ n: number }>`select count(*) as n from event_counts`.execute(db)).rows[0]!.n);
  log(`seeded ${seeded.toLocaleString('en')} hourly event rows in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  // The daily roll-ups, as the flush writes them (the bench site's zone is UTC: a day starts at a multiple of DAY).
  const t1 = performance.now();
  // The day's length as a literal: PostgreSQL matches a grouped expression to the selected one by its text, and two
  // parameters ($1, $2) holding the same number are not the same expression to it.
  const day = sql.lit(DAY);
  await sql`insert into event_days (day, kind, reason, count) select hour - (hour % ${day}), kind, reason, sum(count) from event_counts group by hour - (hour % ${day}), kind, reason`.execute(db);
  await sql`insert into article_days (kind, day, article_id, count) select kind, hour - (hour % ${day}), article_id, sum(count) from event_counts where article_id > 0 group by kind, hour - (hour % ${day}), article_id`.execute(db);
  const monthOf = database.dialect === 'postgres'
    ? sql.raw(`(extract(epoch from date_trunc('month', to_timestamp(day / 1000) at time zone 'UTC')) * 1000)::bigint`)
    : sql.raw(`(cast(strftime('%s', date(day / 1000, 'unixepoch', 'start of month')) as integer) * 1000)`);
  await sql`insert into article_months (kind, month, article_id, count) select kind, ${monthOf}, article_id, sum(count) from article_days group by kind, ${monthOf}, article_id`.execute(db);
  const rolled = async (t: string) => Number((await sql<{ n: number }>`select count(*) as n from ${sql.table(t)}`.execute(db)).rows[0]!.n);
  const dayRows = await rolled('event_days'), articleDayRows = await rolled('article_days'), articleMonthRows = await rolled('article_months');
  log(`rolled up into ${dayRows.toLocaleString('en')} event_days, ${articleDayRows.toLocaleString('en')} article_days and ${articleMonthRows.toLocaleString('en')} article_months rows in ${((performance.now() - t1) / 1000).toFixed(1)} s`);

  // Articles to name, 20,000 members over the year, a trial for every tenth (attributed), a third of those paying.
  await sql`insert into plans (slug, name, description, benefits, trial_days, status, is_default, created_at, updated_at) values ('supporter', 'Supporter', '', '[]', 14, 'active', 1, ${now}, ${now})`.execute(db);
  await sql`insert into prices (plan_id, interval, currency, amount, stripe_price_id) values (1, 'month', 'gbp', 700, null), (1, 'year', 'gbp', 7000, null)`.execute(db);
  const gen = (n: number, body: string) => database.dialect === 'postgres'
    ? sql.raw(`select ${body} from generate_series(1, ${n}) as i`)
    : sql.raw(`with recursive s(i) as (select 1 union all select i + 1 from s where i < ${n}) select ${body} from s`);
  await sql`insert into articles (title, slug, dek, body_doc, body_html, preview_html, preview_text, has_break, status, access_level, effective_access, featured, published_at, live_at, created_at, updated_at)
    ${gen(ARTICLES, `'Bench story ' || i, 'bench-story-' || i, '', '{"type":"doc","content":[]}', '', '', '', 0, 'published', 'metered', 'metered', 0, ${now - DAY}, ${now - DAY}, ${now - DAY}, ${now - DAY}`)}`.execute(db).catch((err) => {
    throw new Error(`could not seed articles (${(err as Error).message}); the articles table changed: update the bench`);
  });
  await sql`insert into members (email, email_normalized, name, status, email_verified, password_hash, created_at, last_seen_at, deleted_at)
    ${gen(20_000, `'m' || i || '@bench.example', 'm' || i || '@bench.example', '', 'free', 1, null, ${now} - (i * 1577) % ${365 * DAY}, null, null`)}`.execute(db);
  await sql`insert into subscriptions (member_id, plan_id, price_id, status, trial_end, current_period_end, cancel_at_period_end, past_due_since, ended_at, stripe_subscription_id, created_at, updated_at, trial_article_id)
    select id, 1, case when id % 30 = 0 then 1 else null end, case when id % 30 = 0 then 'active' else 'canceled' end, created_at + ${14 * DAY}, null, 0, null, null,
      case when id % 30 = 0 then 'sub_' || id else null end, created_at, created_at, 1 + (id % ${ARTICLES}) from members where id % 10 = 0`.execute(db);
  await sql`insert into subscription_history (subscription_id, at, from_status, to_status, cause, details)
    select id, created_at, null, 'trialing', 'member: started a free trial', null from subscriptions`.execute(db);
  await sql`insert into subscription_history (subscription_id, at, from_status, to_status, cause, details)
    select id, created_at + ${14 * DAY}, 'trialing', status, 'bench', null from subscriptions`.execute(db);
  await sql`analyze`.execute(db);

  const config = loadConfig({ MASTHEAD_DATA_DIR: dir, DATABASE_URL: url, SITE_URL: 'http://127.0.0.1', LOG_LEVEL: 'silent', ...(database.dialect === 'postgres' ? { MASTHEAD_SECRET: 'bench-secret-0123456789abcdefghijklmnop' } : {}) });
  app = await createApp({ config, database, logger: false, startWorker: false });
  const staff = await createStaffUser(db, { email: 'editor@bench.example', name: 'Editor', role: 'editor', now });
  await setStaffPassword({ db, clock: { now: () => Date.now() } }, staff.email, 'bench password 123', 'bench');
  const address = await app.server.listen({ port: 0, host: '127.0.0.1' });
  const cookies = new Map<string, string>();
  const jar = (res: Response) => { for (const c of res.headers.getSetCookie()) { const [kv] = c.split(';'); const i = kv!.indexOf('='); cookies.set(kv!.slice(0, i), kv!.slice(i + 1)); } };
  const cookie = () => [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  const signin = await fetch(`${address}/admin/signin`);
  jar(signin);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await signin.text())![1]!;
  const signed = await fetch(`${address}/admin/signin`, { method: 'POST', redirect: 'manual', headers: { cookie: cookie(), 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ _csrf: csrf, email: staff.email, password: 'bench password 123' }) });
  if (signed.status !== 303) throw new Error(`staff sign-in failed: ${signed.status}`);
  jar(signed);

  const periods = ['7d', '30d', '12m', 'custom&from=' + new Date(now - 200 * DAY).toISOString().slice(0, 10) + '&to=' + new Date(now - 20 * DAY).toISOString().slice(0, 10)];
  const results: { period: string; p50: number; p99: number; max: number; met: boolean }[] = [];
  for (const p of periods) {
    const times: number[] = [];
    for (let i = 0; i < requests + 5; i++) {
      const s = performance.now();
      const res = await fetch(`${address}/admin/dashboard?period=${p}`, { headers: { cookie: cookie() } });
      const body = await res.text();
      if (res.status !== 200 || !body.includes('The funnel, step by step')) throw new Error(`dashboard answered ${res.status}`);
      if (i >= 5) times.push(performance.now() - s); // the first few warm caches and statements
    }
    times.sort((a, b) => a - b);
    const q = (x: number) => Math.round(times[Math.min(times.length - 1, Math.ceil(x * times.length) - 1)]! * 10) / 10;
    results.push({ period: p.split('&')[0]!, p50: q(0.5), p99: q(0.99), max: Math.round(times.at(-1)! * 10) / 10, met: q(0.99) < TARGET_MS });
  }
  const result = { dialect: database.dialect, eventRows: seeded, eventDays: dayRows, articleDays: articleDayRows, articleMonths: articleMonthRows, requests, targetMs: TARGET_MS, periods: results, met: results.every((r) => r.met) };
  if (values.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  else {
    process.stdout.write(`dashboard over ${seeded.toLocaleString('en')} hourly event rows (${database.dialect}; roll-ups: ${dayRows.toLocaleString('en')} event_days, ${articleDayRows.toLocaleString('en')} article_days, ${articleMonthRows.toLocaleString('en')} article_months rows), ${requests} sequential requests per period:\n`);
    for (const r of results) process.stdout.write(`  ${r.period.padEnd(7)} p50 ${r.p50} ms  p99 ${r.p99} ms  max ${r.max} ms   target p99 < ${TARGET_MS} ms: ${r.met ? 'met' : 'NOT met'}\n`);
  }
} finally {
  await app?.close();
  await database.close().catch(() => {});
  if (!values['database-url']) rmSync(dir, { recursive: true, force: true });
}
