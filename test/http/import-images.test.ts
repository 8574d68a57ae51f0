import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/db.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { photo } from '../helpers/media.js';
import { fetchImage } from '../../src/media/fetch.js';

/** An image host on this machine: good images, a redirect, a 404, one too large, one that never answers, a page. */
async function imageHost() {
  const ferry = await photo(1000, 700);
  const inline = await sharp({ create: { width: 400, height: 300, channels: 3, background: '#2266aa' } }).png().toBuffer();
  const hits = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    if (path === '/img/ferry.jpg') return res.writeHead(200, { 'content-type': 'image/jpeg' }).end(ferry);
    if (path === '/img/inline.png') return res.writeHead(200, { 'content-type': 'image/png' }).end(inline);
    if (path === '/img/moved.png') return res.writeHead(302, { location: '/img/inline.png' }).end();
    if (path === '/img/huge.jpg') return res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': String(1536 * 1024) }).end(Buffer.alloc(1536 * 1024, 0xff));
    if (path === '/img/huge-stream.jpg') {
      // No length given: the limit has to hold while reading.
      res.writeHead(200, { 'content-type': 'image/jpeg' });
      for (let i = 0; i < 150; i++) res.write(Buffer.alloc(10 * 1024, 0xd8));
      return res.end();
    }
    if (path === '/img/slow.jpg') return; // never answers
    if (path === '/img/page.jpg') return res.writeHead(200, { 'content-type': 'image/jpeg' }).end('<html><body>Not found, but 200</body></html>');
    res.writeHead(404, { 'content-type': 'text/plain' }).end('nope');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { base, hits, close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

function ghostExport(base: string) {
  const post = (n: number, title: string, feature: string, html: string) => ({
    id: `6650a1f0c1d2e30001a1c00${n}`, uuid: `0b1f3d7e-2222-4c4c-9a9a-00000000000${n}`, title, slug: title.toLowerCase().replace(/\W+/g, '-'),
    mobiledoc: null, lexical: null, html, feature_image: feature, featured: false, type: 'post', status: 'published', visibility: 'public',
    created_at: '2024-05-02T08:00:00.000Z', updated_at: '2024-05-02T09:00:00.000Z', published_at: '2024-05-02T09:00:00.000Z', custom_excerpt: null, canonical_url: null,
  });
  return JSON.stringify({
    db: [{
      meta: { exported_on: 1717000000000, version: '5.82.0' },
      data: {
        posts: [
          post(1, 'The ferry is back', `${base}/img/ferry.jpg`,
            `<p>The morning sailing returned.</p><figure><img src="${base}/img/moved.png" alt="The timetable"></figure><p>More below.</p><img src="${base}/img/missing.jpg" alt="Gone"><img src="${base}/img/slow.jpg" alt="Slow">`),
          post(2, 'Harbour dues rise', `${base}/img/huge.jpg`,
            `<p>Dues go up.</p><img src="${base}/img/page.jpg" alt="A page"><img src="${base}/img/huge-stream.jpg" alt="Big"><img src="${base}/img/ferry.jpg?x=1&amp;y=2" alt="Ferry again">`),
        ],
        posts_meta: [{ post_id: '6650a1f0c1d2e30001a1c001', feature_image_alt: 'The ferry at Inchmore pier' }],
        users: [], tags: [], posts_tags: [], posts_authors: [],
      },
    }],
  });
}

describe.each(dialects())('importer images on %s', (dialect) => {
  let t: TestApp;
  let host: Awaited<ReturnType<typeof imageHost>>;

  beforeAll(async () => {
    host = await imageHost();
    t = await startTestApp(dialect, { importImages: { allowPrivateHosts: true, maxBytes: 1024 * 1024, timeoutMs: 800 } });
  });
  afterAll(async () => {
    await t?.close();
    await host?.close();
  });

  const importGhost = (query = '') => t.app.server.inject({
    method: 'POST', url: `/api/admin/imports?format=ghost&publish=true${query}`, payload: ghostExport(host.base),
    headers: { authorization: `Bearer ${t.token}`, 'content-type': 'application/json' },
  });

  it('fetches feature and inline images into the library, rewrites the references, and reports each failure without failing the import', async () => {
    const res = await importGhost();
    expect(res.statusCode, res.body).toBe(200);
    const out = res.json();
    expect(out.summary).toMatchObject({ created: 2, failed: 0, imagesFetched: 3 });
    expect(out.errors).toEqual([]);
    const [ferry, dues] = out.articles;
    const failed = (r: { images: { failed: { url: string; message: string }[] } }) => Object.fromEntries(r.images.failed.map((f) => [f.url.replace(host.base, ''), f.message]));
    expect(failed(ferry)).toEqual({
      '/img/missing.jpg': 'the server answered 404 Not Found',
      '/img/slow.jpg': 'no answer within 0.8 seconds',
    });
    expect(failed(dues)).toEqual({
      '/img/huge.jpg': 'the image is 1.5 MB, more than the 1.0 MB an image may be',
      '/img/huge-stream.jpg': 'the image is more than the 1.0 MB an image may be',
      '/img/page.jpg': 'this file is not an image we can use; upload a JPEG, PNG, WebP, GIF or AVIF',
    });
    expect(ferry.images).toMatchObject({ fetched: 2 });
    expect(out.summary.imagesFailed).toBe(5);

    const a = (await t.api('GET', `/api/admin/articles/${ferry.id}`)).json().article;
    expect(a.featureImageUrl).toMatch(/^\/media\/[0-9a-f]{32}-1000\.jpg$/);
    expect(a.featureImageAlt).toBe('The ferry at Inchmore pier');
    expect(a.html).toMatch(/<img src="\/media\/[0-9a-f]{32}-400\.png" alt="The timetable"/);
    // What could not be fetched keeps pointing where it did.
    expect(a.html).toContain(`${host.base}/img/missing.jpg`);
    const b = (await t.api('GET', `/api/admin/articles/${dues.id}`)).json().article;
    expect(b.featureImageUrl).toBe(`${host.base}/img/huge.jpg`);
    expect(b.html).toMatch(/<img src="\/media\/[0-9a-f]{32}-1000\.jpg" alt="Ferry again"/);

    const rows = await t.db.db.selectFrom('media').select(['source_url', 'alt', 'original_name']).orderBy('id').execute();
    expect(rows).toEqual([
      { source_url: `${host.base}/img/ferry.jpg`, alt: 'The ferry at Inchmore pier', original_name: 'ferry.jpg' },
      { source_url: `${host.base}/img/moved.png`, alt: 'The timetable', original_name: 'moved.png' },
      // The same bytes under another URL are the same library image: no second row.
    ]);
    // Fetched twice: once as itself, once under another query string.
    expect(host.hits.get('/img/ferry.jpg')).toBe(2);

    // The reader page shows the imported feature image from the library.
    const page = (await t.get(`/articles/${a.slug}`)).body;
    expect(page).toMatch(/<source type="image\/webp" srcset="\/media\/[0-9a-f]{32}-320\.webp 320w/);

    // A rerun fetches no URL a library image came from, and the articles are unchanged. (A row
    // keeps one source URL: the same bytes under a second URL are fetched again, then found to be known.)
    const again = (await importGhost()).json();
    expect(again.summary).toMatchObject({ unchanged: 2, imagesFetched: 1 });
    expect(again.articles[0].images).toMatchObject({ fetched: 0, reused: 2 });
    expect(host.hits.get('/img/inline.png')).toBe(1);
    expect(await t.db.db.selectFrom('media').select('id').execute()).toHaveLength(2);
  });

  it('fetches nothing in a dry run', async () => {
    const before = host.hits.get('/img/missing.jpg');
    expect((await importGhost('&dryRun=true')).json().summary.imagesFetched).toBe(0);
    expect(host.hits.get('/img/missing.jpg')).toBe(before);
  });
});

describe('fetching an image', () => {
  it('refuses private and loopback addresses unless told otherwise', async () => {
    await expect(fetchImage('http://127.0.0.1:9/x.jpg', { maxBytes: 1000, timeoutMs: 500 })).rejects.toThrow('the host 127.0.0.1 is a private or local address; such images are not fetched');
    await expect(fetchImage('http://169.254.169.254/latest/meta-data', { maxBytes: 1000, timeoutMs: 500 })).rejects.toThrow(/private or local/);
    await expect(fetchImage('file:///etc/passwd', { maxBytes: 1000, timeoutMs: 500 })).rejects.toThrow('only http and https images are fetched');
  });
});
