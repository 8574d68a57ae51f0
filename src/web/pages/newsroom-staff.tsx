import { h, Fragment, type Html } from '../../shared/jsx.js';
import { Layout } from '../layout.js';
import type { Site } from '../site.js';
import { STAFF_ROLES, type StaffRole, type StaffUser } from '../../members/staff.js';
import type { Invitation } from '../../members/invitations.js';
import { formatInZone } from '../../shared/zoned-time.js';
import { AdminPage } from './newsroom.js';
import { Csrf, Field, Notice, SelectField, type FormState } from './newsroom-forms.js';

/** Staff, invitations, ownership, API tokens and the audit log in the newsroom app (issue 16, part 6). */

const ROLE_NAMES: Record<StaffRole, string> = { owner: 'Owner', administrator: 'Administrator', editor: 'Editor', author: 'Author', contributor: 'Contributor' };

export interface StaffView {
  site: Site; staff: StaffUser; csrf: string; tz: string;
  members: { id: number; email: string; name: string; role: StaffRole; twoFactor: boolean }[];
  invitations: Invitation[];
  /** Roles this person may give (invite or change to). */
  assignable: StaffRole[];
  mayTransfer: boolean;
  invite?: FormState;
  /** The link of the invitation just sent, shown once (it is also in the mail). */
  sentLink?: string;
  notice?: string; error?: string;
}

export function StaffPage(v: StaffView): Html {
  const roleOptions = v.assignable.map((r) => [r, ROLE_NAMES[r]] as [string, string]);
  const others = v.members.filter((m) => m.id !== v.staff.id);
  return (
    <AdminPage site={v.site} title="Staff" staff={v.staff}>
      <h1>Staff</h1>
      <Notice notice={v.notice} error={v.error} />
      {v.sentLink ? <p class="form-notice">The invitation link, in case the mail goes astray (it works once): <code class="secret-once">{v.sentLink}</code></p> : null}
      <table class="newsroom-table">
        <caption class="visually-hidden">Staff members</caption>
        <thead><tr><th scope="col">Name</th><th scope="col">Email</th><th scope="col">Role</th><th scope="col">Two-factor</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
        <tbody>
          {v.members.map((m) => {
            const label = m.name || m.email;
            const manageable = m.id !== v.staff.id && m.role !== 'owner' && v.assignable.includes(m.role);
            return (
              <tr>
                <td>{m.name || '—'}</td><td>{m.email}</td>
                <td>{manageable ? (
                  <form method="post" action={`/admin/staff/${m.id}/role`} class="inline-form">
                    <Csrf token={v.csrf} />
                    <label class="visually-hidden" for={`role-${m.id}`}>Role of {label}</label>
                    <select id={`role-${m.id}`} name="role">{roleOptions.map(([r, n]) => <option value={r} selected={r === m.role}>{n}</option>)}</select>
                    {' '}<button class="button button--secondary" type="submit">Change role of {label}</button>
                  </form>
                ) : ROLE_NAMES[m.role]}</td>
                <td>{m.twoFactor ? 'On' : 'Off'}</td>
                <td>{manageable ? (
                  <form method="post" action={`/admin/staff/${m.id}/remove`} class="inline-form"><Csrf token={v.csrf} /><button class="button button--secondary" type="submit">Remove {label}</button></form>
                ) : null}</td>
              </tr>
            );
          })}
        </tbody>
      </table>

      {v.assignable.length ? (
        <section aria-labelledby="invite-h">
          <h2 id="invite-h">Invite someone</h2>
          <form method="post" action="/admin/staff/invitations" class="account-form">
            <Csrf token={v.csrf} />
            <Field state={v.invite ?? {}} id="inv-email" name="email" label="Email address" type="email" required maxlength="320" />
            <SelectField state={v.invite ?? {}} id="inv-role" name="role" label="Role" fallback="author" options={roleOptions} />
            <p><button class="button" type="submit">Send invitation</button></p>
          </form>
          <h3>Open invitations</h3>
          {v.invitations.length ? (
            <ul>{v.invitations.map((i) => (
              <li>{i.email} as {ROLE_NAMES[i.role]}, until {formatInZone(i.expiresAt, v.tz)}{' '}
                <form method="post" action={`/admin/staff/invitations/${i.id}/revoke`} class="inline-form"><Csrf token={v.csrf} /><button class="button button--secondary" type="submit">Withdraw the invitation to {i.email}</button></form>
              </li>
            ))}</ul>
          ) : <p>None.</p>}
        </section>
      ) : null}

      {v.mayTransfer && others.length ? (
        <section aria-labelledby="transfer-h">
          <h2 id="transfer-h">Transfer ownership</h2>
          <p>The new owner gets every permission; you become an administrator.</p>
          <form method="post" action="/admin/staff/transfer" class="account-form">
            <Csrf token={v.csrf} />
            <p class="field"><label for="t-to">New owner</label><select id="t-to" name="to">{others.map((m) => <option value={String(m.id)}>{m.name || m.email} ({ROLE_NAMES[m.role]})</option>)}</select></p>
            <p class="field"><label class="check"><input type="checkbox" name="confirm" value="1" required /> I understand I will no longer be the owner</label></p>
            <p><button class="button" type="submit">Transfer ownership</button></p>
          </form>
        </section>
      ) : null}
      <p><a href="/admin/tokens">API tokens</a> · <a href="/admin/audit">Audit log</a></p>
    </AdminPage>
  );
}

export function TokensPage(v: {
  site: Site; staff: StaffUser; csrf: string; tz: string;
  tokens: { id: number; name: string; owner: string; createdAt: number; lastUsedAt: number | null }[];
  created?: { name: string; secret: string }; form?: FormState; notice?: string; error?: string;
}): Html {
  return (
    <AdminPage site={v.site} title="API tokens" staff={v.staff}>
      <h1>API tokens</h1>
      <Notice notice={v.notice} error={v.error} />
      {v.created ? (
        <section class="form-notice" role="status" aria-labelledby="new-token-h">
          <h2 id="new-token-h">Token “{v.created.name}” created</h2>
          <p>Copy it now: it is shown only this once.</p>
          <p><code class="secret-once" id="new-token">{v.created.secret}</code></p>
        </section>
      ) : null}
      <form method="post" action="/admin/tokens" class="account-form">
        <Csrf token={v.csrf} />
        <Field state={v.form ?? {}} id="tok-name" name="name" label="Token name" required maxlength="100" hint="What it is for, e.g. “Importer on the old server”." />
        <p><button class="button" type="submit">Create token</button></p>
      </form>
      {v.tokens.length ? (
        <table class="newsroom-table">
          <caption class="visually-hidden">Tokens</caption>
          <thead><tr><th scope="col">Name</th><th scope="col">Belongs to</th><th scope="col">Created</th><th scope="col">Last used</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
          <tbody>{v.tokens.map((t) => (
            <tr><td>{t.name}</td><td>{t.owner}</td><td>{formatInZone(t.createdAt, v.tz)}</td><td>{t.lastUsedAt ? formatInZone(t.lastUsedAt, v.tz) : 'Never'}</td>
              <td><form method="post" action={`/admin/tokens/${t.id}/revoke`} class="inline-form"><Csrf token={v.csrf} /><button class="button button--secondary" type="submit">Revoke {t.name}</button></form></td></tr>
          ))}</tbody>
        </table>
      ) : <p>No tokens yet.</p>}
    </AdminPage>
  );
}

export interface AuditRow { id: number; at: number; actor: string; action: string; target: string | null; ip: string | null; details: string | null }

export function AuditPage(v: { site: Site; staff: StaffUser; tz: string; rows: AuditRow[]; filter: Record<string, string>; next: string | null; actors: Map<string, string> }): Html {
  const f = v.filter;
  return (
    <AdminPage site={v.site} title="Audit log" staff={v.staff}>
      <h1>Audit log</h1>
      <form method="get" action="/admin/audit" class="newsroom-filters" role="search" aria-label="Filter the audit log">
        <p class="field"><label for="a-action">Action</label><input id="a-action" name="action" value={f.action ?? ''} maxlength="80" aria-describedby="a-action-hint" /><span class="small" id="a-action-hint">e.g. staff, staff.invited, comment.hidden</span></p>
        <p class="field"><label for="a-actor">Who</label><input id="a-actor" name="actor" value={f.actor ?? ''} maxlength="80" aria-describedby="a-actor-hint" /><span class="small" id="a-actor-hint">e.g. staff:3, cli</span></p>
        <p class="field"><label for="a-target">What</label><input id="a-target" name="target" value={f.target ?? ''} maxlength="80" /></p>
        <p class="field"><label for="a-from">From (date)</label><input id="a-from" name="from" type="date" value={f.from ?? ''} /></p>
        <p class="field"><label for="a-to">To (date)</label><input id="a-to" name="to" type="date" value={f.to ?? ''} /></p>
        <p><button class="button" type="submit">Filter</button> <a href="/admin/audit">Clear</a></p>
      </form>
      {v.rows.length ? (
        <table class="newsroom-table">
          <caption class="visually-hidden">Audit entries</caption>
          <thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">Action</th><th scope="col">What</th><th scope="col">Address</th><th scope="col">Details</th></tr></thead>
          <tbody>{v.rows.map((r) => (
            <tr><td>{formatInZone(r.at, v.tz)}</td><td>{v.actors.get(r.actor) ?? r.actor}</td><td>{r.action}</td><td>{r.target ?? ''}</td><td>{r.ip ?? ''}</td><td><code>{r.details ?? ''}</code></td></tr>
          ))}</tbody>
        </table>
      ) : <p>No entries match.</p>}
      {v.next ? <nav class="pager" aria-label="Pages"><a rel="next" href={`/admin/audit?${v.next}`}>Older entries</a></nav> : null}
    </AdminPage>
  );
}

/** The page an invitation link opens: choose a name and password (no session needed). */
export function InvitationPage(v: { site: Site; csrf: string; token: string; invitation?: Invitation; refusal?: string; form: FormState; error?: string }): Html {
  return (
    <Layout site={v.site} meta={{ title: 'Join the newsroom', description: 'Staff invitation', noindex: true }}>
      <section class="account-page">
        <h1>Join the {v.site.settings.title} newsroom</h1>
        {v.refusal ? <p class="form-error" role="alert">{v.refusal}</p> : v.invitation ? (
          <Fragment>
            <p>You are invited as {ROLE_NAMES[v.invitation.role].toLowerCase()}, with the address <strong>{v.invitation.email}</strong>.</p>
            <Notice error={v.error} />
            <form method="post" action={`/admin/invitations/${v.token}`} class="account-form">
              <Csrf token={v.csrf} />
              <Field state={v.form} id="i-name" name="name" label="Your name" required maxlength="200" />
              <Field state={{ errors: v.form.errors }} id="i-password" name="password" label="Choose a password" type="password" required hint="At least 10 characters." />
              <p><button class="button" type="submit">Accept the invitation</button></p>
            </form>
          </Fragment>
        ) : null}
      </section>
    </Layout>
  );
}

export { ROLE_NAMES, STAFF_ROLES };
