import { h, Fragment, type Html } from '../../shared/jsx.js';
import { Layout } from '../layout.js';
import type { Site } from '../site.js';
import type { Plan } from '../../billing/plans.js';
import { formatMoney } from '../../billing/plans.js';
import { SignInForm } from './account.js';

export interface PricingView {
  plan: Plan | undefined;
  returnTo: string;
  csrf: string;
  /** Who is looking. */
  reader: 'anonymous' | 'member' | 'subscriber' | 'staff';
  trialUsed: boolean;
  trialMode: 'no_card' | 'card';
  paymentsReady: boolean;
  notice?: string;
}

export function PricingPage(props: { site: Site; view: PricingView }): Html {
  const { site, view } = props;
  const plan = view.plan;
  const locale = site.settings.locale;
  const title = `Subscribe to ${site.settings.title}`;
  const canTrial = !!plan && plan.trialDays > 0 && !view.trialUsed && view.reader !== 'subscriber';
  return (
    <Layout site={site} meta={{ title, description: plan?.description || title, noindex: true }}>
      <section class="account-page pricing">
        <h1>{title}</h1>
        {view.notice ? <p class="form-notice" role="status">{capital(view.notice)}</p> : null}
        {!plan ? <p>Subscriptions are not on sale yet.</p> : (
          <Fragment>
            <h2>{plan.name}</h2>
            {plan.description ? <p>{plan.description}</p> : null}
            {plan.benefits.length ? <ul class="benefits">{plan.benefits.map((b) => <li>{b}</li>)}</ul> : null}
            <ul class="prices">
              {plan.prices.map((p) => <li><strong>{formatMoney(p.amount, p.currency, locale)}</strong> a {p.interval}</li>)}
            </ul>
            {view.reader === 'subscriber' ? <p>You are a subscriber. Thank you. <a href="/account">Your account</a></p> : null}
            {view.trialUsed && view.reader !== 'subscriber' ? <p class="form-notice">Your trial has been used. Subscribe to keep reading everything.</p> : null}

            {canTrial && view.reader === 'anonymous' ? (
              <Fragment>
                <h2>Try {plan.trialDays} days free</h2>
                <p>{view.trialMode === 'card' ? 'Create your account, then add a card; you are charged only after the trial.' : 'No card needed. Enter your email: the link we send starts your trial and brings you back to what you were reading.'}</p>
                {view.trialMode === 'card'
                  ? <SignInForm csrf={view.csrf} returnTo={`/subscribe?trial=1&return_to=${encodeURIComponent(view.returnTo)}`} signup idPrefix="trial" />
                  : <SignInForm csrf={view.csrf} returnTo={view.returnTo} signup idPrefix="trial" intent="trial" submitLabel={`Start my ${plan.trialDays}-day free trial`} />}
              </Fragment>
            ) : null}
            {canTrial && view.reader === 'member' && view.trialMode === 'no_card' ? (
              <form class="account-form" method="post" action="/subscribe/trial">
                <input type="hidden" name="_csrf" value={view.csrf} />
                <input type="hidden" name="return_to" value={view.returnTo} />
                <p><button class="button" type="submit">Start my {plan.trialDays}-day free trial</button></p>
              </form>
            ) : null}

            {view.reader !== 'subscriber' ? (
              <Fragment>
                <h2>Subscribe</h2>
                {!view.paymentsReady ? (
                  <p class="form-notice">Payments are not set up on this site yet.{view.reader === 'staff' ? ' Staff: set STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET to take payments.' : ''}</p>
                ) : view.reader === 'anonymous' ? (
                  <p><a class="button" href={`/signin?return_to=${encodeURIComponent(`/subscribe?return_to=${view.returnTo}`)}`}>Sign in to subscribe</a></p>
                ) : (
                  <form class="account-form" method="post" action="/subscribe/checkout">
                    <input type="hidden" name="_csrf" value={view.csrf} />
                    <input type="hidden" name="return_to" value={view.returnTo} />
                    {view.trialMode === 'card' && canTrial ? <input type="hidden" name="trial" value="1" /> : null}
                    <p class="paywall__actions">
                      {plan.prices.map((p) => (
                        <button class={p.interval === 'month' ? 'button' : 'button button--secondary'} type="submit" name="interval" value={p.interval}>
                          {view.trialMode === 'card' && canTrial ? `Start free trial, then ${formatMoney(p.amount, p.currency, locale)}/${p.interval}` : `Pay ${formatMoney(p.amount, p.currency, locale)} a ${p.interval}`}
                        </button>
                      ))}
                    </p>
                  </form>
                )}
              </Fragment>
            ) : null}
          </Fragment>
        )}
      </section>
    </Layout>
  );
}

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1) + (/[.!?]$/.test(s) ? '' : '.');
