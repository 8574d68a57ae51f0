import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/db.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { revokeApiToken } from '../../src/members/tokens.js';
import { createApiToken } from '../../src/members/tokens.js';

describe.each(dialects())('Content API on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect);
  });
  afterAll(() => t?.close());

  it('creates, reads, updates, lists and deletes sections, authors and tags', async () => {
    for (const [kind, body, patch] of [
      ['sections', { name: 'Business', defaultAccess: 'paid' }, { description: 'Money and work' }],
      ['authors', { name: 'Zoë Field', bio: 'Covers the port.' }, { bio: 'Covers the port and the council.' }],
      ['tags', { name: 'Housing' }, { name: 'Housing crisis' }],
    ] as const) {
      const one = kind.slice(0, -1);
      const created = await t.api('POST', `/api/admin/${kind}`, body);
      expect(created.statusCode, kind).toBe(201);
      const item = created.json()[one];
      expect(item.slug).toMatch(/^[a-z0-9-]+$/);
      expect((await t.api('GET', `/api/admin/${kind}/${item.id}`)).json()[one].id).toBe(item.id);
      const updated = await t.api('PATCH', `/api/admin/${kind}/${item.id}`, patch);
      expect(updated.statusCode, kind).toBe(200);
      expect(updated.json()[one]).toMatchObject(patch);
      const list = await t.api('GET', `/api/admin/${kind}`);
      expect(list.json()[kind].map((x: { id: number }) => x.id)).toContain(item.id);
      const dup = await t.api('POST', `/api/admin/${kind}`, { ...body, slug: item.slug });
      expect(dup.statusCode, kind).toBe(409);
      expect((await t.api('DELETE', `/api/admin/${kind}/${item.id}`)).statusCode).toBe(204);
      const gone = await t.api('GET', `/api/admin/${kind}/${item.id}`);
      expect(gone.statusCode).toBe(404);
      expect(gone.json()).toEqual({ error: { code: 'not_found', message: expect.any(String) } });
    }
  });

  it('accepts bodies as a structured document, HTML or Markdown and stores the same document', async () => {
    const doc = {
      type: 'doc',
      content: [
        { type: 'paragraph', content: [{ type: 'text', text: 'Hello ' }, { type: 'text', text: 'world', marks: [{ type: 'bold' }] }] },
        { type: 'previewBreak' },
        { type: 'paragraph', content: [{ type: 'text', text: 'Second.' }] },
      ],
    };
    const fromDoc = (await t.api('POST', '/api/admin/articles', { title: 'Doc body', body: { doc } })).json().article;
    const fromHtml = (await t.api('POST', '/api/admin/articles', { title: 'Html body', body: { html: '<p>Hello <strong>world</strong></p><!--more--><p>Second.</p><script>alert(1)</script>' } })).json().article;
    const fromMd = (await t.api('POST', '/api/admin/articles', { title: 'Md body', body: { markdown: 'Hello **world**\n\n<!--more-->\n\nSecond.' } })).json().article;
    for (const a of [fromDoc, fromHtml, fromMd]) {
      expect(a.body).toEqual(doc);
      expect(a.html).toBe('<p>Hello <strong>world</strong></p><p>Second.</p>');
      expect(a.previewHtml).toBe('<p>Hello <strong>world</strong></p>');
      expect(a.hasPreviewBreak).toBe(true);
      expect(a.status).toBe('draft');
    }
  });

  it('stores an embed as a link card: readers get a link, never the provider’s script or iframe', async () => {
    const embed = { type: 'embed', attrs: { url: 'https://twitter.com/hmcoastguard/status/1853000000000000001', provider: 'X (Twitter)', title: 'Please stay well back from the harbour wall.' } };
    const doc = { type: 'doc', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'The coastguard posted a warning.' }] }, embed] };
    const a = (await t.api('POST', '/api/admin/articles', { title: 'Embed body', status: 'published', accessLevel: 'free', body: { doc } })).json().article;
    expect(a.body).toEqual(doc);
    const fromHtml = (await t.api('POST', '/api/admin/articles', { title: 'Embed html', body: { html: '<p>Watch:</p><iframe src="https://www.youtube.com/embed/dQw4w9WgXcQ" title="The new ferry"></iframe><script src="https://platform.twitter.com/widgets.js"></script>' } })).json().article;
    expect(fromHtml.body.content[1]).toEqual({ type: 'embed', attrs: { url: 'https://www.youtube.com/watch?v=dQw4w9WgXcQ', provider: 'YouTube', title: 'The new ferry' } });
    const page = await t.get(`/articles/${a.slug}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<figure class="embed-card"><a href="https://twitter.com/hmcoastguard/status/1853000000000000001" rel="nofollow noopener">');
    expect(page.body).not.toMatch(/<iframe|twitter\.com\/widgets|platform\.twitter/);
    const bad = await t.api('POST', '/api/admin/articles', { title: 'x', body: { doc: { type: 'doc', content: [{ type: 'embed', attrs: { url: 'javascript:alert(1)' } }] } } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toMatch(/embed url must be/);
  });

  it('derives the access level from the section unless the article overrides it', async () => {
    const sec = (await t.api('POST', '/api/admin/sections', { name: 'Opinion', defaultAccess: 'registered' })).json().section;
    const inherit = (await t.api('POST', '/api/admin/articles', { title: 'Inherits', section: sec.slug })).json().article;
    expect(inherit.accessLevel).toBeNull();
    expect(inherit.access).toBe('registered');
    const own = (await t.api('POST', '/api/admin/articles', { title: 'Overrides', section: sec.slug, accessLevel: 'free' })).json().article;
    expect(own.access).toBe('free');
    const none = (await t.api('POST', '/api/admin/articles', { title: 'No section' })).json().article;
    expect(none.access).toBe('metered');
    await t.api('PATCH', `/api/admin/sections/${sec.id}`, { defaultAccess: 'paid' });
    expect((await t.api('GET', `/api/admin/articles/${inherit.id}`)).json().article.access).toBe('paid');
    expect((await t.api('GET', `/api/admin/articles/${own.id}`)).json().article.access).toBe('free');
  });

  it('lists, updates and deletes articles', async () => {
    const a = (await t.api('POST', '/api/admin/articles', { title: 'Listed story', status: 'published', tags: ['Ferries', 'Port Life'] })).json().article;
    expect(a.status).toBe('published');
    expect(a.tags).toEqual(['ferries', 'port-life']);
    const list = await t.api('GET', '/api/admin/articles?status=published&limit=5');
    expect(list.statusCode).toBe(200);
    expect(list.json().articles.some((x: { id: number }) => x.id === a.id)).toBe(true);
    const upd = await t.api('PATCH', `/api/admin/articles/${a.id}`, { title: 'Renamed story', dek: 'New dek' });
    expect(upd.json().article).toMatchObject({ title: 'Renamed story', dek: 'New dek', slug: a.slug });
    expect((await t.api('DELETE', `/api/admin/articles/${a.id}`)).statusCode).toBe(204);
    expect((await t.api('GET', `/api/admin/articles/${a.id}`)).statusCode).toBe(404);
    expect((await t.get(`/articles/${a.slug}`)).statusCode).toBe(404);
  });

  it('rejects bad input with 400 and says what was wrong', async () => {
    const cases: [unknown, RegExp][] = [
      [{ title: '' }, /title/],
      [{ title: 'x', colour: 'red' }, /unknown field "colour"/],
      [{ title: 'x', accessLevel: 'vip' }, /accessLevel/],
      [{ title: 'x', slug: 'Not A Slug' }, /slug/],
      [{ title: 'x', section: 'no-such-section' }, /unknown section: no-such-section/],
      [{ title: 'x', authors: ['ghost'] }, /unknown author: ghost/],
      [{ title: 'x', publishedAt: 'tomorrow' }, /publishedAt/],
      [{ title: 'x', status: 'scheduled' }, /scheduled article needs a publication time/],
      [{ title: 'x', body: { doc: { type: 'doc', content: [{ type: 'script' }] } } }, /body/],
      [{ title: 'x', body: { doc: { type: 'doc', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'x', marks: [{ type: 'link', attrs: { href: 'javascript:alert(1)' } }] }] }] } } }, /link must be/],
      [{ title: 'x', body: { html: '<p>x</p>', markdown: 'x' } }, /body/],
      [[1, 2], /JSON object/],
    ];
    for (const [body, msg] of cases) {
      const res = await t.api('POST', '/api/admin/articles', body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().error.code).toBe('invalid_input');
      expect(res.json().error.message, JSON.stringify(body)).toMatch(msg);
    }
    const malformed = await t.api('POST', '/api/admin/articles', '{"title": ');
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().error.message).toMatch(/not valid JSON/);
    expect((await t.api('GET', '/api/admin/articles/abc')).statusCode).toBe(400);
    expect((await t.api('GET', '/api/admin/articles?limit=1000')).statusCode).toBe(400);
    expect((await t.api('GET', '/api/admin/articles?bogus=1')).statusCode).toBe(400);
    expect((await t.api('PATCH', '/api/admin/articles/999999', { title: 'x' })).statusCode).toBe(404);
  });

  it('answers 413 for an oversized body and 415 for a non-JSON one', async () => {
    const big = await t.api('POST', '/api/admin/articles', JSON.stringify({ title: 'x', body: { markdown: 'a'.repeat(5 * 1024 * 1024) } }));
    expect(big.statusCode).toBe(413);
    expect(big.json().error.code).toBe('payload_too_large');
    const text = await t.api('POST', '/api/admin/articles', 'title=x', { 'content-type': 'text/csv' });
    expect(text.statusCode).toBe(415);
  });

  it('requires a valid, unrevoked bearer token', async () => {
    expect((await t.get('/api/admin/articles')).statusCode).toBe(401);
    const bad = await t.api('GET', '/api/admin/articles', undefined, { authorization: 'Bearer mh_1_AAAAAAAAAAAAAAAAAAAAAAAAAAAA' });
    expect(bad.statusCode).toBe(401);
    expect(bad.json().error.code).toBe('unauthorized');
    const owner = await t.db.db.selectFrom('staff_users').select('id').executeTakeFirstOrThrow();
    const { id, token } = await createApiToken(t.db.db, owner.id, 'temp', t.clock.now());
    expect((await t.api('GET', '/api/admin/tags', undefined, { authorization: `Bearer ${token}` })).statusCode).toBe(200);
    await revokeApiToken(t.db.db, id, t.clock.now());
    expect((await t.api('GET', '/api/admin/tags', undefined, { authorization: `Bearer ${token}` })).statusCode).toBe(401);
  });

  it('returns JSON 404 for unknown API routes and updates site settings', async () => {
    const res = await t.api('GET', '/api/admin/nothing');
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('not_found');
    const s = await t.api('PATCH', '/api/admin/settings', { title: 'The Gazette', accentColor: '#005a9c' });
    expect(s.json().settings).toMatchObject({ title: 'The Gazette', accentColor: '#005a9c' });
    expect((await t.get('/')).body).toContain('<title>The Gazette</title>');
    expect((await t.api('PATCH', '/api/admin/settings', { accentColor: 'red;}</style><script>' })).statusCode).toBe(400);
    expect((await t.api('PATCH', '/api/admin/settings', { timezone: 'Mars/Olympus' })).json().error.message).toMatch(/timezone/);
  });
});
