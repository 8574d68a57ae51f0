import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { fixedClock } from '../../src/clock.js';
import type { LoadedConfig } from '../../src/config.js';
import { sharedSecret } from '../../src/db/secrets.js';
import { DeviceCookieSigner } from '../../src/access/keyed-hash.js';
import { dialects, freshDatabase, type TestDatabase } from '../helpers/db.js';
import { makeAgent, T0, testConfig } from '../helpers/app.js';
import { makeArticle, makeSection } from '../helpers/factories.js';
import { unsubscribeToken } from '../../src/comments/comments.service.js';

const OLD = 'the-secret-being-retired-0123456789abcdef';
const NEW = 'the-secret-taking-over-0123456789abcdefgh';
const FULL = 'The rest of the story';

/** An app on `db` with the given secrets; apps built on one database see the same content. */
async function appOn(db: TestDatabase, over: Partial<LoadedConfig>): Promise<App> {
  const config = { ...testConfig({ databaseUrl: db.url, dialect: db.dialect }), ...over };
  return createApp({ config, database: db, clock: fixedClock(T0), logger: false, startWorker: false });
}

describe.each(dialects())('key rotation (MASTHEAD_SECRET_PREVIOUS) on %s', (dialect) => {
  let db: TestDatabase;
  let before: App;
  let rotated: App;
  let withoutPrevious: App;
  let slugs: string[];
  /** What a reader's browser kept from the instance that ran under the old secret. */
  let kept: { csrfCookie: string; csrfToken: string; device: string };

  beforeAll(async () => {
    db = await freshDatabase(dialect);
    before = await appOn(db, { secret: OLD });
    const s = await makeSection(before.ctx.content, { slug: 'news', defaultAccess: 'metered' });
    slugs = [];
    for (let i = 0; i < 3; i++) slugs.push((await makeArticle(before.ctx.content, { section: s.slug })).slug);
    const reader = makeAgent(before);
    expect((await reader.get(`/articles/${slugs[0]}`)).body).toContain('2 free articles left today');
    await reader.get('/signin');
    kept = { csrfCookie: reader.cookies.get('mh_csrf')!, csrfToken: reader.csrf(), device: reader.cookies.get('mh_device')! };
    expect(kept.csrfCookie && kept.csrfToken && kept.device).toBeTruthy();
    // The read is in the database before the other apps look (each app has its own meter batch).
    await before.ctx.access.meter.flush();
    rotated = await appOn(db, { secret: NEW, previousSecret: OLD });
    withoutPrevious = await appOn(db, { secret: NEW, previousSecret: null });
  });
  afterAll(async () => {
    for (const a of [before, rotated, withoutPrevious]) await a?.close();
    await db?.destroy();
  });

  const postSignIn = (app: App, cookies: Record<string, string>, csrf: string) => {
    const agent = makeAgent(app);
    for (const [k, v] of Object.entries(cookies)) agent.cookies.set(k, v);
    return agent.post('/signin', { _csrf: csrf, email: `reader-${Math.random().toString(36).slice(2)}@example.com` });
  };

  it('accepts a CSRF cookie signed under the previous secret', async () => {
    const res = await postSignIn(rotated, { mh_csrf: kept.csrfCookie }, kept.csrfToken);
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/signin/check-email');
  });

  it('refuses that cookie once the previous secret is no longer configured', async () => {
    expect((await postSignIn(withoutPrevious, { mh_csrf: kept.csrfCookie }, kept.csrfToken)).statusCode).toBe(403);
  });

  it('still refuses a forged CSRF cookie, and a real one with a token it did not make', async () => {
    const [value] = kept.csrfCookie.split('.');
    const tampered = `${value}.${'A'.repeat(43)}`;
    expect((await postSignIn(rotated, { mh_csrf: tampered }, kept.csrfToken)).statusCode).toBe(403);
    expect((await postSignIn(rotated, { mh_csrf: kept.csrfCookie }, 'not-the-token')).statusCode).toBe(403);
  });

  it('signs new CSRF cookies with the new secret: they verify without the previous one', async () => {
    const fresh = makeAgent(rotated);
    await fresh.get('/signin');
    const res = await postSignIn(withoutPrevious, { mh_csrf: fresh.cookies.get('mh_csrf')! }, fresh.csrf());
    expect(res.statusCode).toBe(303);
  });

  it('keeps a device signed under the previous secret, with its meter, and signs that same device again under the new secret', async () => {
    const reader = makeAgent(rotated);
    reader.cookies.set('mh_device', kept.device);
    const res = await reader.get(`/articles/${slugs[1]}`);
    expect(res.body).toContain(FULL);
    expect(res.body).toContain('1 free article left today');
    const resigned = reader.cookies.get('mh_device')!;
    expect(resigned).not.toBe(kept.device);
    expect(resigned.split('.')[0], 'the same device').toBe(kept.device.split('.')[0]);
    // Signed once: the next view sends no cookie.
    expect(String((await reader.get(`/articles/${slugs[1]}`)).headers['set-cookie'] ?? '')).not.toContain('mh_device');
    // Once the old key is gone, the re-signed cookie still names the device and its meter.
    const later = makeAgent(withoutPrevious);
    later.cookies.set('mh_device', resigned);
    const again = await later.get(`/articles/${slugs[1]}`);
    expect(again.body).toContain('1 free article left today');
    expect(String(again.headers['set-cookie'] ?? '')).not.toContain('mh_device');
  });

  it('keeps a reply-mail unsubscribe link made under the previous secret working, and only while it is configured', async () => {
    const m = await db.db.insertInto('members').values({ email: `unsub-${dialect}@example.com`, email_normalized: `unsub-${dialect}@example.com`, name: 'U', status: 'paid', email_verified: 1, password_hash: null, created_at: T0, last_seen_at: null, deleted_at: null }).returning('id').executeTakeFirstOrThrow();
    const url = `/comments/unsubscribe?m=${m.id}&t=${unsubscribeToken(OLD, m.id)}`;
    expect((await withoutPrevious.server.inject({ method: 'GET', url })).statusCode).toBe(400);
    expect((await rotated.server.inject({ method: 'GET', url })).statusCode).toBe(200);
    const forged = `/comments/unsubscribe?m=${m.id}&t=${unsubscribeToken('some-other-secret-0123456789abcdefgh', m.id)}`;
    expect((await rotated.server.inject({ method: 'GET', url: forged })).statusCode).toBe(400);
  });

  it('treats that device as new without the previous secret, and a device signed with another key as new', async () => {
    for (const [app, device] of [[withoutPrevious, kept.device], [rotated, new DeviceCookieSigner('some-other-secret-entirely-0123456789').sign('BBBBBBBBBBBBBBBBBBBBBBBB')]] as const) {
      const reader = makeAgent(app);
      reader.cookies.set('mh_device', device);
      const res = await reader.get(`/articles/${slugs[2]}`);
      expect(res.body).toContain('2 free articles left today');
      expect(reader.cookies.get('mh_device')).not.toBe(device);
    }
  });
});

describe.each(dialects())('the publication secret in the database on %s', (dialect) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await freshDatabase(dialect);
  });
  afterAll(async () => {
    await db?.destroy();
  });

  it('is the first candidate inserted, for every caller, however many race', async () => {
    const candidates = Array.from({ length: 12 }, (_, i) => `candidate-${i}-`.padEnd(40, 'x'));
    const got = await Promise.all(candidates.map((c) => sharedSecret(db.db, c, T0)));
    expect(new Set(got).size).toBe(1);
    expect(candidates).toContain(got[0]);
    expect(await sharedSecret(db.db, 'a-later-candidate-'.padEnd(40, 'y'), T0)).toBe(got[0]);
  });
});

describe.each(dialects().filter((d) => d === 'postgres'))('instances without MASTHEAD_SECRET on %s', (dialect) => {
  let db: TestDatabase;
  const apps: App[] = [];
  beforeAll(async () => {
    db = await freshDatabase(dialect);
  });
  afterAll(async () => {
    for (const a of apps) await a.close();
    await db?.destroy();
  });

  it('share one generated secret, so a form from one is accepted by another; an explicit MASTHEAD_SECRET still wins', async () => {
    // Each instance has a data dir of its own (testConfig makes one), as on separate machines.
    const [a, b] = await Promise.all([appOn(db, { secret: null }), appOn(db, { secret: null })]);
    const explicit = await appOn(db, { secret: NEW });
    apps.push(a, b, explicit);
    expect(a.ctx.config.secret).toBe(b.ctx.config.secret);
    expect(a.ctx.config.secret.length).toBeGreaterThanOrEqual(32);
    expect(explicit.ctx.config.secret).toBe(NEW);

    const reader = makeAgent(a);
    await reader.get('/signin');
    expect((await postSignIn(b, { mh_csrf: reader.cookies.get('mh_csrf')! }, reader.csrf())).statusCode).toBe(303);
    expect((await postSignIn(explicit, { mh_csrf: reader.cookies.get('mh_csrf')! }, reader.csrf())).statusCode).toBe(403);
  });

  const postSignIn = (app: App, cookies: Record<string, string>, csrf: string) => {
    const agent = makeAgent(app);
    for (const [k, v] of Object.entries(cookies)) agent.cookies.set(k, v);
    return agent.post('/signin', { _csrf: csrf, email: `reader-${Math.random().toString(36).slice(2)}@example.com` });
  };
});
