import { h, Fragment, type Child, type Html } from '../../shared/jsx.js';
import type { Site } from '../site.js';
import type { StaffUser } from '../../members/staff.js';
import { AdminPage } from './newsroom.js';
import { PERIODS } from '../../access/periods.js';
import { getAssets } from '../assets.js';

/**
 * The settings pages of the newsroom app (/admin/settings). Each group is one server-rendered form
 * described by a FormSpec: the route reads a post through the same spec, so a field shown is a
 * field read. A refused post comes back with what was typed and the problem beside each field.
 */

export type FieldKind = 'text' | 'textarea' | 'number' | 'select' | 'checkbox' | 'lines' | 'links';

export interface FieldSpec {
  name: string;
  label: string;
  kind: FieldKind;
  hint?: string;
  options?: readonly (readonly [string, string])[];
  /** An empty text field means "none" (null). */
  nullable?: boolean;
}

export interface FormSpec { group: string; title: string; intro: string; fields: FieldSpec[] }

const timeZones = (): [string, string][] => {
  const zones = new Set(Intl.supportedValuesOf('timeZone'));
  zones.add('UTC');
  return [...zones].sort().map((z) => [z, z.replace(/_/g, ' ')]);
};

const PERIOD_LABELS: Record<(typeof PERIODS)[number], string> = { calendar_day: 'Calendar day (midnight to midnight)', rolling_24h: 'Rolling 24 hours', week: 'Calendar week (from Monday)', calendar_month: 'Calendar month' };

const WALL_NAMES: [string, string][] = [
  ['limit', 'Free articles used up'],
  ['register', 'Free articles used up, registering gives more'],
  ['registered', 'An article for registered readers'],
  ['paid', 'An article for subscribers'],
];
const OWN = 'Empty for the built-in wording.';

export const SETTINGS_FORMS: Record<'site' | 'nav' | 'meter' | 'wall' | 'comments' | 'billing' | 'email', FormSpec> = {
  site: {
    group: 'site', title: 'Site identity', intro: 'How the publication names and presents itself on every page, in feeds and in mail.',
    fields: [
      { name: 'title', label: 'Title', kind: 'text' },
      { name: 'description', label: 'Description', kind: 'textarea', hint: 'One or two sentences, used in search results and feeds.' },
      { name: 'logoUrl', label: 'Logo URL', kind: 'text', nullable: true, hint: 'An image from the media library (/media/…; or choose “Use as the site logo” on an image there) or an https:// address; empty for the title in text.' },
      { name: 'accentColor', label: 'Accent colour', kind: 'text', hint: 'Six hex digits, such as #b3261e.' },
      { name: 'timezone', label: 'Time zone', kind: 'select', options: timeZones(), hint: 'Dates, schedules and the meter’s days follow it.' },
      { name: 'locale', label: 'Language', kind: 'text', hint: 'A language tag, such as en or en-GB.' },
    ],
  },
  nav: {
    group: 'nav', title: 'Navigation', intro: 'The links in every page’s header, after Home. Sections are listed in their position order, set on each section.',
    fields: [
      { name: 'showSections', label: 'List the sections', kind: 'checkbox' },
      { name: 'links', label: 'Links after the sections', kind: 'links', hint: 'One a line: a label, a bar, an address, such as About us | /about or Tips | https://tips.example.' },
    ],
  },
  meter: {
    group: 'meter', title: 'Meter rules', intro: 'How many metered articles readers get before the wall. A change applies from the next article view.',
    fields: [
      { name: 'anonymousAllowance', label: 'Free articles for readers not signed in', kind: 'number' },
      { name: 'memberAllowance', label: 'Free articles for registered readers', kind: 'number' },
      { name: 'period', label: 'Period', kind: 'select', options: PERIODS.map((p) => [p, PERIOD_LABELS[p]] as const) },
      { name: 'sharedAddressFactor', label: 'Room for shared addresses (times the allowance)', kind: 'number', hint: 'Browsers that keep no cookie are counted by address; offices and schools share one.' },
      { name: 'addressCeiling', label: 'Most metered articles per address without a cookie', kind: 'number' },
      { name: 'verifiedCrawlers', label: 'Let verified search engine crawlers read in full', kind: 'checkbox' },
    ],
  },
  wall: {
    group: 'wall', title: 'Wall copy',
    intro: 'What the wall says, for each kind of wall. Placeholders are filled with the real figures: {free} (“3 free articles”), {period} (“today”), {resets} (“at midnight”), {more} (how many more registering gives), {trial_days}.',
    fields: WALL_NAMES.flatMap(([kind, name]) => [
      { name: `${kind}Title`, label: `${name}: heading`, kind: 'text' as const, nullable: true, hint: OWN },
      { name: `${kind}Text`, label: `${name}: text`, kind: 'textarea' as const, nullable: true, hint: OWN },
    ]),
  },
  comments: {
    group: 'comments', title: 'Comments', intro: 'Who reads and writes comments, and what waits for a moderator.',
    fields: [
      { name: 'readers', label: 'Who can read comments', kind: 'select', options: [['everyone', 'Everyone who can read the article'], ['members', 'Signed-in readers'], ['subscribers', 'Subscribers']] },
      { name: 'posters', label: 'Who can comment', kind: 'select', options: [['members', 'Signed-in readers'], ['subscribers', 'Subscribers']] },
      { name: 'premoderateFirst', label: 'Hold each member’s first comment for a moderator', kind: 'checkbox' },
      { name: 'blockedWords', label: 'Words that hold a comment for a moderator', kind: 'lines', hint: 'One a line.' },
      { name: 'authorDigest', label: 'Send each author a daily digest of new comments', kind: 'checkbox' },
    ],
  },
  email: {
    group: 'email', title: 'Newsletter tracking',
    intro: 'Both are off unless you turn them on here. What they record is counted against the member id the newsroom already holds, and shown only as totals: no address, browser, device or location is kept. A change applies to sends that begin after it; turning one off stops the recording at once, for mail already sent too.',
    fields: [
      { name: 'trackOpens', label: 'Count opens (an invisible image in each email)', kind: 'checkbox', hint: 'Records, once per member, that a newsletter’s image was loaded. Some mail apps load images for everyone, and some never do, so opens are an estimate.' },
      { name: 'trackClicks', label: 'Count clicks on links', kind: 'checkbox', hint: 'Each link in the email goes through this site first, which records, once per member and link, that it was followed, then sends the reader on to the same address.' },
    ],
  },
  billing: {
    group: 'billing', title: 'Billing', intro: 'Trials and late payments. Plans and prices are in the plans admin.',
    fields: [
      { name: 'trialMode', label: 'Trial mode', kind: 'select', options: [['no_card', 'Start at once, no card'], ['card', 'Card at the start, charged when the trial ends']] },
      { name: 'graceDays', label: 'Days a past-due subscription keeps access', kind: 'number' },
    ],
  },
};

/** A form's fields as text, the way they are shown: stored values, or what was typed. */
export function shownValues(spec: FormSpec, stored: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of spec.fields) {
    const v = stored[f.name];
    out[f.name] = f.kind === 'links' ? (Array.isArray(v) ? (v as { label: string; url: string }[]).map((l) => `${l.label} | ${l.url}`).join('\n') : '')
      : f.kind === 'checkbox' ? (v ? 'on' : '') : f.kind === 'lines' ? (Array.isArray(v) ? v.join('\n') : '') : v === null || v === undefined ? '' : String(v);
  }
  return out;
}

const SECTIONS: [string, string, string][] = [
  ['/admin/settings/site', 'Site identity', 'title, description, logo, accent colour, time zone, language'],
  ['/admin/settings/nav', 'Navigation', 'the header’s links'],
  ['/admin/settings/meter', 'Meter rules', 'free articles, the period, and the rules in plain words'],
  ['/admin/settings/wall', 'Wall copy', 'what the wall says for each reason, with a reset to the built-in wording'],
  ['/admin/settings/comments', 'Comments', 'who reads and writes, moderation'],
  ['/admin/settings/billing', 'Billing', 'trial mode, grace days, Stripe'],
  ['/admin/settings/mail', 'Mail', 'how mail leaves, and a test message'],
  ['/admin/settings/email', 'Newsletter tracking', 'counting opens and clicks: off unless turned on'],
  ['/admin/settings/export', 'Export', 'the whole publication as one file'],
  ['/admin/settings/import', 'Import', 'a WordPress, Ghost or HTML archive, and the articles to review'],
];

export function SettingsShell(p: { site: Site; staff: StaffUser; title: string; scripts?: string[]; children?: Child }): Html {
  return (
    <AdminPage site={p.site} title={p.title} staff={p.staff} scripts={p.scripts}>
      <div class="settings">
        <nav class="settings-nav" aria-label="Settings">
          <ul>{SECTIONS.map(([href, name]) => <li><a href={href} aria-current={p.title === name || p.title.startsWith(`${name}:`) ? 'page' : undefined}>{name}</a></li>)}</ul>
        </nav>
        <section class="settings-main account-form">{p.children}</section>
      </div>
    </AdminPage>
  );
}

export const Notice = (p: { notice?: string; error?: string }) => (
  <Fragment>
    {p.notice ? <p class="form-notice" role="status">{p.notice}</p> : null}
    {p.error ? <p class="form-error" role="alert">{p.error}</p> : null}
  </Fragment>
);

export function SettingsIndexPage(p: { site: Site; staff: StaffUser }): Html {
  return (
    <SettingsShell site={p.site} staff={p.staff} title="Settings">
      <h1>Settings</h1>
      <ul class="settings-index">{SECTIONS.map(([href, name, what]) => <li><a href={href}>{name}</a>: {what}</li>)}</ul>
    </SettingsShell>
  );
}

function Field(p: { f: FieldSpec; value: string; error?: string }): Html {
  const { f } = p;
  const id = `set-${f.name}`;
  const describedBy = [f.hint ? `${id}-hint` : '', p.error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
  const common = { id, name: f.name, 'aria-describedby': describedBy, 'aria-invalid': p.error ? 'true' : undefined };
  const control =
    f.kind === 'textarea' || f.kind === 'lines' || f.kind === 'links' ? <textarea {...common} rows={f.kind === 'textarea' ? '3' : '6'}>{p.value}</textarea>
    : f.kind === 'select' ? (
      <select {...common}>
        {(f.options ?? []).some(([v]) => v === p.value) ? null : <option value={p.value} selected>{p.value}</option>}
        {(f.options ?? []).map(([v, label]) => <option value={v} selected={v === p.value}>{label}</option>)}
      </select>
    )
    : f.kind === 'checkbox' ? <input {...common} type="checkbox" value="on" checked={p.value === 'on'} />
    : <input {...common} type="text" inputmode={f.kind === 'number' ? 'numeric' : undefined} value={p.value} />;
  return (
    <p class={`field${f.kind === 'checkbox' ? ' field--checkbox' : ''}`}>
      <label for={id}>{f.label}</label>
      {control}
      {f.hint ? <span class="hint" id={`${id}-hint`}>{f.hint}</span> : null}
      {p.error ? <span class="field-error" id={`${id}-error`}>{p.error}</span> : null}
    </p>
  );
}

export function SettingsFormPage(p: {
  site: Site; staff: StaffUser; csrf: string; spec: FormSpec; values: Record<string, string>; errors?: Record<string, string>;
  notice?: string; error?: string; before?: Child; after?: Child;
}): Html {
  // The meter's explainer follows the form as it is typed (settings.js); without the script, the
  // "Show in words" button posts the form for the same sentences without saving.
  const meter = p.spec.group === 'meter';
  return (
    <SettingsShell site={p.site} staff={p.staff} title={p.spec.title} scripts={meter ? [getAssets().settingsJs.path] : undefined}>
      <h1>{p.spec.title}</h1>
      <p>{p.spec.intro}</p>
      <Notice notice={p.notice} error={p.error} />
      {p.before}
      <form method="post" action={`/admin/settings/${p.spec.group}`} novalidate>
        <input type="hidden" name="_csrf" value={p.csrf} />
        {p.spec.fields.map((f) => <Field f={f} value={p.values[f.name] ?? ''} error={p.errors?.[f.name]} />)}
        <p>
          <button class="button" type="submit">Save {p.spec.title.toLowerCase()}</button>
          {meter ? <Fragment>{' '}<button class="button button--secondary" type="submit" name="preview" value="1" data-explain-button>Show in words</button></Fragment> : null}
        </p>
      </form>
      {p.spec.group === 'wall' ? (
        <form method="post" action="/admin/settings/wall">
          <input type="hidden" name="_csrf" value={p.csrf} />
          <input type="hidden" name="reset" value="1" />
          <p><button class="button button--secondary" type="submit">Reset all to the built-in wording</button></p>
        </form>
      ) : null}
      {p.after}
    </SettingsShell>
  );
}

/**
 * The meter rules in words (access/explain.ts): as saved, or as typed and not yet saved (`unsaved`),
 * or, when what was typed cannot be rules, a line saying so. settings.js fills the same list as the
 * form changes; screen readers hear the change (aria-live).
 */
export function MeterExplainer(p: { sentences: string[]; unsaved?: boolean }): Html {
  return (
    <section class="meter-explainer" aria-labelledby="explainer-title" data-explain={EXPLAIN_PATH}>
      <h2 id="explainer-title">What readers get</h2>
      <div aria-live="polite">
        <p class="hint" data-explain-state>{p.unsaved ? 'With the rules below as typed, not saved yet:' : 'With the rules as saved:'}</p>
        <ul data-explain-list>{p.sentences.map((s) => <li>{s}</li>)}</ul>
      </div>
    </section>
  );
}

/** Where settings.js asks for the sentences of the rules as typed. */
export const EXPLAIN_PATH = '/admin/api/settings/meter/explain';

export function StripeStatus(p: { secretKey: boolean; webhookSecret: boolean }): Html {
  const word = (set: boolean) => (set ? 'set' : 'not set');
  return (
    <section aria-labelledby="stripe-title">
      <h2 id="stripe-title">Stripe</h2>
      <p>Secret key: <strong>{word(p.secretKey)}</strong>. Webhook signing secret: <strong>{word(p.webhookSecret)}</strong>.</p>
      <p class="hint">Keys are set in the server’s environment (STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET) and never shown here.{p.secretKey ? '' : ' Without them, readers cannot pay by card.'}</p>
    </section>
  );
}

export function MailSettingsPage(p: { site: Site; staff: StaffUser; csrf: string; transport: string; to: string; error?: string; fieldError?: string; notice?: string }): Html {
  return (
    <SettingsShell site={p.site} staff={p.staff} title="Mail">
      <h1>Mail</h1>
      <Notice notice={p.notice} error={p.error} />
      <p>Transport in use: <strong>{p.transport}</strong></p>
      <p class="hint">Set SMTP_URL in the server’s environment to send through an SMTP server; without it, every message is written to the outbox folder of the data directory.</p>
      <h2>Send a test message</h2>
      <form method="post" action="/admin/settings/mail/test" novalidate>
        <input type="hidden" name="_csrf" value={p.csrf} />
        <p class="field">
          <label for="mail-to">Send to</label>
          <input id="mail-to" name="to" type="email" value={p.to} aria-invalid={p.fieldError ? 'true' : undefined} aria-describedby={p.fieldError ? 'mail-to-error' : undefined} />
          {p.fieldError ? <span class="field-error" id="mail-to-error">{p.fieldError}</span> : null}
        </p>
        <p><button class="button" type="submit">Send a test message</button></p>
      </form>
    </SettingsShell>
  );
}

export function ExportPage(p: { site: Site; staff: StaffUser; csrf: string; leftOut: Record<string, string>; columns: string[] }): Html {
  return (
    <SettingsShell site={p.site} staff={p.staff} title="Export">
      <h1>Export</h1>
      <p>The whole publication as one JSON file: settings, sections, authors, tags, articles with their revisions and redirects, staff accounts, members, plans and prices, subscriptions, comments and newsletters. A new, empty Masthead loads it unchanged with <code>masthead publication import FILE</code>.</p>
      <form method="post" action="/admin/settings/export">
        <input type="hidden" name="_csrf" value={p.csrf} />
        <p><button class="button" type="submit">Download the export</button></p>
      </form>
      <h2>Left out</h2>
      <p>No password hashes, two-factor secrets, sessions, sign-in links, API tokens or signing secrets: staff set their passwords again after loading, members sign in by link. Left out:</p>
      <ul>{Object.entries(p.leftOut).map(([t, why]) => <li><code>{t}</code>: {why}</li>)}</ul>
      <p>Columns left out: {p.columns.map((c, i) => <Fragment>{i ? ', ' : ''}<code>{c}</code></Fragment>)}.</p>
    </SettingsShell>
  );
}
