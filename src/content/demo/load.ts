import type { ContentDeps } from '../deps.js';
import { inTransaction } from '../deps.js';
import { createArticle } from '../articles.service.js';
import { createAuthor, createSection } from '../taxonomy.service.js';
import { writeSiteSettings } from '../settings.js';
import { createStaffUser } from '../../members/staff.js';
import { demoArticles, demoAuthors, demoSections, demoSite } from './articles.js';
import { createPlan } from '../../billing/plans.js';

export const DEMO_OWNER_EMAIL = 'owner@harbourledger.example';

export async function isEmpty(deps: ContentDeps): Promise<boolean> {
  const a = await deps.db.selectFrom('articles').select('id').limit(1).executeTakeFirst();
  const s = await deps.db.selectFrom('sections').select('id').limit(1).executeTakeFirst();
  return !a && !s;
}

/** Load the demo publication in one transaction: all of it or nothing. */
export async function loadDemo(deps: ContentDeps): Promise<{ articles: number }> {
  return inTransaction(deps, async (d) => {
    const now = d.clock.now();
    await writeSiteSettings(d.db, demoSite);
    for (const [i, s] of demoSections.entries()) await createSection(d, { name: s.name, slug: s.slug, description: s.description, defaultAccess: s.defaultAccess, position: i });
    for (const a of demoAuthors) await createAuthor(d, { name: a.name, slug: a.slug, bio: a.bio });
    const hasOwner = await d.db.selectFrom('staff_users').select('id').where('role', '=', 'owner').executeTakeFirst();
    if (!hasOwner) await createStaffUser(d.db, { email: DEMO_OWNER_EMAIL, name: 'Demo Owner', role: 'owner', now });
    for (const a of demoArticles) {
      const publishedAt = new Date(now - a.hoursAgo * 3_600_000).toISOString();
      await createArticle(d, {
        title: a.title,
        slug: a.slug,
        dek: a.dek,
        body: { markdown: a.markdown },
        section: a.section,
        authors: a.authors,
        tags: a.tags,
        ...(a.access ? { accessLevel: a.access } : {}),
        status: a.status ?? 'published',
        publishedAt,
        featured: a.featured ?? false,
      });
    }
    // The wall's "Try 14 days free" works on a fresh start: a default plan with a trial.
    const hasPlan = await d.db.selectFrom('plans').select('id').limit(1).executeTakeFirst();
    if (!hasPlan) {
      await createPlan(d.db, {
        name: 'Supporter',
        description: 'Everything we publish, and the satisfaction of paying for local journalism.',
        benefits: ['Every article, no limits', 'Comments on every story', 'Our weekly newsletter from the editor'],
        trialDays: 14,
        prices: [{ interval: 'month', currency: 'gbp', amount: 700 }, { interval: 'year', currency: 'gbp', amount: 7000 }],
        default: true,
      }, now);
    }
    return { articles: demoArticles.length };
  });
}
