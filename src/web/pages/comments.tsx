import { randomBytes } from 'node:crypto';
import { h, Fragment, raw, type Html } from '../../shared/jsx.js';
import { formatDateTime, isoDate } from '../format.js';
import type { CommentView, OwnActions, Sort } from '../../comments/comments.service.js';
import type { Site } from '../site.js';
import { Layout } from '../layout.js';
import { getAssets } from '../assets.js';

/**
 * Stands for the reader's CSRF token in cached HTML; replaced per response. Random per process
 * and never sent: with a fixed mark, a comment containing it (a link to another site, say) would
 * have had each viewer's own token put into it.
 */
export const CSRF_MARK = `__MH_CSRF_${randomBytes(12).toString('hex')}__`;

const SORTS: [Sort, string][] = [['oldest', 'Oldest'], ['newest', 'Newest'], ['top', 'Top']];

/**
 * For readers who may not read an article's comments: the count and the way in, in words for who
 * they are. A signed-in free member is never asked to log in again: they are offered the trial
 * or a subscription.
 */
export function CommentPrompt(props: { count: number; readers: 'everyone' | 'members' | 'subscribers'; reader: 'anonymous' | 'member'; returnTo: string; trialDays: number; reason: string }): Html {
  const forMembers = props.readers === 'members';
  const member = props.reader === 'member';
  const back = encodeURIComponent(props.returnTo);
  const text = forMembers
    ? 'You must sign in or create a free account to view or post comments on this article.'
    : member
      ? `Comments are for subscribers. Subscribe${props.trialDays > 0 ? ` or start your free ${props.trialDays}-day trial` : ''} to read and join the conversation.`
      : 'You must become a subscriber or login to view or post comments on this article.';
  return (
    <section class="comments comments--locked" id="comments" aria-labelledby="comments-title">
      <h2 id="comments-title">Comments <span class="comment-count">({props.count})</span></h2>
      <p>{text}</p>
      <p class="paywall__actions">
        {!forMembers && props.trialDays > 0 ? <a class="button" href={`/subscribe?trial=1&return_to=${back}`}>Try {props.trialDays} days free</a> : null}
        {!forMembers ? <a class="button button--secondary" href={`/subscribe?return_to=${back}`}>Subscribe</a> : <a class="button" href={`/signup?return_to=${back}`}>Create a free account</a>}
        {member ? null : <a class="button button--secondary" href={`/signin?return_to=${encodeURIComponent(props.returnTo + '#comments')}`}>Log in</a>}
      </p>
    </section>
  );
}

function Comment(props: { c: CommentView; site: Site; canPost: boolean; canLike: boolean; own?: OwnActions }): Html {
  const { c, site } = props;
  const s = site.settings;
  const mine = props.own?.ids.has(c.id) ?? false;
  return (
    <li class={`comment comment--depth-${c.depth}`} id={`comment-${c.id}`}>
      <article aria-label={`Comment by ${c.authorName}`}>
        {c.deleted ? <p class="comment__deleted">This comment was deleted.</p> : (
          <Fragment>
            <header class="comment__meta">
              <strong class="comment__author">{c.authorName}</strong>
              {c.badge ? <span class={`badge badge--${c.badge}`}>{c.badge === 'author' ? 'Author' : 'Staff'}</span> : null}
              {' '}<a class="comment__time" href={`/comments/${c.id}`}><time datetime={isoDate(c.createdAt)}>{formatDateTime(c.createdAt, s.locale, s.timezone)}</time></a>
              {c.edited ? <span class="comment__edited"> (edited)</span> : null}
              {c.replyingTo ? <span class="comment__replying"> replying to {c.replyingTo}</span> : null}
            </header>
            <div class="comment__body">{raw(c.html)}</div>
            <footer class="comment__actions">
              {props.canPost ? <a class="comment-reply" href={`/comments/${c.id}#reply`} data-comment={c.id}>Reply</a> : null}
              {props.canLike ? (
                <form class="inline-form" method="post" action={`/comments/${c.id}/like`}>
                  <input type="hidden" name="_csrf" value={CSRF_MARK} />
                  <button class="link-button" type="submit">Like{c.likes ? ` (${c.likes})` : ''}</button>
                </form>
              ) : c.likes ? <span>{c.likes} likes</span> : null}
              {mine && props.own!.canEdit ? <a href={`/comments/${c.id}#edit`}>Edit</a> : null}
              {mine && props.own!.canDelete ? (
                <form class="inline-form" method="post" action={`/comments/${c.id}/delete`}>
                  <input type="hidden" name="_csrf" value={CSRF_MARK} />
                  <button class="link-button" type="submit">Delete</button>
                </form>
              ) : null}
              {mine ? null : <a href={`/comments/${c.id}#report`}>Report</a>}
            </footer>
          </Fragment>
        )}
        {c.replies.length ? <ol class="comment-list comment-list--replies">{c.replies.map((r) => <Comment c={r} site={site} canPost={props.canPost} canLike={props.canLike} own={props.own} />)}</ol> : null}
      </article>
    </li>
  );
}

export function CommentForm(props: { action: string; csrf: string; parentId?: number; text?: string; error?: string; label?: string; id?: string }): Html {
  const id = props.id ?? 'comment-text';
  return (
    <form class="account-form comment-form" method="post" action={props.action} id={props.parentId ? 'reply' : undefined}>
      <input type="hidden" name="_csrf" value={props.csrf} />
      {props.parentId ? <input type="hidden" name="parent_id" value={String(props.parentId)} /> : null}
      {props.error ? <p class="form-error" role="alert">{props.error}</p> : null}
      <p class="field">
        <label for={id}>{props.label ?? 'Add a comment'}</label>
        <textarea id={id} name="body" rows="5" maxlength="5000" required>{props.text ?? ''}</textarea>
      </p>
      <p class="small">Plain text. **bold**, *italic*, &gt; quote, `code` and links work.</p>
      <p><button class="button" type="submit">{props.parentId ? 'Post reply' : 'Post comment'}</button></p>
    </form>
  );
}

export interface ThreadProps {
  slug: string;
  total: number;
  threads: CommentView[];
  sort: Sort;
  page: number;
  hasNext: boolean;
  canPost: boolean;
  postRefusal: string | null;
  canLike: boolean;
  /** For an author with comments still in the edit window: a variant of the thread for them alone. */
  own?: OwnActions;
}

/** The thread as every entitled reader sees it; only the CSRF mark differs per reader, and the author's own recent comments. */
export function CommentThread(props: ThreadProps & { site: Site }): Html {
  const base = `/articles/${props.slug}`;
  const q = (sort: Sort, page = 1) => `${base}?comments=${sort}${page > 1 ? `&cpage=${page}` : ''}#comments`;
  return (
    <Fragment>
    {props.canPost ? <script src={getAssets().commentsJs.path} defer /> : null}
    <section class="comments" id="comments" aria-labelledby="comments-title" data-article={props.slug}>
      <h2 id="comments-title">Comments <span class="comment-count">({props.total})</span></h2>
      <nav class="comment-sort" aria-label="Sort comments">
        {SORTS.map(([k, label]) => (k === props.sort ? <strong aria-current="true">{label}</strong> : <a href={q(k)}>{label}</a>))}
      </nav>
      {props.threads.length ? <ol class="comment-list">{props.threads.map((c) => <Comment c={c} site={props.site} canPost={props.canPost} canLike={props.canLike} own={props.own} />)}</ol> : <p class="comments-empty">No comments yet.</p>}
      {props.page > 1 || props.hasNext ? (
        <nav class="pagination" aria-label="Comment pages">
          {props.page > 1 ? <a rel="prev" href={q(props.sort, props.page - 1)}>← Earlier page</a> : null}
          <span class="pagination__page">Page {props.page}</span>
          {props.hasNext ? <a rel="next" href={q(props.sort, props.page + 1)}>Next page →</a> : null}
        </nav>
      ) : null}
      {props.canPost ? <CommentForm action={`${base}/comments`} csrf={CSRF_MARK} /> : props.postRefusal ? <p class="form-notice">{props.postRefusal.charAt(0).toUpperCase() + props.postRefusal.slice(1)}.</p> : null}
    </section>
    </Fragment>
  );
}

/**
 * A comment's own page: reply, and for its author edit (15 minutes) and delete; report. Each form only
 * where the action is allowed, and the thread's Report link always lands on a #report that says which.
 */
export function CommentPage(props: { site: Site; csrf: string; c: CommentView; articleSlug: string; articleTitle: string; mine: boolean; canEdit: boolean; canPost: boolean; canDelete: boolean; canReport: boolean; reportRefusal: string | null; editText?: string; error?: string; notice?: string }): Html {
  const { c } = props;
  return (
    <Layout site={props.site} meta={{ title: `Comment on ${props.articleTitle}`, description: `A comment on ${props.articleTitle}`, noindex: true }}>
      <section class="account-page">
        <p><a href={`/articles/${props.articleSlug}#comment-${c.id}`}>← Back to “{props.articleTitle}”</a></p>
        <h1>{c.deleted ? 'A deleted comment' : `${c.authorName}’s comment`} on “{props.articleTitle}”</h1>
        {props.notice ? <p class="form-notice" role="status">{props.notice}</p> : null}
        <ol class="comment-list"><Comment c={{ ...c, replies: [] }} site={props.site} canPost={false} canLike={false} /></ol>
        {props.canPost ? <CommentForm action={`/articles/${props.articleSlug}/comments`} csrf={props.csrf} parentId={c.id} label="Your reply" id="reply-text" error={props.error} /> : null}
        {props.canEdit ? (
          <Fragment>
            <h2 id="edit">Edit</h2>
            <form class="account-form" method="post" action={`/comments/${c.id}/edit`}>
              <input type="hidden" name="_csrf" value={props.csrf} />
              <p class="field"><label for="edit-text">Your comment</label><textarea id="edit-text" name="body" rows="5" maxlength="5000" required>{props.editText ?? ''}</textarea></p>
              <p><button class="button button--secondary" type="submit">Save changes</button></p>
            </form>
          </Fragment>
        ) : props.mine ? <p class="form-notice" id="edit">Comments can be edited for 15 minutes after posting.</p> : null}
        {props.canDelete ? (
          <form class="inline-form" method="post" action={`/comments/${c.id}/delete`}>
            <input type="hidden" name="_csrf" value={props.csrf} />
            <button class="button button--secondary" type="submit">Delete my comment</button>
          </form>
        ) : null}
        {props.canReport ? (
          <form class="account-form" method="post" action={`/comments/${c.id}/report`} id="report">
            <input type="hidden" name="_csrf" value={props.csrf} />
            <p class="field"><label for="report-reason">Report this comment (optional reason)</label><input id="report-reason" name="reason" type="text" maxlength="500" /></p>
            <p><button class="button button--secondary" type="submit">Report to moderators</button></p>
          </form>
        ) : props.reportRefusal ? <p class="form-notice" id="report">{props.reportRefusal.charAt(0).toUpperCase() + props.reportRefusal.slice(1)}.</p>
          : props.mine ? <p class="form-notice" id="report">This is your comment, so there is nothing to report.</p>
          : c.deleted || c.status !== 'visible' ? <p class="form-notice" id="report">This comment was deleted, so there is nothing to report.</p> : null}
      </section>
    </Layout>
  );
}
