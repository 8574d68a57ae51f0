import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { sendHtml, STRIPE_FORM_CSP, PRIVATE } from '../reply.js';
import { csrfToken, formField, knownNotice, queryField } from '../forms.js';
import { identify } from '../identity.js';
import { AppError } from '../../errors.js';
import { safeReturnTo } from '../../members/members.service.js';
import { findPlanBySlug, listActivePlans } from '../../billing/plans.js';
import { readBillingRules } from '../../billing/rules.js';
import { cancelLocalTrial, liveSubscription, startTrial, trialUsed, TRIAL_REFUSALS } from '../../billing/subscriptions.js';
import { createCheckout, createPortal, handleEvent, setCancelAtPeriodEnd, verifyWebhook } from '../../billing/stripe.service.js';
import { readerKind } from '../../access/reader-kind.js';
import { PricingPage, type OfferView } from '../../web/pages/pricing.js';
import { findOfferByCode, redemptionCount } from '../../billing/offers.js';
import { describeOffer, offerRefusal } from '../../billing/offer-rules.js';
import { withNotice } from '../../web/reader-nav.js';


export function billingRoutes(app: FastifyInstance, ctx: AppContext): void {
  const csrf = { preHandler: app.csrfProtection };

  /** The offer a link names (?offer=CODE, or the checkout form's field), with why it cannot be used, if so. */
  async function offerView(req: FastifyRequest): Promise<OfferView | undefined> {
    const code = (queryField(req, 'offer') || formField(req, 'offer')).slice(0, 40);
    if (!code) return undefined;
    const offer = await findOfferByCode(ctx.database.db, code);
    if (!offer) return undefined;
    const site = await ctx.site.get();
    return { offer, description: describeOffer(offer, site.settings.locale), refusal: offerRefusal(offer, ctx.clock.now(), await redemptionCount(ctx.database.db, offer.id)) };
  }

  async function pricing(req: FastifyRequest, reply: FastifyReply, notice?: string, status = 200) {
    const site = await ctx.site.get();
    const id = await identify(ctx, req);
    const returnTo = safeReturnTo(queryField(req, 'return_to') || formField(req, 'return_to'));
    const reader = readerKind(id);
    const rules = await readBillingRules(ctx.database.db);
    return sendHtml(reply, PricingPage({
      site,
      view: {
        plans: await listActivePlans(ctx.database.db),
        returnTo,
        csrf: await csrfToken(reply),
        reader,
        trialUsed: id.member ? await trialUsed(ctx.database.db, id.member.email) : false,
        trialMode: rules.trialMode,
        paymentsReady: !!ctx.stripe,
        // Only our own sentences: a notice named in the URL is a key, never text to show.
        notice: notice ?? knownNotice(TRIAL_REFUSALS, queryField(req, 'notice')),
        offer: await offerView(req),
      },
    }), status, PRIVATE, { csp: STRIPE_FORM_CSP });
  }

  app.get('/subscribe', async (req, reply) => pricing(req, reply));

  async function requireMember(req: FastifyRequest, reply: FastifyReply) {
    const id = await identify(ctx, req);
    if (!id.member) {
      reply.redirect(`/signin?return_to=${encodeURIComponent('/subscribe')}`, 303);
      return undefined;
    }
    return id.member;
  }

  /** Start the no-card trial and go straight back to what the reader was reading. */
  app.post('/subscribe/trial', csrf, async (req, reply) => {
    const member = await requireMember(req, reply);
    if (!member) return reply;
    try {
      // The plan the reader chose on /subscribe; none is the default plan (the wall's trial).
      const slug = formField(req, 'plan');
      const plan = slug ? await findPlanBySlug(ctx.database.db, slug) : undefined;
      if (slug && !plan) return pricing(req, reply, TRIAL_REFUSALS.no_plan, 409);
      await startTrial(ctx.billing, member.id, plan?.id, { returnTo: safeReturnTo(formField(req, 'return_to')) });
    } catch (err) {
      if (err instanceof AppError && err.code === 'conflict') return pricing(req, reply, err.message, 409);
      throw err;
    }
    ctx.worker.kick();
    return reply.header('cache-control', PRIVATE).redirect(withNotice(safeReturnTo(formField(req, 'return_to')), 'trial-started'), 303);
  });

  app.post('/subscribe/checkout', csrf, async (req, reply) => {
    const member = await requireMember(req, reply);
    if (!member) return reply;
    if (!ctx.stripe) return pricing(req, reply, 'payments are not set up on this site yet', 409);
    const interval = formField(req, 'interval') === 'year' ? 'year' : 'month';
    const back = safeReturnTo(formField(req, 'return_to'));
    const offer = formField(req, 'offer').slice(0, 40) || undefined;
    let url: string;
    try {
      url = await createCheckout(ctx.stripe, member.id, interval, {
        plan: formField(req, 'plan') || undefined,
        offer,
        returnTo: back,
        withTrial: formField(req, 'trial') === '1',
        successUrl: `${ctx.config.siteUrl}/account?notice=subscribed`,
        cancelUrl: `${ctx.config.siteUrl}/subscribe?return_to=${encodeURIComponent(back)}${offer ? `&offer=${encodeURIComponent(offer)}` : ''}`,
      });
    } catch (err) {
      // An offer that ended or ran out since the page was shown: the page again, saying so.
      if (offer && err instanceof AppError && (err.code === 'conflict' || err.code === 'invalid_input')) return pricing(req, reply, err.message, 409);
      throw err;
    }
    return reply.header('cache-control', PRIVATE).redirect(url, 303);
  });

  app.post('/account/billing-portal', csrf, async (req, reply) => {
    const member = await requireMember(req, reply);
    if (!member) return reply;
    if (!ctx.stripe) throw new AppError('conflict', 'payments are not set up on this site');
    return reply.redirect(await createPortal(ctx.stripe, member.id, `${ctx.config.siteUrl}/account`), 303);
  });

  for (const action of ['cancel', 'resume'] as const) {
    app.post(`/account/subscription/${action}`, csrf, async (req, reply) => {
      const member = await requireMember(req, reply);
      if (!member) return reply;
      const sub = await liveSubscription(ctx.billing, member.id);
      if (sub && !sub.stripe_subscription_id && action === 'cancel') await cancelLocalTrial(ctx.billing, member.id);
      else if (sub?.stripe_subscription_id && ctx.stripe) await setCancelAtPeriodEnd(ctx.stripe, member.id, action === 'cancel');
      else throw new AppError('conflict', 'there is no subscription to change');
      return reply.header('cache-control', PRIVATE).redirect('/account', 303);
    });
  }

  // Stripe needs the exact bytes it signed, so this route keeps its body raw.
  app.register(async (hook) => {
    hook.removeAllContentTypeParsers();
    hook.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 1024 * 1024 }, (_req, body, done) => done(null, body));
    hook.post('/webhooks/stripe', async (req, reply) => {
      if (!ctx.stripe) throw new AppError('not_found', 'Stripe is not configured on this site');
      const raw = req.body;
      if (!Buffer.isBuffer(raw)) throw new AppError('invalid_input', 'expected a JSON body');
      const sig = req.headers['stripe-signature'];
      const event = verifyWebhook(ctx.stripe.stripe, raw, Array.isArray(sig) ? sig[0] : sig, ctx.stripe.webhookSecret);
      try {
        const result = await handleEvent(ctx.stripe, event);
        if (result.outcome === 'missing') {
          // Recorded and answered 2xx, so Stripe stops resending it; someone should still look.
          req.log.warn({ eventId: event.id, eventType: event.type, stripeMessage: result.stripeMessage }, 'stripe webhook names an object that does not exist at Stripe; recorded without a change');
        }
        ctx.worker.kick();
        return reply.send({ received: true, outcome: result.outcome });
      } catch (err) {
        // Anything else (an outage, a rate limit, a lost connection, our own failure) may work next
        // time: answer 500 whatever the error's own status, so Stripe retries.
        req.log.error({ err, eventId: event.id }, 'stripe webhook failed');
        return reply.code(500).send({ error: { code: 'internal', message: 'the event could not be applied now; it will be applied when Stripe sends it again' } });
      }
    });
  });
}
