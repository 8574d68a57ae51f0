import { h, Fragment, type Html } from '../../shared/jsx.js';
import type { Site } from '../site.js';
import type { StaffUser } from '../../members/staff.js';
import type { ArticleDetail } from '../../content/articles.service.js';
import type { Newsletter } from '../../newsletters/newsletters.queries.js';
import type { SendRow } from '../../newsletters/sends.queries.js';
import type { SendStatus } from '../../newsletters/newsletters.service.js';
import type { EmailMode } from '../../newsletters/publish.service.js';
import type { Segment } from '../../newsletters/rules.js';
import { formatInZone } from '../../shared/zoned-time.js';
import { AdminPage } from './newsroom.js';

/**
 * Newsletters in the newsroom app: the email part of the editor's publish form, its confirmation
 * step (the count before anything is sent), and /admin/newsletters. Plain forms, no script.
 */

export const SEGMENT_NAMES: Record<Segment, string> = { all: 'All members', free: 'Free members', subscribers: 'Subscribers' };
const MODE_NAMES: Record<EmailMode, string> = { publish: 'Publish only', 'publish-and-email': 'Publish and email', 'email-only': 'Email only' };
const MODE_HINTS: Record<EmailMode, string> = {
  publish: 'On the site; no email.',
  'publish-and-email': 'On the site, and by email to the newsletter below.',
  'email-only': 'By email only: not listed on the site; its web view keeps the paywall.',
};

export interface EmailFormView { newsletters: Newsletter[]; staffEmail: string }

/** Inside the editor's publish form: how to publish, to which newsletter and segment, and a test. */
export function EmailFields(v: EmailFormView): Html {
  const sendable = v.newsletters.filter((n) => n.senderEmail);
  return (
    <Fragment>
      <fieldset class="email-choice">
        <legend>Email</legend>
        {(Object.keys(MODE_NAMES) as EmailMode[]).map((m, i) => (
          <p class="choice">
            <input type="radio" id={`p-mode-${m}`} name="mode" value={m} checked={i === 0} aria-describedby={`p-mode-${m}-hint`} disabled={m !== 'publish' && !sendable.length} />
            <label for={`p-mode-${m}`}>{MODE_NAMES[m]}</label> <span class="small" id={`p-mode-${m}-hint`}>{MODE_HINTS[m]}</span>
          </p>
        ))}
        {sendable.length ? (
          <Fragment>
            <p class="field"><label for="p-newsletter">Newsletter</label><select id="p-newsletter" name="newsletter">{sendable.map((n) => <option value={String(n.id)}>{n.name}</option>)}</select></p>
            <p class="field"><label for="p-segment">Segment</label><select id="p-segment" name="segment">{(Object.keys(SEGMENT_NAMES) as Segment[]).map((s) => <option value={s}>{SEGMENT_NAMES[s]}</option>)}</select></p>
            <p class="small">You see how many members it reaches before anything is sent.</p>
            <p class="field"><label for="p-test-to">Test address (a newsroom account)</label><input id="p-test-to" name="testTo" type="email" value={v.staffEmail} /></p>
            <p><button class="button button--secondary" type="submit" name="action" value="test">Send a test</button></p>
          </Fragment>
        ) : <p class="small">No newsletter can send yet: give one a sender address on <a href="/admin/newsletters">the newsletters page</a>.</p>}
      </fieldset>
    </Fragment>
  );
}

export interface EmailConfirmView {
  site: Site; staff: StaffUser; csrf: string; article: ArticleDetail;
  mode: EmailMode; action: 'publish' | 'schedule'; at: string; atLabel: string | null; baseRevision: number;
  newsletter: Newsletter; segment: Segment; count: number;
  /** The count shown before, when the audience moved since: the editor confirms the new one. */
  changedFrom?: number;
}

/** The step before sending: what will happen, to how many members; nothing is sent until it is confirmed. */
export function EmailConfirmPage(v: EmailConfirmView): Html {
  const members = `${v.count.toLocaleString('en')} ${v.count === 1 ? 'member' : 'members'}`;
  const when = v.action === 'schedule' && v.atLabel ? `when it goes live, ${v.atLabel}` : 'now';
  const what = v.mode === 'email-only' ? 'It will not be listed on the site; its web view keeps the paywall.' : 'It will be published on the site too.';
  const label = v.action === 'schedule'
    ? (v.mode === 'email-only' ? `Schedule and email ${members}` : `Schedule, publish and email ${members}`)
    : (v.mode === 'email-only' ? `Email ${members}` : `Publish and email ${members}`);
  return (
    <AdminPage site={v.site} title="Confirm the email" staff={v.staff}>
      <h1>Email “{v.article.title || 'Untitled'}”?</h1>
      {v.changedFrom !== undefined ? (
        <p class="form-error" role="alert" id="email-count-changed">The audience changed since you looked: <strong>{members}</strong> now, not {v.changedFrom.toLocaleString('en')}. Nothing has been sent or published; confirm again to go ahead.</p>
      ) : null}
      <p id="email-count"><strong>{v.newsletter.name}</strong> to {SEGMENT_NAMES[v.segment].toLowerCase()}: <strong>{members}</strong> would get it as of now, {when}.</p>
      <p>{what} Subscribers get the whole article; free members the preview and the offer to subscribe.</p>
      <form method="post" action={`/admin/articles/${v.article.id}/publish`}>
        <input type="hidden" name="_csrf" value={v.csrf} />
        <input type="hidden" name="baseRevision" value={String(v.baseRevision)} />
        <input type="hidden" name="mode" value={v.mode} />
        <input type="hidden" name="newsletter" value={String(v.newsletter.id)} />
        <input type="hidden" name="segment" value={v.segment} />
        <input type="hidden" name="at" value={v.at} />
        <input type="hidden" name="confirm" value="1" />
        <input type="hidden" name="count" value={String(v.count)} />
        <p><button class="button" type="submit" name="action" value={v.action}>{label}</button></p>
      </form>
      <p><a href={`/admin/articles/${v.article.id}`}>Back to the editor</a> (nothing has been sent)</p>
    </AdminPage>
  );
}

// ---- /admin/newsletters ---------------------------------------------------------------------

const STATUS_NAMES: Record<string, string> = { scheduled: 'Scheduled with the article', sending: 'Sending', done: 'Done', cancelled: 'Cancelled' };
const STATES = ['queued', 'sending', 'sent', 'failed', 'skipped'] as const;

export function NewslettersPage(v: { site: Site; staff: StaffUser; csrf: string; tz: string; newsletters: Newsletter[]; sends: SendRow[]; counts: Map<number, Record<string, number>>; notice?: string; error?: string }): Html {
  return (
    <AdminPage site={v.site} title="Newsletters" staff={v.staff}>
      <h1>Newsletters</h1>
      {v.notice ? <p class="form-notice" role="status">{v.notice}</p> : null}
      {v.error ? <p class="form-error" role="alert">{v.error}</p> : null}
      <p><a class="button" href="/admin/newsletters/new">New newsletter</a></p>
      {v.newsletters.length ? (
        <table class="newsroom-table">
          <caption class="visually-hidden">Newsletters</caption>
          <thead><tr><th scope="col">Name</th><th scope="col">Sender</th><th scope="col">Who may receive it</th><th scope="col">At sign-up</th></tr></thead>
          <tbody>
            {v.newsletters.map((n) => (
              <tr>
                <td><a href={`/admin/newsletters/${n.id}`}>{n.name}</a></td>
                <td>{n.senderEmail ? `${n.senderName} <${n.senderEmail}>` : 'No sender address: it cannot send'}</td>
                <td>{n.audience === 'subscribers' ? 'Subscribers only' : 'All members'}</td>
                <td>{n.subscribeOnSignup ? 'Ticked' : 'Not ticked'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : <p>No newsletters yet.</p>}
      <h2>Sends</h2>
      {v.sends.length ? (
        <table class="newsroom-table">
          <caption class="visually-hidden">Sends, newest first</caption>
          <thead><tr><th scope="col">Article</th><th scope="col">Newsletter</th><th scope="col">Segment</th><th scope="col">Status</th>{STATES.map((s) => <th scope="col">{s.charAt(0).toUpperCase() + s.slice(1)}</th>)}<th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
          <tbody>
            {v.sends.map((s) => {
              const c = v.counts.get(s.id) ?? {};
              return (
                <tr>
                  <td><a href={`/admin/articles/${s.articleId}`}>{s.articleTitle || 'Untitled'}</a></td>
                  <td>{s.newsletterName}</td>
                  <td>{SEGMENT_NAMES[s.segment]}</td>
                  <td>{STATUS_NAMES[s.status] ?? s.status}<br /><span class="small">{formatInZone(s.createdAt, v.tz)}</span></td>
                  {STATES.map((st) => <td>{String(c[st] ?? 0)}</td>)}
                  <td><a href={`/admin/newsletters/sends/${s.id}`}>Progress and figures<span class="visually-hidden"> of send {String(s.id)}</span></a>{s.status === 'sending' || s.status === 'scheduled' ? (
                    <form method="post" action={`/admin/newsletters/sends/${s.id}/cancel`} class="inline-form">
                      <input type="hidden" name="_csrf" value={v.csrf} />
                      <button class="button button--secondary" type="submit">Cancel send {String(s.id)}</button>
                    </form>
                  ) : null}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      ) : <p>Nothing has been sent yet. Articles are emailed from the editor's publish form.</p>}
    </AdminPage>
  );
}

export function NewsletterFormPage(v: { site: Site; staff: StaffUser; csrf: string; newsletter: Newsletter | null; values?: Partial<Record<string, string>>; error?: string }): Html {
  const n = v.newsletter;
  const val = (k: string, fallback: string | null | undefined) => v.values?.[k] ?? fallback ?? '';
  const audience = val('audience', n?.audience ?? 'members');
  const onSignup = v.values ? v.values.subscribeOnSignup === '1' : (n?.subscribeOnSignup ?? true);
  return (
    <AdminPage site={v.site} title={n ? `Newsletter: ${n.name}` : 'New newsletter'} staff={v.staff}>
      <h1>{n ? n.name : 'New newsletter'}</h1>
      <p><a href="/admin/newsletters">All newsletters</a></p>
      {v.error ? <p class="form-error" role="alert">{v.error}</p> : null}
      <form method="post" action={n ? `/admin/newsletters/${n.id}` : '/admin/newsletters'} class="account-form">
        <input type="hidden" name="_csrf" value={v.csrf} />
        <p class="field"><label for="n-name">Name</label><input id="n-name" name="name" required maxlength="120" value={val('name', n?.name)} /></p>
        <p class="field"><label for="n-slug">Slug</label><input id="n-slug" name="slug" maxlength="80" value={val('slug', n?.slug)} aria-describedby="n-slug-hint" /><span class="small" id="n-slug-hint">Lower-case letters, digits and hyphens; made from the name when empty.</span></p>
        <p class="field"><label for="n-sender-name">Sender name</label><input id="n-sender-name" name="senderName" maxlength="120" value={val('senderName', n?.senderName)} /></p>
        <p class="field"><label for="n-sender-email">Sender address</label><input id="n-sender-email" name="senderEmail" type="email" maxlength="254" value={val('senderEmail', n?.senderEmail)} /></p>
        <p class="field"><label for="n-reply-to">Reply-to address</label><input id="n-reply-to" name="replyTo" type="email" maxlength="254" value={val('replyTo', n?.replyTo)} /></p>
        <p class="field"><label for="n-audience">Who may receive it</label><select id="n-audience" name="audience">
          <option value="members" selected={audience === 'members'}>All members</option>
          <option value="subscribers" selected={audience === 'subscribers'}>Subscribers only</option>
        </select></p>
        <p class="choice"><input type="checkbox" id="n-signup" name="subscribeOnSignup" value="1" checked={onSignup} /><label for="n-signup">Ticked at sign-up (new members get it unless they untick it)</label></p>
        <p class="field"><label for="n-header">Header</label><textarea id="n-header" name="header" maxlength="2000" rows="2">{val('header', n?.header)}</textarea></p>
        <p class="field"><label for="n-footer">Footer</label><textarea id="n-footer" name="footer" maxlength="2000" rows="2">{val('footer', n?.footer)}</textarea></p>
        <p><button class="button" type="submit">{n ? 'Save newsletter' : 'Create newsletter'}</button></p>
      </form>
    </AdminPage>
  );
}

// ---- /admin/newsletters/sends/:id -----------------------------------------------------------

export const SEND_REFRESH_SECONDS = 5;
const count = (n: number) => n.toLocaleString('en');
const percent = (part: number, whole: number) => (whole > 0 ? `${Math.round((part / whole) * 1000) / 10}%` : '–');

/**
 * One send: its progress while it goes (sent, failed, remaining, rate, estimated finish), a bar
 * that is a plain <progress> element, and, when it was tracked, opens and clicks per link as
 * totals. While it sends, the page reloads itself through the Refresh header, with a link to stop.
 */
export function SendPage(v: { site: Site; staff: StaffUser; csrf: string; tz: string; status: SendStatus; refreshing: boolean }): Html {
  const { send, counts: c, figures: f } = v.status;
  const here = `/admin/newsletters/sends/${send.id}`;
  const going = send.status === 'sending';
  const rate = v.status.perSecond;
  return (
    <AdminPage site={v.site} title={`Send ${send.id}: ${v.status.newsletter.name}`} staff={v.staff}>
      <h1>{v.status.article?.title || 'Untitled'} to {v.status.newsletter.name}</h1>
      <p><a href="/admin/newsletters">All newsletters and sends</a></p>
      <p role="status" id="send-state"><strong>{STATUS_NAMES[send.status] ?? send.status}</strong>, {SEGMENT_NAMES[send.segment].toLowerCase()}; began {formatInZone(send.createdAt, v.tz)}{send.finishedAt ? `, ended ${formatInZone(send.finishedAt, v.tz)}` : ''}.</p>
      {going ? (
        v.refreshing
          ? <p>This page reloads itself every {SEND_REFRESH_SECONDS} seconds while the send goes on. <a href={`${here}?refresh=off`}>Stop reloading</a></p>
          : <p>This page does not reload itself. <a href={here}>Check again</a> (and reload every {SEND_REFRESH_SECONDS} seconds)</p>
      ) : null}
      {send.status === 'scheduled' ? <p>It goes out when the article goes live, to whoever is subscribed then: the counts begin then.</p> : null}
      <p hidden={send.status === 'scheduled'}><label for="send-progress">Done</label> <progress id="send-progress" max={String(Math.max(1, c.total))} value={String(v.status.handled)}>{percent(v.status.handled, c.total)}</progress> {percent(v.status.handled, c.total)}</p>
      <dl class="import-counts" id="send-counts">
        <dt>Sent</dt><dd>{count(c.sent)}</dd>
        <dt>Failed</dt><dd>{count(c.failed)}</dd>
        <dt>Skipped</dt><dd>{count(c.skipped)}</dd>
        <dt>Remaining</dt><dd>{count(v.status.remaining)}</dd>
        <dt>Rate</dt><dd>{rate ? `${rate >= 10 ? Math.round(rate) : rate.toFixed(1)} messages a second` : '–'}</dd>
        <dt>Estimated finish</dt><dd>{v.status.finishesAt ? formatInZone(v.status.finishesAt, v.tz) : going ? 'when the first messages are out' : '–'}</dd>
      </dl>
      {going || send.status === 'scheduled' ? (
        <form method="post" action={`/admin/newsletters/sends/${send.id}/cancel`} class="inline-form">
          <input type="hidden" name="_csrf" value={v.csrf} />
          <button class="button button--secondary" type="submit">Cancel send {String(send.id)}</button>
        </form>
      ) : null}
      <h2>Opens and clicks</h2>
      {!f.trackOpens && !f.trackClicks
        ? <p>Not tracked: tracking was off when this send began (<a href="/admin/settings/email">Newsletter tracking</a>, for administrators).</p>
        : (
          <Fragment>
            <p class="small">Totals only: each member counts once. Some mail apps load images for everyone, so opens are an estimate.</p>
            {f.trackOpens ? <p id="send-opens">Opened by <strong>{count(f.opens)}</strong> {f.opens === 1 ? 'member' : 'members'} ({percent(f.opens, c.sent)} of those sent).</p> : <p>Opens were not tracked.</p>}
            {f.trackClicks ? (
              f.links.length ? (
                <table class="newsroom-table" id="send-clicks">
                  <caption>Clicks per link</caption>
                  <thead><tr><th scope="col">Link</th><th scope="col">Members who followed it</th></tr></thead>
                  <tbody>{f.links.map((l) => <tr><td><code>{l.url}</code></td><td>{count(l.clicks)}</td></tr>)}</tbody>
                </table>
              ) : <p>No links yet: they are listed once the first message is out.</p>
            ) : <p>Clicks were not tracked.</p>}
          </Fragment>
        )}
    </AdminPage>
  );
}
