import type { Kysely } from 'kysely';
import type { Dialect } from '../database.js';

/**
 * Sending from the publish flow (issue 17). `articles.email_only`: an article sent by email and
 * not listed on the site. Its `live_at` stays null, so every listing, feed, sitemap, search and
 * comment thread leaves it out by the index they already use; only its own address (the web view)
 * looks at `published_at`, through the same access decision as any article page.
 *
 * A send stored with a scheduled article is a `newsletter_sends` row in status `scheduled`: it
 * has no recipients until the article goes live (no new table).
 *
 * `login_tokens.newsletters`: what a sign-up form had ticked, applied when the link creates the member.
 *
 * Numbered 016: 012–015 belong to work built alongside.
 */
export async function up(db: Kysely<any>, _dialect: Dialect): Promise<void> {
  await db.schema.alterTable('articles').addColumn('email_only', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  // The newsletters ticked on a sign-up form, as a JSON array of ids, until the link makes the member
  // (null: the form showed no choice, and the newsletters marked default apply).
  await db.schema.alterTable('login_tokens').addColumn('newsletters', 'text').execute();
}
