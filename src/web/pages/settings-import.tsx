import { h, Fragment, type Html } from '../../shared/jsx.js';
import type { Site } from '../site.js';
import type { StaffUser } from '../../members/staff.js';
import { Notice, SettingsShell } from './settings.js';
import { reviewReason } from '../../importer/review-reasons.js';

/**
 * Settings → Import (issue 16): the upload form, the recent runs, and a run's status page, which
 * reloads itself (a meta refresh, no JavaScript) while the job runs and lists what to review after.
 */

export interface RunView {
  id: number; name: string; format: string; status: string;
  created: number; updated: number; unchanged: number; flagged: number; failed: number;
  failures: { position: string; message: string }[]; error: string | null;
}
export interface FlaggedView { id: number; title: string; status: string; flags: string[] }
export interface RecentRun { id: number; name: string; status: string; created: number; updated: number; flagged: number; failed: number }

const FORMAT_NAMES: Record<string, string> = { wxr: 'WordPress export', ghost: 'Ghost export', html: 'HTML page' };
const STATUS_NAMES: Record<string, string> = { queued: 'Waiting to start', running: 'Importing', done: 'Finished', failed: 'Stopped' };
/** How often a running import's page reloads itself, unless the reader turned that off. */
export const REFRESH_SECONDS = 3;

export function ImportPage(p: { site: Site; staff: StaffUser; csrf: string; recent: RecentRun[]; fieldError?: string; error?: string }): Html {
  return (
    <SettingsShell site={p.site} staff={p.staff} title="Import">
      <h1>Import</h1>
      <p>Bring in articles from a WordPress export (Tools → Export, an .xml file), a Ghost export (Settings → Labs → Export, a .json file) or a saved HTML page. Everything lands as a draft; an article imported before is updated, unless it was edited here since.</p>
      <Notice error={p.error} />
      <form method="post" action="/admin/settings/import" enctype="multipart/form-data" novalidate>
        <input type="hidden" name="_csrf" value={p.csrf} />
        <p class="field">
          <label for="import-file">Archive</label>
          <input id="import-file" name="file" type="file" accept=".xml,.wxr,.json,.html,.htm"
            aria-describedby={p.fieldError ? 'import-file-hint import-file-error' : 'import-file-hint'} aria-invalid={p.fieldError ? 'true' : undefined} />
          <span class="hint" id="import-file-hint">Up to 64 MB; import bigger archives with <code>masthead import</code> on the server.</span>
          {p.fieldError ? <span class="field-error" id="import-file-error">{p.fieldError}</span> : null}
        </p>
        <p class="field field--checkbox">
          <label for="import-images">Copy the images the articles link to into the media library</label>
          <input id="import-images" name="images" type="checkbox" value="on" checked />
        </p>
        <p><button class="button" type="submit">Upload and import</button></p>
      </form>
      {p.recent.length ? (
        <Fragment>
          <h2>Recent imports</h2>
          <ul>{p.recent.map((r) => (
            <li><a href={`/admin/settings/import/${r.id}`}>{r.name}</a>: {STATUS_NAMES[r.status] ?? r.status}, {r.created} imported, {r.updated} updated, {r.flagged} to review, {r.failed} failed</li>
          ))}</ul>
        </Fragment>
      ) : null}
    </SettingsShell>
  );
}

export const runGoing = (status: string) => status === 'queued' || status === 'running';

export function ImportRunPage(p: { site: Site; staff: StaffUser; run: RunView; flagged: FlaggedView[]; refreshing: boolean }): Html {
  const { run } = p;
  const going = runGoing(run.status);
  const here = `/admin/settings/import/${run.id}`;
  return (
    <SettingsShell site={p.site} staff={p.staff} title={`Import: ${run.name}`}>
      <h1>Import of {run.name}</h1>
      <p role="status">{STATUS_NAMES[run.status] ?? run.status} ({FORMAT_NAMES[run.format] ?? run.format}).</p>
      {going ? (
        p.refreshing
          ? <p>This page reloads itself every {REFRESH_SECONDS} seconds until the import finishes. <a href={`${here}?refresh=off`}>Stop reloading</a></p>
          : <p>This page does not reload itself. <a href={here}>Check again</a> (and reload every {REFRESH_SECONDS} seconds)</p>
      ) : null}
      {run.error ? <p class="form-error" role="alert">The import stopped: {run.error}. Articles imported before it stopped are kept; uploading the archive again continues where it stopped.</p> : null}
      <dl class="import-counts">
        <dt>Imported</dt><dd>{run.created}</dd>
        <dt>Updated</dt><dd>{run.updated}</dd>
        <dt>Unchanged or kept</dt><dd>{run.unchanged}</dd>
        <dt>Flagged for review</dt><dd>{run.flagged}</dd>
        <dt>Failed</dt><dd>{run.failed}</dd>
      </dl>
      {!going ? (
        <Fragment>
          <h2>To review</h2>
          {p.flagged.length ? (
            <ul class="import-review">{p.flagged.map((a) => (
              <li><a href={`/admin/articles/${a.id}`}>{a.title || '(untitled)'}</a> ({a.status}): {a.flags.map(reviewReason).join('; ')}</li>
            ))}</ul>
          ) : <p>Nothing from this import needs a second look.</p>}
          {run.failures.length ? (
            <Fragment>
              <h2>Not imported</h2>
              <ul>{run.failures.map((f) => <li>{f.position}: {f.message}</li>)}</ul>
            </Fragment>
          ) : null}
        </Fragment>
      ) : null}
      <p><a href="/admin/settings/import">Import another archive</a></p>
    </SettingsShell>
  );
}
