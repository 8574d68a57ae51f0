import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { staffOnly } from '../staff-pages.js';
import { z } from 'zod';
import type { AppContext } from '../context.js';
import { sendHtml, PRIVATE } from '../reply.js';
import { csrfToken } from '../forms.js';
import { idParam, requireArticleChange, requireRole } from '../admin-api.js';
import { toHttpFailure } from '../errors.js';
import { assemblePage } from '../../web/page-assembly.js';
import { getEditorAsset } from '../../web/assets.js';
import {
  ArticleListPage, BulkConfirmPage, EditorPage, previewBanner, RevisionDiffPage, RevisionsPage, type ListFilterView,
} from '../../web/pages/newsroom.js';
import { articleFacts, getArticle, type ArticleDetail } from '../../content/articles.service.js';
import {
  createFromEditor, decodeCursor, listNewsroom, listRevisions, publishChange, publishFromEditor, restoreRevision, revisionDiff,
  saveFromEditor, type BulkAction, type PublishAction, type Staff,
} from '../../content/newsroom.service.js';
import { editorFieldsSchema, editorSaveSchema, type EditorFields } from '../../content/inputs.js';
import { editorDocProblem, prePublishWarnings } from '../../content/prepublish.js';
import { docToMarkdown } from '../../content/richtext/to-markdown.js';
import { NEWSROOM_SORTS } from '../../content/newsroom.queries.js';
import { listAuthorsOut, listSectionsOut, listTagsOut } from '../../content/taxonomy.service.js';
import { ACCESS_LEVELS, ARTICLE_STATUSES } from '../../content/types.js';
import { can, type ArticleFacts } from '../../members/permissions.js';
import type { StaffUser } from '../../members/staff.js';
import { fromLocalInput } from '../../shared/zoned-time.js';
import { PREVIEW_READERS, previewArticle } from '../../reading/preview.js';
import { AppError, invalidInput } from '../../errors.js';
import { createPreviewLink, listPreviewLinks, revokePreviewLink } from '../../content/preview-links.js';
import { previewLinkDeps } from './preview-links.js';
import { findMediaPage, libraryAltFor, primaryUrl } from '../../media/media.service.js';
import { bulkChangeWithSends, confirmationFacts, EMAIL_MODES, emailChoice, publishAndEmail, testSend } from '../../newsletters/publish.service.js';
import type { Newsletter } from '../../newsletters/newsletters.queries.js';
import { newsletters } from '../../newsletters/newsletters.service.js';
import { EmailConfirmPage } from '../../web/pages/newsletters-admin.js';
import { formatInZone } from '../../shared/zoned-time.js';

/**
 * The newsroom app (issue 15): /admin/articles (the list and its bulk actions), the editor, its
 * JSON saves under /admin/api, revisions and previews. Staff sign in with the session cookie;
 * every write carries the CSRF token (a form field, or the X-CSRF-Token header from the island)
 * and passes the same permission checks as the Admin API (admin-api.ts, members/permissions.ts).
 */
const PAGE = 25;
/** How many library images the feature image picker offers (the newest). */
const FEATURE_CHOICES = 50;

const listQuery = z.object({
  status: z.enum(ARTICLE_STATUSES).optional().catch(undefined),
  section: z.string().max(120).optional(),
  author: z.string().max(120).optional(),
  tag: z.string().max(120).optional(),
  access: z.enum(ACCESS_LEVELS).optional().catch(undefined),
  q: z.string().max(200).optional(),
  sort: z.enum(NEWSROOM_SORTS).default('updated').catch('updated'),
  after: z.string().max(100).optional(),
  done: z.string().max(40).optional(),
});

const DONE: Record<string, string> = { publish: 'Published.', unpublish: 'Unpublished.', access: 'Access changed.', tag: 'Tag added.', delete: 'Deleted.', created: 'Draft saved.' };

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : typeof v === 'string' ? [v] : []);
const field = (b: Record<string, unknown>, k: string) => (typeof b[k] === 'string' ? (b[k] as string) : '');

/** A form post of the editor as the fields a JSON save would send: empty means unset. */
function formFields(b: Record<string, unknown>): Record<string, unknown> {
  const opt = (k: string) => field(b, k).trim() || null;
  const out: Record<string, unknown> = {
    title: field(b, 'title'),
    dek: field(b, 'dek'),
    section: opt('section'),
    accessLevel: opt('accessLevel'),
    tags: field(b, 'tags').split(',').map((t) => t.trim()).filter(Boolean),
    authors: strings(b.authors),
    // A library image chosen in the picker wins over the URL field (the picker's first choice keeps the URL).
    featureImageUrl: opt('featureImagePick') ?? opt('featureImageUrl'),
    featureImageAlt: opt('featureImageAlt'),
    seoTitle: opt('seoTitle'),
    seoDescription: opt('seoDescription'),
    canonicalUrl: opt('canonicalUrl'),
  };
  if (field(b, 'slug').trim()) out.slug = field(b, 'slug').trim();
  // The Markdown fallback cannot hold everything a document can (captions): the body is written only when it was edited.
  const md = field(b, 'markdown').replace(/\r\n/g, '\n');
  if (md !== field(b, 'markdownBase').replace(/\r\n/g, '\n')) out.body = { markdown: md };
  return out;
}

function checkBody(body: unknown): void {
  const doc = (body as { doc?: unknown } | undefined)?.doc;
  if (doc === undefined) return;
  const problem = editorDocProblem(doc);
  if (problem) throw invalidInput(problem);
}

export function newsroomRoutes(app: FastifyInstance, ctx: AppContext): void {
  const d = ctx.content;
  const csrf = { preHandler: app.csrfProtection };

  app.register(async (r) => {
    r.addHook('onRequest', staffOnly(ctx));
    // Reader pages cache for a second; a newsroom write should show at once on this instance.
    r.addHook('onResponse', async (req) => {
      if (req.method !== 'GET') ctx.invalidate();
    });

    const staffOf = (req: FastifyRequest): StaffUser => req.staff!;
    const actor = (req: FastifyRequest): Staff => ({ id: req.staff!.id, name: req.staff!.name || req.staff!.email });
    const factsFor = async (req: FastifyRequest, id: number): Promise<ArticleFacts> => {
      const f = await articleFacts(d, id);
      return { own: f.createdBy === req.staff!.id, live: f.live };
    };
    const site = () => ctx.site.get();
    /** A form post's fields; a library image picked without alt text takes the library's. */
    const postedFields = async (b: Record<string, unknown>) => {
      const f = formFields(b);
      if (field(b, 'featureImagePick').trim() && !f.featureImageAlt) f.featureImageAlt = (await libraryAltFor(ctx.media, f.featureImageUrl as string)) || null;
      return f;
    };
    const tz = async () => (await site()).settings.timezone;
    const mayPublishAny = (s: StaffUser) => can(s.role, 'article.publish', { own: true, live: false });

    // ---- the list ----
    r.get('/admin/articles', async (req, reply) => {
      const q = listQuery.parse(req.query);
      const staff = staffOf(req);
      const filter: ListFilterView = { status: q.status, section: q.section || undefined, author: q.author || undefined, tag: q.tag || undefined, access: q.access, q: q.q?.trim() || undefined, sort: q.sort };
      const page = await listNewsroom(d, {
        ...filter, sort: q.sort, limit: PAGE, after: q.after ? decodeCursor(q.after) : undefined,
        // Contributors see their own articles only.
        createdBy: staff.role === 'contributor' ? staff.id : undefined,
        status: q.status, access: q.access,
      });
      return sendHtml(reply, ArticleListPage({
        site: await site(), staff, csrf: await csrfToken(reply), tz: await tz(), filter, articles: page.articles, next: page.next, first: !q.after,
        sections: await listSectionsOut(d), authors: await listAuthorsOut(d), tags: await listTagsOut(d), mayPublish: mayPublishAny(staff),
        notice: q.done ? DONE[q.done] : undefined,
      }), 200, PRIVATE);
    });

    r.post('/admin/articles/bulk', csrf, async (req, reply) => {
      const b = (req.body ?? {}) as Record<string, unknown>;
      const staff = staffOf(req);
      const ids = [...new Set(strings(b.ids).map((s) => idParam.parse({ id: s }).id))].slice(0, 500);
      if (!ids.length) throw invalidInput('select at least one article');
      const kind = field(b, 'action');
      let action: BulkAction;
      if (kind === 'publish' || kind === 'unpublish' || kind === 'delete') action = { action: kind };
      else if (kind === 'access') action = { action: 'access', accessLevel: z.enum(ACCESS_LEVELS).nullable().parse(field(b, 'accessLevel') || null) };
      else if (kind === 'tag') action = { action: 'tag', tag: z.string().trim().min(1, 'name the tag to add').max(60).parse(field(b, 'tag')) };
      else throw invalidInput('unknown bulk action');
      // Every article is checked before any is changed: the batch is allowed whole or refused whole.
      for (const id of ids) {
        const facts = await factsFor(req, id);
        if (action.action === 'delete') requireRole(staff, 'article.delete', facts);
        else if (action.action === 'publish' || action.action === 'unpublish') requireArticleChange(staff, { ...facts, live: true }, 'published');
        else requireArticleChange(staff, facts);
      }
      if (action.action === 'delete' && field(b, 'confirm') !== '1') {
        const articles = await Promise.all(ids.map((id) => getArticle(d, { id })));
        return sendHtml(reply, BulkConfirmPage({ site: await site(), staff, csrf: await csrfToken(reply), articles }), 200, PRIVATE);
      }
      // Sends stored with a scheduled article follow it when the list publishes or unpublishes it, in the same transaction.
      await bulkChangeWithSends({ content: d, newsletters: ctx.newsletters }, ids, action);
      return reply.redirect(`/admin/articles?done=${action.action}`, 303);
    });

    // ---- the editor ----
    async function editorPage(req: FastifyRequest, reply: FastifyReply, a: ArticleDetail | null, o: { status?: number; error?: string; notice?: string; values?: Record<string, string> } = {}) {
      const staff = staffOf(req);
      const facts = a ? await factsFor(req, a.id) : { own: true, live: false };
      return sendHtml(reply, EditorPage({
        site: await site(), staff, csrf: await csrfToken(reply), tz: await tz(), article: a,
        markdown: a ? docToMarkdown(a.body) : '',
        sections: await listSectionsOut(d), authors: await listAuthorsOut(d), tags: await listTagsOut(d),
        mayPublish: can(staff.role, 'article.publish', facts),
        warnings: a ? prePublishWarnings(a) : [],
        email: can(staff.role, 'article.publish', facts) ? { newsletters: await newsletters(ctx.newsletters), staffEmail: staff.email } : undefined,
        script: getEditorAsset()?.path ?? null,
        previewLinks: a ? await listPreviewLinks(previewLinkDeps(ctx), a.id) : [],
        library: (await findMediaPage(ctx.media, { limit: FEATURE_CHOICES })).items.map((m) => ({ url: primaryUrl(m), alt: m.alt, name: m.originalName })),
        ...o,
      }), o.status ?? 200, PRIVATE);
    }
    const formValues = (b: Record<string, unknown>) => Object.fromEntries(['title', 'dek', 'slug', 'section', 'accessLevel', 'tags', 'featureImageUrl', 'featureImageAlt', 'seoTitle', 'seoDescription', 'canonicalUrl', 'markdown'].map((k) => [k, field(b, k)]));

    r.get('/admin/articles/new', async (req, reply) => editorPage(req, reply, null));

    r.get('/admin/articles/:id', async (req, reply) => {
      const { id } = idParam.parse(req.params);
      const a = await getArticle(d, { id });
      requireRole(staffOf(req), 'article.edit', await factsFor(req, id));
      const q = req.query as Record<string, unknown>;
      const notice = q.emailed === '1' ? (a.status === 'scheduled' ? 'Scheduled: the email goes out when the article goes live.' : 'The email is on its way; follow it on the newsletters page.')
        : q.tested === '1' || q.tested === '2' ? `Test sent (${q.tested === '2' ? "a subscriber's copy and a free member's copy" : 'one copy'}).` : undefined;
      return editorPage(req, reply, a, notice ? { notice } : {});
    });

    r.post('/admin/articles', csrf, async (req, reply) => {
      requireRole(staffOf(req), 'article.create');
      const b = (req.body ?? {}) as Record<string, unknown>;
      try {
        const input = editorFieldsSchema.parse(await postedFields(b));
        const a = await createFromEditor(d, input, actor(req));
        return reply.redirect(`/admin/articles/${a.id}?saved=1`, 303);
      } catch (err) {
        const f = toHttpFailure(err);
        if (f.status !== 400 && f.status !== 409) throw err;
        return editorPage(req, reply, null, { status: f.status, error: sentence(f.message), values: formValues(b) });
      }
    });

    r.post('/admin/articles/:id', csrf, async (req, reply) => {
      const { id } = idParam.parse(req.params);
      const b = (req.body ?? {}) as Record<string, unknown>;
      requireArticleChange(staffOf(req), await factsFor(req, id));
      try {
        const { baseRevision, ...input } = editorSaveSchema.parse({ ...(await postedFields(b)), baseRevision: Number(field(b, 'baseRevision')) });
        await saveFromEditor(d, id, baseRevision, input, actor(req));
        return reply.redirect(`/admin/articles/${id}?saved=1`, 303);
      } catch (err) {
        const f = toHttpFailure(err);
        if (f.status !== 400 && f.status !== 409) throw err;
        // What was typed comes back in the form: a refused save loses nothing.
        return editorPage(req, reply, await getArticle(d, { id }), { status: f.status, error: sentence(f.message), values: formValues(b) });
      }
    });

    /**
     * Publish, schedule, unpublish; with "Publish and email" or "Email only", a confirmation step
     * showing the count comes first, and the send starts with the article (now, or when it goes
     * live). Only who may publish the article may send it, or send a test of it.
     */
    r.post('/admin/articles/:id/publish', csrf, async (req, reply) => {
      const { id } = idParam.parse(req.params);
      const b = (req.body ?? {}) as Record<string, unknown>;
      const staff = staffOf(req);
      const facts = await factsFor(req, id);
      requireRole(staff, 'article.edit', facts);
      requireRole(staff, 'article.publish', facts);
      const kind = field(b, 'action');
      const mode = z.enum(EMAIL_MODES).catch('publish').parse(field(b, 'mode') || 'publish');
      const by = `staff:${staff.id}`;
      const choice = () => {
        const c = emailChoice.safeParse({ newsletter: field(b, 'newsletter'), segment: field(b, 'segment') || 'all' });
        if (!c.success) throw invalidInput('choose the newsletter and the segment to email');
        return c.data;
      };
      try {
        if (kind === 'test') {
          if (!ctx.newsletters.transport) throw invalidInput('mail is not set up on this instance');
          const n = await testSend({ ...ctx.newsletters, transport: ctx.newsletters.transport }, id, choice().newsletter, field(b, 'testTo'), by);
          return reply.redirect(`/admin/articles/${id}?tested=${n}`, 303);
        }
        let p: PublishAction;
        if (kind === 'publish') p = { action: 'publish', emailOnly: mode === 'email-only' };
        else if (kind === 'unpublish') p = { action: 'unpublish' };
        else if (kind === 'schedule') {
          const at = fromLocalInput(field(b, 'at'), await tz());
          if (at === null) throw invalidInput('choose the date and time to publish at');
          p = { action: 'schedule', at, emailOnly: mode === 'email-only' };
        } else throw invalidInput('unknown publishing action');
        const emailing = p.action !== 'unpublish' && mode !== 'publish' ? choice() : null;
        const confirmPage = async (c: { newsletter: Newsletter; count: number; changedFrom?: number }, status = 200) => {
          const action = p;
          return sendHtml(reply, EmailConfirmPage({
            site: await site(), staff, csrf: await csrfToken(reply), article: await getArticle(d, { id }), mode, action: action.action === 'schedule' ? 'schedule' : 'publish',
            at: field(b, 'at'), atLabel: action.action === 'schedule' ? formatInZone(action.at, await tz()) : null, baseRevision: Number(field(b, 'baseRevision')),
            newsletter: c.newsletter, segment: emailing!.segment, count: c.count, changedFrom: c.changedFrom,
          }), status, PRIVATE);
        };
        if (emailing && field(b, 'confirm') !== '1') {
          // Checked before anything is published: a newsletter that cannot send refuses the whole step.
          const facts = await confirmationFacts(ctx.newsletters, emailing);
          if (p.action === 'schedule') publishChange(p, ctx.clock.now()); // a time in the past is refused before the count
          return confirmPage(facts);
        }
        // The count the editor confirmed, if the form carried it: counted again before anything happens.
        const shown = /^\d{1,12}$/.test(field(b, 'count')) ? Number(field(b, 'count')) : undefined;
        const baseRevision = Number(field(b, 'baseRevision'));
        const r = await publishAndEmail({ content: d, newsletters: ctx.newsletters }, {
          articleId: id, by, email: emailing ? { ...emailing, shownCount: shown } : null,
          publish: (content) => publishFromEditor(content, id, baseRevision, p, actor(req)),
        });
        if (!r.done) return confirmPage({ newsletter: r.newsletter, count: r.count, changedFrom: r.shown }, 409);
        return reply.redirect(`/admin/articles/${id}?published=${p.action}${emailing ? '&emailed=1' : ''}`, 303);
      } catch (err) {
        const f = toHttpFailure(err);
        if (f.status !== 400 && f.status !== 404 && f.status !== 409) throw err;
        return editorPage(req, reply, await getArticle(d, { id }), { status: f.status, error: sentence(f.message) });
      }
    });

    // ---- history ----
    r.get('/admin/articles/:id/revisions', async (req, reply) => {
      const { id } = idParam.parse(req.params);
      const a = await getArticle(d, { id });
      const facts = await factsFor(req, id);
      requireRole(staffOf(req), 'article.edit', facts);
      return sendHtml(reply, RevisionsPage({
        site: await site(), staff: staffOf(req), csrf: await csrfToken(reply), tz: await tz(), article: a,
        revisions: await listRevisions(d, id), mayRestore: !facts.live || can(staffOf(req).role, 'article.publish', facts),
      }), 200, PRIVATE);
    });
    r.get('/admin/articles/:id/revisions/:rev', async (req, reply) => {
      const { id } = idParam.parse(req.params);
      const rev = idParam.parse({ id: (req.params as { rev: string }).rev }).id;
      const a = await getArticle(d, { id });
      requireRole(staffOf(req), 'article.edit', await factsFor(req, id));
      const diff = await revisionDiff(d, id, rev);
      return sendHtml(reply, RevisionDiffPage({ site: await site(), staff: staffOf(req), tz: await tz(), article: a, ...diff }), 200, PRIVATE);
    });
    r.post('/admin/articles/:id/revisions/:rev/restore', csrf, async (req, reply) => {
      const { id } = idParam.parse(req.params);
      const rev = idParam.parse({ id: (req.params as { rev: string }).rev }).id;
      requireArticleChange(staffOf(req), await factsFor(req, id));
      const b = (req.body ?? {}) as Record<string, unknown>;
      await restoreRevision(d, id, rev, Number(field(b, 'baseRevision')), actor(req));
      return reply.redirect(`/admin/articles/${id}?restored=${rev}`, 303);
    });

    // ---- preview as a reader ----
    r.get('/admin/articles/:id/preview', async (req, reply) => {
      const { id } = idParam.parse(req.params);
      const as = z.enum(PREVIEW_READERS).catch('anonymous').parse((req.query as { as?: unknown }).as);
      requireRole(staffOf(req), 'article.edit', await factsFor(req, id));
      const p = await previewArticle(ctx, await site(), id, as);
      if (!p) throw new AppError('not_found', 'article not found');
      const label = { anonymous: 'an anonymous reader over the meter', member: 'a free member over the meter', subscriber: 'a subscriber' }[as];
      const outcome = p.decision.full ? 'This reader gets the whole article.' : 'This reader gets the preview and the wall; the rest of the text is not in this page.';
      const page = assemblePage(p.shell, { template: previewBanner(id, label, outcome) }, { template: p.slot.template, token: '' }, { template: '' });
      reply.header('x-robots-tag', 'noindex');
      return sendHtml(reply, page, 200, PRIVATE, { shared: false });
    });

    // ---- preview links for someone without an account (content/preview-links.ts, routes/preview-links.ts) ----
    r.post('/admin/articles/:id/preview-links', csrf, async (req, reply) => {
      const { id } = idParam.parse(req.params);
      await getArticle(d, { id });
      requireRole(staffOf(req), 'article.edit', await factsFor(req, id));
      const b = (req.body ?? {}) as Record<string, unknown>;
      await createPreviewLink(previewLinkDeps(ctx), id, Number(field(b, 'days')), actor(req));
      return reply.redirect(`/admin/articles/${id}?shared=1#preview-links`, 303);
    });
    r.post('/admin/articles/:id/preview-links/:link/revoke', csrf, async (req, reply) => {
      const { id } = idParam.parse(req.params);
      const link = idParam.parse({ id: (req.params as { link: string }).link }).id;
      requireRole(staffOf(req), 'article.edit', await factsFor(req, id));
      await revokePreviewLink(previewLinkDeps(ctx), id, link, actor(req));
      return reply.redirect(`/admin/articles/${id}?revoked=1#preview-links`, 303);
    });

    // ---- the island's JSON saves ----
    /** Where an article stands, as the island reads it; GET adds the document, a save does not send it back. */
    const standing = (a: { id: number; revision: number; slug: string; title: string; status: string; updatedAt: number }) =>
      ({ id: a.id, revision: a.revision, slug: a.slug, title: a.title, status: a.status, updatedAt: new Date(a.updatedAt).toISOString() });
    const jsonOut = (a: ArticleDetail) => ({ article: { ...standing(a), body: a.body }, warnings: prePublishWarnings(a) });
    const bodyObject = (req: FastifyRequest): Record<string, unknown> => {
      if (!req.body || typeof req.body !== 'object' || Array.isArray(req.body)) throw invalidInput('request body must be a JSON object');
      return req.body as Record<string, unknown>;
    };

    r.post('/admin/api/articles', csrf, async (req, reply) => {
      requireRole(staffOf(req), 'article.create');
      const b = bodyObject(req);
      checkBody(b.body);
      const a = await createFromEditor(d, editorFieldsSchema.parse(b) as EditorFields, actor(req));
      return reply.code(201).send(jsonOut(a));
    });
    r.get('/admin/api/articles/:id', async (req) => {
      const { id } = idParam.parse(req.params);
      requireRole(staffOf(req), 'article.edit', await factsFor(req, id));
      return jsonOut(await getArticle(d, { id }));
    });
    r.put('/admin/api/articles/:id', csrf, async (req) => {
      const { id } = idParam.parse(req.params);
      requireArticleChange(staffOf(req), await factsFor(req, id));
      const b = bodyObject(req);
      checkBody(b.body);
      const { baseRevision, ...input } = editorSaveSchema.parse(b);
      const s = await saveFromEditor(d, id, baseRevision, input, actor(req));
      return { article: standing(s), warnings: s.warnings };
    });
  });
}

const sentence = (s: string) => s.charAt(0).toUpperCase() + s.slice(1) + (/[.!?]$/.test(s) ? '' : '.');
