import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/db.js';
import { startTestApp, type Agent, type TestApp } from '../helpers/app.js';
import { makeArticle, makeSection } from '../helpers/factories.js';
import { photo, staffAgent, upload } from '../helpers/media.js';
import { uploadMedia } from '../../src/media/media.service.js';
import { DataDirMediaStore } from '../../src/media/store.js';

const IMMUTABLE = 'public, max-age=31536000, immutable';

function files(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]));
}

describe.each(dialects())('media library on %s', (dialect) => {
  let t: TestApp;
  let editor: Agent & { id: number };
  let big: Buffer;
  const stored = () => files(join(t.app.ctx.config.dataDir, 'media'));
  const rows = async () => Number((await t.db.db.selectFrom('media').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);

  beforeAll(async () => {
    t = await startTestApp(dialect);
    editor = await staffAgent(t, 'editor');
    big = await photo(2400, 1600);
  });
  afterAll(async () => t?.close());

  it('uploads a photo: every width up to 1920 in JPEG and WebP, content-hashed, served immutable with its type', async () => {
    const res = await upload(t, editor, { name: 'harbour.jpg', type: 'image/jpeg', data: big }, { alt: 'Boats in the harbour' });
    expect(res.statusCode, res.body).toBe(201);
    const m = res.json().media;
    expect(m).toMatchObject({ width: 1920, height: 1280, mime: 'image/jpeg', originalName: 'harbour.jpg', alt: 'Boats in the harbour', bytes: big.length });
    expect(m.key).toMatch(/^[0-9a-f]{32}$/);
    expect(m.url).toBe(`/media/${m.key}-1920.jpg`);
    const widths = (type: string) => m.variants.filter((v: { type: string }) => v.type === type).map((v: { width: number }) => v.width);
    expect(widths('image/jpeg')).toEqual([320, 640, 960, 1280, 1920]);
    expect(widths('image/webp')).toEqual([320, 640, 960, 1280, 1920]);
    expect(m.srcset).toBe([320, 640, 960, 1280, 1920].map((w) => `/media/${m.key}-${w}.jpg ${w}w`).join(', '));
    expect(m.webpSrcset).toContain(`/media/${m.key}-640.webp 640w`);
    expect(m.html).toContain('<source type="image/webp"');

    const webp = await t.get(`/media/${m.key}-640.webp`);
    expect(webp.statusCode).toBe(200);
    expect(webp.headers['content-type']).toBe('image/webp');
    expect(webp.headers['cache-control']).toBe(IMMUTABLE);
    expect((await sharp(webp.rawPayload).metadata()).width).toBe(640);
    const jpg = await t.get(`/media/${m.key}-1920.jpg`);
    expect(jpg.headers['content-type']).toBe('image/jpeg');
    expect(jpg.headers['cache-control']).toBe(IMMUTABLE);
    expect((await t.get(`/media/${m.key}-999.jpg`)).statusCode).toBe(404);
    expect((await t.get('/media/..%2Fsecret')).statusCode).toBe(404);

    // The same photo again is the same image, not a second copy.
    const again = await upload(t, editor, { name: 'copy.jpg', type: 'image/jpeg', data: big });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ created: false, media: { id: m.id } });
  });

  it('never upscales: a small image keeps its own width as the largest', async () => {
    const small = await sharp({ create: { width: 500, height: 250, channels: 4, background: { r: 10, g: 20, b: 30, alpha: 0.5 } } }).png().toBuffer();
    const m = (await upload(t, editor, { name: 'logo.png', type: 'image/png', data: small })).json().media;
    expect(m.variants.map((v: { width: number; type: string }) => `${v.width} ${v.type}`)).toEqual(['320 image/png', '320 image/webp', '500 image/png', '500 image/webp']);
    expect(m).toMatchObject({ width: 500, height: 250, mime: 'image/png' });
  });

  it('keeps an animated GIF animated, in GIF and WebP', async () => {
    const frame = (c: string) => sharp({ create: { width: 700, height: 400, channels: 3, background: c } }).png().toBuffer();
    const gif = await sharp([await frame('#f00'), await frame('#0f0'), await frame('#00f')], { join: { animated: true } }).gif({ delay: [100, 100, 100] }).toBuffer();
    const m = (await upload(t, editor, { name: 'spinner.gif', type: 'image/gif', data: gif })).json().media;
    expect(m).toMatchObject({ width: 700, height: 400, mime: 'image/gif' });
    expect(m.variants.map((v: { width: number; height: number; type: string }) => `${v.width}×${v.height} ${v.type}`)).toEqual(['320×183 image/gif', '320×183 image/webp', '640×366 image/gif', '640×366 image/webp', '700×400 image/gif', '700×400 image/webp']);
    for (const v of m.variants) expect((await sharp((await t.get(v.url)).rawPayload, { animated: true }).metadata()).pages, v.url).toBe(3);
  });

  it('strips EXIF and GPS from every stored file and applies the orientation', async () => {
    const withGps = await photo(1200, 800, { gps: true, orientation: 6 });
    const meta = await sharp(withGps).metadata();
    expect(meta.orientation).toBe(6);
    expect(meta.exif?.toString('latin1')).toContain('WGS-84-SECRET-SPOT');
    const res = await upload(t, editor, { name: 'scene.jpg', type: 'image/jpeg', data: withGps });
    expect(res.statusCode, res.body).toBe(201);
    const m = res.json().media;
    // Rotated a quarter turn: the 1200 × 800 pixels stand 800 wide.
    expect(m).toMatchObject({ width: 800, height: 1200 });
    expect(m.variants.length).toBeGreaterThan(0);
    for (const v of m.variants) {
      const got = await t.get(v.url);
      const vm = await sharp(got.rawPayload).metadata();
      expect(vm.exif, v.url).toBeUndefined();
      expect(vm.xmp, v.url).toBeUndefined();
      expect(vm.orientation ?? 1, v.url).toBe(1);
      expect(got.rawPayload.toString('latin1')).not.toContain('WGS-84');
      expect(got.rawPayload.toString('latin1')).not.toContain('TestCam');
    }
  });

  it('refuses an image over 20 MB with 413 and a sentence, storing nothing', async () => {
    const before = { rows: await rows(), files: stored().length };
    const huge = Buffer.concat([big, Buffer.alloc(21 * 1024 * 1024 - big.length, 1)]);
    const res = await upload(t, editor, { name: 'huge.jpg', type: 'image/jpeg', data: huge });
    expect(res.statusCode).toBe(413);
    expect(res.json().error.message).toMatch(/larger than 20 MB/);
    expect({ rows: await rows(), files: stored().length }).toEqual(before);
  });

  it('refuses what is not an image (415) and a truncated image (400) by content, whatever the name says, storing nothing', async () => {
    const before = { rows: await rows(), files: stored().length };
    const text = await upload(t, editor, { name: 'photo.jpg', type: 'image/jpeg', data: Buffer.from('This is a press release, not a photo.') });
    expect(text.statusCode).toBe(415);
    expect(text.json().error.message).toMatch(/not an image we can use; upload a JPEG, PNG, WebP, GIF or AVIF/);
    const cut = await upload(t, editor, { name: 'cut.jpg', type: 'image/jpeg', data: big.subarray(0, Math.floor(big.length / 2)) });
    expect(cut.statusCode).toBe(400);
    expect(cut.json().error.message).toMatch(/damaged or incomplete/);
    const empty = await upload(t, editor, { name: 'empty.png', type: 'image/png', data: Buffer.alloc(0) });
    expect(empty.statusCode).toBe(400);
    // An image named like a text file is still an image: the name decides nothing.
    const named = await upload(t, editor, { name: 'notes.txt', type: 'text/plain', data: await sharp({ create: { width: 40, height: 30, channels: 3, background: '#0a0' } }).webp().toBuffer() });
    expect(named.statusCode).toBe(201);
    expect(named.json().media.mime).toBe('image/webp');
    expect(await rows()).toBe(before.rows + 1);
    expect(stored().length).toBe(before.files + named.json().media.variants.length);
  });

  it('leaves no file behind when the store or the database fails halfway', async () => {
    const before = { rows: await rows(), files: stored().length };
    const real = new DataDirMediaStore(join(t.app.ctx.config.dataDir, 'media'));
    let puts = 0;
    const failing = { ...t.app.ctx.media, store: { put: async (k: string, b: Buffer, c: string) => { if (++puts === 4) throw new Error('disk full'); return real.put(k, b, c); }, get: real.get.bind(real), stream: real.stream.bind(real), delete: real.delete.bind(real) } };
    await expect(uploadMedia(failing, { data: await photo(700, 500), originalName: 'a.jpg', uploadedBy: null })).rejects.toThrow('disk full');
    expect({ rows: await rows(), files: stored().length }).toEqual(before);
    // The row refused after every file was written (an uploader who does not exist): the files go too.
    await expect(uploadMedia(t.app.ctx.media, { data: await photo(710, 500), originalName: 'b.jpg', uploadedBy: 999_999 })).rejects.toThrow();
    expect({ rows: await rows(), files: stored().length }).toEqual(before);
  });

  it('refuses SVG, saying why', async () => {
    const before = await rows();
    const svg = Buffer.from('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="10" height="10"/></svg>');
    const res = await upload(t, editor, { name: 'logo.png', type: 'image/png', data: svg });
    expect(res.statusCode).toBe(415);
    expect(res.json().error.message).toMatch(/SVG images are refused: .*scripts/);
    expect(await rows()).toBe(before);
  });

  it('is for signed-in staff only, with a CSRF token', async () => {
    const before = await rows();
    const anon = t.agent();
    await anon.get('/');
    const res = await upload(t, anon, { name: 'a.jpg', type: 'image/jpeg', data: big }, { csrf: 'x' });
    expect(res.statusCode).toBe(401);
    expect((await anon.get('/admin/media')).headers.location).toBe('/admin/signin');
    expect((await anon.get('/admin/api/media')).statusCode).toBe(401);
    const noToken = await upload(t, editor, { name: 'a.jpg', type: 'image/jpeg', data: big }, { csrf: null });
    expect(noToken.statusCode).toBe(403);
    const badToken = await upload(t, editor, { name: 'a.jpg', type: 'image/jpeg', data: big }, { form: true, csrf: 'forged' });
    expect(badToken.statusCode).toBe(403);
    // A bearer token is not a session: the media routes are the newsroom app's.
    expect((await t.api('GET', '/admin/api/media')).statusCode).toBe(401);
    expect(await rows()).toBe(before);
  });

  it('lets a contributor upload and change their own images, not someone else’s', async () => {
    const c = await staffAgent(t, 'contributor');
    const own = (await upload(t, c, { name: 'mine.png', type: 'image/png', data: await sharp({ create: { width: 64, height: 64, channels: 3, background: '#123456' } }).png().toBuffer() })).json().media;
    const cookie = [...c.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const patch = (id: number) => t.app.server.inject({ method: 'PATCH', url: `/admin/api/media/${id}`, headers: { cookie, 'x-csrf-token': c.csrf(), 'content-type': 'application/json' }, payload: JSON.stringify({ alt: 'A square' }) });
    expect((await patch(own.id)).json().media.alt).toBe('A square');
    const editors = (await t.app.server.inject({ method: 'GET', url: '/admin/api/media?q=harbour', headers: { cookie } })).json().media[0];
    const refused = await patch(editors.id);
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.message).toMatch(/contributor.*uploaded by someone else/);
    await c.get('/admin/media');
    expect((await c.post(`/admin/media/${editors.id}/delete`, {})).statusCode).toBe(403);
  });

  it('runs the library page without JavaScript: upload, find, copy, alt text, delete with confirmation', async () => {
    const page = await editor.get('/admin/media');
    expect(page.statusCode).toBe(200);
    expect(page.headers['cache-control']).toBe('private, no-store');
    const form = await upload(t, editor, { name: 'Council-meeting.jpg', type: 'image/jpeg', data: await photo(900, 600) }, { form: true, alt: 'Councillors at the long table' });
    expect(form.statusCode).toBe(303);
    expect(form.headers.location).toBe('/admin/media?notice=uploaded');
    const listed = await editor.get('/admin/media?notice=uploaded');
    expect(listed.body).toContain('The image is in the library.');
    expect(listed.body).toContain('Council-meeting.jpg');
    expect(listed.body).toMatch(/<label for="m-url-\d+">URL<\/label>/);
    expect(listed.body).toContain('&lt;picture&gt;');

    const byName = await editor.get('/admin/media?q=council-MEETING');
    expect(byName.body).toContain('Council-meeting.jpg');
    expect(byName.body).not.toContain('harbour.jpg');
    const byAlt = await editor.get('/admin/media?q=long%20table');
    expect(byAlt.body).toContain('Council-meeting.jpg');
    expect((await editor.get('/admin/media?q=100%25')).body).toContain('No image matches that search.');

    const id = Number(/action="\/admin\/media\/(\d+)\/alt"/.exec(byName.body)![1]);
    const alt = await editor.post(`/admin/media/${id}/alt`, { alt: 'The council  in session' });
    expect(alt.headers.location).toBe('/admin/media?notice=alt');
    const m = (await t.app.server.inject({ method: 'GET', url: `/admin/api/media/${id}`, headers: { cookie: [...editor.cookies].map(([k, v]) => `${k}=${v}`).join('; ') } })).json().media;
    expect(m.alt).toBe('The council in session');

    // Used as a feature image: the confirmation names the article.
    const d = t.app.ctx.content;
    await makeArticle(d, { title: 'Council sets the harbour dues', featureImageUrl: m.url, featureImageAlt: m.alt });
    const confirm = await editor.get(`/admin/media/${id}/delete`);
    expect(confirm.statusCode).toBe(200);
    expect(confirm.body).toContain('Council sets the harbour dues');
    const filesBefore = stored().length;
    const del = await editor.post(`/admin/media/${id}/delete`, {});
    expect(del.headers.location).toBe('/admin/media?notice=deleted');
    expect(stored().length).toBe(filesBefore - m.variants.length);
    expect((await t.get(m.url)).statusCode).toBe(404);
    expect((await editor.get(`/admin/media/${id}/delete`)).statusCode).toBe(404);
  });

  it('makes a library image the site logo, for those who may change the site; deleting it puts the title back', async () => {
    const admin = await staffAgent(t, 'administrator');
    await upload(t, admin, { name: 'masthead-logo.png', type: 'image/png', data: await photo(600, 200) }, { form: true, alt: 'The Ledger' });
    const page = await admin.get('/admin/media?q=masthead-logo');
    const id = Number(/action="\/admin\/media\/(\d+)\/logo"/.exec(page.body)![1]);
    expect(page.body).toContain('aria-label="Use masthead-logo.png as the site logo"');
    // An editor sees no such button, and a forged post is refused.
    const byEditor = await editor.get('/admin/media?q=masthead-logo');
    expect(byEditor.body).not.toContain(`/admin/media/${id}/logo`);
    expect((await editor.post(`/admin/media/${id}/logo`, {})).statusCode).toBe(403);

    await admin.get('/admin/media?q=masthead-logo');
    const set = await admin.post(`/admin/media/${id}/logo`, {});
    expect(set.statusCode).toBe(303);
    expect(set.headers.location).toBe('/admin/media?notice=logo');
    const url = (await t.app.server.inject({ method: 'GET', url: `/admin/api/media/${id}`, headers: { cookie: [...admin.cookies].map(([k, v]) => `${k}=${v}`).join('; ') } })).json().media.url as string;
    const home = await t.get('/');
    expect(home.body).toContain(`<img src="${url}" alt="`);
    expect((await admin.get('/admin/media?q=masthead-logo')).body).toContain('This image is the site logo.');
    const audit = await t.db.db.selectFrom('audit_log').select(['action', 'target', 'details']).where('action', '=', 'settings.change').orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(audit.target).toBe('site');
    expect(JSON.parse(audit.details!).logoUrl.to).toBe(url);

    // The editor's API deletes the same way: a second logo, deleted through it, leaves no broken image.
    await upload(t, admin, { name: 'second-logo.png', type: 'image/png', data: await photo(500, 200) }, { form: true, alt: 'The Ledger' });
    const second = Number(/action="\/admin\/media\/(\d+)\/logo"/.exec((await admin.get('/admin/media?q=second-logo')).body)![1]);
    await admin.post(`/admin/media/${second}/logo`, {});
    const cookie = [...admin.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const secondUrl = (await t.app.server.inject({ method: 'GET', url: `/admin/api/media/${second}`, headers: { cookie } })).json().media.url as string;
    expect((await t.get('/')).body).toContain(`<img src="${secondUrl}"`);
    const viaApi = await t.app.server.inject({ method: 'DELETE', url: `/admin/api/media/${second}`, headers: { cookie, 'x-csrf-token': admin.csrf() } });
    expect(viaApi.statusCode).toBe(204);
    expect((await t.get('/')).body).not.toContain(`<img src="${secondUrl}"`);
    await admin.post(`/admin/media/${id}/logo`, {});

    // Deleting it: the confirmation says it is the logo, and pages fall back to the title in text.
    expect((await admin.get(`/admin/media/${id}/delete`)).body).toContain('It is the site logo');
    await admin.post(`/admin/media/${id}/delete`, {});
    expect((await t.get('/')).body).not.toContain(`<img src="${url}"`);
  });

  it('pages the library by key', async () => {
    const cookie = [...editor.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const all = (await t.app.server.inject({ method: 'GET', url: '/admin/api/media?limit=100', headers: { cookie } })).json().media;
    expect(all.length).toBeGreaterThanOrEqual(3);
    const first = (await t.app.server.inject({ method: 'GET', url: '/admin/api/media?limit=2', headers: { cookie } })).json();
    expect(first.media.map((x: { id: number }) => x.id)).toEqual(all.slice(0, 2).map((x: { id: number }) => x.id));
    const second = (await t.app.server.inject({ method: 'GET', url: `/admin/api/media?limit=2&before=${first.nextBefore}`, headers: { cookie } })).json();
    expect(second.media[0].id).toBe(all[2].id);
  });

  it('shows library feature images with srcset, sizes, WebP sources and their size on cards and article headers', async () => {
    const m = (await upload(t, editor, { name: 'ferry.jpg', type: 'image/jpeg', data: await photo(1600, 1200) })).json().media;
    const d = t.app.ctx.content;
    const section = await makeSection(d, { slug: 'harbour' });
    const a = await makeArticle(d, { title: 'The ferry returns', section: section.slug, featureImageUrl: m.url, featureImageAlt: 'The ferry at the pier' });
    const outside = await makeArticle(d, { title: 'A picture from elsewhere', section: section.slug, featureImageUrl: 'https://cdn.example/pier.jpg', featureImageAlt: 'Pier' });
    t.app.ctx.invalidate();
    const article = (await t.get(`/articles/${a.slug}`)).body;
    expect(article).toContain(`<source type="image/webp" srcset="/media/${m.key}-320.webp 320w, /media/${m.key}-640.webp 640w, /media/${m.key}-960.webp 960w, /media/${m.key}-1280.webp 1280w, /media/${m.key}-1600.webp 1600w" sizes="`);
    expect(article).toMatch(new RegExp(`<img src="/media/${m.key}-1600.jpg" srcset="[^"]*/media/${m.key}-320.jpg 320w[^"]*" sizes="[^"]+" alt="The ferry at the pier" width="1600" height="1200"`));
    const listing = (await t.get('/section/harbour')).body;
    expect(listing).toMatch(new RegExp(`<picture><source type="image/webp" srcset="/media/${m.key}-320.webp 320w[^"]*" sizes="[^"]+"><img class="story-card__image" src="/media/${m.key}-1600.jpg" srcset="[^"]+" sizes="[^"]+" alt="The ferry at the pier" width="360" height="240" loading="lazy"`));
    // A feature image from elsewhere shows as before: one img, no srcset.
    expect(listing).toContain('<img class="story-card__image" src="https://cdn.example/pier.jpg" alt="Pier" width="360" height="240" loading="lazy" decoding="async">');
    expect((await t.get(`/articles/${outside.slug}`)).body).toContain('<figure class="article__image"><img src="https://cdn.example/pier.jpg" alt="Pier"></figure>');
  });
});
