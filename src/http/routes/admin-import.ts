import type { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../context.js';
import { AppError } from '../../errors.js';
import { ACCESS_LEVELS } from '../../content/types.js';
import { audit } from '../../members/audit.js';
import { FORMAT_CHOICES, type ImportFormat } from '../../importer/types.js';
import { detectFormat, formatByName, SNIFF_BYTES } from '../../importer/detect.js';
import { documentLimit, megabytes, TooBigError, tooBigMessage } from '../../importer/limits.js';
import { listNeedingReview } from '../../importer/import.queries.js';
import { outcomeRecord, type ImportOutcome } from '../../importer/import.service.js';
import { adminAuth, requirePermission } from '../admin-api.js';

/** Uploads are held in memory while they import; bigger archives go through `masthead import`, which streams. */
export const IMPORT_UPLOAD_LIMIT = 64 * 1024 * 1024;

const flag = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1').default(false);
const importQuery = z.object({
  format: z.enum(FORMAT_CHOICES).default('auto'),
  access: z.enum(ACCESS_LEVELS).optional(),
  section: z.string().trim().min(1).max(200).optional(),
  author: z.string().trim().min(1).max(200).optional(),
  publish: flag,
  pages: flag,
  dryRun: flag,
  explain: flag,
  /** Fetch the images the archive links to into the media library (on unless `images=false`). */
  images: z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1').default(true),
  /** The uploaded file's name: it decides the format under `auto`, and names text and HTML pages. */
  name: z.string().trim().min(1).max(200).default('upload'),
}).strict();

/** The most an upload of this format may be: one article's limit for a page or a text, else the upload limit. */
function uploadLimit(format: ImportFormat): number {
  return Math.min(IMPORT_UPLOAD_LIMIT, documentLimit(format));
}

function tooBig(format: ImportFormat | null): TooBigError {
  if (format && uploadLimit(format) < IMPORT_UPLOAD_LIMIT) return new TooBigError(tooBigMessage(format, null, 'the upload'));
  return new TooBigError(`the upload is larger than ${megabytes(IMPORT_UPLOAD_LIMIT)}, the most the Admin API accepts; import bigger archives with \`masthead import\`, which streams them`);
}

/**
 * The request body, refused (413) the moment it passes the limit for its format: a page or a
 * text can be no bigger than one article (8 MB), so a 20 MB "page" is turned away after 8 MB
 * rather than buffered whole and then cleaned for seconds. The format comes from the query, the
 * name, or (under `auto` with a name that says nothing) the first 4 KB, as the import decides it.
 */
function readUpload(req: FastifyRequest, payload: Readable): Promise<Buffer> {
  const q = importQuery.safeParse(req.query);
  const name = q.success ? q.data.name : 'upload';
  let format: ImportFormat | null = q.success && q.data.format !== 'auto' ? q.data.format : formatByName(name);
  let limit = format ? uploadLimit(format) : IMPORT_UPLOAD_LIMIT;
  const declared = Number(req.headers['content-length']);
  if (declared > limit) return Promise.reject(tooBig(format));
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    const done = () => {
      payload.off('data', onData);
      payload.off('end', onEnd);
      payload.off('error', onError);
    };
    const sniff = () => {
      format = detectFormat(name, Buffer.concat(parts).subarray(0, SNIFF_BYTES).toString('utf8'));
      limit = uploadLimit(format);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      parts.push(chunk);
      if (!format && size >= SNIFF_BYTES) sniff();
      if (size > limit) {
        done();
        // Not another byte: the reply closes the connection (Fastify marks a refused body "Connection: close"; http/linger.ts closes it without a reset).
        payload.pause();
        reject(tooBig(format));
      }
    };
    const onEnd = () => {
      done();
      if (Number.isFinite(declared) && size !== declared) reject(Object.assign(new Error('content length does not match the body'), { statusCode: 400 }));
      else resolve(Buffer.concat(parts, size));
    };
    const onError = (err: Error) => {
      done();
      reject(Object.assign(err, { statusCode: 400 }));
    };
    payload.on('data', onData);
    payload.on('end', onEnd);
    payload.on('error', onError);
  });
}

const reviewQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  offset: z.coerce.number().int().min(0).default(0),
}).strict();

/**
 * POST /api/admin/imports: the same import as the CLI, for an uploaded file in the request body
 * (any content type; the bytes are the file). Imports create sections and authors, so they need
 * an editor or above; `publish=true` needs the right to publish.
 */
export function adminImportRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.register(async (api) => {
    api.addHook('onRequest', adminAuth(ctx));
    api.removeAllContentTypeParsers();
    api.addContentTypeParser('*', (req: FastifyRequest, payload: Readable) => readUpload(req, payload));

    api.post('/imports', async (req) => {
      const q = importQuery.parse(req.query);
      requirePermission(req, 'taxonomy.manage');
      if (q.publish) requirePermission(req, 'article.publish');
      const body = req.body;
      if (!Buffer.isBuffer(body) || body.length === 0) throw new AppError('invalid_input', 'send the file to import as the request body');
      // Loaded on first use: the importer's DOM and parsers are not needed to serve readers.
      const { runImport } = await import('../../importer/run.js');
      const articles: object[] = [];
      const errors: object[] = [];
      const summary = await runImport(ctx.content, { kind: 'buffer', data: body, name: q.name }, {
        format: q.format, includePages: q.pages, access: q.access, section: q.section, author: q.author, publish: q.publish, dryRun: q.dryRun,
        images: q.images ? { ...ctx.importImages, media: ctx.media } : undefined,
      }, {
        onOutcome: (o: ImportOutcome) => {
          const { ok, record } = outcomeRecord(o, ctx.config.siteUrl, q.explain);
          (ok ? articles : errors).push(record);
        },
      });
      if (!q.dryRun) {
        await audit(ctx.database.db, { at: ctx.clock.now(), actor: `staff:${req.staff!.id}`, action: 'content.imported', target: q.name, ip: req.ip, details: { format: q.format, created: summary.created, updated: summary.updated, failed: summary.failed } });
      }
      return { summary, articles, errors };
    });

    api.get('/imports/review', async (req) => {
      const q = reviewQuery.parse(req.query);
      requirePermission(req, 'article.create');
      const rows = await listNeedingReview(ctx.database.db, q.limit, q.offset);
      return {
        articles: rows.map((r) => ({ id: r.id, slug: r.slug, title: r.title, status: r.status, sourceId: r.source_id, flags: JSON.parse(r.flags) as string[], importedAt: new Date(Number(r.imported_at)).toISOString(), url: `/articles/${r.slug}` })),
        limit: q.limit, offset: q.offset,
      };
    });
  }, { prefix: '/api/admin' });
}
