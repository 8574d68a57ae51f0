import multipart from '@fastify/multipart';
import { staffOnly } from '../staff-pages.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../context.js';
import { sendHtml, PRIVATE } from '../reply.js';
import { csrfToken } from '../forms.js';
import { AppError } from '../../errors.js';
import { ImportPage, ImportRunPage, REFRESH_SECONDS, runGoing } from '../../web/pages/settings-import.js';
import { ARCHIVE_LIMIT, checkArchive, startImportRun } from '../../importer/import-runs.service.js';
import { findRun, flaggedArticles, recentRuns } from '../../importer/import-runs.queries.js';

/**
 * Settings → Import (issue 16): upload a WordPress, Ghost or HTML archive; the import runs as a job
 * (importer/import-runs.service.ts), and /admin/settings/import/:id follows it without JavaScript.
 * Administrators and the owner, as every settings page (settings.manage).
 */
const runParam = z.object({ id: z.coerce.number().int().positive().max(2 ** 31 - 1) });
const runQuery = z.object({ refresh: z.enum(['off']).optional() });

type Part = { type: 'file'; filename: string; toBuffer(): Promise<Buffer>; file: { truncated: boolean } } | { type: 'field'; value: unknown };
const partOf = (req: FastifyRequest, name: string): Part | undefined => {
  const b = (req.body && typeof req.body === 'object' ? req.body : {}) as Record<string, Part | Part[] | undefined>;
  const p = b[name];
  return Array.isArray(p) ? p[0] : p;
};

export function adminSettingsImportRoutes(app: FastifyInstance, ctx: AppContext): void {
  const csrf = { preHandler: app.csrfProtection };

  app.register(async (r) => {
    // Only this scope and the media library parse multipart. A file past the limit is cut, not
    // thrown: the form is shown again with the reason beside the field.
    await r.register(multipart, {
      attachFieldsToBody: true, throwFileSizeLimit: false,
      limits: { fileSize: ARCHIVE_LIMIT, files: 1, fields: 4, fieldSize: 2000, parts: 6, headerPairs: 100 },
    });
    // Who is asking is settled before the body is read: an editor's upload is refused unread.
    r.addHook('onRequest', staffOnly(ctx, 'settings.manage'));

    async function formPage(req: FastifyRequest, reply: FastifyReply, o: { status?: number; fieldError?: string } = {}) {
      return sendHtml(reply, ImportPage({
        site: await ctx.site.get(), staff: req.staff!, csrf: await csrfToken(reply), recent: await recentRuns(ctx.database.db, 10),
        fieldError: o.fieldError, error: o.fieldError ? 'Nothing was imported: check the file.' : undefined,
      }), o.status ?? 200, PRIVATE);
    }

    r.get('/admin/settings/import', async (req, reply) => formPage(req, reply));

    r.post('/admin/settings/import', csrf, async (req, reply) => {
      const file = req.isMultipart() ? partOf(req, 'file') : undefined;
      if (!file || file.type !== 'file' || !file.filename) return formPage(req, reply, { status: 400, fieldError: 'Choose the archive to import.' });
      const data = await file.toBuffer();
      if (file.file.truncated) {
        return formPage(req, reply, { status: 413, fieldError: `The file is larger than ${ARCHIVE_LIMIT / 1024 / 1024} MB, the most this page takes; import bigger archives with masthead import on the server, which streams them.` });
      }
      const name = file.filename.slice(0, 200);
      const check = checkArchive(name, data);
      if (!check.ok) return formPage(req, reply, { status: 400, fieldError: check.message });
      const images = partOf(req, 'images');
      const id = await startImportRun({ db: ctx.database.db, now: ctx.clock.now() }, { name, data, format: check.format, fetchImages: images?.type === 'field' && images.value === 'on' }, { staffId: req.staff!.id, ip: req.ip });
      ctx.worker.kick();
      return reply.redirect(`/admin/settings/import/${id}`, 303);
    });

    r.get('/admin/settings/import/:id', async (req, reply) => {
      const { id } = runParam.parse(req.params);
      const { refresh } = runQuery.parse(req.query);
      const run = await findRun(ctx.database.db, id);
      if (!run) throw new AppError('not_found', 'no such import');
      const done = !runGoing(run.status);
      // The page follows the job without JavaScript: a Refresh header (the meta refresh's HTTP twin,
      // which every browser honours) while it runs, with a link on the page to turn it off, so the
      // reload never runs on without the reader's say (WCAG 2.2.1; axe refuses an unstoppable meta refresh).
      const refreshing = !done && refresh !== 'off';
      if (refreshing) reply.header('refresh', String(REFRESH_SECONDS));
      const flagged = done ? await flaggedArticles(ctx.database.db, JSON.parse(run.flagged_ids) as number[]) : [];
      return sendHtml(reply, ImportRunPage({
        site: await ctx.site.get(), staff: req.staff!,
        run: { ...run, failures: JSON.parse(run.failures) as { position: string; message: string }[] },
        flagged: flagged.map((a) => ({ id: a.id, title: a.title, status: a.status, flags: JSON.parse(a.flags) as string[] })), refreshing,
      }), 200, PRIVATE);
    });
  });
}
