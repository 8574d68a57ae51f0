import { h, Fragment, type Html } from '../../shared/jsx.js';
import type { Site } from '../site.js';
import type { StaffUser } from '../../members/staff.js';
import type { QueueItem } from '../../comments/moderation.queries.js';
import { BAN_LENGTHS } from '../../comments/rules.js';
import { formatInZone } from '../../shared/zoned-time.js';
import { AdminPage } from './newsroom.js';
import { Csrf, Field, Notice, SelectField, type FormState } from './newsroom-forms.js';

/** Comment moderation in the newsroom app: the queue, bulk actions, bans and the moderation rules. */

export interface ModerationView {
  site: Site; staff: StaffUser; csrf: string; tz: string;
  queue: { pending: QueueItem[]; reported: QueueItem[]; recent: QueueItem[] };
  bans: { memberId: number; name: string; reason: string; at: number; until: number | null }[];
  rules: { blockedWords: string[]; premoderateFirst: boolean };
  rulesForm?: FormState;
  notice?: string; error?: string;
}

function QueueTable(p: { id: string; caption: string; items: QueueItem[]; tz: string; showReports?: boolean }): Html {
  if (!p.items.length) return <p>Nothing here.</p>;
  return (
    <table class="newsroom-table">
      <caption class="visually-hidden">{p.caption}</caption>
      <thead><tr><th scope="col"><span class="visually-hidden">Select</span></th><th scope="col">Comment</th><th scope="col">Article</th><th scope="col">By</th><th scope="col">Posted</th>{p.showReports ? <th scope="col">Reported because</th> : null}</tr></thead>
      <tbody>
        {p.items.map((c) => (
          <tr class="queue-item">
            <td><input type="checkbox" name="ids" value={String(c.id)} id={`${p.id}-${c.id}`} aria-label={`Select the comment by ${c.authorName}: ${c.text.slice(0, 60)}`} /></td>
            <td><blockquote>{c.text}</blockquote></td>
            <td><a href={`/articles/${c.articleSlug}`}>{c.articleTitle || 'Untitled'}</a></td>
            <td>{c.authorName}{c.memberId !== null ? <Fragment>{' '}<a href={`/admin/comments/ban?member=${c.memberId}`}>Ban {c.authorName}</a></Fragment> : null}</td>
            <td>{formatInZone(c.createdAt, p.tz)}</td>
            {p.showReports ? <td><ul>{c.reports.map((r) => <li>{r.reason || 'No reason given'}</li>)}</ul></td> : null}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function ModerationPage(v: ModerationView): Html {
  const rules = v.rulesForm ?? {};
  return (
    <AdminPage site={v.site} title="Comments" staff={v.staff}>
      <h1>Comment moderation</h1>
      <Notice notice={v.notice} error={v.error} />
      <form method="post" action="/admin/comments/bulk">
        <Csrf token={v.csrf} />
        <section aria-labelledby="q-pending"><h2 id="q-pending">Waiting for approval ({v.queue.pending.length})</h2>
          <QueueTable id="pending" caption="Comments waiting for approval" items={v.queue.pending} tz={v.tz} /></section>
        <section aria-labelledby="q-reported"><h2 id="q-reported">Reported ({v.queue.reported.length})</h2>
          <QueueTable id="reported" caption="Reported comments" items={v.queue.reported} tz={v.tz} showReports /></section>
        <section aria-labelledby="q-recent"><h2 id="q-recent">Recent</h2>
          <QueueTable id="recent" caption="Recent comments" items={v.queue.recent} tz={v.tz} /></section>
        <fieldset>
          <legend>With the selected comments</legend>
          <p>
            <button class="button" type="submit" name="action" value="approve">Approve selected</button>{' '}
            <button class="button button--secondary" type="submit" name="action" value="hide">Hide selected</button>{' '}
            <button class="button button--secondary" type="submit" name="action" value="delete">Delete selected</button>
          </p>
        </fieldset>
      </form>

      <section aria-labelledby="bans-h">
        <h2 id="bans-h">Banned from commenting</h2>
        {v.bans.length ? (
          <table class="newsroom-table">
            <caption class="visually-hidden">Bans in force</caption>
            <thead><tr><th scope="col">Member</th><th scope="col">Reason</th><th scope="col">Until</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
            <tbody>
              {v.bans.map((b) => (
                <tr>
                  <td>{b.name}</td><td>{b.reason}</td><td>{b.until === null ? 'For good' : formatInZone(b.until, v.tz)}</td>
                  <td><form method="post" action={`/admin/comments/bans/${b.memberId}/lift`} class="inline-form"><Csrf token={v.csrf} /><button class="button button--secondary" type="submit">Lift the ban on {b.name}</button></form></td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : <p>Nobody is banned.</p>}
      </section>

      <section aria-labelledby="rules-h">
        <h2 id="rules-h">Moderation rules</h2>
        <form method="post" action="/admin/comments/rules" class="account-form">
          <Csrf token={v.csrf} />
          <Field state={rules} id="r-words" name="blockedWords" label="Blocked words" textarea rows="5" fallback={v.rules.blockedWords.join('\n')} hint="One word or phrase a line. A comment containing one waits for a moderator." />
          <p class="field"><label class="check"><input type="checkbox" name="premoderateFirst" value="1" checked={rules.values ? rules.values.premoderateFirst === '1' : v.rules.premoderateFirst} /> Hold a member’s first comment for approval</label></p>
          <p><button class="button" type="submit">Save moderation rules</button></p>
        </form>
      </section>
    </AdminPage>
  );
}

export function BanPage(v: { site: Site; staff: StaffUser; csrf: string; member: { id: number; name: string; email: string }; form: FormState; error?: string }): Html {
  const who = v.member.name || v.member.email;
  return (
    <AdminPage site={v.site} title={`Ban ${who}`} staff={v.staff}>
      <h1>Ban {who} from commenting</h1>
      <Notice error={v.error} />
      <form method="post" action="/admin/comments/bans" class="account-form">
        <Csrf token={v.csrf} />
        <input type="hidden" name="member" value={String(v.member.id)} />
        <SelectField state={v.form} id="ban-length" name="length" label="How long" fallback="week" options={Object.entries(BAN_LENGTHS) as [string, string][]} />
        <Field state={v.form} id="ban-reason" name="reason" label="Reason" textarea rows="3" maxlength="500" required hint="Kept with the ban and in the audit log." />
        <p><button class="button" type="submit">Ban {who}</button> <a href="/admin/comments">Cancel</a></p>
      </form>
    </AdminPage>
  );
}
