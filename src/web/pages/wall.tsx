import { h, Fragment, type Html } from '../../shared/jsx.js';
import type { AccessDecision } from '../../access/decision.js';
import { PERIOD_NOUN } from '../../access/periods.js';
import type { MeterRules } from '../../access/rules.js';
import { fillWallCopy, wallKind, type WallCopy } from '../../access/wall-copy.js';
import { SignInForm } from './account.js';
import type { SignupNewsletter } from '../site.js';

export interface WallProps {
  decision: AccessDecision;
  /** Who meets it: a signed-in free member gets wording and actions for a member, never a sign-in form. */
  reader: 'anonymous' | 'member';
  rules: MeterRules;
  articleId: number;
  returnTo: string;
  trialDays: number;
  /** Only needed when the wall embeds a form. */
  csrf?: string;
  /** The newsroom's own words for the wall (settings, wall.*); null or absent: the built-in ones. */
  copy?: WallCopy;
  /** Offered on the wall's sign-up form. */
  newsletters?: SignupNewsletter[];
}

/** Does this wall show forms (and so need a CSRF token)? Only a signed-out reader's wall has any. */
export const wallHasForm = (d: AccessDecision, reader: WallProps['reader']) => !d.full && d.reason !== 'prefetch' && reader === 'anonymous';

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** When a spent allowance comes back, in words ("at midnight", "on Monday"). */
const RESETS: Record<MeterRules['period'], string> = {
  calendar_day: 'at midnight',
  rolling_24h: 'a day after each article was read',
  week: 'on Monday',
  calendar_month: 'on the first of the month',
};

/**
 * The reader-specific block under an article: nothing, a slim meter notice, or the wall. Every
 * metered wall says that the free articles are used up, how many there were and when they come
 * back; a figure it promises is the real one. Only text we write goes here; the article's gated
 * text never does.
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
  const member = p.reader === 'member';
  const metered = d.left === 0;
  const register = d.reason === 'registration_required' && !member;
  const allowance = member ? p.rules.memberAllowance : p.rules.anonymousAllowance;
  const more = p.rules.memberAllowance - p.rules.anonymousAllowance;
  const trial = p.trialDays > 0 ? `start your free ${p.trialDays}-day trial` : '';
  const builtInTitle = metered
    ? `You’ve read your ${plural(allowance, 'free article', 'free articles')} ${noun}`
    : register ? 'This article is free for registered readers' : 'This article is for subscribers';
  const comesBack = `Your free articles come back ${RESETS[p.rules.period]}.`;
  const builtInText = metered
    ? register
      ? `${comesBack} Create a free account to read ${plural(more, 'more article', 'more articles')} ${noun}, or subscribe for everything.`
      : `${comesBack} Subscribe for unlimited access to every article${trial ? `, or ${trial}` : ''}.`
    : register
      ? 'Create a free account, or sign in, to read the rest. It takes an email address.'
      : `Subscribers read everything we publish, and keep independent journalism going.${member && trial ? ` You can ${trial} now.` : ''}`;
  const kind = wallKind(metered, register);
  const figures = { free: plural(allowance, 'free article', 'free articles'), period: noun, resets: RESETS[p.rules.period], more: String(Math.max(0, more)), trial_days: String(p.trialDays) };
  const own = (t: string | null | undefined) => (t ? fillWallCopy(t, figures) : null);
  const title = own(p.copy?.[`${kind}Title`]) ?? builtInTitle;
  const text = own(p.copy?.[`${kind}Text`]) ?? builtInText;
  return (
    <aside class="notice paywall" aria-labelledby="wall-title" data-reason={d.reason}>
      <h2 id="wall-title">{title}</h2>
      <p>{text}</p>
      <p class="paywall__actions">
        {p.trialDays > 0 ? <a class="button" href={wallLink('trial', p)}>Try {p.trialDays} days free</a> : null}
        <a class={p.trialDays > 0 ? 'button button--secondary' : 'button'} href={wallLink('subscribe', p)}>Subscribe</a>
      </p>
      {member ? null : (
        <Fragment>
          {register && p.csrf ? (
            <Fragment>
              <h3>Create a free account</h3>
              <SignInForm csrf={p.csrf} returnTo={p.returnTo} signup idPrefix="wall-signup" newsletters={p.newsletters} />
            </Fragment>
          ) : null}
          <h3 class="paywall__signin-title">Already a subscriber? <a href={wallLink('signin', p)}>Log in</a></h3>
          {p.csrf && !register ? <SignInForm csrf={p.csrf} returnTo={p.returnTo} idPrefix="wall-signin" /> : null}
        </Fragment>
      )}
    </aside>
  );
}

export function wallLink(action: 'trial' | 'subscribe' | 'signin', p: Pick<WallProps, 'articleId' | 'decision' | 'returnTo'>): string {
  return `/wall/${action}?a=${p.articleId}&r=${p.decision.reason}&return_to=${encodeURIComponent(p.returnTo)}`;
}
