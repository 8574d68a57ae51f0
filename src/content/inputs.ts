import { z } from 'zod';
import { docSchema, isSafeSrc } from './richtext/doc.js';
import { SLUG_MAX, SLUG_RE } from './slug.js';
import { ACCESS_LEVELS, ARTICLE_STATUSES } from './types.js';

/** Input shapes for content, shared by the Content API, the demo loader and the importer. Unknown keys are rejected. */
const slug = z.string().max(SLUG_MAX).regex(SLUG_RE, 'must be lowercase letters, digits and single hyphens');
const imageUrl = z.string().max(2000).refine(isSafeSrc, 'must be an http(s) or site-relative URL');
const MAX_BODY = 2_000_000;

export const bodyInputSchema = z.union([
  z.object({ doc: docSchema }).strict(),
  z.object({ html: z.string().max(MAX_BODY) }).strict(),
  z.object({ markdown: z.string().max(MAX_BODY) }).strict(),
]);
export type BodyInput = z.infer<typeof bodyInputSchema>;

const articleFields = {
  title: z.string().trim().min(1, 'must not be empty').max(300),
  slug: slug.optional(),
  dek: z.string().trim().max(1000).optional(),
  body: bodyInputSchema.optional(),
  featureImageUrl: imageUrl.nullable().optional(),
  featureImageAlt: z.string().max(500).nullable().optional(),
  status: z.enum(ARTICLE_STATUSES).optional(),
  publishedAt: z.iso.datetime({ offset: true }).nullable().optional(),
  accessLevel: z.enum(ACCESS_LEVELS).nullable().optional(),
  section: slug.nullable().optional(),
  sections: z.array(slug).max(20).optional(),
  authors: z.array(slug).max(20).optional(),
  tags: z.array(z.string().trim().min(1).max(60)).max(50).optional(),
  featured: z.boolean().optional(),
  sourceId: z.string().max(500).optional(),
  seoTitle: z.string().trim().max(300).nullable().optional(),
  seoDescription: z.string().trim().max(1000).nullable().optional(),
  canonicalUrl: z.string().max(2000).refine((u) => /^https?:\/\//i.test(u), 'must be an http(s) URL').nullable().optional(),
  /** Sent by email and not listed on the site; its address answers once it is published (issue 17). */
  emailOnly: z.boolean().optional(),
};

export const articleCreateSchema = z.object(articleFields).strict();
export const articleUpdateSchema = z.object({ ...articleFields, title: articleFields.title.optional() }).strict();
export type ArticleCreate = z.infer<typeof articleCreateSchema>;
export type ArticleUpdate = z.infer<typeof articleUpdateSchema>;

export const authorCreateSchema = z.object({
  name: z.string().trim().min(1).max(200),
  slug: slug.optional(),
  bio: z.string().max(5000).optional(),
  avatarUrl: imageUrl.nullable().optional(),
  /** The newsroom account of this author: their comments get the Author badge, and the comment digest goes to them. */
  staffUserId: z.number().int().positive().nullable().optional(),
}).strict();
export const authorUpdateSchema = authorCreateSchema.partial().strict();

export const sectionCreateSchema = z.object({
  name: z.string().trim().min(1).max(200),
  slug: slug.optional(),
  description: z.string().max(2000).optional(),
  defaultAccess: z.enum(ACCESS_LEVELS).optional(),
  position: z.number().int().min(0).max(10_000).optional(),
}).strict();
export const sectionUpdateSchema = sectionCreateSchema.partial().strict();

export const tagCreateSchema = z.object({
  name: z.string().trim().min(1).max(60),
  slug: slug.optional(),
}).strict();
export const tagUpdateSchema = tagCreateSchema.partial().strict();

/**
 * What the newsroom's editor saves: the article's fields without its status (publishing is its own
 * step), a title that may still be empty while it is a draft, and the revision the save is based on.
 */
const { status: _s, publishedAt: _p, featured: _f, sourceId: _i, sections: _x, emailOnly: _e, ...editable } = articleFields;
export const editorFieldsSchema = z.object({ ...editable, title: z.string().trim().max(300) }).strict();
export const editorSaveSchema = editorFieldsSchema.partial().extend({ baseRevision: z.number().int().positive() }).strict();
export type EditorFields = z.infer<typeof editorFieldsSchema>;
export type EditorSave = z.infer<typeof editorSaveSchema>;
