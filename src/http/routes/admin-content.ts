import type { FastifyInstance, FastifyRequest } from 'fastify';
import { previewWarnings } from '../../content/preview-warnings.js';
import { z } from 'zod';
import type { AppContext } from '../context.js';
import {
  articleCreateSchema, articleUpdateSchema, authorCreateSchema, authorUpdateSchema,
  sectionCreateSchema, sectionUpdateSchema, tagCreateSchema, tagUpdateSchema,
} from '../../content/inputs.js';
import { deleteArticleWithSends, publishAndEmail } from '../../newsletters/publish.service.js';
import { articleFacts, createArticle, getArticle, listArticlesForStaff, updateArticle, type ArticleDetail } from '../../content/articles.service.js';
import type { ArticleFacts } from '../../members/permissions.js';
import { adminAuth, idParam, jsonBody, requireArticleChange, requirePermission } from '../admin-api.js';
import { convertBodyOffLoop } from '../body-conversion.js';
import {
  createAuthor, createSection, createTag, deleteTaxonomy, getTaxonomy, listAuthorsOut, listSectionsOut, listTagsOut,
  updateAuthor, updateSection, updateTag,
} from '../../content/taxonomy.service.js';
import { ARTICLE_STATUSES, type ArticleSummary } from '../../content/types.js';
import { siteSettingsSchema, readSiteSettings, writeSiteSettings } from '../../content/settings.js';
import { meterRulesSchema, readMeterRules, writeMeterRules } from '../../access/rules.js';

const listQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  offset: z.coerce.number().int().min(0).default(0),
  status: z.enum(ARTICLE_STATUSES).optional(),
  section: z.string().max(120).optional(),
}).strict();

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function summaryOut(a: ArticleSummary) {
  return {
    id: a.id, slug: a.slug, title: a.title, dek: a.dek, status: a.status, publishedAt: iso(a.publishedAt), updatedAt: iso(a.updatedAt),
    accessLevel: a.accessLevel, access: a.access, featured: a.featured, section: a.section?.slug ?? null,
    authors: a.authors.map((x) => x.slug), featureImageUrl: a.featureImageUrl, featureImageAlt: a.featureImageAlt,
    url: `/articles/${a.slug}`,
  };
}

function articleOut(a: ArticleDetail) {
  return {
    ...summaryOut(a),
    sections: a.sections,
    tags: a.tags.map((t) => t.slug),
    body: a.body,
    html: a.bodyHtml,
    previewHtml: a.previewHtml,
    hasPreviewBreak: a.hasPreviewBreak,
    sourceId: a.sourceId,
    warnings: previewWarnings(a),
  };
}

export function adminContentRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.register(async (api) => {
    api.addHook('onRequest', adminAuth(ctx));
    // Reader pages cache site data for a second; a staff write should show at once on this instance.
    api.addHook('onResponse', async (req) => {
      if (req.method !== 'GET') ctx.invalidate();
    });

    const d = ctx.content;

    const require = requirePermission;
    const factsFor = async (req: FastifyRequest, id: number): Promise<ArticleFacts & { live: boolean }> => {
      const f = await articleFacts(d, id);
      return { own: f.createdBy === req.staff!.id, live: f.live };
    };

    api.get('/articles', async (req) => {
      const q = listQuery.parse(req.query);
      const items = await listArticlesForStaff(d, q);
      return { articles: items.map(summaryOut), limit: q.limit, offset: q.offset };
    });
    api.post('/articles', async (req, reply) => {
      const parsed = articleCreateSchema.parse(jsonBody(req));
      require(req, 'article.create');
      if (parsed.status && parsed.status !== 'draft') require(req, 'article.publish', { own: true, live: false });
      const a = await createArticle(d, await convertBodyOffLoop(parsed), req.staff!.id);
      return reply.code(201).header('location', `/api/admin/articles/${a.id}`).send({ article: articleOut(a) });
    });
    api.get('/articles/:id', async (req) => ({ article: articleOut(await getArticle(d, { id: idParam.parse(req.params).id })) }));
    api.patch('/articles/:id', async (req) => {
      const { id } = idParam.parse(req.params);
      const input = articleUpdateSchema.parse(jsonBody(req));
      const facts = await factsFor(req, id);
      requireArticleChange(req.staff!, facts, input.status);
      const converted = await convertBodyOffLoop(input);
      // Through the app's one step, with no new email: sends stored with the article follow its
      // publication (started when it goes live early, moved, or cancelled) in the same transaction.
      let article: ArticleDetail | undefined;
      await publishAndEmail({ content: d, newsletters: ctx.newsletters }, { articleId: id, publish: async (c) => void (article = await updateArticle(c, id, converted)), email: null, by: `staff:${req.staff!.id}` });
      return { article: articleOut(article!) };
    });
    api.delete('/articles/:id', async (req, reply) => {
      const { id } = idParam.parse(req.params);
      require(req, 'article.delete', await factsFor(req, id));
      await publishAndEmail({ content: d, newsletters: ctx.newsletters }, { articleId: id, publish: (c) => deleteArticleWithSends(c, id), email: null, by: `staff:${req.staff!.id}` });
      return reply.code(204).send();
    });

    // Authors, sections and tags: the same five routes each, from one table.
    const taxonomies = [
      { table: 'authors', one: 'author', list: listAuthorsOut, create: createAuthor, update: updateAuthor, createSchema: authorCreateSchema, updateSchema: authorUpdateSchema },
      { table: 'sections', one: 'section', list: listSectionsOut, create: createSection, update: updateSection, createSchema: sectionCreateSchema, updateSchema: sectionUpdateSchema },
      { table: 'tags', one: 'tag', list: listTagsOut, create: createTag, update: updateTag, createSchema: tagCreateSchema, updateSchema: tagUpdateSchema },
    ] as const;
    for (const t of taxonomies) {
      const create = t.create as (d: typeof ctx.content, input: unknown) => Promise<unknown>;
      const update = t.update as (d: typeof ctx.content, id: number, input: unknown) => Promise<unknown>;
      api.get(`/${t.table}`, async () => ({ [t.table]: await t.list(d) }));
      api.post(`/${t.table}`, async (req, reply) => {
        require(req, 'taxonomy.manage');
        return reply.code(201).send({ [t.one]: await create(d, t.createSchema.parse(jsonBody(req))) });
      });
      api.get(`/${t.table}/:id`, async (req) => ({ [t.one]: await getTaxonomy(d, t.table, idParam.parse(req.params).id) }));
      api.patch(`/${t.table}/:id`, async (req) => {
        require(req, 'taxonomy.manage');
        return { [t.one]: await update(d, idParam.parse(req.params).id, t.updateSchema.parse(jsonBody(req))) };
      });
      api.delete(`/${t.table}/:id`, async (req, reply) => {
        require(req, 'taxonomy.manage');
        await deleteTaxonomy(d, t.table, idParam.parse(req.params).id);
        return reply.code(204).send();
      });
    }

    api.get('/meter', async () => ({ meter: await readMeterRules(d.db) }));
    api.patch('/meter', async (req) => {
      requirePermission(req, 'settings.manage');
      return { meter: await writeMeterRules(d.db, meterRulesSchema.partial().strict().parse(jsonBody(req))) };
    });

    api.get('/settings', async () => ({ settings: await readSiteSettings(d.db) }));
    api.patch('/settings', async (req) => {
      require(req, 'settings.manage');
      const patch = siteSettingsSchema.partial().strict().parse(jsonBody(req));
      await writeSiteSettings(d.db, patch);
      return { settings: await readSiteSettings(d.db) };
    });
  }, { prefix: '/api/admin' });
}
