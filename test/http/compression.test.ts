import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { dialects } from '../helpers/db.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { makeArticle, makeSection } from '../helpers/factories.js';
import type { ArticleDetail } from '../../src/content/articles.service.js';
import { getAssets } from '../../src/web/assets.js';

/** Issue 13: pages went out uncompressed (12–14 KB of HTML and 22 KB of CSS per first visit). */
describe.each(dialects())('compression on %s', (dialect) => {
  let t: TestApp;
  const stories: ArticleDetail[] = [];

  beforeAll(async () => {
    t = await startTestApp(dialect);
    const section = await makeSection(t.app.ctx.content, { slug: 'news', defaultAccess: 'metered' });
    for (let i = 0; i < 4; i++) stories.push(await makeArticle(t.app.ctx.content, { section: section.slug, title: `Story ${i}`, rest: `Gated ${i}. ${'More words of the story. '.repeat(60)}` }));
  });
  afterAll(() => t?.close());

  const inflate = (res: { rawPayload: Buffer; headers: Record<string, unknown> }) =>
    res.headers['content-encoding'] === 'br' ? brotliDecompressSync(res.rawPayload).toString() : res.headers['content-encoding'] === 'gzip' ? gunzipSync(res.rawPayload).toString() : res.rawPayload.toString();

  it('sends brotli or gzip as asked, the same page as without, and says it varies', async () => {
    const plain = await t.get('/');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.headers.vary).toMatch(/\bAccept-Encoding\b/);
    for (const [accept, expected] of [['gzip, br', 'br'], ['gzip', 'gzip'], ['br;q=0, gzip;q=0.8', 'gzip'], ['identity', undefined]] as const) {
      const res = await t.get('/', { 'accept-encoding': accept });
      expect(res.headers['content-encoding'], accept).toBe(expected);
      expect(res.headers.vary, accept).toMatch(/\bAccept-Encoding\b/);
      expect(inflate(res), accept).toBe(plain.body);
      if (expected) expect(res.rawPayload.length, accept).toBeLessThan(plain.rawPayload.length / 2);
    }
  });

  it('compresses the stylesheet, but not a body under 1 KB', async () => {
    const css = getAssets().css;
    const res = await t.get(css.path, { 'accept-encoding': 'br, gzip' });
    expect(res.headers['content-encoding']).toBe('br');
    expect(brotliDecompressSync(res.rawPayload).equals(css.body)).toBe(true);
    const robots = await t.get('/robots.txt', { 'accept-encoding': 'br, gzip' });
    expect(robots.headers['content-encoding']).toBeUndefined();
  });

  it('compresses per-reader article pages with each reader’s own token, and never gated text for a walled reader', async () => {
    const readers = [t.agent({ 'accept-encoding': 'gzip, br', 'user-agent': 'One/1' }), t.agent({ 'accept-encoding': 'gzip', 'user-agent': 'Two/1' })];
    const tokens: string[] = [];
    for (const a of readers) {
      for (let i = 0; i < 3; i++) expect(inflate(await a.get(`/articles/${stories[i]!.slug}`))).toContain(`Gated ${i}.`);
      const res = await a.get(`/articles/${stories[3]!.slug}`);
      expect(res.headers['content-encoding']).toMatch(/^(br|gzip)$/);
      const html = inflate(res);
      expect(html).toContain('You’ve read your 3 free articles today');
      expect(html).not.toContain('Gated 3.');
      tokens.push(/name="_csrf" value="([^"]+)"/.exec(html)![1]!);
    }
    expect(tokens[0]).not.toBe(tokens[1]);
  });

  it('answers HEAD with the headers and no body', async () => {
    const res = await t.app.server.inject({ method: 'HEAD', url: '/', headers: { 'accept-encoding': 'br' } });
    expect(res.statusCode).toBe(200);
    expect(res.rawPayload.length).toBe(0);
  });
});
