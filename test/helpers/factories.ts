import { randomBytes } from 'node:crypto';
import type { ContentDeps } from '../../src/content/deps.js';
import { createArticle } from '../../src/content/articles.service.js';
import { createAuthor, createSection } from '../../src/content/taxonomy.service.js';
import type { ArticleCreate } from '../../src/content/inputs.js';
import type { AccessLevel } from '../../src/content/types.js';
import { createPlan, type PlanInput } from '../../src/billing/plans.js';
import { authorize, postComment, type CommentDeps } from '../../src/comments/comments.service.js';
import { DEFAULT_COMMENT_RULES, type CommentRules } from '../../src/comments/rules.js';

const uid = () => randomBytes(4).toString('hex');

export const makeSection = (d: ContentDeps, over: { name?: string; slug?: string; defaultAccess?: AccessLevel } = {}) =>
  createSection(d, { name: over.name ?? `Section ${uid()}`, ...over });

export const makeAuthor = (d: ContentDeps, over: { name?: string; slug?: string; bio?: string } = {}) =>
  createAuthor(d, { name: over.name ?? `Author ${uid()}`, bio: over.bio ?? 'Writes things.', ...over });

/** A published article with a preview break: `preview` is free to show, `rest` is gated for non-free levels. */
export function makeArticle(d: ContentDeps, over: Partial<ArticleCreate> & { preview?: string; rest?: string } = {}) {
  const { preview, rest, ...input } = over;
  const p = preview ?? `Opening paragraph ${uid()}.`;
  const r = rest ?? `The rest of the story ${uid()}.`;
  return createArticle(d, {
    title: `A story ${uid()}`,
    dek: 'A short standfirst.',
    body: { markdown: `${p}\n\n<!--more-->\n\n${r}` },
    status: 'published',
    publishedAt: new Date(d.clock.now() - 60_000).toISOString(),
    ...input,
  });
}

/** The default plan with a 14-day trial, as the demo has. */
export async function makePlan(d: ContentDeps, over: Partial<PlanInput> = {}) {
  return createPlan(d.db, { name: 'Supporter', trialDays: 14, prices: [{ interval: 'month', currency: 'gbp', amount: 700 }, { interval: 'year', currency: 'gbp', amount: 7000 }], default: true, ...over }, d.clock.now());
}

/**
 * A subscriber's comment, written straight through the service for setting a scene: the actor
 * is taken at its word that it may read the article (what the HTTP layer asks the paywall).
 */
export async function makeComment(d: CommentDeps, articleId: number, memberId: number, text: string, rules: CommentRules = DEFAULT_COMMENT_RULES) {
  const actor = { kind: 'subscriber' as const, author: { memberId, staffUserId: null }, mayRead: async () => true };
  return postComment(d, rules, await authorize(d, rules, actor, 'post', { articleId }), text);
}
