import { h, Fragment, type Child, type Html } from '../../shared/jsx.js';
import type { Site } from '../site.js';
import type { StaffUser } from '../../members/staff.js';
import { AdminPage } from './newsroom.js';
import { formatInZone } from '../../shared/zoned-time.js';
import { describeUserAgent } from '../user-agent.js';
import type { ListedMember } from '../../members/directory.service.js';
import type { memberDetail } from '../../members/directory.service.js';
import type { DryRun, ImportStatus } from '../../members/member-import.js';
import type { RowProblem } from '../../members/member-rows.js';

/**
 * The newsroom's members pages: the list and its filters, a member's page with the staff actions,
 * the CSV import (a dry run first, then progress). Plain forms; no JavaScript anywhere. A refused
 * form comes back with what was typed and the error beside its field.
 */
export const STANDING_LABELS: Record<string, string> = { free: 'Free', trialing: 'Trialing', paid: 'Paid', comp: 'Complimentary', past_due: 'Past due', cancelled: 'Cancelled' };
const SEEN_LABELS: Record<string, string> = { '7d': 'In the last 7 days', '30d': 'In the last 30 days', '90d': 'In the last 90 days', over90d: 'Not in 90 days', never: 'Never' };

/** The list's filters as typed (strings), and errors by field name. */
export type MemberFilterForm = Partial<Record<'q' | 'status' | 'plan' | 'from' | 'to' | 'seen' | 'label' | 'commented' | 'suppressed', string>>;
export type FieldErrors = Partial<Record<string, string>>;

/** A labelled control with its error beside it (aria-describedby, aria-invalid). */
function Field(p: { id: string; label: string; error?: string; hint?: string; children: (describedBy: string | undefined, invalid: string | undefined) => Child }): Html {
  const ids = [p.hint ? `${p.id}-hint` : '', p.error ? `${p.id}-error` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <p class="field">
      <label for={p.id}>{p.label}</label>
      {p.children(ids, p.error ? 'true' : undefined)}
      {p.hint ? <span class="small" id={`${p.id}-hint`}>{p.hint}</span> : null}
      {p.error ? <span class="form-error" id={`${p.id}-error`}>{p.error}</span> : null}
    </p>
  );
}

const Notice = (p: { notice?: string; error?: string }) => (
  <Fragment>
    {p.notice ? <p class="form-notice" role="status">{p.notice}</p> : null}
    {p.error ? <p class="form-error" role="alert">{p.error}</p> : null}
  </Fragment>
);

export const filterQuery = (f: MemberFilterForm, extra: Record<string, string> = {}) =>
  new URLSearchParams(Object.entries({ ...f, ...extra }).filter(([, v]) => v) as [string, string][]).toString();

export function MemberListPage(props: {
  site: Site; staff: StaffUser; tz: string; filter: MemberFilterForm; errors: FieldErrors; members: ListedMember[]; next: number | null; first: boolean;
  plans: { id: number; name: string }[]; labels: { name: string; slug: string }[]; notice?: string;
}): Html {
  const f = props.filter;
  const e = props.errors;
  const opt = (value: string, label: string, current?: string) => <option value={value} selected={(current ?? '') === value}>{label}</option>;
  const date = (ms: number | null) => (ms === null ? '—' : formatInZone(ms, props.tz));
  return (
    <AdminPage site={props.site} title="Members" staff={props.staff}>
      <h1>Members</h1>
      <Notice notice={props.notice} error={Object.keys(e).length ? 'Some filters could not be used; see below.' : undefined} />
      <p><a href="/admin/members/import">Import members from a CSV file</a> · <a href={`/admin/members/export.csv${filterQuery(f) ? `?${filterQuery(f)}` : ''}`}>Export these members as CSV</a></p>
      <form class="newsroom-filters" method="get" action="/admin/members" role="search" aria-label="Filter members">
        <Field id="m-q" label="Email or name starts with" error={e.q}>{(d, i) => <input id="m-q" name="q" type="search" value={f.q ?? ''} maxlength="200" aria-describedby={d} aria-invalid={i} />}</Field>
        <Field id="m-status" label="Status">{() => <select id="m-status" name="status">{opt('', 'Any')}{Object.entries(STANDING_LABELS).map(([v, l]) => opt(v, l, f.status))}</select>}</Field>
        <Field id="m-plan" label="Plan">{() => <select id="m-plan" name="plan">{opt('', 'Any')}{props.plans.map((p) => opt(String(p.id), p.name, f.plan))}</select>}</Field>
        <Field id="m-from" label="Signed up on or after" error={e.from}>{(d, i) => <input id="m-from" name="from" type="date" value={f.from ?? ''} aria-describedby={d} aria-invalid={i} />}</Field>
        <Field id="m-to" label="Signed up on or before" error={e.to}>{(d, i) => <input id="m-to" name="to" type="date" value={f.to ?? ''} aria-describedby={d} aria-invalid={i} />}</Field>
        <Field id="m-seen" label="Last seen">{() => <select id="m-seen" name="seen">{opt('', 'Any time')}{Object.entries(SEEN_LABELS).map(([v, l]) => opt(v, l, f.seen))}</select>}</Field>
        <Field id="m-label" label="Label">{() => <select id="m-label" name="label">{opt('', 'Any')}{props.labels.map((l) => opt(l.slug, l.name, f.label))}</select>}</Field>
        <Field id="m-commented" label="Comments">{() => <select id="m-commented" name="commented">{opt('', 'Any')}{opt('yes', 'Has commented', f.commented)}{opt('no', 'Has not commented', f.commented)}</select>}</Field>
        <Field id="m-suppressed" label="Newsletter mail">{() => <select id="m-suppressed" name="suppressed">{opt('', 'Any')}{opt('yes', 'Suppressed (bounced, complained or stopped by staff)', f.suppressed)}{opt('no', 'Not suppressed', f.suppressed)}</select>}</Field>
        <p><button class="button" type="submit">Filter</button> <a href="/admin/members">Clear</a></p>
      </form>
      {props.members.length ? (
        <table class="newsroom-table">
          <caption>Members, {f.from || f.to ? 'by sign-up date, newest first' : 'newest first'}</caption>
          <thead><tr><th scope="col">Email</th><th scope="col">Name</th><th scope="col">Status</th><th scope="col">Plan</th><th scope="col">Labels</th><th scope="col">Signed up</th><th scope="col">Last seen</th></tr></thead>
          <tbody>
            {props.members.map((m) => (
              <tr>
                <td><a href={`/admin/members/${m.id}`}>{m.email}</a></td>
                <td>{m.name || '—'}</td>
                <td>{STANDING_LABELS[m.standing] ?? m.standing}</td>
                <td>{m.plan_name ?? '—'}</td>
                <td>{m.labels.map((l) => l.name).join(', ') || '—'}</td>
                <td>{date(m.created_at)}</td>
                <td>{date(m.last_seen_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : <p>No members match.</p>}
      <nav class="pager" aria-label="Pages">
        {!props.first ? <a href={`/admin/members?${filterQuery(f)}`}>First page</a> : null}
        {props.next !== null ? <Fragment> <a rel="next" href={`/admin/members?${filterQuery(f, { before: String(props.next) })}`}>Next page</a></Fragment> : null}
      </nav>
    </AdminPage>
  );
}

type Detail = Awaited<ReturnType<typeof memberDetail>>;

const SUPPRESSION_REASONS: Record<string, string> = { hard_bounce: 'the address bounced', complaint: 'the member marked a newsletter as spam', staff: 'stopped by staff' };

export function MemberPage(props: {
  site: Site; staff: StaffUser; csrf: string; tz: string; detail: Detail; now: number;
  notice?: string; errors?: FieldErrors; values?: Partial<Record<string, string>>; status?: number;
}): Html {
  const { member: m, labels, history, comments, sessions } = props.detail;
  const e = props.errors ?? {};
  const v = props.values ?? {};
  const when = (ms: number | null) => (ms === null ? '—' : formatInZone(ms, props.tz));
  const title = m.name || m.email;
  const csrf = <input type="hidden" name="_csrf" value={props.csrf} />;
  return (
    <AdminPage site={props.site} title={`Member: ${title}`} staff={props.staff}>
      <p><a href="/admin/members">All members</a></p>
      <h1>{title}</h1>
      <Notice notice={props.notice} error={Object.keys(e).length ? 'That was not done; see the message beside the field.' : undefined} />
      <section aria-labelledby="profile-h">
        <h2 id="profile-h">Profile</h2>
        <dl class="member-profile">
          <dt>Email</dt><dd>{m.email}{m.email_verified ? '' : ' (not confirmed)'}</dd>
          <dt>Name</dt><dd>{m.name || '—'}</dd>
          <dt>Status</dt><dd id="member-status">{STANDING_LABELS[m.standing] ?? m.standing}</dd>
          <dt>Plan</dt><dd>{m.plan_name ?? '—'}</dd>
          <dt>Signed up</dt><dd>{when(m.created_at)}</dd>
          <dt>Last seen</dt><dd>{when(m.last_seen_at)}</dd>
          <dt>Stripe customer</dt><dd>{m.stripe_customer_id ?? '—'}</dd>
          <dt>Note</dt><dd>{m.note || '—'}</dd>
          <dt>Newsletter mail</dt><dd id="member-suppression">{props.detail.suppression
            ? `Suppressed since ${when(Number(props.detail.suppression.at))}: ${SUPPRESSION_REASONS[props.detail.suppression.reason] ?? props.detail.suppression.reason}${props.detail.suppression.detail ? ` (${props.detail.suppression.detail})` : ''}. No newsletter goes to this address.`
            : 'Delivered'}</dd>
        </dl>
      </section>

      <section aria-labelledby="actions-h">
        <h2 id="actions-h">Actions</h2>
        {m.standing === 'comp' ? (
          <form method="post" action={`/admin/members/${m.id}/comp/revoke`}>{csrf}
            <p><button class="button button--secondary" type="submit">Revoke complimentary access</button></p>
          </form>
        ) : (
          <form method="post" action={`/admin/members/${m.id}/comp`}>{csrf}
            <Field id="c-until" label="Complimentary until (optional)" hint="Leave empty for access with no end date." error={e.until}>
              {(d, i) => <input id="c-until" name="until" type="date" value={v.until ?? ''} aria-describedby={d} aria-invalid={i} />}
            </Field>
            <p><button class="button" type="submit">Grant complimentary access</button></p>
          </form>
        )}
        <form method="post" action={`/admin/members/${m.id}/signin-link`}>{csrf}
          <p><button class="button button--secondary" type="submit">Send a sign-in link</button></p>
        </form>
        <form method="post" action={`/admin/members/${m.id}/labels`}>{csrf}
          <Field id="l-labels" label="Labels" hint="Comma-separated; new labels are created." error={e.labels}>
            {(d, i) => <input id="l-labels" name="labels" value={v.labels ?? labels.map((l) => l.name).join(', ')} maxlength="5000" aria-describedby={d} aria-invalid={i} />}
          </Field>
          <p><button class="button button--secondary" type="submit">Save labels</button></p>
        </form>
      </section>

      <section aria-labelledby="history-h">
        <h2 id="history-h">Subscription history</h2>
        {history.length ? (
          <table class="newsroom-table">
            <caption class="visually-hidden">Subscription history</caption>
            <thead><tr><th scope="col">When</th><th scope="col">Plan</th><th scope="col">From</th><th scope="col">To</th><th scope="col">Cause</th></tr></thead>
            <tbody>{history.map((x) => <tr><td>{when(x.at)}</td><td>{x.plan_name ?? '—'}</td><td>{x.from_status ?? 'new'}</td><td>{x.to_status}</td><td>{x.cause}</td></tr>)}</tbody>
          </table>
        ) : <p>No subscriptions.</p>}
      </section>

      <section aria-labelledby="comments-h">
        <h2 id="comments-h">Comments</h2>
        {comments.length ? (
          <ul class="member-comments">
            {comments.map((c) => <li><a href={`/articles/${c.slug}#comment-${c.id}`}>{c.title || 'Untitled'}</a>, {when(c.created_at)}{c.status !== 'published' ? ` (${c.status})` : ''}: {c.body_text.length > 280 ? `${c.body_text.slice(0, 280)}…` : c.body_text}</li>)}
          </ul>
        ) : <p>No comments.</p>}
      </section>

      <section aria-labelledby="sessions-h">
        <h2 id="sessions-h">Sessions</h2>
        {sessions.length ? (
          <table class="newsroom-table">
            <caption class="visually-hidden">Signed-in sessions</caption>
            <thead><tr><th scope="col">Browser</th><th scope="col">Signed in</th><th scope="col">Last seen</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
            <tbody>
              {sessions.map((s) => {
                const b = describeUserAgent(s.user_agent);
                return (
                  <tr><td>{b}</td><td>{when(s.created_at)}</td><td>{when(s.last_seen_at)}</td>
                    <td><form method="post" action={`/admin/members/${m.id}/sessions/revoke`} class="inline-form">{csrf}
                      <input type="hidden" name="session" value={s.id} />
                      <button class="button button--secondary" type="submit" aria-label={`Revoke the session in ${b}, signed in ${when(s.created_at)}`}>Revoke</button>
                    </form></td></tr>
                );
              })}
            </tbody>
          </table>
        ) : <p>Not signed in anywhere.</p>}
      </section>

      <section aria-labelledby="erase-h">
        <h2 id="erase-h">Erase this member</h2>
        <p>Erasing removes the member’s address, name and sessions, as when readers delete their own account. It cannot be undone.</p>
        <form method="post" action={`/admin/members/${m.id}/erase`}>{csrf}
          <p class="field">
            <label class="check"><input type="checkbox" name="confirm" value="yes" id="e-confirm" aria-describedby={e.confirm ? 'e-confirm-error' : undefined} aria-invalid={e.confirm ? 'true' : undefined} /> I understand that this erases {m.email}</label>
            {e.confirm ? <span class="form-error" id="e-confirm-error">{e.confirm}</span> : null}
          </p>
          <p><button class="button button--secondary" type="submit">Erase member</button></p>
        </form>
      </section>
    </AdminPage>
  );
}

export function ImportPage(props: { site: Site; staff: StaffUser; csrf: string; error?: string; mode?: string }): Html {
  return (
    <AdminPage site={props.site} title="Import members" staff={props.staff}>
      <p><a href="/admin/members">All members</a></p>
      <h1>Import members</h1>
      <Notice error={props.error ? 'The file was not imported; see the message beside the field.' : undefined} />
      <p>Upload a member export from Ghost or Substack as it comes, or any CSV file whose first row names the columns, with an <code>email</code> column. Members are matched by address: importing the same file twice changes nothing the second time.</p>
      <form method="post" action="/admin/members/import" enctype="multipart/form-data">
        <input type="hidden" name="_csrf" value={props.csrf} />
        <Field id="i-file" label="CSV file" hint="UTF-8 text, up to 100 MB." error={props.error}>
          {(d, i) => <input id="i-file" name="file" type="file" accept=".csv,text/csv" required aria-describedby={d} aria-invalid={i} />}
        </Field>
        <p><button class="button" type="submit" name="mode" value="dry">Check the file (dry run)</button> <button class="button button--secondary" type="submit" name="mode" value="import">Import members</button></p>
      </form>
    </AdminPage>
  );
}

function Problems(props: { problems: RowProblem[]; count: number }): Html {
  if (!props.count) return <p>No problems: every row can be imported.</p>;
  return (
    <Fragment>
      <h2 id="problems-h">{props.count} row{props.count === 1 ? '' : 's'} with problems{props.count > props.problems.length ? ` (the first ${props.problems.length} shown)` : ''}</h2>
      <table class="newsroom-table" aria-labelledby="problems-h">
        <thead><tr><th scope="col">Line</th><th scope="col">Email</th><th scope="col">Problem</th></tr></thead>
        <tbody>{props.problems.map((p) => <tr><td>{String(p.line)}</td><td>{p.email || '—'}</td><td>{p.problem.charAt(0).toUpperCase() + p.problem.slice(1)}</td></tr>)}</tbody>
      </table>
    </Fragment>
  );
}

const FORMAT_NAMES: Record<string, string> = { ghost: 'a Ghost member export', substack: 'a Substack subscriber export', generic: 'a CSV file with an email column' };

export function DryRunPage(props: { site: Site; staff: StaffUser; csrf: string; report: DryRun }): Html {
  const r = props.report;
  return (
    <AdminPage site={props.site} title="Dry run" staff={props.staff}>
      <p><a href="/admin/members/import">Back to the import</a></p>
      <h1>Dry run: nothing was imported</h1>
      <p id="dry-run-summary">The file is {FORMAT_NAMES[r.format]} with {r.rows} rows: {r.create} new member{r.create === 1 ? '' : 's'} would be created and {r.update} existing member{r.update === 1 ? '' : 's'} updated; {r.problems.length} row{r.problems.length === 1 ? '' : 's'} would be left out.</p>
      <Problems problems={r.problems.slice(0, 5000)} count={r.problems.length} />
      <p>To import, upload the file again and choose “Import members”; the rows with problems are left out.</p>
    </AdminPage>
  );
}

export function ImportStatusPage(props: { site: Site; staff: StaffUser; tz: string; status: ImportStatus }): Html {
  const s = props.status;
  const heading = s.state === 'running' ? 'Importing members…' : s.state === 'done' ? 'Import finished' : 'Import stopped';
  return (
    <AdminPage site={props.site} title={heading} staff={props.staff}>
      <p><a href="/admin/members">All members</a></p>
      <h1>{heading}</h1>
      <p>{s.fileName} ({FORMAT_NAMES[s.format]}), started {formatInZone(s.startedAt, props.tz)}.</p>
      <p><label for="import-progress">Rows written</label> <progress id="import-progress" max={String(Math.max(1, s.total))} value={String(s.done)}>{`${s.done} of ${s.total}`}</progress></p>
      <p id="import-summary" role="status">{s.done} of {s.total} rows written: {s.created} member{s.created === 1 ? '' : 's'} created, {s.updated} already here.{s.state === 'running' ? ' This page refreshes itself.' : ''}</p>
      {s.error ? <p class="form-error" role="alert">{s.error.charAt(0).toUpperCase() + s.error.slice(1)}</p> : null}
      <Problems problems={s.problems.rows} count={s.problems.count} />
    </AdminPage>
  );
}
