import { h, Fragment, type Html } from '../../shared/jsx.js';
import { Layout } from '../layout.js';
import type { Site, SignupNewsletter } from '../site.js';
import type { Member } from '../../members/members.service.js';
import { formatDate, formatDateTime, isoDate } from '../format.js';
import { describeUserAgent, timeAgo } from '../user-agent.js';
import type { SubscriptionView } from '../../billing/subscriptions.js';

/** Shared bits of every form: the CSRF token and where to go afterwards. */
function Hidden(props: { csrf: string; returnTo?: string }): Html {
  return (
    <Fragment>
      <input type="hidden" name="_csrf" value={props.csrf} />
      {props.returnTo ? <input type="hidden" name="return_to" value={props.returnTo} /> : null}
    </Fragment>
  );
}

function FormError(props: { error?: string }): Html {
  return props.error ? <p class="form-error" role="alert">{props.error}</p> : <Fragment />;
}

/** The compact sign-in form: on its own page, and embedded in the paywall. */
export function SignInForm(props: { csrf: string; returnTo: string; email?: string; error?: string; idPrefix?: string; signup?: boolean; intent?: 'trial'; submitLabel?: string; newsletters?: SignupNewsletter[] }): Html {
  const p = props.idPrefix ?? 'signin';
  return (
    <form class="account-form" method="post" action={props.signup ? '/signup' : '/signin'}>
      <Hidden csrf={props.csrf} returnTo={props.returnTo} />
      {props.intent ? <input type="hidden" name="intent" value={props.intent} /> : null}
      <FormError error={props.error} />
      {props.signup ? (
        <p class="field">
          <label for={`${p}-name`}>Name <span class="optional">(optional)</span></label>
          <input id={`${p}-name`} name="name" type="text" autocomplete="name" maxlength="200" />
        </p>
      ) : null}
      <p class="field">
        <label for={`${p}-email`}>Email address</label>
        <input id={`${p}-email`} name="email" type="email" autocomplete="email" required maxlength="320" value={props.email ?? ''} />
      </p>
      {props.signup && props.newsletters?.length ? (
        <fieldset class="newsletter-choice">
          <legend>Newsletters</legend>
          {/* Says the choice was offered: no box ticked means no newsletter. */}
          <input type="hidden" name="newsletters_shown" value="1" />
          {props.newsletters.map((n) => (
            <p class="choice"><input type="checkbox" id={`${p}-nl-${n.id}`} name="newsletter" value={String(n.id)} checked={n.ticked} /><label for={`${p}-nl-${n.id}`}>{n.name}</label></p>
          ))}
        </fieldset>
      ) : null}
      <p><button class="button" type="submit">{props.submitLabel ?? (props.signup ? 'Create account' : 'Email me a sign-in link')}</button></p>
    </form>
  );
}

export function SignInPage(props: { site: Site; csrf: string; returnTo: string; email?: string; error?: string; passwordError?: string; signup?: boolean }): Html {
  const title = props.signup ? 'Create your account' : 'Sign in';
  return (
    <Layout site={props.site} meta={{ title, description: `${title} to ${props.site.settings.title}`, noindex: true }}>
      <section class="account-page">
        <h1>{title}</h1>
        <p>{props.signup ? 'We will email you a link to confirm your address. No password needed.' : 'We will email you a link that signs you in. No password needed.'}</p>
        <SignInForm csrf={props.csrf} returnTo={props.returnTo} email={props.email} error={props.error} signup={props.signup} newsletters={props.site.signupNewsletters} />
        {props.signup ? (
          <p>Already have an account? <a href={`/signin?return_to=${encodeURIComponent(props.returnTo)}`}>Sign in</a></p>
        ) : (
          <Fragment>
            <p>New here? <a href={`/signup?return_to=${encodeURIComponent(props.returnTo)}`}>Create a free account</a></p>
            <details class="password-signin" open={props.passwordError ? true : undefined}>
              <summary>Sign in with a password instead</summary>
              <form class="account-form" method="post" action="/signin/password">
                <Hidden csrf={props.csrf} returnTo={props.returnTo} />
                <FormError error={props.passwordError} />
                <p class="field"><label for="pw-email">Email address</label><input id="pw-email" name="email" type="email" autocomplete="email" required value={props.email ?? ''} /></p>
                <p class="field"><label for="pw-password">Password</label><input id="pw-password" name="password" type="password" autocomplete="current-password" required /></p>
                <p><button class="button button--secondary" type="submit">Sign in</button></p>
              </form>
            </details>
          </Fragment>
        )}
      </section>
    </Layout>
  );
}

export function MessagePage(props: { site: Site; title: string; children?: unknown }): Html {
  return (
    <Layout site={props.site} meta={{ title: props.title, description: props.title, noindex: true }}>
      <section class="account-page">
        <h1>{props.title}</h1>
        {props.children as Html}
      </section>
    </Layout>
  );
}

export function CheckEmailPage(props: { site: Site }): Html {
  return (
    <MessagePage site={props.site} title="Check your email">
      <p>If that address can receive mail, a link is on its way. It works once and expires in 15 minutes.</p>
      <p>Nothing arrived? Check your spam folder, or <a href="/signin">ask for another link</a>.</p>
    </MessagePage>
  );
}

const PROBLEM: Record<string, string> = {
  expired: 'This link has expired. Links work for 15 minutes.',
  used: 'This link has already been used. Each link works once.',
  invalid: 'This link is not valid. It may have been copied incompletely.',
  email_taken: 'That email address now belongs to another account, so it cannot be moved to yours.',
  too_many_codes: 'Too many wrong authentication codes were tried with this link, so it no longer works. Ask for a new link.',
};

export function LinkProblemPage(props: { site: Site; reason: string; csrf: string }): Html {
  return (
    <MessagePage site={props.site} title="That link didn’t work">
      <p>{PROBLEM[props.reason] ?? PROBLEM.invalid}</p>
      <h2>Get a new link</h2>
      <SignInForm csrf={props.csrf} returnTo="/" idPrefix="again" />
    </MessagePage>
  );
}

export function ConfirmLinkPage(props: { site: Site; token: string; csrf: string; purpose: string; needsCode: boolean; error?: string }): Html {
  const label = props.purpose === 'change_email' ? 'Confirm new email address' : 'Sign in on this device';
  return (
    <MessagePage site={props.site} title={props.purpose === 'change_email' ? 'Confirm your new address' : 'Finish signing in'}>
      <p>{props.purpose === 'change_email' ? 'Press the button to use this address for your account.' : 'You opened the link in a different browser from the one that asked for it. Press the button to sign in here.'}</p>
      <form class="account-form" method="post" action="/signin/verify">
        <input type="hidden" name="_csrf" value={props.csrf} />
        <input type="hidden" name="token" value={props.token} />
        <FormError error={props.error} />
        {props.needsCode ? (
          <p class="field"><label for="code">Authentication code</label><input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]{6,7}" required /></p>
        ) : null}
        <p><button class="button" type="submit">{label}</button></p>
      </form>
    </MessagePage>
  );
}

export interface AccountView {
  member: Member;
  subscription: SubscriptionView | null;
  sessions: { id: string; createdAt: number; lastSeenAt: number; userAgent: string; current: boolean }[];
  /** Every newsletter the member may receive, and whether they do. */
  newsletters: { id: number; name: string; subscribed: boolean }[];
  /** The site clock's now, for "last active 2 hours ago". */
  now: number;
  notice?: string;
  error?: string;
}

export function AccountPage(props: { site: Site; csrf: string; view: AccountView }): Html {
  const { site, csrf, view } = props;
  const m = view.member;
  const s = site.settings;
  return (
    <Layout site={site} meta={{ title: 'Your account', description: 'Your account', noindex: true }}>
      <section class="account-page">
        <h1>Your account</h1>
        {view.notice ? <p class="form-notice" role="status">{view.notice}</p> : null}
        <FormError error={view.error} />
        <dl class="account-facts">
          <dt>Email</dt><dd>{m.email}</dd>
          <dt>Name</dt><dd>{m.name || '—'}</dd>
          <dt>Membership</dt><dd>{MEMBERSHIP[m.status] ?? m.status}</dd>
          <dt>Member since</dt><dd>{formatDateTime(m.createdAt, s.locale, s.timezone)}</dd>
        </dl>

        <Subscription csrf={csrf} sub={view.subscription} site={site} />

        {view.newsletters.length ? (
          <Fragment>
            <h2>Newsletters</h2>
            <form class="account-form" method="post" action="/account/newsletters">
              <input type="hidden" name="_csrf" value={csrf} />
              <fieldset>
                <legend>Email me</legend>
                {view.newsletters.map((n) => (
                  <p class="field"><label><input type="checkbox" name="newsletter" value={String(n.id)} checked={n.subscribed} /> {n.name}</label></p>
                ))}
              </fieldset>
              <p><button class="button button--secondary" type="submit">Save newsletters</button></p>
            </form>
          </Fragment>
        ) : null}

        <h2>Name</h2>
        <form class="account-form" method="post" action="/account/name">
          <input type="hidden" name="_csrf" value={csrf} />
          <p class="field"><label for="acct-name">Name</label><input id="acct-name" name="name" type="text" autocomplete="name" maxlength="200" value={m.name} /></p>
          <p><button class="button button--secondary" type="submit">Save name</button></p>
        </form>

        <h2>Email address</h2>
        <form class="account-form" method="post" action="/account/email">
          <input type="hidden" name="_csrf" value={csrf} />
          <p class="field"><label for="acct-email">New email address</label><input id="acct-email" name="email" type="email" autocomplete="email" required maxlength="320" /></p>
          <p><button class="button button--secondary" type="submit">Send confirmation link</button></p>
        </form>

        <h2>Password</h2>
        <p>{m.hasPassword ? 'You can sign in with your password or an emailed link.' : 'Optional: set a password if you prefer it to emailed links.'}</p>
        <form class="account-form" method="post" action="/account/password">
          <input type="hidden" name="_csrf" value={csrf} />
          <p class="field"><label for="acct-pw">{m.hasPassword ? 'New password' : 'Password'}</label><input id="acct-pw" name="password" type="password" autocomplete="new-password" minlength="10" required /></p>
          <p><button class="button button--secondary" type="submit">{m.hasPassword ? 'Change password' : 'Set password'}</button></p>
        </form>

        <h2>Where you are signed in</h2>
        <ul class="session-list">
          {view.sessions.map((x) => (
            <li>
              <strong>{describeUserAgent(x.userAgent)}</strong>{x.current ? ' (this browser)' : ''}, last active{' '}
              <time datetime={isoDate(x.lastSeenAt)} title={formatDateTime(x.lastSeenAt, s.locale, s.timezone)}>{timeAgo(x.lastSeenAt, view.now, s.locale, (ms) => formatDate(ms, s.locale, s.timezone))}</time>
            </li>
          ))}
        </ul>
        <form class="inline-form" method="post" action="/signout"><input type="hidden" name="_csrf" value={csrf} /><button class="button button--secondary" type="submit">Sign out</button></form>
        <form class="inline-form" method="post" action="/account/signout-everywhere"><input type="hidden" name="_csrf" value={csrf} /><button class="button button--secondary" type="submit">Sign out everywhere</button></form>

        <h2>Your data</h2>
        <p><a href="/account/export.json" download="my-data.json">Download my data (JSON)</a></p>
        <details class="danger-zone">
          <summary>Delete my account</summary>
          <form class="account-form" method="post" action="/account/delete">
            <input type="hidden" name="_csrf" value={csrf} />
            <p>This erases your name, email address and sign-in details. Billing records that the law requires us to keep are kept without anything that identifies you.</p>
            <p class="field"><label><input type="checkbox" name="confirm" value="yes" required /> I understand this cannot be undone</label></p>
            <p><button class="button" type="submit">Delete my account</button></p>
          </form>
        </details>
      </section>
    </Layout>
  );
}

const MEMBERSHIP: Record<string, string> = { free: 'Free account', trialing: 'Free trial', paid: 'Subscriber', comp: 'Complimentary subscriber' };

function Subscription(props: { csrf: string; sub: SubscriptionView | null; site: Site }): Html {
  const { sub, csrf } = props;
  const s = props.site.settings;
  if (!sub) {
    return (
      <Fragment>
        <h2>Subscription</h2>
        <p>You have a free account. <a href="/subscribe">See subscription options</a></p>
      </Fragment>
    );
  }
  const STATE: Record<string, string> = { trialing: 'Free trial', active: 'Active', past_due: 'Payment overdue', comp: 'Complimentary', canceled: 'Ended' };
  return (
    <Fragment>
      <h2>Subscription</h2>
      <dl class="account-facts subscription-facts">
        <dt>Plan</dt><dd>{sub.planName ?? '—'}</dd>
        <dt>State</dt><dd>{STATE[sub.status] ?? sub.status}{sub.cancelAtPeriodEnd ? ' (ends at the end of the period)' : ''}</dd>
        {sub.trialDaysLeft !== null ? <Fragment><dt>Trial</dt><dd class="trial-left">{sub.trialDaysLeft} {sub.trialDaysLeft === 1 ? 'day' : 'days'} left{sub.trialEnd ? ` (until ${formatDate(sub.trialEnd, s.locale, s.timezone)})` : ''}</dd></Fragment> : null}
        {sub.nextCharge ? <Fragment><dt>Next charge</dt><dd>{sub.nextCharge.amount} on {formatDate(sub.nextCharge.at, s.locale, s.timezone)}</dd></Fragment> : null}
      </dl>
      {sub.status === 'trialing' && !sub.viaStripe ? <p><a class="button" href="/subscribe">Subscribe to keep reading after your trial</a></p> : null}
      {sub.viaStripe ? (
        <Fragment>
          <form class="inline-form" method="post" action={sub.cancelAtPeriodEnd ? '/account/subscription/resume' : '/account/subscription/cancel'}>
            <input type="hidden" name="_csrf" value={csrf} />
            <button class="button button--secondary" type="submit">{sub.cancelAtPeriodEnd ? 'Resume subscription' : 'Cancel subscription'}</button>
          </form>
          <form class="inline-form" method="post" action="/account/billing-portal">
            <input type="hidden" name="_csrf" value={csrf} />
            <button class="button button--secondary" type="submit">Change card or billing details</button>
          </form>
        </Fragment>
      ) : sub.status === 'trialing' ? (
        <form class="inline-form" method="post" action="/account/subscription/cancel">
          <input type="hidden" name="_csrf" value={csrf} />
          <button class="button button--secondary" type="submit">End my trial now</button>
        </form>
      ) : null}
    </Fragment>
  );
}
