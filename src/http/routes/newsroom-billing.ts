import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ZodError } from 'zod';
import type { AppContext } from '../context.js';
import { sendHtml, PRIVATE } from '../reply.js';
import { csrfToken, queryField } from '../forms.js';
import { idParam, requireRole } from '../admin-api.js';
import { formBody, formFailure, staffOf, staffPages } from '../staff-pages.js';
import { OfferFormPage, OffersPage, PlanFormPage, PlansPage } from '../../web/pages/newsroom-billing.js';
import type { FormState } from '../../web/pages/newsroom-forms.js';
import { archivePlan, createPlan, getPlan, listPlans, planInputSchema, planUpdateSchema, updatePlan } from '../../billing/plans.js';
import { archiveOffer, createOffer, getOffer, listOffers, updateOffer } from '../../billing/offers.js';
import type { Offer } from '../../billing/offer-rules.js';
import { audit } from '../../members/audit.js';
import { fromLocalInput } from '../../shared/zoned-time.js';

/** /admin/plans and /admin/offers: create, edit and archive plans and offers; offers with their redemptions (issue 16, part 3). */
const DONE: Record<string, string> = { created: 'Plan created.', saved: 'Plan saved.', archived: 'Plan archived: no new sign-ups; its subscribers stay on it.', offer: 'Offer created.', 'offer-saved': 'Offer saved.', 'offer-archived': 'Offer archived.' };

/** What an edit changed, as { field: [before, after] } for the audit log. */
function offerChanges(a: Offer, b: Offer): Record<string, [unknown, unknown]> {
  const keys = ['name', 'planId', 'kind', 'amount', 'currency', 'duration', 'durationMonths', 'expiresAt', 'maxRedemptions'] as const;
  return Object.fromEntries(keys.filter((k) => a[k] !== b[k]).map((k) => [k, [a[k], b[k]]]));
}

/** A whole number typed in a form, or what was typed when it is not one (zod then names the field). */
const whole = (s: string | undefined): number | string | null => {
  const t = (s ?? '').trim();
  if (!t) return null;
  return /^-?\d{1,12}$/.test(t) ? Number(t) : t;
};

/** The plan form as the plan input: prices from the monthly and yearly fields (minor units). */
function planFromForm(b: Record<string, string>) {
  const currency = (b.currency ?? '').trim();
  const prices = (['monthly', 'yearly'] as const).flatMap((k) => {
    const amount = whole(b[k]);
    return amount === null ? [] : [{ interval: k === 'monthly' ? 'month' : 'year', currency, amount }];
  });
  return {
    input: {
      name: b.name ?? '', description: b.description ?? '', benefits: (b.benefits ?? '').split(/\r?\n/).map((x) => x.trim()).filter(Boolean),
      trialDays: whole(b.trialDays) ?? 0, prices,
    },
    /** Which form field a price's issue belongs to. */
    priceField: (i: number | undefined) => (i === undefined ? 'monthly' : prices[i]?.interval === 'year' ? 'yearly' : 'monthly'),
  };
}

/** Zod's issues on the plan input, by form field. */
function planErrors(err: ZodError, priceField: (i: number | undefined) => string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const i of err.issues) {
    const [head, idx, leaf] = i.path;
    const field = head === 'prices' ? (leaf === 'currency' ? 'currency' : priceField(typeof idx === 'number' ? idx : undefined)) : String(head ?? 'name');
    out[field] ??= i.message.charAt(0).toUpperCase() + i.message.slice(1) + (/[.!?]$/.test(i.message) ? '' : '.');
  }
  return out;
}

export function newsroomBillingRoutes(app: FastifyInstance, ctx: AppContext): void {
  const csrf = { preHandler: app.csrfProtection };
  const db = ctx.database.db;
  const site = () => ctx.site.get();
  const actor = (req: FastifyRequest) => `staff:${req.staff!.id}`;

  staffPages(app, ctx, (r) => {
    r.addHook('preHandler', async (req) => requireRole(staffOf(req), 'billing.manage'));

    r.get('/admin/plans', async (req, reply) => sendHtml(reply, PlansPage({ site: await site(), staff: staffOf(req), csrf: await csrfToken(reply), plans: await listPlans(db), notice: DONE[queryField(req, 'done')] }), 200, PRIVATE));

    async function planForm(req: FastifyRequest, reply: FastifyReply, planId: number | null, form: FormState = {}, status = 200, error?: string) {
      const plan = planId === null ? null : await getPlan(db, planId);
      return sendHtml(reply, PlanFormPage({ site: await site(), staff: staffOf(req), csrf: await csrfToken(reply), plan, form, error }), status, PRIVATE);
    }
    r.get('/admin/plans/new', async (req, reply) => planForm(req, reply, null));
    r.get('/admin/plans/:id', async (req, reply) => planForm(req, reply, idParam.parse(req.params).id));

    async function savePlan(req: FastifyRequest, reply: FastifyReply, planId: number | null) {
      const b = formBody(req);
      const { input, priceField } = planFromForm(b);
      const now = ctx.clock.now();
      try {
        await db.transaction().execute(async (trx) => {
          const p = planId === null ? await createPlan(trx, planInputSchema.parse(input), now) : await updatePlan(trx, planId, planUpdateSchema.parse(input), now);
          await audit(trx, { at: now, actor: actor(req), action: planId === null ? 'plan.created' : 'plan.updated', target: `plan:${p.id}`, ip: req.ip, details: { name: p.name, trialDays: p.trialDays, prices: p.prices.map((x) => ({ interval: x.interval, currency: x.currency, amount: x.amount })) } });
          return p;
        });
        return reply.redirect(`/admin/plans?done=${planId === null ? 'created' : 'saved'}`, 303);
      } catch (err) {
        const errors = err instanceof ZodError ? planErrors(err, priceField) : formFailure(err)?.errors;
        const f = formFailure(err);
        if (!f || !errors) throw err;
        return planForm(req, reply, planId, { values: b, errors }, f.status, f.message);
      }
    }
    r.post('/admin/plans', csrf, async (req, reply) => savePlan(req, reply, null));
    r.post('/admin/plans/:id', csrf, async (req, reply) => savePlan(req, reply, idParam.parse(req.params).id));

    r.post('/admin/plans/:id/archive', csrf, async (req, reply) => {
      const { id } = idParam.parse(req.params);
      await db.transaction().execute(async (trx) => {
        await archivePlan(trx, id, ctx.clock.now());
        await audit(trx, { at: ctx.clock.now(), actor: actor(req), action: 'plan.archived', target: `plan:${id}`, ip: req.ip });
      });
      return reply.redirect('/admin/plans?done=archived', 303);
    });

    // ---- offers ----
    r.get('/admin/offers', async (req, reply) => {
      const s = await site();
      return sendHtml(reply, OffersPage({ site: s, staff: staffOf(req), csrf: await csrfToken(reply), tz: s.settings.timezone, offers: await listOffers(db), plans: await listPlans(db), notice: DONE[queryField(req, 'done')] }), 200, PRIVATE);
    });
    async function offerForm(req: FastifyRequest, reply: FastifyReply, offer: Offer | null, form: FormState = {}, status = 200, error?: string) {
      const s = await site();
      return sendHtml(reply, OfferFormPage({ site: s, staff: staffOf(req), csrf: await csrfToken(reply), tz: s.settings.timezone, plans: await listPlans(db), offer, form, error }), status, PRIVATE);
    }
    /** The offer form as the offer input: whole numbers, and the end date as the start of the day after it in the site's zone. */
    async function offerFromForm(b: Record<string, string>) {
      const expires = (b.expiresAt ?? '').trim();
      const endOfDay = /^\d{4}-\d{2}-\d{2}$/.test(expires) ? fromLocalInput(`${expires}T00:00`, (await site()).settings.timezone) : null;
      const raw = {
        name: b.name ?? '', code: b.code ?? '', planId: whole(b.planId), kind: b.kind ?? '', amount: whole(b.amount) ?? NaN,
        currency: (b.currency ?? '').trim() || null, duration: b.duration ?? '', durationMonths: whole(b.durationMonths),
        expiresAt: endOfDay === null ? null : endOfDay + 86_400_000, maxRedemptions: whole(b.maxRedemptions),
      };
      const now = ctx.clock.now();
      if (expires && endOfDay === null) throw Object.assign(new Error('enter the date as year-month-day'), { field: 'expiresAt' });
      if (raw.expiresAt !== null && raw.expiresAt <= now) throw Object.assign(new Error('the end date has passed'), { field: 'expiresAt' });
      return raw;
    }
    r.get('/admin/offers/new', async (req, reply) => offerForm(req, reply, null));
    r.post('/admin/offers', csrf, async (req, reply) => {
      const b = formBody(req);
      const now = ctx.clock.now();
      try {
        const raw = await offerFromForm(b);
        await db.transaction().execute(async (trx) => {
          const o = await createOffer(trx, raw, now);
          await audit(trx, { at: now, actor: actor(req), action: 'offer.created', target: `offer:${o.id}`, ip: req.ip, details: { code: o.code, kind: o.kind, amount: o.amount, duration: o.duration } });
        });
      } catch (err) {
        const f = formFailure(err);
        if (!f) throw err;
        return offerForm(req, reply, null, { values: b, errors: f.errors }, f.status, f.message);
      }
      return reply.redirect('/admin/offers?done=offer', 303);
    });
    r.get('/admin/offers/:id', async (req, reply) => offerForm(req, reply, await getOffer(db, idParam.parse(req.params).id)));
    r.post('/admin/offers/:id', csrf, async (req, reply) => {
      const { id } = idParam.parse(req.params);
      const offer = await getOffer(db, id);
      const b = formBody(req);
      const now = ctx.clock.now();
      try {
        const raw = await offerFromForm(b);
        await db.transaction().execute(async (trx) => {
          const { before, after } = await updateOffer(trx, id, raw, now);
          await audit(trx, { at: now, actor: actor(req), action: 'offer.updated', target: `offer:${id}`, ip: req.ip, details: { code: after.code, ...offerChanges(before, after) } });
        });
      } catch (err) {
        const f = formFailure(err);
        if (!f) throw err;
        return offerForm(req, reply, offer, { values: b, errors: f.errors }, f.status, f.message);
      }
      return reply.redirect('/admin/offers?done=offer-saved', 303);
    });
    r.post('/admin/offers/:id/archive', csrf, async (req, reply) => {
      const { id } = idParam.parse(req.params);
      await db.transaction().execute(async (trx) => {
        await archiveOffer(trx, id, ctx.clock.now());
        await audit(trx, { at: ctx.clock.now(), actor: actor(req), action: 'offer.archived', target: `offer:${id}`, ip: req.ip });
      });
      return reply.redirect('/admin/offers?done=offer-archived', 303);
    });
  });
}
