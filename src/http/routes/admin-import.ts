import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../context.js';
import { AppError } from '../../errors.js';
import { ACCESS_LEVELS } from '../../content/types.js';
import { audit } from '../../members/audit.js';
import { FORMAT_CHOICES } from '../../importer/types.js';
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
  /** The uploaded file's name: it decides the format under `auto`, and names text and HTML pages. */
  name: z.string().trim().min(1).max(200).default('upload'),
}).strict();

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
    api.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: IMPORT_UPLOAD_LIMIT }, (_req, body, done) => done(null, body));

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
