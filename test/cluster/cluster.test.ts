import { afterAll, beforeAll, expect, it } from 'vitest';
import { connect } from 'node:net';
import { sql } from 'kysely';
import { openDatabase, type Database } from '../../src/db/database.js';
import { queueMail } from '../../src/mail/mailer.js';
import { createStaffUser } from '../../src/members/staff.js';
import { createApiToken } from '../../src/members/tokens.js';
import { systemClock } from '../../src/clock.js';
import { createNewsletter, startSend } from '../../src/newsletters/newsletters.service.js';
import { setSubscription } from '../../src/newsletters/newsletters.queries.js';
import { linkIn, startInbox, type Inbox } from '../helpers/smtp.js';
import { newReaders, type ServedRead } from '../helpers/reader-load.js';
import { run, tempDirs } from '../helpers/cli.js';

const cliDataDir = tempDirs('masthead-cluster-cli-');
import { buildOnce, clusterSuite, CookieJar, emptyPostgresDatabase, freePort, startInstance, startProxy, type Instance, type Proxy } from '../helpers/cluster.js';
import { MIGRATION_NAMES } from '../../src/db/migrate.js';

/**
 * Issue 14: three real instances (`node bin/masthead.js start`) on one fresh PostgreSQL database,
 * behind a round-robin proxy, behave as one publication. The tests share the cluster and run in
 * order: the last two take instances away (kill -9, then SIGTERM).
 */

const LEASE_MS = 1000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, ms: number, probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await sleep(50);
  }
}

clusterSuite('three instances on one PostgreSQL database', () => {
  let inbox: Inbox;
  let database: { url: string; drop(): Promise<void> };
  let db: Database;
  let proxy: Proxy;
  let instances: Instance[] = [];
  let stalling = true;
  let startedAt = 0;
  let env: Record<string, string> = {};

  beforeAll(async () => {
    buildOnce();
    inbox = await startInbox({ stall: (to) => stalling && to === 'stalled@example.com' });
    database = await emptyPostgresDatabase();
    proxy = await startProxy();
    const ports = [await freePort(), await freePort(), await freePort()];
    // All three at once, on the empty database, without MASTHEAD_SECRET: the secret is the database's.
    startedAt = Date.now();
    env = {
      DATABASE_URL: database.url,
      SITE_URL: proxy.url,
      TRUSTED_PROXIES: '127.0.0.1',
      SMTP_URL: inbox.url,
      JOB_LEASE_MS: String(LEASE_MS),
    };
    instances = ports.map((port, i) => startInstance(`i${i}`, port, env));
    await Promise.all(instances.map((x) => x.running));
    proxy.backends = instances.map((x) => ({ name: x.name, port: x.port }));
    db = openDatabase(database.url, { poolSize: 4 });
  }, 90_000);

  afterAll(async () => {
    for (const x of instances) x.signal('SIGTERM');
    await Promise.all(instances.map((x) => Promise.race([x.exited, sleep(8000).then(() => x.signal('SIGKILL'))])));
    await db?.close();
    await proxy?.close();
    await inbox?.close();
    await database?.drop();
  }, 30_000);

  it('start together on an empty database: one migrates and loads the demo, all three are ready, one secret is stored', async () => {
    expect(Date.now() - startedAt, 'three instances up').toBeLessThan(60_000);
    const said = (text: string) => instances.filter((x) => x.logs().some((l) => l.msg.startsWith(text))).map((x) => x.name);
    expect(said('applied migrations:'), 'exactly one instance applied the migrations').toHaveLength(1);
    expect(said('empty database: loaded the demo publication'), 'exactly one loaded the demo').toHaveLength(1);
    for (const x of instances) {
      const ready = await fetch(`${x.url}/readyz`);
      expect(ready.status, x.name).toBe(200);
      expect(await ready.json()).toEqual({ status: 'ok' });
      expect(x.stderr, x.name).toBe('');
    }
    const n = async (q: string) => Number((await sql<{ n: string }>`${sql.raw(q)}`.execute(db.db)).rows[0]!.n);
    expect(await n('select count(*) as n from kysely_migration')).toBe(MIGRATION_NAMES.length);
    expect(await n('select count(*) as n from articles')).toBe(14);
    expect(await n('select count(*) as n from instance_secrets')).toBe(1);
  });

  it('accepts a form rendered by one instance and posted to another', async () => {
    const jar = new CookieJar();
    const form = jar.take(await fetch(`${proxy.url}/signin`));
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())![1]!;
    const post = jar.take(await fetch(`${proxy.url}/signin`, {
      method: 'POST', redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: jar.header() },
      body: new URLSearchParams({ _csrf: csrf, email: 'form@example.com' }).toString(),
    }));
    expect(post.headers.get('x-backend')).not.toBe(form.headers.get('x-backend'));
    expect(post.status, await post.clone().text()).toBe(303);
    expect(post.headers.get('location')).toBe('/signin/check-email');
    // A signature no instance made is refused by all of them.
    const forged = await fetch(`${proxy.url}/signin`, {
      method: 'POST', redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `mh_csrf=${jar.get('mh_csrf')!.replace(/\.[^.]+$/, '.forgedsignatureforgedsignatureforgedsig')}` },
      body: new URLSearchParams({ _csrf: csrf, email: 'form@example.com' }).toString(),
    });
    expect(forged.status).toBe(403);
  });

  it('narrows access on every instance within 100 ms of the change on one: a free article made paid shows the wall on another', async () => {
    const owner = await createStaffUser(db.db, { email: 'owner-cache@staff.example', role: 'owner', now: Date.now() });
    const { token } = await createApiToken(db.db, owner.id, 'cache test', Date.now());
    const [a, b] = instances;
    const api = (method: string, path: string, body?: unknown) => fetch(`${a!.url}${path}`, {
      method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const created = await api('POST', '/api/admin/articles', { title: 'Harbour dues for the winter', accessLevel: 'free', status: 'published', body: { markdown: 'The harbour board set its winter dues.\n\n<!--more-->\n\nCoherence-canary-51c2 in the gated part.' } });
    expect(created.status).toBe(201);
    const { article } = (await created.json()) as { article: { id: number; slug: string } };
    const readOnB = async () => (await fetch(`${b!.url}/articles/${article.slug}`, { headers: { 'user-agent': 'CacheProbe/1' } })).text();
    // B has the free article in its caches (summary, shell, page) for the next second.
    expect(await readOnB()).toContain('Coherence-canary-51c2');
    expect(await readOnB()).toContain('Coherence-canary-51c2');
    expect((await api('PATCH', `/api/admin/articles/${article.id}`, { accessLevel: 'paid' })).status).toBe(200);
    await sleep(100);
    const after = await readOnB();
    expect(after).not.toContain('Coherence-canary-51c2');
    expect(after).toContain('This article is for subscribers');
  });

  it('signs in with a magic link asked for on one instance and opened on another', async () => {
    const jar = new CookieJar();
    const form = jar.take(await fetch(`${proxy.url}/signin`));
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())![1]!;
    const before = inbox.messages.length;
    const ask = jar.take(await fetch(`${proxy.url}/signin`, {
      method: 'POST', redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: jar.header() },
      body: new URLSearchParams({ _csrf: csrf, email: 'linked@example.com' }).toString(),
    }));
    expect(ask.status).toBe(303);
    const link = linkIn(await inbox.waitFor('linked@example.com', { after: before, timeoutMs: 15_000 }));
    expect(link.startsWith(`${proxy.url}/signin/verify?token=`), link).toBe(true);
    const open = jar.take(await fetch(link, { redirect: 'manual', headers: { cookie: jar.header() } }));
    expect(open.headers.get('x-backend')).not.toBe(ask.headers.get('x-backend'));
    expect(open.status, await open.clone().text()).toBe(303);
    const account = await fetch(`${proxy.url}/account`, { redirect: 'manual', headers: { cookie: jar.header() } });
    expect(account.status).toBe(200);
    expect(await account.text()).toContain('linked@example.com');
  });

  /** A member's browser signed in through the proxy with a magic link: its cookies. */
  const signIn = async (email: string) => {
    const jar = new CookieJar();
    const form = jar.take(await fetch(`${proxy.url}/signin`));
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())![1]!;
    const before = inbox.messages.length;
    jar.take(await fetch(`${proxy.url}/signin`, {
      method: 'POST', redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: jar.header() },
      body: new URLSearchParams({ _csrf: csrf, email }).toString(),
    }));
    const link = linkIn(await inbox.waitFor(email, { after: before, timeoutMs: 15_000 }));
    expect(jar.take(await fetch(link, { redirect: 'manual', headers: { cookie: jar.header() } })).status).toBe(303);
    return jar;
  };

  it('refuses a session on every instance within 100 ms of signing out everywhere on one', async () => {
    const laptop = await signIn('everywhere@example.com');
    const phone = await signIn('everywhere@example.com');
    const [a, b] = instances;
    const account = (x: Instance, jar: CookieJar) => fetch(`${x.url}/account`, { redirect: 'manual', headers: { cookie: jar.header() } });
    // B has just looked the phone's session up.
    expect((await account(b!, phone)).status).toBe(200);
    const page = await (await account(a!, laptop)).text();
    const csrf = /action="\/account\/signout-everywhere"[\s\S]*?name="_csrf" value="([^"]+)"/.exec(page)![1]!;
    const out = await fetch(`${a!.url}/account/signout-everywhere`, {
      method: 'POST', redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: laptop.header() },
      body: new URLSearchParams({ _csrf: csrf }).toString(),
    });
    expect(out.status).toBe(303);
    await sleep(100);
    const refused = await account(b!, phone);
    expect(refused.status, 'the phone is signed out on B too').toBe(303);
    expect(refused.headers.get('location')).toMatch(/^\/signin/);
  });

  /** Metered articles made through the Admin API, for the meter's tests: their gated part carries GATED. */
  const GATED = 'Gated-part-marker-7d1e';
  let metered: string[] = [];
  const meteredArticles = async () => {
    if (metered.length) return metered;
    const owner = await createStaffUser(db.db, { email: 'owner-meter@staff.example', role: 'owner', now: Date.now() });
    const { token } = await createApiToken(db.db, owner.id, 'meter test', Date.now());
    for (let i = 0; i < 22; i++) {
      const res = await fetch(`${instances[i % instances.length]!.url}/api/admin/articles`, {
        method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ title: `Tide tables, part ${i + 1}`, accessLevel: 'metered', status: 'published', body: { markdown: `Part ${i + 1} of the tide tables.\n\n<!--more-->\n\n${GATED} in part ${i + 1}.` } }),
      });
      expect(res.status).toBe(201);
      metered.push(((await res.json()) as { article: { slug: string } }).article.slug);
    }
    return metered;
  };
  /** Each article once, all at once, through the proxy: how many came in full, and through how many instances. */
  const atOnce = async (slugs: string[], headers: () => Record<string, string>) => {
    const pages = await Promise.all(slugs.map(async (slug) => {
      const res = await fetch(`${proxy.url}/articles/${slug}`, { headers: headers() });
      return { status: res.status, backend: res.headers.get('x-backend'), full: (await res.text()).includes(GATED) };
    }));
    expect(pages.map((p) => p.status)).toEqual(slugs.map(() => 200));
    return { full: pages.filter((p) => p.full).length, backends: new Set(pages.map((p) => p.backend)).size };
  };

  /** Every read served in full has its meter row: counted against the pages the readers got. */
  const expectAllStored = async (served: ServedRead[], what: string) => {
    expect(served.length, `reads served before ${what}`).toBeGreaterThan(10);
    const rows = await db.db.selectFrom('meter_reads').select('subject').where('subject', 'in', served.map((r) => `d:${r.device}`)).execute();
    expect(rows.length, `meter rows for the ${served.length} reads served around ${what}`).toBe(served.length);
  };

  it('meters a device exactly across instances: six reads back to back give 3 in full, and so do 20 parallel first reads with one cookie', async () => {
    const slugs = await meteredArticles();
    const jar = new CookieJar();
    const ua = { 'user-agent': 'ClusterReader/1' };
    const seen: boolean[] = [];
    for (const slug of slugs.slice(0, 6)) {
      const res = jar.take(await fetch(`${proxy.url}/articles/${slug}`, { headers: { ...ua, cookie: jar.header() } }));
      seen.push((await res.text()).includes(GATED));
    }
    expect(seen).toEqual([true, true, true, false, false, false]);

    const second = new CookieJar();
    const first = second.take(await fetch(`${proxy.url}/articles/${slugs[6]}`, { headers: { 'user-agent': 'ClusterReader/2' } }));
    expect(await first.text()).toContain(GATED);
    expect(second.get('mh_device')).toBeTruthy();
    const burst = await atOnce(slugs.slice(7, 22).concat(slugs.slice(0, 5)), () => ({ 'user-agent': 'ClusterReader/2', cookie: second.header() }));
    expect(burst.backends, 'spread over the instances').toBe(3);
    expect(burst.full, 'the first read plus 2 of the 20').toBe(2);
  });

  it('meters a signed-in member (5) and a client that keeps no cookie (3 × 3) exactly across instances', async () => {
    const slugs = await meteredArticles();
    const jar = await signIn('metered-member@example.com');
    const member = await atOnce(slugs.slice(0, 20), () => ({ 'user-agent': 'ClusterMember/1', cookie: jar.header() }));
    expect(member.backends).toBe(3);
    expect(member.full).toBe(5);

    const cookieless = await atOnce(slugs.slice(0, 20), () => ({ 'user-agent': 'ClusterNoCookies/1' }));
    expect(cookieless.backends).toBe(3);
    expect(cookieless.full).toBe(9);
  });

  it('holds the address ceiling (20) exactly across instances: 22 browsers without cookies behind one address, all at once', async () => {
    const slugs = await meteredArticles();
    const pages = await Promise.all(slugs.map(async (slug, i) => {
      // Straight to the instances, in turn, as the proxy would send them, from one client address.
      const res = await fetch(`${instances[i % instances.length]!.url}/articles/${slug}`, { headers: { 'x-forwarded-for': '10.77.0.1', 'user-agent': `CeilingBrowser/${i}` } });
      return (await res.text()).includes(GATED);
    }));
    expect(pages.filter(Boolean)).toHaveLength(20);
  });

  it('holds a meter rule tightened with the masthead command on every instance within 100 ms of the command', async () => {
    const slugs = await meteredArticles();
    const command = (allowance: number) => run(['settings', 'set', 'meter.anonymousAllowance', String(allowance)], { dataDir: cliDataDir(), env: { DATABASE_URL: database.url } });
    // Every instance keeps its settings cached (a second at a time) while the command runs.
    let warming = true;
    const warm = (async () => {
      while (warming) await Promise.all(instances.map(async (x) => (await fetch(`${x.url}/`)).arrayBuffer()));
    })();
    try {
      const set = await command(1);
      expect(set.code, set.stderr).toBe(0);
      await sleep(100);
      for (const x of instances) {
        const jar = new CookieJar();
        const headers = () => ({ 'user-agent': `TightenedReader/${x.name}`, cookie: jar.header() });
        const first = jar.take(await fetch(`${x.url}/articles/${slugs[20]}`, { headers: headers() }));
        expect(await first.text(), x.name).toContain(GATED);
        const second = await (await fetch(`${x.url}/articles/${slugs[21]}`, { headers: headers() })).text();
        expect(second, `${x.name}: one free article now`).not.toContain(GATED);
        expect(second).toContain('You’ve read your 1 free article today');
      }
    } finally {
      warming = false;
      await warm;
      expect((await command(3)).code).toBe(0);
    }
  }, 30_000);

  it('sends 1,000 queued mails through the three instances, each exactly once', async () => {
    const before = inbox.messages.length;
    const now = Date.now();
    await db.db.transaction().execute(async (trx) => {
      for (let i = 0; i < 1000; i++) await queueMail(trx, { to: `bulk-${i}@example.com`, subject: `Bulk ${i}`, text: `Message ${i}`, html: `<p>Message ${i}</p>` }, now);
    });
    await until('all 1,000 delivered', 60_000, () => inbox.messages.length - before >= 1000 || undefined);
    await until('no bulk job left pending', 10_000, async () => {
      const left = await db.db.selectFrom('jobs').select((eb) => eb.fn.countAll<string>().as('n')).where('payload', 'like', '%bulk-%').where('done_at', 'is', null).executeTakeFirstOrThrow();
      return Number(left.n) === 0 || undefined;
    });
    await sleep(500); // a duplicate would still be on its way
    const to = inbox.messages.slice(before).flatMap((m) => (Array.isArray(m.to) ? m.to : m.to ? [m.to] : []).flatMap((a) => a.value.map((v) => v.address!)));
    const bulk = to.filter((a) => a.startsWith('bulk-'));
    expect(bulk).toHaveLength(1000);
    expect(new Set(bulk).size).toBe(1000);
    const byHolder = await db.db.selectFrom('jobs').select(['locked_by', (eb) => eb.fn.countAll<string>().as('n')]).where('payload', 'like', '%bulk-%').groupBy('locked_by').execute();
    const pids = byHolder.map((r) => Number(String(r.locked_by).split('-')[0]));
    expect(pids.sort(), 'all three instances took a share').toEqual(instances.map((x) => x.pid).sort());
  }, 90_000);

  it('shares a newsletter send between instances, and one killed with kill -9 mid-send mails again at most its messages in flight', async () => {
    const now = Date.now();
    const members = await db.db.insertInto('members').values(Array.from({ length: 1000 }, (_, i) => ({
      email: `nl-${i}@example.com`, email_normalized: `nl-${i}@example.com`, name: '', status: i % 4 ? 'free' : 'paid', email_verified: 1,
      password_hash: null, created_at: now, last_seen_at: null, deleted_at: null,
    }))).returning('id').execute();
    const nd = { db: db.db, dialect: 'postgres' as const, clock: systemClock, siteUrl: proxy.url, secrets: [] as string[], brand: async () => { throw new Error('not needed'); }, queued: () => {} };
    const n = await createNewsletter(nd, { slug: 'cluster-briefing', name: 'Cluster briefing', senderName: 'The Ledger', senderEmail: 'briefing@news.example', subscribeOnSignup: false });
    for (const m of members) await setSubscription(db.db, m.id, n.id, true, 'import', now);
    const article = await db.db.selectFrom('articles').select('id').where('status', '=', 'published').orderBy('id').executeTakeFirstOrThrow();
    const before = inbox.messages.length;
    const { send } = await startSend(nd, { newsletter: 'cluster-briefing', articleId: article.id, by: 'test' });

    const recipients = () => db.db.selectFrom('newsletter_recipients').select(['state', 'locked_by']).where('send_id', '=', send.id).execute();
    // Under way on at least one instance: kill -9 one that holds recipients.
    const holder = await until('an instance mid-send', 30_000, async () => {
      const rows = await recipients();
      if (rows.filter((r) => r.state === 'sent').length < 100) return undefined;
      const busy = rows.find((r) => r.state === 'sending')?.locked_by;
      return busy ? instances.find((x) => busy.startsWith(`${x.pid}-`)) : undefined;
    });
    holder.signal('SIGKILL');
    await holder.exited;
    const replacement = startInstance(`${holder.name}b`, await freePort(), env);
    instances = [...instances.filter((x) => x !== holder), replacement];
    await replacement.running;
    proxy.backends = instances.map((x) => ({ name: x.name, port: x.port }));

    await until('the send finished', 60_000, async () => (await db.db.selectFrom('newsletter_sends').select('status').where('id', '=', send.id).executeTakeFirstOrThrow()).status === 'done' || undefined);
    await sleep(500);
    const got = inbox.messages.slice(before).flatMap((m) => (Array.isArray(m.to) ? m.to : m.to ? [m.to] : []).flatMap((a) => a.value.map((v) => v.address!))).filter((a) => a.startsWith('nl-'));
    const copies = new Map<string, number>();
    for (const a of got) copies.set(a, (copies.get(a) ?? 0) + 1);
    expect(copies.size, 'every member got the article').toBe(1000);
    const duplicates = got.length - copies.size;
    // The SMTP pool keeps five messages in flight: only those can have been accepted and not yet marked sent.
    expect(duplicates, `${duplicates} sent twice`).toBeLessThanOrEqual(5);
    const senders = new Set((await recipients()).map((r) => String(r.locked_by).split('-')[0]));
    expect(senders.size, 'more than one instance sent it').toBeGreaterThanOrEqual(2);
  }, 120_000);

  it('finishes the job of an instance killed with kill -9 mid-job on another instance, once the lease is up, and only then', async () => {
    await queueMail(db.db, { to: 'stalled@example.com', subject: 'Stalled', text: 'Held up', html: '<p>Held up</p>' }, Date.now());
    // The SMTP server holds the first attempt open: the job is running on some instance.
    await until('an attempt to send it', 10_000, () => inbox.attempts.includes('stalled@example.com') || undefined);
    const job = await db.db.selectFrom('jobs').selectAll().where('payload', 'like', '%stalled@example.com%').executeTakeFirstOrThrow();
    const holder = instances.find((x) => String(job.locked_by).startsWith(`${x.pid}-`))!;
    expect(holder, `holder ${job.locked_by}`).toBeDefined();

    // Three leases long, the holder keeps renewing: nobody else tries.
    await sleep(3 * LEASE_MS);
    expect(inbox.attempts.filter((a) => a === 'stalled@example.com')).toHaveLength(1);
    const held = await db.db.selectFrom('jobs').select(['locked_by', 'locked_until']).where('id', '=', job.id).executeTakeFirstOrThrow();
    expect(held.locked_by).toBe(job.locked_by);
    expect(held.locked_until!).toBeGreaterThan(job.locked_until!);

    // New readers keep arriving at the holder until it dies: on PostgreSQL a read that spends allowance
    // is written before its page is sent, so kill -9 loses none of the reads it served.
    const load = newReaders(holder.url, (await meteredArticles()).map((slug) => `/articles/${slug}`));
    await sleep(400);
    stalling = false;
    const killedAt = Date.now();
    holder.signal('SIGKILL');
    expect((await holder.exited).signal).toBe('SIGKILL');
    await expectAllStored(await load.stop(), 'kill -9');
    instances = instances.filter((x) => x !== holder);
    proxy.backends = instances.map((x) => ({ name: x.name, port: x.port }));

    const delivered = await inbox.waitFor('stalled@example.com', { timeoutMs: 20_000 });
    expect(delivered.subject).toBe('Stalled');
    expect(Date.now() - killedAt, 'taken over after the lease, not much later').toBeLessThan(15_000);
    await sleep(500);
    expect(inbox.messages.filter((m) => m.subject === 'Stalled')).toHaveLength(1);
    const done = await db.db.selectFrom('jobs').selectAll().where('id', '=', job.id).executeTakeFirstOrThrow();
    expect(done.done_at).not.toBeNull();
    expect(done.attempts).toBe(2);
    const taker = instances.find((x) => String(done.locked_by).startsWith(`${x.pid}-`));
    expect(taker, `finished by a surviving instance, not ${done.locked_by}`).toBeDefined();
    expect(taker!.logs().some((l) => l.msg === 'job taken over from a stopped instance' && l.jobId === job.id)).toBe(true);
  }, 60_000);

  it('SIGTERM: the instance stops taking connections, answers the request in flight and exits 0 promptly; the proxy sends everything else to the others', async () => {
    const owner = await createStaffUser(db.db, { email: 'owner@news.example', role: 'owner', now: Date.now() });
    const { token } = await createApiToken(db.db, owner.id, 'cluster', Date.now());
    const leaving = instances[0]!;
    const body = JSON.stringify({ title: 'Filed as the instance left', section: 'city-hall', status: 'draft', body: { markdown: 'In flight at SIGTERM.' } });
    const socket = connect(leaving.port, '127.0.0.1');
    await new Promise<void>((r) => socket.once('connect', () => r()));
    let answer = '';
    const answered = new Promise<string>((r) => {
      socket.setEncoding('utf8').on('data', (c: string) => (answer += c));
      socket.on('close', () => r(answer));
    });
    socket.write(`POST /api/admin/articles HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, 20)}`);
    await sleep(100);

    const load = newReaders(leaving.url, (await meteredArticles()).map((slug) => `/articles/${slug}`));
    await sleep(300);
    const t0 = Date.now();
    leaving.signal('SIGTERM');
    // Readers keep coming through the proxy while it leaves.
    const pages = Promise.all(Array.from({ length: 30 }, async (_, i) => {
      await sleep(i * 10);
      return (await fetch(`${proxy.url}/`)).status;
    }));
    await until('the leaving instance refuses new connections', 3000, () => new Promise<true | undefined>((r) => {
      const s = connect(leaving.port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        r(undefined);
      });
      s.once('error', (err: NodeJS.ErrnoException) => r(err.code === 'ECONNREFUSED' || undefined));
    }));
    socket.write(body.slice(20));
    expect(await answered).toMatch(/^HTTP\/1\.1 201 /);
    const exit = await leaving.exited;
    expect(exit).toEqual({ code: 0, signal: null });
    await expectAllStored(await load.stop(), 'SIGTERM');
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(leaving.stderr).toBe('');
    expect(await pages).toEqual(Array(30).fill(200));
    instances = instances.filter((x) => x !== leaving);
    proxy.backends = instances.map((x) => ({ name: x.name, port: x.port }));
    const stored = await db.db.selectFrom('articles').select('id').where('title', '=', 'Filed as the instance left').execute();
    expect(stored).toHaveLength(1);
  });
});
