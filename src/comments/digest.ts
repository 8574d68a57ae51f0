import type { Kysely } from 'kysely';
import type { Clock } from '../clock.js';
import type { DB } from '../db/schema.js';
import { enqueue } from '../jobs/queue.js';
import { queueMail } from '../mail/mailer.js';
import { noticeMail, type Brand } from '../mail/messages.js';
import { readCommentRules } from './rules.js';
import { DAY } from '../shared/time.js';

export const DIGEST_JOB = 'comments.digest';

/** The next run: 06:00 UTC after `now`. One job per day, whatever the number of instances (dedupe key). */
export async function scheduleDigest(db: Kysely<DB>, now: number): Promise<void> {
  const next = Math.floor(now / DAY) * DAY + 6 * 3_600_000 + (now % DAY >= 6 * 3_600_000 ? DAY : 0);
  await enqueue(db, DIGEST_JOB, { at: next }, { now, runAt: next, dedupeKey: `comments-digest:${new Date(next).toISOString().slice(0, 10)}` });
}

/**
 * Each article author who is linked to a staff account gets one mail listing
 * the new comments on their articles in the last day (setting comments.authorDigest).
 */
export async function sendDigests(d: { db: Kysely<DB>; clock: Clock; siteUrl: string; brand(): Promise<Brand> }): Promise<number> {
  const now = d.clock.now();
  await scheduleDigest(d.db, now + 60_000);
  if (!(await readCommentRules(d.db)).authorDigest) return 0;
  const rows = await d.db.selectFrom('comments as c')
    .innerJoin('article_authors as aa', 'aa.article_id', 'c.article_id')
    .innerJoin('authors as au', 'au.id', 'aa.author_id')
    .innerJoin('staff_users as s', 's.id', 'au.staff_user_id')
    .innerJoin('articles as a', 'a.id', 'c.article_id')
    .select(['s.email', 'a.slug', 'a.title', (eb) => eb.fn.countAll<number>().as('n')])
    .where('c.status', '=', 'visible').where('c.created_at', '>=', now - DAY)
    .groupBy(['s.email', 'a.slug', 'a.title']).execute();
  const byEmail = new Map<string, { slug: string; title: string; n: number }[]>();
  for (const r of rows) byEmail.set(r.email, [...(byEmail.get(r.email) ?? []), { slug: r.slug, title: r.title, n: Number(r.n) }]);
  const brand = await d.brand();
  for (const [email, list] of byEmail) {
    await queueMail(d.db, noticeMail(brand, email, `New comments on your articles — ${brand.settings.title}`,
      list.map((x) => `${x.n} new ${x.n === 1 ? 'comment' : 'comments'} on “${x.title}”: ${d.siteUrl}/articles/${x.slug}#comments`)), now);
  }
  return byEmail.size;
}
