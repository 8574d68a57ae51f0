import { h, Fragment, type Html } from '../jsx.js';
import type { AccessDecision } from '../../access/decision.js';
import { PERIOD_ADJECTIVE, PERIOD_NOUN } from '../../access/periods.js';
import type { MeterRules } from '../../access/rules.js';
import { SignInForm } from './account.js';

export interface WallProps {
  decision: AccessDecision;
  rules: MeterRules;
  articleId: number;
  returnTo: string;
  trialDays: number;
  /** Only needed when the wall embeds a form. */
  csrf?: string;
}

/** Does this decision show forms (and so need a CSRF token)? */
export const wallHasForm = (d: AccessDecision) => !d.full && d.reason !== 'prefetch';

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/**
 * The reader-specific block under an article: nothing, a slim meter notice, or
 * the wall. Only text we write goes here; the article's gated text never does.
 */
export function ReaderSlot(p: WallProps): Html {
  const d = p.decision;
  const noun = PERIOD_NOUN[p.rules.period];
  if (d.full) {
    if (d.reason !== 'metered' || d.left === null) return <Fragment />;
    return (
      <p class="meter-notice" role="status">
        {d.left > 0
          ? `${plural(d.left, 'free article', 'free articles')} left ${noun}.`
          : d.count ? `This is your last free article ${noun}.` : `No free articles left ${noun}; articles you have opened stay open.`}{' '}
        <a href={wallLink('subscribe', p)}>Subscribe for unlimited access</a>
      </p>
    );
  }
  if (d.reason === 'prefetch') {
    return <aside class="notice"><p>Open this article to keep reading.</p></aside>;
  }
  const limit = d.reason === 'limit_reached';
  const register = d.reason === 'registration_required';
  const title = limit
    ? `You’ve reached your ${PERIOD_ADJECTIVE[p.rules.period]} free article limit`
    : register
      ? (d.left === 0 ? 'Register to keep reading' : 'This article is free for registered readers')
      : 'This article is for subscribers';
  const text = limit
    ? `Subscribe for unlimited access to every article${p.trialDays ? `, or try it free for ${p.trialDays} days` : ''}.`
    : register
      ? (d.left === 0
        ? `Create a free account to read ${plural(p.rules.memberAllowance, 'article', 'articles')} ${noun}, or subscribe for everything.`
        : 'Create a free account, or sign in, to read the rest. It takes an email address.')
      : 'Subscribers read everything we publish, and keep independent journalism going.';
  return (
    <aside class="notice paywall" aria-labelledby="wall-title" data-reason={d.reason}>
      <h2 id="wall-title">{title}</h2>
      <p>{text}</p>
      <p class="paywall__actions">
        {p.trialDays > 0 ? <a class="button" href={wallLink('trial', p)}>Try {p.trialDays} days free</a> : null}
        <a class={p.trialDays > 0 ? 'button button--secondary' : 'button'} href={wallLink('subscribe', p)}>Subscribe</a>
      </p>
      {register && p.csrf ? (
        <Fragment>
          <h3>Create a free account</h3>
          <SignInForm csrf={p.csrf} returnTo={p.returnTo} signup idPrefix="wall-signup" />
        </Fragment>
      ) : null}
      <h3 class="paywall__signin-title">Already a subscriber? <a href={wallLink('signin', p)}>Log in</a></h3>
      {p.csrf && !register ? <SignInForm csrf={p.csrf} returnTo={p.returnTo} idPrefix="wall-signin" /> : null}
    </aside>
  );
}

export function wallLink(action: 'trial' | 'subscribe' | 'signin', p: Pick<WallProps, 'articleId' | 'decision' | 'returnTo'>): string {
  return `/wall/${action}?a=${p.articleId}&r=${p.decision.reason}&return_to=${encodeURIComponent(p.returnTo)}`;
}
