import { h, Fragment, type Child, type Html } from '../../shared/jsx.js';
import { isShortSearch, SHORT_SEARCH_WINDOW } from '../../content/newsroom.queries.js';
import { Layout } from '../layout.js';
import type { Site } from '../site.js';
import type { StaffUser } from '../../members/staff.js';
import type { ArticleSummary } from '../../content/types.js';
import type { ArticleDetail } from '../../content/articles.service.js';
import type { AuthorOut, SectionOut, TagOut } from '../../content/taxonomy.service.js';
import type { PrePublishWarning } from '../../content/prepublish.js';
import type { RevisionEntry } from '../../content/newsroom.service.js';
import type { DiffLine } from '../../shared/diff.js';
import { formatInZone, toLocalInput } from '../../shared/zoned-time.js';
import { ACCESS_LEVELS } from '../../content/types.js';
import { can } from '../../members/permissions.js';
import { PREVIEW_LINK_DAYS, type PreviewLinkOut } from '../../content/preview-links.js';
import { EmailFields, type EmailFormView } from './newsletters-admin.js';

/**
 * The newsroom app's pages: the article list, the editor, the revision history. Server-rendered
 * forms that work without JavaScript; the editor page alone loads the island (web/editor/client).
 */

const ACCESS_NAMES: Record<string, string> = { free: 'Free', metered: 'Metered', registered: 'Registered readers', paid: 'Subscribers only' };

export function AdminPage(props: { site: Site; title: string; staff: StaffUser; scripts?: string[]; children?: Child }): Html {
  return (
    <Layout site={props.site} meta={{ title: props.title, description: 'Newsroom', noindex: true }} scripts={props.scripts}>
      <div class="newsroom">
        <nav class="newsroom-nav" aria-label="Newsroom">
          <ul>
            <li><a href="/admin">Newsroom</a></li>
            <li><a href="/admin/dashboard">Dashboard</a></li>
            <li><a href="/admin/articles">Articles</a></li>
            <li><a href="/admin/articles/new">New article</a></li>
            <li><a href="/admin/members">Members</a></li>
            {can(props.staff.role, 'settings.manage') ? <li><a href="/admin/settings">Settings</a></li> : null}
            {can(props.staff.role, 'comments.moderate') ? <li><a href="/admin/comments">Comments</a></li> : null}
            {can(props.staff.role, 'billing.manage') ? <Fragment><li><a href="/admin/plans">Plans</a></li><li><a href="/admin/offers">Offers</a></li></Fragment> : null}
            {can(props.staff.role, 'staff.invite') ? <li><a href="/admin/staff">Staff</a></li> : null}
            <li><a href="/admin/tokens">API tokens</a></li>
            {can(props.staff.role, 'audit.read') ? <li><a href="/admin/audit">Audit log</a></li> : null}
            <li><a href="/admin/newsletters">Newsletters</a></li>
          </ul>
          <p class="small">Signed in as {props.staff.name || props.staff.email} ({props.staff.role})</p>
        </nav>
        {props.children}
      </div>
    </Layout>
  );
}

const Notice = (p: { notice?: string; error?: string }) => (
  <Fragment>
    {p.notice ? <p class="form-notice" role="status">{p.notice}</p> : null}
    {p.error ? <p class="form-error" role="alert">{p.error}</p> : null}
  </Fragment>
);

export function statusText(a: Pick<ArticleSummary, 'status' | 'publishedAt'>, tz: string): string {
  if (a.status === 'scheduled' && a.publishedAt !== null) return `Scheduled for ${formatInZone(a.publishedAt, tz)}`;
  if (a.status === 'published' && a.publishedAt !== null) return `Published ${formatInZone(a.publishedAt, tz)}`;
  return 'Draft';
}

export interface ListFilterView { status?: string; section?: string; author?: string; tag?: string; access?: string; q?: string; sort: string }

export function ArticleListPage(props: {
  site: Site; staff: StaffUser; csrf: string; tz: string; filter: ListFilterView; articles: ArticleSummary[]; next: string | null; first: boolean;
  sections: SectionOut[]; authors: AuthorOut[]; tags: TagOut[]; mayPublish: boolean; notice?: string; error?: string;
}): Html {
  const f = props.filter;
  const opt = (value: string, label: string, current?: string) => <option value={value} selected={current === value}>{label}</option>;
  const nextQuery = new URLSearchParams(Object.entries({ ...f, after: props.next ?? '' }).filter(([, v]) => v) as [string, string][]).toString();
  return (
    <AdminPage site={props.site} title="Articles" staff={props.staff}>
      <h1>Articles</h1>
      <Notice notice={props.notice} error={props.error} />
      <form class="newsroom-filters" method="get" action="/admin/articles" role="search" aria-label="Filter articles">
        <p class="field"><label for="l-q">Title contains</label><input id="l-q" name="q" type="search" value={f.q ?? ''} maxlength="200" aria-describedby={isShortSearch(f.q) ? 'l-q-hint' : undefined} />
          {isShortSearch(f.q) ? <span class="hint" id="l-q-hint">One or two characters are looked for among the {SHORT_SEARCH_WINDOW.toLocaleString('en-GB')} most recent articles of this list; type three or more to search every article.</span> : null}</p>
        <p class="field"><label for="l-status">Status</label><select id="l-status" name="status">{opt('', 'Any')}{opt('draft', 'Draft', f.status)}{opt('scheduled', 'Scheduled', f.status)}{opt('published', 'Published', f.status)}</select></p>
        <p class="field"><label for="l-section">Section</label><select id="l-section" name="section">{opt('', 'Any')}{props.sections.map((s) => opt(s.slug, s.name, f.section))}</select></p>
        <p class="field"><label for="l-author">Author</label><select id="l-author" name="author">{opt('', 'Any')}{props.authors.map((a) => opt(a.slug, a.name, f.author))}</select></p>
        <p class="field"><label for="l-tag">Tag</label><select id="l-tag" name="tag">{opt('', 'Any')}{props.tags.map((t) => opt(t.slug, t.name, f.tag))}</select></p>
        <p class="field"><label for="l-access">Access</label><select id="l-access" name="access">{opt('', 'Any')}{ACCESS_LEVELS.map((l) => opt(l, ACCESS_NAMES[l]!, f.access))}</select></p>
        <p class="field"><label for="l-sort">Sort by</label><select id="l-sort" name="sort">{opt('updated', 'Last updated', f.sort)}{opt('published', 'Publication date', f.sort)}</select></p>
        <p><button class="button" type="submit">Filter</button> <a href="/admin/articles">Clear</a></p>
      </form>
      <form method="post" action="/admin/articles/bulk">
        <input type="hidden" name="_csrf" value={props.csrf} />
        {props.articles.length ? (
          <table class="newsroom-table">
            <caption class="visually-hidden">Articles</caption>
            <thead><tr><th scope="col"><span class="visually-hidden">Select</span></th><th scope="col">Title</th><th scope="col">Status</th><th scope="col">Section</th><th scope="col">Authors</th><th scope="col">Access</th><th scope="col">Updated</th></tr></thead>
            <tbody>
              {props.articles.map((a) => (
                <tr>
                  <td><input type="checkbox" name="ids" value={String(a.id)} id={`sel-${a.id}`} aria-label={`Select “${a.title || 'Untitled'}”`} /></td>
                  <td><a href={`/admin/articles/${a.id}`}>{a.title || 'Untitled'}</a></td>
                  <td>{statusText(a, props.tz)}</td>
                  <td>{a.section?.name ?? '—'}</td>
                  <td>{a.authors.map((x) => x.name).join(', ') || '—'}</td>
                  <td>{ACCESS_NAMES[a.access]}</td>
                  <td>{formatInZone(a.updatedAt, props.tz)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : <p>No articles match.</p>}
        <fieldset class="newsroom-bulk">
          <legend>With the selected articles</legend>
          <p class="field"><label for="b-action">Action</label>
            <select id="b-action" name="action">
              {props.mayPublish ? <Fragment><option value="publish">Publish now</option><option value="unpublish">Unpublish</option></Fragment> : null}
              <option value="access">Change access</option>
              <option value="tag">Add a tag</option>
              <option value="delete">Delete</option>
            </select>
          </p>
          <p class="field"><label for="b-access">New access</label><select id="b-access" name="accessLevel"><option value="">Section default</option>{ACCESS_LEVELS.map((l) => <option value={l}>{ACCESS_NAMES[l]}</option>)}</select></p>
          <p class="field"><label for="b-tag">Tag to add</label><input id="b-tag" name="tag" maxlength="60" list="tag-names" /></p>
          <datalist id="tag-names">{props.tags.map((t) => <option value={t.name}></option>)}</datalist>
          <p><button class="button" type="submit">Apply to selected</button></p>
        </fieldset>
      </form>
      <nav class="pager" aria-label="Pages">
        {!props.first ? <a href={`/admin/articles?${new URLSearchParams(Object.entries(f).filter(([, v]) => v) as [string, string][]).toString()}`}>First page</a> : null}
        {props.next ? <a rel="next" href={`/admin/articles?${nextQuery}`}>Next page</a> : null}
      </nav>
    </AdminPage>
  );
}

export function BulkConfirmPage(props: { site: Site; staff: StaffUser; csrf: string; articles: ArticleSummary[] }): Html {
  const n = props.articles.length;
  const what = `${n} article${n === 1 ? '' : 's'}`;
  return (
    <AdminPage site={props.site} title={`Delete ${what}?`} staff={props.staff}>
      <h1>Delete {what}?</h1>
      <p>This cannot be undone. These will be deleted:</p>
      <ul>{props.articles.map((a) => <li>{a.title || 'Untitled'}</li>)}</ul>
      <form method="post" action="/admin/articles/bulk">
        <input type="hidden" name="_csrf" value={props.csrf} />
        <input type="hidden" name="action" value="delete" />
        <input type="hidden" name="confirm" value="1" />
        {props.articles.map((a) => <input type="hidden" name="ids" value={String(a.id)} />)}
        <p><button class="button" type="submit">Delete {what}</button> <a href="/admin/articles">Cancel</a></p>
      </form>
    </AdminPage>
  );
}

export interface EditorView {
  site: Site; staff: StaffUser; csrf: string; tz: string;
  article: ArticleDetail | null;
  markdown: string;
  sections: SectionOut[]; authors: AuthorOut[]; tags: TagOut[];
  mayPublish: boolean;
  warnings: PrePublishWarning[];
  script: string | null;
  /** Preview links that still open (none for a new article). */
  previewLinks: PreviewLinkOut[];
  /** The newest library images, for the feature image picker. */
  library: { url: string; alt: string; name: string }[];
  /** Form values to show instead of the article's (a refused form comes back as it was sent). */
  values?: Partial<Record<string, string>>;
  notice?: string; error?: string;
  /** The publish form's email part (issue 17), for who may publish. */
  email?: EmailFormView;
}

export function EditorPage(v: EditorView): Html {
  const a = v.article;
  const val = (k: string, fallback: string | null | undefined) => v.values?.[k] ?? fallback ?? '';
  const primary = a?.section?.slug ?? '';
  const sectionDefault = v.sections.find((s) => s.slug === primary)?.defaultAccess ?? 'metered';
  const authorSlugs = new Set(a?.authors.map((x) => x.slug) ?? []);
  const live = a !== null && a.status !== 'draft';
  return (
    <AdminPage site={v.site} title={a ? `Edit: ${a.title || 'Untitled'}` : 'New article'} staff={v.staff} scripts={v.script ? [v.script] : undefined}>
      <h1>{a ? 'Edit article' : 'New article'}</h1>
      <Notice notice={v.notice} error={v.error} />
      <div id="editor-alert" role="alert" class="editor-alert" hidden></div>
      <form id="article-form" class="editor" method="post" action={a ? `/admin/articles/${a.id}` : '/admin/articles'}
        data-article-id={a ? String(a.id) : ''} data-revision={a ? String(a.revision) : ''}>
        <input type="hidden" name="_csrf" value={v.csrf} />
        <input type="hidden" name="baseRevision" value={a ? String(a.revision) : ''} />
        <input type="hidden" name="markdownBase" value={v.markdown} />
        <div class="editor__main">
          <p class="field"><label for="f-title">Title</label><input id="f-title" name="title" maxlength="300" value={val('title', a?.title)} /></p>
          <p class="field"><label for="f-dek">Dek</label><textarea id="f-dek" name="dek" rows="2" maxlength="1000">{val('dek', a?.dek)}</textarea></p>
          <div class="field" id="editor-body" data-doc={a ? JSON.stringify(a.body) : ''}>
            <label for="f-markdown" id="body-label">Body (Markdown)</label>
            <textarea id="f-markdown" name="markdown" rows="18">{val('markdown', v.markdown)}</textarea>
            <p class="small" id="body-hint">A line with <code>&lt;!--more--&gt;</code> is the paywall break: readers without access stop there.</p>
          </div>
          <p class="small" id="word-count" aria-live="polite"></p>
          <p class="editor__save"><button class="button" type="submit">Save draft</button> <span id="save-status" role="status">{a ? `Saved (revision ${a.revision})` : 'Not saved yet'}</span></p>
        </div>
        <fieldset class="editor__settings">
          <legend>Article settings</legend>
          <p class="field"><label for="f-slug">Slug</label><input id="f-slug" name="slug" maxlength="120" value={val('slug', a?.slug)} aria-describedby="slug-hint" /><span class="small" id="slug-hint">{live ? 'Changing the slug of a published article redirects its old address to the new one.' : 'Leave empty to make one from the title.'}</span></p>
          <p class="field"><label for="f-section">Section</label><select id="f-section" name="section"><option value="">None</option>{v.sections.map((s) => <option value={s.slug} selected={val('section', primary) === s.slug} data-default-access={s.defaultAccess}>{s.name}</option>)}</select></p>
          <p class="field"><label for="f-access">Access</label>
            <select id="f-access" name="accessLevel" aria-describedby="access-hint">
              <option value="">Section default ({ACCESS_NAMES[sectionDefault]})</option>
              {ACCESS_LEVELS.map((l) => <option value={l} selected={val('accessLevel', a?.accessLevel) === l}>{ACCESS_NAMES[l]}</option>)}
            </select>
            <span class="small" id="access-hint">Readers get: {ACCESS_NAMES[a?.access ?? sectionDefault]}{a?.accessLevel ? `, overriding the section default (${ACCESS_NAMES[sectionDefault]})` : ', the section default'}.</span>
          </p>
          <p class="field"><label for="f-tags">Tags <span class="optional">(comma-separated; new ones are created)</span></label><input id="f-tags" name="tags" list="tag-list" value={val('tags', a?.tags.map((t) => t.name).join(', '))} /></p>
          <datalist id="tag-list">{v.tags.map((t) => <option value={t.name}></option>)}</datalist>
          <fieldset class="field"><legend>Authors</legend>
            {v.authors.map((x) => <label class="check"><input type="checkbox" name="authors" value={x.slug} checked={authorSlugs.has(x.slug)} /> {x.name}</label>)}
          </fieldset>
          <p class="field"><label for="f-image-pick">Feature image from the media library</label>
            <select id="f-image-pick" name="featureImagePick" aria-describedby="image-pick-hint">
              <option value="">Keep the feature image URL below</option>
              {v.library.map((m) => <option value={m.url} data-alt={m.alt}>{m.name}{m.alt ? ` (${m.alt})` : ''}{m.url === val('featureImageUrl', a?.featureImageUrl) ? ' (current)' : ''}</option>)}
            </select>
            <span class="small" id="image-pick-hint">The newest images in the library. To add one, <a href="/admin/media">upload it to the media library</a>{v.script ? ', or upload it here' : ''}.</span>
          </p>
          <p class="field" id="feature-upload" hidden><label for="f-image-upload">Upload a feature image</label><input id="f-image-upload" type="file" accept="image/png,image/jpeg,image/gif,image/webp" /><span class="small" role="status"></span></p>
          <p class="field"><label for="f-image">Feature image URL</label><input id="f-image" name="featureImageUrl" maxlength="2000" value={val('featureImageUrl', a?.featureImageUrl)} /></p>
          <p class="field"><label for="f-image-alt">Feature image alt text</label><input id="f-image-alt" name="featureImageAlt" maxlength="500" value={val('featureImageAlt', a?.featureImageAlt)} /></p>
          <p class="field"><label for="f-seo-title">SEO title</label><input id="f-seo-title" name="seoTitle" maxlength="300" value={val('seoTitle', a?.seoTitle)} /></p>
          <p class="field"><label for="f-seo-desc">SEO description</label><textarea id="f-seo-desc" name="seoDescription" rows="2" maxlength="1000">{val('seoDescription', a?.seoDescription)}</textarea></p>
          <p class="field"><label for="f-canonical">Canonical URL</label><input id="f-canonical" name="canonicalUrl" type="url" maxlength="2000" value={val('canonicalUrl', a?.canonicalUrl)} /></p>
          <SocialCard site={v.site} article={a} values={v.values} />
        </fieldset>
      </form>
      {a ? <PublishPanel {...v} article={a} /> : <p>Save the draft to preview, schedule or publish it.</p>}
      {a ? <SharePanel {...v} article={a} /> : null}
    </AdminPage>
  );
}

/**
 * The card a link to the article makes on social sites, from the same fields the page's meta tags
 * use (web/pages/article.tsx): the SEO title, else the title; the SEO description, else the dek.
 * The island keeps it in step as the fields change.
 */
function SocialCard(props: { site: Site; article: ArticleDetail | null; values?: Partial<Record<string, string>> }): Html {
  const a = props.article;
  const pick = (k: string, v: string | null | undefined) => props.values?.[k] ?? v ?? '';
  const title = pick('seoTitle', a?.seoTitle) || pick('title', a?.title) || 'Untitled';
  const description = pick('seoDescription', a?.seoDescription) || pick('dek', a?.dek);
  const image = pick('featureImageUrl', a?.featureImageUrl);
  const host = new URL(props.site.siteUrl).host;
  return (
    <figure class="social-card" id="social-card" aria-labelledby="social-card-h">
      <figcaption id="social-card-h">Social card preview</figcaption>
      <div class="social-card__image">{image ? <img src={image} alt="" /> : <span>No feature image</span>}</div>
      <p class="social-card__host">{host}</p>
      <p class="social-card__title">{title}</p>
      <p class="social-card__description">{description}</p>
    </figure>
  );
}

function PublishPanel(v: EditorView & { article: ArticleDetail }): Html {
  const a = v.article;
  const live = a.status !== 'draft';
  return (
    <section class="publish-panel" aria-labelledby="publish-h">
      <h2 id="publish-h">Publishing</h2>
      <p id="publish-status">{statusText(a, v.tz)}</p>
      <div id="prepublish">
        {v.warnings.length ? (
          <Fragment><h3>Before you publish</h3><ul class="warnings">{v.warnings.map((w) => <li data-code={w.code}>{w.message.charAt(0).toUpperCase() + w.message.slice(1)}.</li>)}</ul></Fragment>
        ) : <p>Pre-publish check: nothing to warn about.</p>}
      </div>
      {v.mayPublish ? (
        <form method="post" action={`/admin/articles/${a.id}/publish`} id="publish-form">
          <input type="hidden" name="_csrf" value={v.csrf} />
          <input type="hidden" name="baseRevision" value={String(a.revision)} />
          {v.email ? <EmailFields {...v.email} /> : null}
          <p><button class="button" type="submit" name="action" value="publish">Publish now</button></p>
          <p class="field"><label for="p-at">Publish at ({v.tz})</label><input id="p-at" name="at" type="datetime-local" value={a.publishedAt !== null ? toLocalInput(a.publishedAt, v.tz) : ''} /></p>
          <p><button class="button button--secondary" type="submit" name="action" value="schedule">Schedule</button></p>
          {live ? <p><button class="button button--secondary" type="submit" name="action" value="unpublish">Unpublish</button></p> : null}
        </form>
      ) : <p>Your role ({v.staff.role}) writes drafts; an editor publishes them.</p>}
      <h3>Preview as a reader</h3>
      <ul>
        <li><a href={`/admin/articles/${a.id}/preview?as=anonymous`}>Preview as an anonymous reader over the meter</a></li>
        <li><a href={`/admin/articles/${a.id}/preview?as=member`}>Preview as a free member</a></li>
        <li><a href={`/admin/articles/${a.id}/preview?as=subscriber`}>Preview as a subscriber</a></li>
      </ul>
      <p><a href={`/admin/articles/${a.id}/revisions`}>Revision history</a></p>
    </section>
  );
}

/** Preview links: someone without an account reads the article before it is out, until the link expires or is revoked. */
function SharePanel(v: EditorView & { article: ArticleDetail }): Html {
  const a = v.article;
  const base = v.site.siteUrl.replace(/\/$/, '');
  return (
    <section class="share-panel" aria-labelledby="share-h" id="preview-links">
      <h2 id="share-h">Share a preview</h2>
      <p class="small">Anyone with the link reads this article as a subscriber would, without an account, until the link expires or you revoke it. Search engines are told not to index it.</p>
      {v.previewLinks.length ? (
        <ul class="preview-links">
          {v.previewLinks.map((l, i) => (
            <li>
              <p class="field"><label for={`pl-${l.id}`}>Preview link {v.previewLinks.length - i}, made by {l.createdByName}, expires {formatInZone(l.expiresAt, v.tz)}</label>
                <input id={`pl-${l.id}`} type="url" readonly value={`${base}${l.path}`} /></p>
              <form method="post" action={`/admin/articles/${a.id}/preview-links/${l.id}/revoke`} class="inline-form">
                <input type="hidden" name="_csrf" value={v.csrf} />
                <button class="button button--secondary" type="submit">Revoke preview link {v.previewLinks.length - i}</button>
              </form>
            </li>
          ))}
        </ul>
      ) : <p>No preview links are open.</p>}
      <form method="post" action={`/admin/articles/${a.id}/preview-links`}>
        <input type="hidden" name="_csrf" value={v.csrf} />
        <p class="field"><label for="pl-days">Link lasts</label>
          <select id="pl-days" name="days">{PREVIEW_LINK_DAYS.map((d) => <option value={String(d)} selected={d === 7}>{d === 1 ? '1 day' : `${d} days`}</option>)}</select></p>
        <p><button class="button button--secondary" type="submit">Create a preview link</button></p>
      </form>
    </section>
  );
}

export function RevisionsPage(props: { site: Site; staff: StaffUser; csrf: string; tz: string; article: ArticleDetail; revisions: RevisionEntry[]; mayRestore: boolean }): Html {
  const a = props.article;
  return (
    <AdminPage site={props.site} title={`Revisions: ${a.title || 'Untitled'}`} staff={props.staff}>
      <h1>Revisions of “{a.title || 'Untitled'}”</h1>
      <p><a href={`/admin/articles/${a.id}`}>Back to the editor</a></p>
      {props.revisions.length ? (
        <table class="newsroom-table">
          <caption class="visually-hidden">Revisions</caption>
          <thead><tr><th scope="col">Revision</th><th scope="col">By</th><th scope="col">Saved</th><th scope="col">Title</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
          <tbody>
            {props.revisions.map((r) => (
              <tr>
                <td><a href={`/admin/articles/${a.id}/revisions/${r.revision}`}>Revision {r.revision}</a>{r.revision === a.revision ? ' (current)' : ''}</td>
                <td>{r.by}</td>
                <td>{formatInZone(r.at, props.tz)}</td>
                <td>{r.title || 'Untitled'}</td>
                <td>{props.mayRestore && r.revision !== a.revision ? (
                  <form method="post" action={`/admin/articles/${a.id}/revisions/${r.revision}/restore`} class="inline-form">
                    <input type="hidden" name="_csrf" value={props.csrf} />
                    <input type="hidden" name="baseRevision" value={String(a.revision)} />
                    <button class="button button--secondary" type="submit">Restore revision {r.revision}</button>
                  </form>
                ) : null}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : <p>No revisions were kept for this article yet: history starts with its first save in the editor.</p>}
    </AdminPage>
  );
}

export function RevisionDiffPage(props: { site: Site; staff: StaffUser; tz: string; article: ArticleDetail; entry: RevisionEntry; previous: number | null; diff: DiffLine[] }): Html {
  const a = props.article;
  return (
    <AdminPage site={props.site} title={`Revision ${props.entry.revision}`} staff={props.staff}>
      <h1>Revision {props.entry.revision}</h1>
      <p>By {props.entry.by}, {formatInZone(props.entry.at, props.tz)}. {props.previous !== null ? `Changes since revision ${props.previous}:` : 'The first revision kept:'}</p>
      <p><a href={`/admin/articles/${a.id}/revisions`}>All revisions</a></p>
      <div class="diff">
        {props.diff.map((l) => (l.op === 'add' ? <ins>{`+ ${l.text}`}</ins> : l.op === 'del' ? <del>{`− ${l.text}`}</del> : <span>{`  ${l.text}`}</span>))}
      </div>
    </AdminPage>
  );
}

/** The banner over a page opened by a preview link. */
export function sharedPreviewBanner(live: boolean, expires: string, tz: string): string {
  return (
    <div class="preview-banner" role="note" aria-label="Preview">
      <p><strong>{live ? 'Shared preview.' : 'Shared preview of an article not yet published.'}</strong> Please do not pass this link on. It works until {expires} ({tz}).</p>
    </div>
  ).value;
}

/** A preview link that does not open: the same page (and status) whatever the reason, but for the reason itself. */
export function PreviewLinkGonePage(props: { site: Site; state: 'expired' | 'revoked' | 'invalid' }): Html {
  const why = { expired: 'This preview link has expired.', revoked: 'This preview link was withdrawn.', invalid: 'This preview link is not valid.' }[props.state];
  return (
    <Layout site={props.site} meta={{ title: 'Preview link', description: why, noindex: true }}>
      <section class="error-page">
        <h1>Preview unavailable</h1>
        <p>{why} Ask the person who sent it for a new one.</p>
      </section>
    </Layout>
  );
}

/** The banner over a preview: which reader it is, and the way back. */
export function previewBanner(articleId: number, label: string, outcome: string): string {
  return (
    <div class="preview-banner" role="note" aria-label="Preview">
      <p><strong>Preview as {label}.</strong> {outcome} <a href={`/admin/articles/${articleId}`}>Back to the editor</a></p>
    </div>
  ).value;
}
