import { PassThrough } from 'node:stream';
import { staffOnly } from '../staff-pages.js';
import { once } from 'node:events';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../context.js';
import { sendHtml, PRIVATE } from '../reply.js';
import { csrfToken } from '../forms.js';
import { requireRole } from '../admin-api.js';
import {
  EXPLAIN_PATH, ExportPage, MailSettingsPage, MeterExplainer, SETTINGS_FORMS, SettingsFormPage, SettingsIndexPage, shownValues, StripeStatus, type FormSpec,
} from '../../web/pages/settings.js';
import { SETTINGS_GROUPS } from '../../content/settings-registry.js';
import { changeSettings, settingsProblems, type FieldProblems } from '../../content/settings.service.js';
import { explainMeter } from '../../access/explain.js';
import { DEFAULT_WALL_COPY } from '../../access/wall-copy.js';
import { parseLinkLines } from '../../content/navigation.js';
import { describeTransport, queueTestMail } from '../../mail/test-message.js';
import { exportPublication } from '../../export/export.js';
import { LEFT_OUT, OMITTED_COLUMNS } from '../../export/tables.js';
import { audit } from '../../members/audit.js';
import type { StaffUser } from '../../members/staff.js';
import { AppError, invalidInput } from '../../errors.js';
import { meterRulesSchema } from '../../access/rules.js';

/**
 * Settings in the newsroom app (issue 16, part 5): /admin/settings and one form per settings
 * group, the mail transport and a test message, and the publication export. Administrators and
 * the owner only (members/permissions.ts: settings.manage); every change goes through
 * content/settings.service.ts, which writes the audit log, and clears the caches before the
 * redirect, so the next page (an article view included) sees it.
 */
type Group = keyof typeof SETTINGS_FORMS;
const groupParam = z.object({ group: z.enum(Object.keys(SETTINGS_FORMS) as [Group, ...Group[]]) });
const SAVED = 'Saved.';

const field = (b: Record<string, unknown>, k: string) => (typeof b[k] === 'string' ? (b[k] as string) : '');

/** A post read through the form's spec: typed values, what was typed, and problems found before the schema. */
export function readForm(spec: FormSpec, b: Record<string, unknown>): { patch: Record<string, unknown>; typed: Record<string, string>; errors: Record<string, string> } {
  const patch: Record<string, unknown> = {};
  const typed: Record<string, string> = {};
  const errors: Record<string, string> = {};
  for (const f of spec.fields) {
    const raw = field(b, f.name).replace(/\r\n/g, '\n');
    typed[f.name] = f.kind === 'checkbox' ? (raw ? 'on' : '') : raw;
    if (f.kind === 'checkbox') patch[f.name] = raw !== '';
    else if (f.kind === 'number') {
      if (/^\s*-?\d+\s*$/.test(raw)) patch[f.name] = Number(raw);
      else errors[f.name] = raw.trim() ? 'must be a whole number' : 'must not be empty';
    } else if (f.kind === 'links') {
      const { links, problem } = parseLinkLines(raw);
      if (problem) errors[f.name] = problem;
      else patch[f.name] = links;
    } else if (f.kind === 'lines') patch[f.name] = [...new Set(raw.split('\n').map((l) => l.trim()).filter(Boolean))];
    else if (f.nullable && !raw.trim()) patch[f.name] = null;
    else patch[f.name] = f.kind === 'textarea' ? raw : raw.trim();
  }
  for (const k of Object.keys(errors)) delete patch[k];
  return { patch, typed, errors };
}

const sentence = (s: string) => s.charAt(0).toUpperCase() + s.slice(1) + (/[.!?]$/.test(s) ? '' : '.');

export function adminSettingsRoutes(app: FastifyInstance, ctx: AppContext): void {
  const csrf = { preHandler: app.csrfProtection };

  app.register(async (r) => {
    // Settings are for administrators and the owner, reading them included (they show the set-up).
    r.addHook('onRequest', staffOnly(ctx, 'settings.manage'));

    const staffOf = (req: FastifyRequest): StaffUser => req.staff!;
    const who = (req: FastifyRequest) => ({ actor: `staff:${req.staff!.id}`, ip: req.ip });
    const site = () => ctx.site.get();

    r.get('/admin/settings', async (req, reply) => sendHtml(reply, SettingsIndexPage({ site: await site(), staff: staffOf(req) }), 200, PRIVATE));

    async function groupPage(req: FastifyRequest, reply: FastifyReply, group: Group, o: { status?: number; typed?: Record<string, string>; errors?: Record<string, string>; error?: string; notice?: string; explained?: string[] } = {}) {
      const spec = SETTINGS_FORMS[group];
      const s = await site();
      const stored = (await SETTINGS_GROUPS[group]!.read(ctx.database.db)) as Record<string, unknown>;
      const before = group === 'meter'
        ? MeterExplainer(o.explained ? { sentences: o.explained, unsaved: true } : { sentences: explainMeter(s.meter, s.settings.timezone) })
        : undefined;
      const after = group === 'billing' ? StripeStatus({ secretKey: !!ctx.config.stripe?.secretKey, webhookSecret: !!ctx.config.stripe?.webhookSecret }) : undefined;
      return sendHtml(reply, SettingsFormPage({
        site: s, staff: staffOf(req), csrf: await csrfToken(reply), spec, values: o.typed ?? shownValues(spec, stored),
        errors: o.errors, error: o.error, notice: o.notice, before, after,
      }), o.status ?? 200, PRIVATE);
    }

    r.get('/admin/settings/:group', async (req, reply) => {
      const { group } = groupParam.parse(req.params);
      if (group === 'billing') requireRole(staffOf(req), 'billing.manage');
      return groupPage(req, reply, group, { notice: (req.query as { saved?: string }).saved ? SAVED : undefined });
    });

    /** Meter rules as typed (a patch the form's reading and the schema found no problem in), in words, saving nothing. */
    async function explainPatch(patch: Record<string, unknown>): Promise<string[]> {
      const s = await site();
      return explainMeter(meterRulesSchema.parse({ ...s.meter, ...patch }), s.settings.timezone);
    }

    r.post(EXPLAIN_PATH, csrf, async (req, reply) => {
      const { patch, errors } = readForm(SETTINGS_FORMS.meter, (req.body ?? {}) as Record<string, unknown>);
      const problems = { ...settingsProblems('meter', patch), ...errors };
      reply.header('cache-control', PRIVATE);
      if (!Object.keys(problems).length) return { sentences: await explainPatch(patch) };
      const labels = Object.keys(problems).map((k) => SETTINGS_FORMS.meter.fields.find((f) => f.name === k)?.label ?? k);
      throw invalidInput(`Fix ${labels.length === 1 ? 'this field' : 'these fields'} to see what readers would get: ${labels.join('; ')}.`, { fields: problems });
    });

    r.post('/admin/settings/:group', csrf, async (req, reply) => {
      const { group } = groupParam.parse(req.params);
      if (group === 'billing') requireRole(staffOf(req), 'billing.manage');
      const body = (req.body ?? {}) as Record<string, unknown>;
      const { patch, typed, errors } = group === 'wall' && field(body, 'reset') === '1'
        ? { patch: { ...DEFAULT_WALL_COPY } as Record<string, unknown>, typed: undefined, errors: {} }
        : readForm(SETTINGS_FORMS[group], body);
      // Every problem at once: the ones the form found, then the schema's for the rest.
      const all = { ...settingsProblems(group, patch), ...errors };
      const refuse = (fields: Record<string, string>) => groupPage(req, reply, group, {
        status: 400, typed, errors: Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, sentence(v)])),
        error: `Nothing was saved: ${Object.keys(fields).length === 1 ? 'one field needs' : `${Object.keys(fields).length} fields need`} a change.`,
      });
      if (Object.keys(all).length) return refuse(all);
      if (group === 'meter' && field(body, 'preview') === '1') {
        // "Show in words": the page again, with what was typed and its sentences; nothing is saved.
        return groupPage(req, reply, group, { typed, explained: await explainPatch(patch), notice: 'Not saved yet: this is what readers would get. Save to apply it.' });
      }
      try {
        await changeSettings({ db: ctx.database.db, now: ctx.clock.now(), changed: ctx.invalidate }, group, patch, who(req));
      } catch (err) {
        const fields = err instanceof AppError ? (err.details as FieldProblems | undefined)?.fields : undefined;
        if (fields) return refuse(fields);
        throw err;
      }
      return reply.redirect(`/admin/settings/${group}?saved=1`, 303);
    });

    // ---- mail ----
    async function mailPage(req: FastifyRequest, reply: FastifyReply, o: { status?: number; to?: string; fieldError?: string; notice?: string } = {}) {
      return sendHtml(reply, MailSettingsPage({
        site: await site(), staff: staffOf(req), csrf: await csrfToken(reply), transport: describeTransport(ctx.config.smtpUrl),
        to: o.to ?? staffOf(req).email, fieldError: o.fieldError, notice: o.notice,
        error: o.fieldError ? 'Nothing was sent: check the address.' : undefined,
      }), o.status ?? 200, PRIVATE);
    }
    r.get('/admin/settings/mail', async (req, reply) => mailPage(req, reply, { notice: (req.query as { sent?: string }).sent ? 'Test message queued: it goes out within a few seconds.' : undefined }));
    r.post('/admin/settings/mail/test', csrf, async (req, reply) => {
      const to = field((req.body ?? {}) as Record<string, unknown>, 'to').trim();
      const ok = z.email().max(320).safeParse(to);
      if (!ok.success) return mailPage(req, reply, { status: 400, to, fieldError: to ? 'Enter an email address, such as name@example.com.' : 'Enter the address to send to.' });
      const s = await site();
      await queueTestMail({ db: ctx.database.db, now: ctx.clock.now(), brand: { settings: s.settings, siteUrl: ctx.config.siteUrl } }, to, who(req));
      ctx.worker.kick();
      return reply.redirect('/admin/settings/mail?sent=1', 303);
    });

    // ---- export ----
    r.get('/admin/settings/export', async (req, reply) => {
      requireRole(staffOf(req), 'members.manage');
      return sendHtml(reply, ExportPage({ site: await site(), staff: staffOf(req), csrf: await csrfToken(reply), leftOut: LEFT_OUT, columns: OMITTED_COLUMNS }), 200, PRIVATE);
    });
    // A POST, with the CSRF token: the file holds every member's address, so it is a deliberate, logged act.
    r.post('/admin/settings/export', csrf, async (req, reply) => {
      requireRole(staffOf(req), 'members.manage');
      const now = ctx.clock.now();
      await audit(ctx.database.db, { at: now, actor: who(req).actor, ip: req.ip, action: 'publication.export' });
      const out = new PassThrough();
      exportPublication(ctx.database.db, ctx.database.dialect, async (c) => {
        if (!out.write(c)) await once(out, 'drain');
      }, { now }).then(() => out.end(), (err: unknown) => {
        req.log.error({ err }, 'publication export failed part way; the download is cut short');
        out.destroy(err as Error);
      });
      const day = new Date(now).toISOString().slice(0, 10);
      return reply
        .header('content-type', 'application/json; charset=utf-8')
        .header('content-disposition', `attachment; filename="masthead-export-${day}.json"`)
        .header('x-content-type-options', 'nosniff')
        .send(out);
    });
  });
}
