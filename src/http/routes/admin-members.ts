import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { staffOnly } from '../staff-pages.js';
import multipart from '@fastify/multipart';
import { Readable } from 'node:stream';
import { z } from 'zod';
import type { AppContext } from '../context.js';
import { sendHtml, PRIVATE } from '../reply.js';
import { csrfToken } from '../forms.js';
import { idParam } from '../admin-api.js';
import { toHttpFailure } from '../errors.js';
import { AppError, invalidInput } from '../../errors.js';
import { MEMBER_STANDINGS } from '../../billing/state.js';
import { listPlans } from '../../billing/plans.js';
import {
  auditExport, eachMember, eraseMember, grantComplimentary, labelOptions, listMembers, memberDetail, revokeComplimentary, revokeMemberSession,
  sendSignInLink, setLabels, type Actor, type DirectoryDeps,
} from '../../members/directory.service.js';
import { SEEN_WINDOWS, type MemberFilter } from '../../members/directory.queries.js';
import { checkFile, dryRun, importStatus, MAX_IMPORT_BYTES, startImport, type ImportDeps } from '../../members/member-import.js';
import { csvRow } from '../../members/csv.js';
import { fromLocalInput } from '../../shared/zoned-time.js';
import { DAY } from '../../shared/time.js';
import { DryRunPage, ImportPage, ImportStatusPage, MemberListPage, MemberPage, STANDING_LABELS, type FieldErrors, type MemberFilterForm } from '../../web/pages/members.js';

/**
 * The newsroom's members pages (issue 16): /admin/members (the list, filters, keyset pages),
 * /admin/members/export.csv (the filtered list, streamed), /admin/members/import (a dry run, then
 * the import with its progress page), /admin/members/:id (a member and the staff actions on them).
 * Staff with members.manage only; every write carries `_csrf` and lands in the audit log.
 */
const PAGE = 50;

const listQuery = z.object({
  q: z.string().max(200).optional().catch(undefined),
  status: z.enum(MEMBER_STANDINGS).optional().catch(undefined),
  plan: z.coerce.number().int().positive().optional().catch(undefined),
  from: z.string().max(20).optional().catch(undefined),
  to: z.string().max(20).optional().catch(undefined),
  seen: z.enum(SEEN_WINDOWS).optional().catch(undefined),
  label: z.string().max(120).optional().catch(undefined),
  commented: z.enum(['yes', 'no']).optional().catch(undefined),
  suppressed: z.enum(['yes', 'no']).optional().catch(undefined),
  before: z.coerce.number().int().positive().optional().catch(undefined),
  done: z.string().max(40).optional().catch(undefined),
});

const DONE: Record<string, string> = {
  comp: 'Complimentary access granted.', uncomp: 'Complimentary access revoked.', link: 'A sign-in link is on its way to the member.',
  labels: 'Labels saved.', session: 'Session revoked.', erased: 'The member was erased.',
};

const field = (b: unknown, k: string) => {
  const v = (b as Record<string, unknown> | undefined)?.[k];
  return typeof v === 'string' ? v : '';
};
const sentence = (s: string) => s.charAt(0).toUpperCase() + s.slice(1) + (/[.!?]$/.test(s) ? '' : '.');
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** The list's query as a filter, the form as typed, and an error beside each field that could not be used. */
function readFilter(raw: unknown, tz: string): { filter: MemberFilter; form: MemberFilterForm; errors: FieldErrors; before?: number } {
  const q = listQuery.parse(raw);
  const typed = raw as Record<string, unknown>;
  const str = (k: string) => (typeof typed[k] === 'string' ? (typed[k] as string).slice(0, 200) : '');
  const form: MemberFilterForm = { q: str('q'), status: q.status, plan: q.plan ? String(q.plan) : undefined, from: str('from'), to: str('to'), seen: q.seen, label: q.label, commented: q.commented, suppressed: q.suppressed };
  const errors: FieldErrors = {};
  const day = (k: 'from' | 'to', v: string | undefined, next = false) => {
    if (!v) return undefined;
    const at = DATE.test(v) ? fromLocalInput(`${v}T00:00`, tz) : null;
    if (at === null) { errors[k] = 'Enter a date as year-month-day, such as 2026-03-01.'; return undefined; }
    return next ? at + DAY : at;
  };
  const filter: MemberFilter = {
    q: q.q?.trim() || undefined, standing: q.status, planId: q.plan, seen: q.seen, label: q.label || undefined,
    commented: q.commented === undefined ? undefined : q.commented === 'yes',
    suppressed: q.suppressed === undefined ? undefined : q.suppressed === 'yes',
    signedUpFrom: day('from', q.from), signedUpBefore: day('to', q.to, true),
  };
  if (filter.q && filter.q.length < 2) { errors.q = 'Type at least 2 characters.'; filter.q = undefined; }
  return { filter, form, errors, before: q.before };
}

export function adminMembersRoutes(app: FastifyInstance, ctx: AppContext): void {
  const deps: DirectoryDeps = { db: ctx.database.db, dialect: ctx.database.dialect, clock: ctx.clock, billing: ctx.billing, accounts: ctx.accounts };
  const importDeps: ImportDeps = { db: ctx.database.db, dialect: ctx.database.dialect, clock: ctx.clock, billing: ctx.billing };
  const csrf = { preHandler: app.csrfProtection };
  const site = () => ctx.site.get();
  const tz = async () => (await site()).settings.timezone;

  app.register(async (r) => {
    // Members are personal data: every page here, not only the writes, needs members.manage.
    r.addHook('onRequest', staffOnly(ctx, 'members.manage'));
    r.addHook('onResponse', async (req) => {
      if (req.method !== 'GET') ctx.invalidate();
    });
    const actor = (req: FastifyRequest): Actor => ({ staffId: req.staff!.id, ip: req.ip });

    r.get('/admin/members', async (req, reply) => {
      const { filter, form, errors, before } = readFilter(req.query, await tz());
      const page = await listMembers(deps, filter, { limit: PAGE, before });
      const done = (req.query as { done?: string }).done;
      return sendHtml(reply, MemberListPage({
        site: await site(), staff: req.staff!, tz: await tz(), filter: form, errors, members: page.members, next: page.next, first: before === undefined,
        plans: (await listPlans(ctx.database.db)).map((p) => ({ id: p.id, name: p.name })), labels: await labelOptions(deps),
        notice: done && Object.hasOwn(DONE, done) ? DONE[done] : undefined,
      }), Object.keys(errors).length ? 400 : 200, PRIVATE);
    });

    r.get('/admin/members/export.csv', async (req, reply) => {
      const { filter, errors } = readFilter(req.query, await tz());
      if (Object.keys(errors).length) throw invalidInput(Object.values(errors).join(' '));
      await auditExport(deps, actor(req), filter);
      const rows = async function* () {
        yield csvRow(['email', 'name', 'note', 'status', 'plan', 'labels', 'stripe_customer_id', 'created_at', 'last_seen_at']);
        for await (const m of eachMember(deps, filter)) {
          yield csvRow([m.email, m.name, m.note, STANDING_LABELS[m.standing] ?? m.standing, m.plan_name, m.labels.map((l) => l.name).join(', '), m.stripe_customer_id,
            new Date(m.created_at).toISOString(), m.last_seen_at ? new Date(m.last_seen_at).toISOString() : '']);
        }
      };
      reply.header('content-type', 'text/csv; charset=utf-8');
      reply.header('content-disposition', `attachment; filename="members-${new Date(ctx.clock.now()).toISOString().slice(0, 10)}.csv"`);
      reply.header('x-content-type-options', 'nosniff');
      return reply.send(Readable.from(rows()));
    });

    r.get('/admin/members/import', async (req, reply) => sendHtml(reply, ImportPage({ site: await site(), staff: req.staff!, csrf: await csrfToken(reply) }), 200, PRIVATE));

    r.get('/admin/members/imports/:id', async (req, reply) => {
      const s = await importStatus(ctx.database.db, idParam.parse(req.params).id);
      if (!s) throw new AppError('not_found', 'import not found');
      // Without JavaScript the page follows a running import by refreshing itself.
      if (s.state === 'running') reply.header('refresh', '2');
      return sendHtml(reply, ImportStatusPage({ site: await site(), staff: req.staff!, tz: await tz(), status: s }), 200, PRIVATE);
    });

    // Only the upload parses multipart.
    r.register(async (up) => {
      await up.register(multipart, { attachFieldsToBody: true, limits: { fileSize: MAX_IMPORT_BYTES, files: 1, fields: 4, fieldSize: 2000, parts: 6, headerPairs: 100 } });
      up.post('/admin/members/import', csrf, async (req, reply) => {
        const body = (req.body ?? {}) as Record<string, { type?: string; value?: unknown; filename?: string; toBuffer?: () => Promise<Buffer>; file?: { truncated: boolean } }>;
        const mode = typeof body.mode?.value === 'string' ? body.mode.value : 'dry';
        const again = async (error: string, status = 400) => sendHtml(reply, ImportPage({ site: await site(), staff: req.staff!, csrf: await csrfToken(reply), error: sentence(error), mode }), status, PRIVATE);
        const part = body.file;
        if (!req.isMultipart() || !part || part.type !== 'file' || !part.toBuffer) return again('choose a CSV file to upload');
        const bytes = await part.toBuffer();
        if (part.file?.truncated) return again(`the file is larger than ${MAX_IMPORT_BYTES / 1024 / 1024} MB`, 413);
        if (!bytes.length) return again('the file is empty');
        const checked = await checkFile(bytes);
        if ('fileProblem' in checked) return again(checked.fileProblem);
        if (mode !== 'import') {
          return sendHtml(reply, DryRunPage({ site: await site(), staff: req.staff!, csrf: await csrfToken(reply), report: await dryRun(importDeps, checked) }), 200, PRIVATE);
        }
        // The rows are written by a job (any instance's worker); the progress page follows them.
        const id = await startImport(importDeps, checked, bytes, part.filename || 'members.csv', req.staff!.id);
        ctx.worker.kick();
        return reply.redirect(`/admin/members/imports/${id}`, 303);
      });
    });

    async function memberPage(req: FastifyRequest, reply: FastifyReply, id: number, o: { status?: number; errors?: FieldErrors; values?: Record<string, string>; notice?: string } = {}) {
      return sendHtml(reply, MemberPage({
        site: await site(), staff: req.staff!, csrf: await csrfToken(reply), tz: await tz(), detail: await memberDetail(deps, id), now: ctx.clock.now(), ...o,
      }), o.status ?? 200, PRIVATE);
    }

    r.get('/admin/members/:id', async (req, reply) => {
      const { id } = idParam.parse(req.params);
      const done = (req.query as { done?: string }).done;
      return memberPage(req, reply, id, { notice: done && Object.hasOwn(DONE, done) ? DONE[done] : undefined });
    });

    /** A staff action on a member: done → back to the member's page; refused → the page with the error beside `fieldName`. */
    function action(path: string, fieldName: string, run: (req: FastifyRequest, id: number) => Promise<string>) {
      r.post(`/admin/members/:id/${path}`, csrf, async (req, reply) => {
        const { id } = idParam.parse(req.params);
        try {
          const done = await run(req, id);
          return reply.redirect(done === 'erased' ? '/admin/members?done=erased' : `/admin/members/${id}?done=${done}`, 303);
        } catch (err) {
          const f = toHttpFailure(err);
          if (f.status !== 400 && f.status !== 409) throw err;
          const values = Object.fromEntries(Object.entries((req.body ?? {}) as Record<string, unknown>).filter(([k, v]) => k !== '_csrf' && typeof v === 'string')) as Record<string, string>;
          return memberPage(req, reply, id, { status: f.status, errors: { [fieldName]: sentence(f.message) }, values });
        }
      });
    }

    action('comp', 'until', async (req, id) => {
      const until = field(req.body, 'until').trim();
      let at: number | undefined;
      if (until) {
        const t = DATE.test(until) ? fromLocalInput(`${until}T00:00`, await tz()) : null;
        if (t === null) throw invalidInput('enter the end date as year-month-day, such as 2026-12-31');
        at = t + DAY;
      }
      await grantComplimentary(deps, actor(req), id, at);
      return 'comp';
    });
    action('comp/revoke', 'until', async (req, id) => { await revokeComplimentary(deps, actor(req), id); return 'uncomp'; });
    action('signin-link', 'until', async (req, id) => { await sendSignInLink(deps, actor(req), id); return 'link'; });
    action('labels', 'labels', async (req, id) => { await setLabels(deps, actor(req), id, field(req.body, 'labels')); return 'labels'; });
    action('sessions/revoke', 'until', async (req, id) => { await revokeMemberSession(deps, actor(req), id, field(req.body, 'session').slice(0, 100)); return 'session'; });
    action('erase', 'confirm', async (req, id) => {
      if (field(req.body, 'confirm') !== 'yes') throw invalidInput('tick the box to confirm the erasure');
      await eraseMember(deps, actor(req), id);
      return 'erased';
    });
  });
}
