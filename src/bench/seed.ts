/**
 * Seeds a benchmark database: a few sections, authors and tags through the
 * content services, then N published articles inserted in batches.
 *
 * Articles skip createArticle on purpose: a million calls through the service
 * would take hours. Every row is what createArticle would have written (same
 * rendered body, live_at = published_at, link tables' live_at in step,
 * effective_access from the section default or the override, search index),
 * only written many rows per statement.
 *
 * Most articles are metered (the two news sections default to it); one in ten
 * is in the free culture section and one in twenty is paid-only. For the
 * metered scenarios, addSubscriber adds a paying member with a live session.
 */
import { mulberry32 } from './rng.js';
import { sql, type Insertable, type Kysely } from 'kysely';
import { openDatabase, type Dialect } from '../db/database.js';
import { migrateToLatest } from '../db/migrate.js';
import type { DB } from '../db/schema.js';
import { systemClock } from '../clock.js';
import type { ContentDeps } from '../content/deps.js';
import { createAuthor, createSection, createTag } from '../content/taxonomy.service.js';
import { writeSiteSettings } from '../content/settings.js';
import { effectiveAccess } from '../content/articles.service.js';
import { markdownToDoc } from '../content/richtext/from-markdown.js';
import { renderDoc } from '../content/richtext/render.js';
import { slugify } from '../content/slug.js';
import type { AccessLevel } from '../content/types.js';
import { createSession } from '../members/sessions.js';

/** An expected failure: reported as one line, without a stack. */
export class BenchError extends Error {
  constructor(message: string, readonly exitCode = 2) {
    super(message);
  }
}

export interface SeedResult {
  dialect: Dialect;
  articles: number;
  seconds: number;
  /** A free article near the middle of the archive: its page is the full text. */
  articleSlug: string;
  /** Distinct metered articles near the middle of the archive (at least MIN_METERED). */
  meteredSlugs: string[];
  sectionSlug: string;
  /** Text of the body's last paragraph: present only when the page shows the whole article. */
  endMarker: string;
  bodyWords: number;
}

const SECTIONS: { slug: string; name: string; description: string; defaultAccess: AccessLevel }[] = [
  { slug: 'city-hall', name: 'City Hall', description: 'Council decisions, budgets, planning and housing.', defaultAccess: 'metered' },
  { slug: 'business', name: 'Business', description: 'The harbour economy, from boatyards to the shops on Quay Street.', defaultAccess: 'metered' },
  { slug: 'culture', name: 'Culture', description: 'Music, theatre, books and the people who make them.', defaultAccess: 'free' },
];
const AUTHORS = ['Maren Holt', 'Tobias Quayle', 'Ines Okafor'];
const TAGS = ['Housing', 'Ferries', 'Budget', 'Schools', 'Fisheries', 'Elections'];

/** Rows per INSERT: 21 columns x 1,000 stays under SQLite's 32,766 variables and PostgreSQL's 65,535. */
const CHUNK = 1000;
/** Spacing between publication times: one article a minute, newest now. */
const STEP_MS = 60_000;
const END_MARKER = 'This benchmark article ends here, after its final paragraph.';

/** Article i's section: culture (free) for one in ten, else city hall and business (metered) in turn. */
const sectionIndexFor = (i: number) => (i % 10 === 2 ? 2 : i % 2);
export const isSectionFree = (i: number) => SECTIONS[sectionIndexFor(i)]!.defaultAccess === 'free';
const overrideFor = (i: number): AccessLevel | null => (i % 20 === 0 ? 'paid' : null);
/** The metered scenarios need four distinct metered articles (three read, then a fourth at the wall). */
export const MIN_METERED = 4;
/** How many metered articles the seed hands to the bench (scenarios use distinct ones when there are enough). */
const METERED_WANTED = 8;

/** What a seed run added, filled in as it goes, so a given database can be put back as it was. */
export interface SeedRecord {
  touched: boolean;
  /** When seeding began: meter reads and events from then on are the bench's. */
  startedAt: number;
  settingsKeys: string[];
  sections: number[];
  authors: number[];
  tags: number[];
  members: number[];
}

export const newSeedRecord = (): SeedRecord => ({ touched: false, startedAt: Date.now(), settingsKeys: [], sections: [], authors: [], tags: [], members: [] });

export async function seed(url: string, n: number, log: (line: string) => void, record: SeedRecord = newSeedRecord()): Promise<SeedResult> {
  const started = performance.now();
  const database = openDatabase(url);
  const { db, dialect } = database;
  try {
    await migrateToLatest(database);
    const existing = await db.selectFrom('articles').select('id').limit(1).executeTakeFirst();
    const existingSection = await db.selectFrom('sections').select('id').limit(1).executeTakeFirst();
    if (existing || existingSection) throw new BenchError('the database already has content; the bench seeds only an empty one');
    if (dialect === 'sqlite') {
      // Seeding speed only: the server reopens the file with its own settings.
      await sql`pragma synchronous = off`.execute(db);
      await sql`pragma cache_size = -200000`.execute(db);
    }

    const deps: ContentDeps = { db, dialect, clock: systemClock };
    record.touched = true;
    record.startedAt = Date.now();
    const site = { title: 'The Bench Gazette', description: 'A benchmark publication.' };
    const had = new Set((await db.selectFrom('settings').select('key').execute()).map((r) => r.key));
    record.settingsKeys = Object.keys(site).map((k) => `site.${k}`).filter((k) => !had.has(k));
    await writeSiteSettings(db, site);
    const sections = [];
    for (const [position, s] of SECTIONS.entries()) {
      sections.push(await createSection(deps, { ...s, position }));
      record.sections.push(sections.at(-1)!.id);
    }
    const authors = [];
    for (const name of AUTHORS) {
      authors.push(await createAuthor(deps, { name, bio: `${name} reports for the Bench Gazette.` }));
      record.authors.push(authors.at(-1)!.id);
    }
    const tags = [];
    for (const name of TAGS) {
      tags.push(await createTag(deps, { name }));
      record.tags.push(tags.at(-1)!.id);
    }

    const markdown = benchMarkdown();
    const doc = markdownToDoc(markdown);
    const rendered = renderDoc(doc);
    if (!rendered.fullHtml.includes(END_MARKER)) throw new BenchError('bench body did not render its last paragraph', 1);
    const bodyDoc = JSON.stringify(doc);
    const bodyWords = (rendered.previewText + ' ' + rendered.gatedText).split(/\s+/).filter(Boolean).length;

    const now = Date.now();
    const publishedAt = (i: number) => now - (n - 1 - i) * STEP_MS;
    const pick = <T>(list: T[], i: number): T => list[i % list.length]!;
    let reported = 0;

    for (let lo = 0; lo < n; lo += CHUNK) {
      const hi = Math.min(n, lo + CHUNK);
      const articles: Insertable<DB['articles']>[] = [];
      const secLinks: { article_id: number; section_id: number; live_at: number }[] = [];
      const authorLinks: { article_id: number; author_id: number; position: number; live_at: number }[] = [];
      const tagLinks: { article_id: number; tag_id: number; live_at: number }[] = [];
      for (let i = lo; i < hi; i++) {
        const id = i + 1;
        const at = publishedAt(i);
        const section = sections[sectionIndexFor(i)]!;
        const override = overrideFor(i);
        const title = titleFor(i);
        articles.push({
          id,
          slug: `${slugify(title, 60)}-${id}`,
          title,
          dek: dekFor(i),
          body_doc: bodyDoc,
          body_html: rendered.fullHtml,
          preview_html: rendered.previewHtml,
          preview_text: rendered.previewText,
          has_break: rendered.hasBreak ? 1 : 0,
          feature_image_url: null,
          feature_image_alt: null,
          status: 'published',
          published_at: at,
          live_at: at,
          access_level: override,
          effective_access: effectiveAccess(override, section.defaultAccess),
          primary_section_id: section.id,
          featured: i % 100 === 0 ? 1 : 0,
          source_id: null,
          created_at: at,
          updated_at: at,
        });
        secLinks.push({ article_id: id, section_id: section.id, live_at: at });
        authorLinks.push({ article_id: id, author_id: pick(authors, i).id, position: 0, live_at: at });
        if (i % 4 === 0) authorLinks.push({ article_id: id, author_id: pick(authors, i + 1).id, position: 1, live_at: at });
        tagLinks.push({ article_id: id, tag_id: pick(tags, i).id, live_at: at });
        tagLinks.push({ article_id: id, tag_id: pick(tags, i + 2).id, live_at: at });
      }
      await db.transaction().execute(async (trx) => {
        await trx.insertInto('articles').values(articles).execute();
        await trx.insertInto('article_sections').values(secLinks).execute();
        await trx.insertInto('article_authors').values(authorLinks).execute();
        await trx.insertInto('article_tags').values(tagLinks).execute();
        await indexChunk(trx, dialect, lo + 1, hi, rendered.previewText, rendered.gatedText);
      });
      const pct = Math.floor((hi / n) * 10);
      if (n >= 50_000 && pct > reported) {
        reported = pct;
        log(`  seeded ${hi.toLocaleString('en')} / ${n.toLocaleString('en')} articles (${((performance.now() - started) / 1000).toFixed(1)} s)`);
      }
    }

    if (dialect === 'postgres') {
      // Explicit ids do not advance serial sequences.
      await sql`select setval(pg_get_serial_sequence('articles', 'id'), (select coalesce(max(id), 1) from articles))`.execute(db);
      await sql`vacuum analyze articles`.execute(db).catch(() => {});
    } else {
      await sql`pragma wal_checkpoint(truncate)`.execute(db);
    }

    // A free article near the middle: culture section (free by default), no paid override.
    let k = Math.floor((n - 1) / 2);
    while (k >= 0 && (!isSectionFree(k) || overrideFor(k) !== null)) k--;
    if (k < 0) k = [...Array(n).keys()].find((i) => isSectionFree(i) && overrideFor(i) === null) ?? -1;
    if (k < 0) throw new BenchError('--articles is too small to include a free article; use at least 3');
    const article = await db.selectFrom('articles').select(['slug', 'effective_access']).where('id', '=', k + 1).executeTakeFirstOrThrow();
    if (article.effective_access !== 'free') throw new BenchError(`bench article ${article.slug} is not free`, 1);

    // Metered articles from the middle of the archive outwards (older first, then newer).
    const mid = Math.floor((n - 1) / 2) + 1;
    const older = await db.selectFrom('articles').select('slug').where('effective_access', '=', 'metered').where('id', '<=', mid)
      .orderBy('id', 'desc').limit(METERED_WANTED).execute();
    const newer = older.length < METERED_WANTED
      ? await db.selectFrom('articles').select('slug').where('effective_access', '=', 'metered').where('id', '>', mid)
        .orderBy('id', 'asc').limit(METERED_WANTED - older.length).execute()
      : [];
    const meteredSlugs = [...older, ...newer].map((r) => r.slug);
    if (meteredSlugs.length < MIN_METERED) throw new BenchError(`--articles is too small to include ${MIN_METERED} metered articles; use at least 6`);

    return {
      dialect,
      articles: n,
      seconds: (performance.now() - started) / 1000,
      articleSlug: article.slug,
      meteredSlugs,
      sectionSlug: SECTIONS[0]!.slug,
      endMarker: END_MARKER,
      bodyWords,
    };
  } finally {
    await database.close();
  }
}

/**
 * A subscriber: a member with status 'paid' and a live session, created the way
 * sign-in creates one. Returns the mh_session cookie value.
 */
export async function addSubscriber(url: string, record: SeedRecord): Promise<{ memberId: number; sessionToken: string }> {
  const database = openDatabase(url);
  const { db } = database;
  try {
    const now = Date.now();
    const email = `bench-subscriber-${now.toString(36)}-${Math.random().toString(36).slice(2, 8)}@example.invalid`;
    const member = await db.insertInto('members').values({
      email, email_normalized: email, name: 'Bench Subscriber', status: 'paid', email_verified: 1,
      password_hash: null, created_at: now, last_seen_at: now, deleted_at: null,
    }).returning('id').executeTakeFirstOrThrow();
    record.members.push(member.id);
    const session = await createSession(db, { memberId: member.id }, 'masthead-bench', now);
    return { memberId: member.id, sessionToken: session.token };
  } finally {
    await database.close();
  }
}

/** Meter rows a run wrote for one article, by meter: device cookies ("d:") and address + browser ("a:"). */
export async function countMeterRows(url: string, articleSlug: string, since: number): Promise<{ device: number; address: number }> {
  const database = openDatabase(url);
  const { db } = database;
  try {
    const a = await db.selectFrom('articles').select('id').where('slug', '=', articleSlug).executeTakeFirstOrThrow();
    const count = async (prefix: string) => {
      const r = await db.selectFrom('meter_reads').select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('article_id', '=', a.id).where('read_at', '>=', since).where('subject', 'like', `${prefix}%`).executeTakeFirstOrThrow();
      return Number(r.n);
    };
    return { device: await count('d:'), address: await count('a:') };
  } finally {
    await database.close();
  }
}

/**
 * Removes what a seed run added to a database that had no content before it
 * (seed refuses any other), for runs against a --database-url.
 */
export async function unseed(url: string, record: SeedRecord): Promise<void> {
  if (!record.touched) return;
  const database = openDatabase(url);
  const { db, dialect } = database;
  try {
    await db.transaction().execute(async (trx) => {
      if (dialect === 'sqlite') await sql`delete from article_search`.execute(trx);
      // Link tables and (on PostgreSQL) the search rows go with their articles.
      await trx.deleteFrom('articles').execute();
      if (record.tags.length) await trx.deleteFrom('tags').where('id', 'in', record.tags).execute();
      if (record.authors.length) await trx.deleteFrom('authors').where('id', 'in', record.authors).execute();
      if (record.sections.length) await trx.deleteFrom('sections').where('id', 'in', record.sections).execute();
      if (record.settingsKeys.length) await trx.deleteFrom('settings').where('key', 'in', record.settingsKeys).execute();
      // What the runs against the seeded articles wrote: meter reads, analytics events, the subscriber and its sessions.
      await trx.deleteFrom('meter_reads').where('read_at', '>=', record.startedAt).execute();
      await trx.deleteFrom('event_counts').where('hour', '>=', Math.floor(record.startedAt / 3_600_000) * 3_600_000).execute();
      if (record.members.length) {
        await trx.deleteFrom('sessions').where('member_id', 'in', record.members).execute();
        await trx.deleteFrom('members').where('id', 'in', record.members).execute();
      }
    });
  } finally {
    await database.close();
  }
}

/** What indexArticle writes, for a range of ids, with the shared body texts tokenised once per statement. */
async function indexChunk(db: Kysely<DB>, dialect: Dialect, fromId: number, toId: number, previewText: string, gatedText: string): Promise<void> {
  if (dialect === 'sqlite') {
    await sql`insert into article_search (rowid, title, dek, public_text, gated_text)
      select id, title, dek, preview_text, ${gatedText} from articles where id between ${fromId} and ${toId}`.execute(db);
    return;
  }
  const preview = sql`setweight(to_tsvector('english', ${previewText}::text), 'C')`;
  const gated = sql`setweight(to_tsvector('english', ${gatedText}::text), 'D')`;
  await sql`insert into article_search (article_id, public_tsv, full_tsv)
    select b.id, b.pub, b.pub || g.tsv
    from (select a.id, setweight(to_tsvector('english', a.title), 'A') || setweight(to_tsvector('english', a.dek), 'B') || p.tsv as pub
          from articles a cross join (select ${preview} as tsv) p where a.id between ${fromId} and ${toId}) b
    cross join (select ${gated} as tsv) g`.execute(db);
}

// ---------------------------------------------------------------------------
// Deterministic text: titles vary per article, the ~900-word body is shared.

const PLACES = ['Port Ellery', 'Calder Island', 'Quay Street', 'the harbour', 'North Ward', 'the ferry terminal', 'Saltmarsh Road', 'the old cannery'];
const SUBJECTS = ['Council', 'Ferry operator', 'Harbour board', 'School trustees', 'Fishing co-op', 'Housing trust', 'Planning committee', 'Lifeboat crew', 'Library', 'Festival organisers'];
const VERBS = ['weighs', 'delays', 'approves', 'rejects', 'reopens', 'questions', 'funds', 'reviews', 'cuts', 'expands'];
const OBJECTS = ['new budget', 'winter timetable', 'rent cap', 'sea wall repairs', 'bus route', 'school merger', 'quota deal', 'parking plan', 'youth centre', 'flood defences'];

function titleFor(i: number): string {
  const s = SUBJECTS[i % SUBJECTS.length]!;
  const v = VERBS[Math.floor(i / SUBJECTS.length) % VERBS.length]!;
  const o = OBJECTS[Math.floor(i / (SUBJECTS.length * VERBS.length)) % OBJECTS.length]!;
  const p = PLACES[Math.floor(i / 7) % PLACES.length]!;
  return `${s} ${v} ${o} for ${p}`;
}

function dekFor(i: number): string {
  return `What the decision means for residents of ${PLACES[i % PLACES.length]!}, and what happens next. Report no. ${i + 1}.`;
}

const WORDS = (
  'council budget harbour ferry residents housing planning committee meeting vote members officers report ' +
  'funding winter repairs timetable island crossing fares families schools teachers pupils trustees parents ' +
  'fishing quota boats crews season catch market prices shops street traders rents landlords tenants homes ' +
  'flood defences sea wall engineers survey tide storm damage insurance claims costs estimate contract tender ' +
  'mayor leader opposition chair deputy spokesperson statement interview documents records figures analysis ' +
  'library volunteers festival theatre music hall lifeboat station crew rescue coast road bus route drivers ' +
  'week month year morning evening public consultation objection petition response decision appeal review ' +
  'community local small independent growing smaller larger earlier later recent current former proposed'
).split(' ');


function benchMarkdown(): string {
  const rand = mulberry32(20240601);
  const word = () => WORDS[Math.floor(rand() * WORDS.length)]!;
  const sentence = () => {
    const len = 12 + Math.floor(rand() * 12);
    const ws = Array.from({ length: len }, word);
    if (rand() < 0.2) ws[3] = `**${ws[3]!}**`;
    if (rand() < 0.15) ws[6] = `*${ws[6]!}*`;
    if (rand() < 0.1) ws[8] = `[${ws[8]!}](https://example.org/records/${Math.floor(rand() * 1000)})`;
    const s = ws.join(' ');
    return s.charAt(0).toUpperCase() + s.slice(1) + '.';
  };
  const paragraph = (n: number) => Array.from({ length: n }, sentence).join(' ');
  const out: string[] = [];
  out.push(paragraph(3), paragraph(3));
  for (const heading of ['What was decided', 'Who pays', 'What happens next']) {
    out.push(`## ${heading}`);
    for (let p = 0; p < 4; p++) out.push(paragraph(3 + Math.floor(rand() * 2)));
    if (heading === 'Who pays') out.push(['- ' + sentence(), '- ' + sentence(), '- ' + sentence()].join('\n'));
    if (heading === 'What was decided') out.push('> ' + paragraph(2));
  }
  out.push(END_MARKER);
  return out.join('\n\n') + '\n';
}
