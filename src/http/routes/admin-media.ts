import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import multipart from '@fastify/multipart';
import { z } from 'zod';
import type { AppContext } from '../context.js';
import { AppError, invalidInput } from '../../errors.js';
import { identify } from '../identity.js';
import { csrfToken, formField } from '../forms.js';
import { sendHtml, PRIVATE } from '../reply.js';
import { toHttpFailure } from '../errors.js';
import { idParam, requirePermission, requireRole } from '../admin-api.js';
import { can } from '../../members/permissions.js';
import { changeSettings } from '../../content/settings.service.js';
import { deleteMedia, findMediaPage, getMedia, primaryUrl, responsive, updateAlt, uploadMedia } from '../../media/media.service.js';
import { articlesUsingMedia } from '../../media/media.queries.js';
import { mediaKeyOf } from '../../media/responsive.js';
import { EXT, MAX_UPLOAD_BYTES, MIME, VARIANT_KEY_RE, type Media } from '../../media/types.js';
import { MediaDeletePage, MediaLibraryPage, pictureSnippet } from '../../web/pages/admin-media.js';
import { ARTICLE_SIZES } from '../../web/media.js';
import type { Action } from '../../members/permissions.js';

const IMMUTABLE = 'public, max-age=31536000, immutable';

const listQuery = z.object({
  q: z.string().max(200).optional(),
  before: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(100).optional(),
  notice: z.string().max(40).optional(),
});
const altBody = z.object({ alt: z.string().max(500, 'alt text: at most 500 characters') });

const NOTICES: Record<string, string> = {
  uploaded: 'The image is in the library.',
  exists: 'That image was already in the library; here it is.',
  alt: 'Alt text saved.',
  deleted: 'The image was deleted.',
  logo: 'That image is the site logo now: every page shows it.',
};

/** What the editor and the picker get for an image: everything a page or a document needs. */
export function mediaOut(m: Media) {
  const r = responsive(m);
  return {
    id: m.id, key: m.key, url: primaryUrl(m), width: m.width, height: m.height, alt: m.alt, originalName: m.originalName,
    mime: m.mime, bytes: m.bytes, createdAt: new Date(m.createdAt).toISOString(),
    srcset: r.srcset, webpSrcset: r.webpSrcset ?? null, sizes: ARTICLE_SIZES, html: pictureSnippet(m),
    variants: m.variants.map((v) => ({ url: `/media/${v.key}`, width: v.width, height: v.height, type: MIME[v.format], bytes: v.bytes })),
  };
}

/** A multipart field's value as @fastify/multipart attaches it (`{ value }`), or the file part. */
type Part = { type: 'file'; filename: string; toBuffer(): Promise<Buffer>; file: { truncated: boolean } } | { type: 'field'; value: unknown };
function parts(req: FastifyRequest): Record<string, Part | Part[] | undefined> {
  return (req.body && typeof req.body === 'object' ? req.body : {}) as Record<string, Part | Part[] | undefined>;
}
function field(req: FastifyRequest, name: string): string {
  const p = parts(req)[name];
  const one = Array.isArray(p) ? p[0] : p;
  if (one?.type === 'field') return typeof one.value === 'string' ? one.value : '';
  return formField(req, name);
}
async function fileOf(req: FastifyRequest): Promise<{ data: Buffer; name: string }> {
  if (!req.isMultipart()) throw new AppError('unsupported_media_type', 'send the image as multipart/form-data, in a field named "file"');
  const p = parts(req).file;
  const one = Array.isArray(p) ? p[0] : p;
  if (!one || one.type !== 'file') throw invalidInput('choose an image to upload (the form field "file" is missing)');
  const data = await one.toBuffer();
  if (one.file.truncated) throw new AppError('payload_too_large', 'the image is larger than 20 MB, the most an upload may be');
  return { data, name: one.filename || 'image' };
}

/**
 * The media library for staff signed in with the session cookie: the page at /admin/media (works
 * without JavaScript) and the JSON routes at /admin/api/media that the editor's paste, drop and
 * feature-image picker call with the X-CSRF-Token header. Both go through media.service and the
 * permission matrix. Files are served at /media/<key>, immutable: a key names its bytes.
 */
export function adminMediaRoutes(app: FastifyInstance, ctx: AppContext): void {
  const deps = ctx.media;

  app.register(async (scope) => {
    // Only this scope parses multipart: nowhere else takes files.
    await scope.register(multipart, {
      attachFieldsToBody: true,
      limits: { fileSize: MAX_UPLOAD_BYTES, files: 1, fields: 4, fieldSize: 2000, parts: 5, headerPairs: 100 },
    });
    // Who is asking is known before the body is read: an upload from a stranger is refused unread.
    scope.addHook('onRequest', async (req, reply) => {
      const staff = (await identify(ctx, req)).staff;
      if (staff) {
        req.staff = staff;
        return;
      }
      if (req.url.startsWith('/admin/api/')) throw new AppError('unauthorized', 'sign in at /admin/signin; the media API takes the staff session cookie');
      return reply.header('cache-control', PRIVATE).redirect('/admin/signin', 303);
    });
    const csrf = { preHandler: app.csrfProtection };

    const isLogo = async (m: Media) => mediaKeyOf((await ctx.site.get()).settings.logoUrl, ctx.config.siteUrl) === m.key;
    /**
     * An image deleted, from the library page or the editor's API alike. A deleted logo would be a
     * broken image on every page: the title in text takes its place first, so a delete that fails
     * after it leaves a working site (and the image, to be deleted again).
     */
    const deleteImage = async (req: FastifyRequest, m: Media) => {
      if (await isLogo(m)) await changeSettings({ db: ctx.database.db, now: ctx.clock.now(), changed: ctx.invalidate }, 'site', { logoUrl: null }, { actor: `staff:${req.staff!.id}`, ip: req.ip });
      await deleteMedia(deps, m.id);
    };

    const mayChange = (req: FastifyRequest, m: Media, action: Action) => {
      requirePermission(req, action, { own: m.uploadedBy === req.staff!.id, live: false });
    };
    const canChange = (req: FastifyRequest, m: Media) => {
      try {
        mayChange(req, m, 'media.edit');
        return true;
      } catch {
        return false;
      }
    };

    async function libraryPage(req: FastifyRequest, reply: FastifyReply, o: { status?: number; error?: string } = {}) {
      const q = listQuery.parse(req.query);
      const page = await findMediaPage(deps, { q: q.q, before: q.before });
      const href = (before?: number) => {
        const p = new URLSearchParams();
        if (q.q) p.set('q', q.q);
        if (before) p.set('before', String(before));
        const s = p.toString();
        return s ? `/admin/media?${s}` : '/admin/media';
      };
      return sendHtml(reply, MediaLibraryPage({
        site: await ctx.site.get(), csrf: await csrfToken(reply), q: q.q ?? '',
        items: page.items.map((m) => ({ media: m, mayChange: canChange(req, m) })),
        logo: can(req.staff!.role, 'settings.manage') ? { currentKey: mediaKeyOf((await ctx.site.get()).settings.logoUrl, ctx.config.siteUrl) } : null,
        olderHref: page.nextBefore ? href(page.nextBefore) : null,
        newestHref: q.before ? href() : null,
        notice: q.notice && Object.hasOwn(NOTICES, q.notice) ? NOTICES[q.notice] : undefined,
        error: o.error,
      }), o.status ?? 200, PRIVATE);
    }

    /** A refused form (not an image, too big) shows the library again with the reason, keeping the search. */
    async function orPage<T>(req: FastifyRequest, reply: FastifyReply, fn: () => Promise<T>): Promise<T | FastifyReply> {
      try {
        return await fn();
      } catch (err) {
        const f = toHttpFailure(err);
        if (!f.expected || f.status === 403 || f.status === 404) throw err;
        return libraryPage(req, reply, { status: f.status, error: f.message.charAt(0).toUpperCase() + f.message.slice(1) + (/[.!?]$/.test(f.message) ? '' : '.') });
      }
    }

    scope.get('/admin/media', async (req, reply) => libraryPage(req, reply));

    scope.post('/admin/media', csrf, async (req, reply) => orPage(req, reply, async () => {
      requirePermission(req, 'media.upload');
      const file = await fileOf(req);
      const r = await uploadMedia(deps, { data: file.data, originalName: file.name, uploadedBy: req.staff!.id, alt: field(req, 'alt') });
      return reply.header('cache-control', PRIVATE).redirect(`/admin/media?notice=${r.created ? 'uploaded' : 'exists'}`, 303);
    }));

    scope.post('/admin/media/:id/alt', csrf, async (req, reply) => orPage(req, reply, async () => {
      const m = await getMedia(deps, idParam.parse(req.params).id);
      mayChange(req, m, 'media.edit');
      await updateAlt(deps, m.id, altBody.parse({ alt: field(req, 'alt') }).alt);
      return reply.header('cache-control', PRIVATE).redirect('/admin/media?notice=alt', 303);
    }));

    // The site logo from the library: the site identity's logoUrl set to the image, as Settings → Site would.
    scope.post('/admin/media/:id/logo', csrf, async (req, reply) => {
      requireRole(req.staff!, 'settings.manage');
      const m = await getMedia(deps, idParam.parse(req.params).id);
      await changeSettings({ db: ctx.database.db, now: ctx.clock.now(), changed: ctx.invalidate }, 'site', { logoUrl: primaryUrl(m) }, { actor: `staff:${req.staff!.id}`, ip: req.ip });
      return reply.header('cache-control', PRIVATE).redirect('/admin/media?notice=logo', 303);
    });

    scope.get('/admin/media/:id/delete', async (req, reply) => {
      const m = await getMedia(deps, idParam.parse(req.params).id);
      mayChange(req, m, 'media.delete');
      const site = await ctx.site.get();
      return sendHtml(reply, MediaDeletePage({ site, csrf: await csrfToken(reply), media: m, usedBy: await articlesUsingMedia(deps.db, m.key), isLogo: await isLogo(m) }), 200, PRIVATE);
    });

    scope.post('/admin/media/:id/delete', csrf, async (req, reply) => {
      const m = await getMedia(deps, idParam.parse(req.params).id);
      mayChange(req, m, 'media.delete');
      await deleteImage(req, m);
      return reply.header('cache-control', PRIVATE).redirect('/admin/media?notice=deleted', 303);
    });

    // JSON for the editor (paste, drag and drop) and the feature-image picker.
    scope.get('/admin/api/media', async (req, reply) => {
      const q = listQuery.parse(req.query);
      const page = await findMediaPage(deps, { q: q.q, before: q.before, limit: q.limit });
      return reply.header('cache-control', PRIVATE).send({ media: page.items.map(mediaOut), nextBefore: page.nextBefore });
    });
    scope.post('/admin/api/media', csrf, async (req, reply) => {
      requirePermission(req, 'media.upload');
      const file = await fileOf(req);
      const r = await uploadMedia(deps, { data: file.data, originalName: file.name, uploadedBy: req.staff!.id, alt: field(req, 'alt') });
      return reply.code(r.created ? 201 : 200).header('cache-control', PRIVATE).header('location', `/admin/api/media/${r.media.id}`).send({ media: mediaOut(r.media), created: r.created });
    });
    scope.get('/admin/api/media/:id', async (req, reply) => reply.header('cache-control', PRIVATE).send({ media: mediaOut(await getMedia(deps, idParam.parse(req.params).id)) }));
    scope.patch('/admin/api/media/:id', csrf, async (req, reply) => {
      const m = await getMedia(deps, idParam.parse(req.params).id);
      mayChange(req, m, 'media.edit');
      return reply.header('cache-control', PRIVATE).send({ media: mediaOut(await updateAlt(deps, m.id, altBody.strict().parse(req.body ?? {}).alt)) });
    });
    scope.delete('/admin/api/media/:id', csrf, async (req, reply) => {
      const m = await getMedia(deps, idParam.parse(req.params).id);
      mayChange(req, m, 'media.delete');
      await deleteImage(req, m);
      return reply.code(204).send();
    });
  });

  // The files. A key names its bytes, so a year of caching (and `immutable`) is safe.
  app.get('/media/:file', async (req, reply) => {
    const file = (req.params as { file: string }).file;
    const m = VARIANT_KEY_RE.exec(file);
    const found = m ? await deps.store.stream(file) : null;
    if (!found) throw new AppError('not_found', 'no such image');
    const type = Object.entries(EXT).find(([, ext]) => ext === m![3])![0] as keyof typeof MIME;
    return reply
      .header('content-type', MIME[type])
      .header('content-length', String(found.size))
      .header('cache-control', IMMUTABLE)
      .header('x-content-type-options', 'nosniff')
      .header('content-security-policy', "default-src 'none'")
      .send(found.body);
  });
}
