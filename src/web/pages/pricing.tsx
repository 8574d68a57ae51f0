import { h, Fragment, type Html } from '../../shared/jsx.js';
import { Layout } from '../layout.js';
import type { Site } from '../site.js';
import type { Plan } from '../../billing/plans.js';
import { formatMoney } from '../../billing/plans.js';
import { SignInForm } from './account.js';
import { discountedAmount, type Offer } from '../../billing/offer-rules.js';

/** An offer reached by its link (/subscribe?offer=CODE): what it gives, or why it cannot be used. */
export interface OfferView { offer: Offer; description: string; refusal: string | null }

export interface PricingView {
  /** Every active plan, the default first. */
  plans: Plan[];
  returnTo: string;
  csrf: string;
  /** Who is looking. */
  reader: 'anonymous' | 'member' | 'subscriber' | 'staff';
  trialUsed: boolean;
  trialMode: 'no_card' | 'card';
  paymentsReady: boolean;
  notice?: string;
  offer?: OfferView;
}

const INTERVAL = { month: 'a month', year: 'a year' } as const;

export function PricingPage(props: { site: Site; view: PricingView }): Html {
  const { site, view } = props;
  const locale = site.settings.locale;
  const title = `Subscribe to ${site.settings.title}`;
  const [first] = view.plans;
  const mayTrial = !view.trialUsed && view.reader !== 'subscriber';
  const canTrial = (p: Plan) => mayTrial && p.trialDays > 0;
  return (
    <Layout site={site} meta={{ title, description: first?.description || title, noindex: true }}>
      <section class="account-page pricing">
        <h1>{title}</h1>
        {view.notice ? <p class="form-notice" role="status">{capital(view.notice)}</p> : null}
        {!first ? <p>Subscriptions are not on sale yet.</p> : (
          <Fragment>
            {view.reader === 'subscriber' ? <p>You are a subscriber. Thank you. <a href="/account">Your account</a></p> : null}
            {view.trialUsed && view.reader !== 'subscriber' ? <p class="form-notice">Your trial has been used. Subscribe to keep reading everything.</p> : null}
            {view.reader !== 'subscriber' && !view.paymentsReady ? (
              <p class="form-notice">Payments are not set up on this site yet.{view.reader === 'staff' ? ' Staff: set STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET to take payments.' : ''}</p>
            ) : null}
            {view.offer ? (
              <section class="pricing__offer" aria-labelledby="offer-title">
                <h2 id="offer-title">Offer {view.offer.offer.code}: {view.offer.offer.name}</h2>
                {view.offer.refusal ? <p class="form-error" role="alert">{capital(view.offer.refusal)}</p> : <p role="status">{capital(`${view.offer.description} at checkout`)}</p>}
              </section>
            ) : null}
            <ul class="plans">
              {view.plans.map((plan) => (
                <li class="plan" aria-labelledby={`plan-${plan.slug}`}>
                  <h2 id={`plan-${plan.slug}`}>{plan.name}</h2>
                  {plan.description ? <p>{plan.description}</p> : null}
                  {plan.benefits.length ? <ul class="benefits">{plan.benefits.map((b) => <li>{b}</li>)}</ul> : null}
                  <ul class="prices">
                    {plan.prices.map((p) => {
                      const off = offerFor(view, plan, p.currency);
                      return off && off.kind !== 'trial'
                        ? <li><del>{formatMoney(p.amount, p.currency, locale)}</del> <strong>{formatMoney(discountedAmount(p.amount, off), p.currency, locale)}</strong> {INTERVAL[p.interval]}{off.duration === 'forever' ? '' : ' with the offer, then the full price'}</li>
                        : <li><strong>{formatMoney(p.amount, p.currency, locale)}</strong> {INTERVAL[p.interval]}</li>;
                    })}
                  </ul>
                  <p class="plan__trial">{plan.trialDays > 0 ? `${plan.trialDays}-day free trial` : 'No free trial'}</p>
                  <PlanActions plan={plan} view={view} canTrial={canTrial(plan)} locale={locale} />
                </li>
              ))}
            </ul>
            {view.reader === 'anonymous' && canTrial(first) ? (
              // A signed-out reader's trial comes with their account, from the link we mail: the default plan's, as the wall offers.
              <section class="pricing__trial" aria-labelledby="trial-title">
                <h2 id="trial-title">Try {first.trialDays} days free</h2>
                <p>{view.trialMode === 'card' ? 'Create your account, then add a card; you are charged only after the trial.' : 'No card needed. Enter your email: the link we send starts your trial and brings you back to what you were reading.'}</p>
                {view.trialMode === 'card'
                  ? <SignInForm csrf={view.csrf} returnTo={`/subscribe?trial=1&return_to=${encodeURIComponent(view.returnTo)}`} signup idPrefix="trial" newsletters={props.site.signupNewsletters} />
                  : <SignInForm csrf={view.csrf} returnTo={view.returnTo} signup idPrefix="trial" intent="trial" newsletters={props.site.signupNewsletters} submitLabel={`Start my ${first.trialDays}-day free trial`} />}
              </section>
            ) : null}
            {view.reader === 'anonymous' && view.paymentsReady ? (
              <p><a class="button button--secondary" href={`/signin?return_to=${encodeURIComponent(`/subscribe?return_to=${encodeURIComponent(view.returnTo)}${view.offer ? `&offer=${encodeURIComponent(view.offer.offer.code)}` : ''}`)}`}>Sign in to subscribe</a></p>
            ) : null}
          </Fragment>
        )}
      </section>
    </Layout>
  );
}

/** What a signed-in member can do with one plan: start its trial (no card), or pay (Stripe). Each form names the plan. */
function PlanActions(props: { plan: Plan; view: PricingView; canTrial: boolean; locale: string }): Html {
  const { plan, view, locale } = props;
  if (view.reader !== 'member') return <Fragment />;
  const cardTrial = view.trialMode === 'card' && props.canTrial;
  return (
    <Fragment>
      {props.canTrial && view.trialMode === 'no_card' ? (
        <form class="account-form" method="post" action="/subscribe/trial">
          <input type="hidden" name="_csrf" value={view.csrf} />
          <input type="hidden" name="return_to" value={view.returnTo} />
          <input type="hidden" name="plan" value={plan.slug} />
          <p><button class="button" type="submit">Start my {plan.trialDays}-day free trial</button></p>
        </form>
      ) : null}
      {view.paymentsReady ? (
        <form class="account-form" method="post" action="/subscribe/checkout">
          <input type="hidden" name="_csrf" value={view.csrf} />
          <input type="hidden" name="return_to" value={view.returnTo} />
          <input type="hidden" name="plan" value={plan.slug} />
          {cardTrial ? <input type="hidden" name="trial" value="1" /> : null}
          {offerFor(view, plan) ? <input type="hidden" name="offer" value={view.offer!.offer.code} /> : null}
          <p class="paywall__actions">
            {plan.prices.map((p) => (
              <button class={p.interval === 'month' ? 'button' : 'button button--secondary'} type="submit" name="interval" value={p.interval}>
                {cardTrial ? `Start free trial, then ${formatMoney(p.amount, p.currency, locale)}/${p.interval}` : `Pay ${formatMoney(p.amount, p.currency, locale)} ${INTERVAL[p.interval]}`}
              </button>
            ))}
          </p>
        </form>
      ) : null}
    </Fragment>
  );
}

/** The usable offer for this plan (and currency, for an amount off), if the page has one. */
function offerFor(view: PricingView, plan: Plan, currency?: string): Offer | undefined {
  const o = view.offer;
  if (!o || o.refusal) return undefined;
  if (o.offer.planId !== null && o.offer.planId !== plan.id) return undefined;
  if (currency && o.offer.kind === 'fixed' && o.offer.currency !== currency) return undefined;
  return o.offer;
}

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1) + (/[.!?]$/.test(s) ? '' : '.');
