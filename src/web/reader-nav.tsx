import { randomBytes } from 'node:crypto';
import { h, Fragment, raw, type Html } from '../shared/jsx.js';
import { CSRF_MARK } from './pages/comments.js';
import type { Fragment as PagePart } from './page-assembly.js';
import type { MemberStatus } from '../billing/state.js';

/**
 * Where the header's reader part (Subscribe, Sign in or the member's name) goes. Pages are cached
 * and shared between readers (home, listings, article shells), so the layout writes this mark and
 * each response fills it for its own reader. Random per process and never sent, like CSRF_MARK.
 */
export const READER_MARK = `<!--mh-reader-${randomBytes(12).toString('hex')}-->`;

/** Who the header is for. */
export type HeaderReader =
  | { kind: 'anonymous' }
  | { kind: 'member'; name: string; status: string }
  | { kind: 'staff'; name: string };

/** Header notices, by the fixed key a redirect puts in `?notice=`; each is shown only to readers it is true for. */
export const HEADER_NOTICES = {
  'trial-started': { when: (r: HeaderReader) => r.kind === 'member' && r.status === 'trialing' },
} as const;
export type HeaderNotice = keyof typeof HEADER_NOTICES;

/** A path of ours with a header notice's key added (before any #fragment), for a redirect. */
export function withNotice(path: string, notice: HeaderNotice): string {
  const u = new URL(path, 'https://masthead.invalid');
  u.searchParams.set('notice', notice);
  return u.pathname + u.search + u.hash;
}

/** Paying and complimentary subscribers are not asked to subscribe; a trial is, so it can go on after the end. */
const SUBSCRIBED: ReadonlySet<string> = new Set<MemberStatus>(['paid', 'comp']);

/** Pages a reader would want to come back to after signing in or subscribing (never the account pages themselves). */
const RETURNABLE = /^\/(?:articles|section|author|tag)\/[^/]+$|^\/search$|^\/comments\/\d+$/;

const withReturn = (href: string, path: string) => (RETURNABLE.test(path) ? `${href}?return_to=${encodeURIComponent(path)}` : href);

/**
 * The header's reader part as a page-assembly fragment. Signed out, it is the same for everyone on
 * this path, so it has no token and a page built with it may be reused. Signed in, the template is
 * shared too and only the reader's name (escaped) is copied in at the mark, as a CSRF token would be.
 */
export function readerNav(reader: HeaderReader, path: string, notice?: HeaderNotice): PagePart {
  const shown = notice && HEADER_NOTICES[notice].when(reader) ? notice : undefined;
  const offers = !(reader.kind === 'staff' || (reader.kind === 'member' && SUBSCRIBED.has(reader.status)));
  // The template depends only on these, and is the same for every view of the page: rendered once.
  const key = `${reader.kind}|${offers}|${shown ?? ''}|${path}`;
  // Kept as the fragment a signed-out reader gets (the same object every view, never changed).
  let part = templates.get(key);
  if (part === undefined) {
    part = Object.freeze({ template: navTemplate(reader, path, shown) });
    if (templates.size >= 5000) templates.delete(templates.keys().next().value!);
    templates.set(key, part);
  }
  if (reader.kind === 'anonymous') return part;
  return { template: part.template, token: nameToken(reader.name, reader.kind === 'staff') };
}

const templates = new Map<string, PagePart>();

/** A signed-in reader's name as the header shows it: rendered once per name, not on every view. */
const names = new Map<string, string>();
function nameToken(name: string, staff: boolean): string {
  const key = `${staff ? 's' : 'm'}|${name}`;
  let token = names.get(key);
  if (token === undefined) {
    token = ReaderName({ name: name.trim(), staff }).value;
    if (names.size >= 5000) names.delete(names.keys().next().value!);
    names.set(key, token);
  }
  return token;
}

function navTemplate(reader: HeaderReader, path: string, shown: HeaderNotice | undefined): string {
  const subscribe = reader.kind === 'staff' || (reader.kind === 'member' && SUBSCRIBED.has(reader.status)) ? null : (
    <a class="button site-reader__subscribe" href={withReturn('/subscribe', path)}>Subscribe</a>
  );
  if (reader.kind === 'anonymous') {
    return (
      <div class="site-reader">
        {subscribe}
        <a class="site-reader__signin" href={withReturn('/signin', path)}>Sign in</a>
      </div>
    ).value;
  }
  return (
    <Fragment>
      <div class="site-reader">
        {subscribe}
        <a class="site-reader__account" href={reader.kind === 'staff' ? '/admin' : '/account'}>{raw(CSRF_MARK)}</a>
      </div>
      {shown === 'trial-started' ? (
        <p class="site-notice" role="status">Your free trial has started: every article is yours to read. <a href="/account">Your account</a> shows when it ends.</p>
      ) : null}
    </Fragment>
  ).value;
}

/** The link's text: the name, said to be who is signed in; "Account" (or "Newsroom") when there is none. */
function ReaderName(props: { name: string; staff: boolean }): Html {
  if (!props.name) return <Fragment>{props.staff ? 'Newsroom' : 'Account'}<span class="visually-hidden"> (signed in)</span></Fragment>;
  return <Fragment><span class="visually-hidden">Signed in as </span><span class="site-reader__name">{props.name}</span></Fragment>;
}
