import { parseArgs } from 'node:util';
import type { Database } from '../db/database.js';
import type { LoadedConfig } from '../config.js';
import { systemClock } from '../clock.js';
import { readSiteSettings } from '../content/settings.js';
import { findSummary } from '../content/articles.queries.js';
import { AppError } from '../errors.js';
import { audienceCount, cancel, createNewsletter, newsletters, sendStatus, type NewsletterDeps, type SendStatus } from '../newsletters/newsletters.service.js';
import { SEGMENTS, type Segment } from '../newsletters/rules.js';
import { publishAndEmail } from '../newsletters/publish.service.js';
import { publishChange, type PublishAction } from '../content/newsroom.service.js';
import { updateArticle } from '../content/articles.service.js';

const SEND_USAGE = 'usage: masthead newsletter send NEWSLETTER --article SLUG|ID [--segment all|free|subscribers] [--publish | --email-only] [--at ISO-TIME]';
import { progressBar } from './progress.js';

export const NEWSLETTER_USAGE = 'usage: masthead newsletter create|list|count|send|status|cancel (see masthead help)';

const deps = (d: Database, config: LoadedConfig): NewsletterDeps => ({
  db: d.db, dialect: d.dialect, clock: systemClock, siteUrl: config.siteUrl, secrets: [config.secret, config.previousSecret],
  brand: async () => ({ settings: await readSiteSettings(d.db), siteUrl: config.siteUrl }),
  // The running instances' job workers send it: they poll for due jobs.
  queued: () => {},
});

const segmentOf = (v: string | undefined): Segment => {
  const s = v ?? 'all';
  if (!(SEGMENTS as readonly string[]).includes(s)) throw new AppError('invalid_input', `--segment must be one of ${SEGMENTS.join(', ')}`);
  return s as Segment;
};

/**
 * `masthead newsletter …`: create and list newsletters, count an audience, start a send (the
 * running server delivers it), follow it with a progress line, cancel it.
 */
export async function newsletterCommand(sub: string | undefined, args: string[], d: Database, config: LoadedConfig, usage: (m: string) => Error): Promise<number> {
  const nd = deps(d, config);
  const out = (line: string) => process.stdout.write(line + '\n');
  switch (sub) {
    case 'create': {
      const { values } = parseArgs({ args, strict: true, options: { slug: { type: 'string' }, name: { type: 'string' }, 'sender-name': { type: 'string' }, 'sender-email': { type: 'string' }, 'reply-to': { type: 'string' }, audience: { type: 'string' }, 'not-on-signup': { type: 'boolean' } } });
      const n = await createNewsletter(nd, {
        slug: values.slug, name: values.name, senderName: values['sender-name'] ?? values.name, senderEmail: values['sender-email'] ?? null,
        replyTo: values['reply-to'] ?? null, audience: values.audience ?? 'members', subscribeOnSignup: !values['not-on-signup'],
      });
      out(`created newsletter ${n.slug}${n.senderEmail ? '' : ' (no sender address yet: it cannot send until it has one)'}`);
      return 0;
    }
    case 'list':
      for (const n of await newsletters(nd)) out(`${n.slug}\t${n.name}\t${n.senderEmail ?? '(no sender)'}\t${n.audience}${n.subscribeOnSignup ? '\ton at sign-up' : ''}`);
      return 0;
    case 'count': {
      const { values, positionals } = parseArgs({ args, strict: true, allowPositionals: true, options: { segment: { type: 'string' } } });
      if (!positionals[0]) throw usage('usage: masthead newsletter count NEWSLETTER [--segment all|free|subscribers]');
      out(String(await audienceCount(nd, positionals[0], segmentOf(values.segment))));
      return 0;
    }
    case 'send': {
      const { values, positionals } = parseArgs({ args, strict: true, allowPositionals: true, options: {
        article: { type: 'string' }, segment: { type: 'string' }, publish: { type: 'boolean' }, 'email-only': { type: 'boolean' }, at: { type: 'string' },
      } });
      if (!positionals[0] || !values.article) throw usage(SEND_USAGE);
      if (values.publish && values['email-only']) throw usage('--publish and --email-only are two ways to publish: choose one');
      if (values.at && !values.publish && !values['email-only']) throw usage('--at schedules the article: add --publish (on the site and by email) or --email-only');
      const at = values.at === undefined ? null : Date.parse(values.at);
      if (at !== null && !Number.isFinite(at)) throw usage(`--at: "${values.at}" is not a date and time; write it as 2026-05-01T07:00:00Z`);
      const article = await findSummary(d.db, /^\d+$/.test(values.article) ? { id: Number(values.article) } : { slug: values.article });
      if (!article) throw new AppError('not_found', `no article "${values.article}"`);
      const newsletter = (await newsletters(nd)).find((n) => n.slug === positionals[0] || String(n.id) === positionals[0]);
      if (!newsletter) throw new AppError('not_found', `no newsletter "${positionals[0]}"; list them with: masthead newsletter list`);
      const now = systemClock.now();
      const emailOnly = !!values['email-only'];
      const publishing = values.publish || emailOnly;
      if (publishing && article.status === 'published' && (article.publishedAt ?? Infinity) <= now) {
        throw new AppError('invalid_input', `"${article.title}" is published already; send it without --publish or --email-only`);
      }
      const action: PublishAction | null = !publishing ? null : at !== null ? { action: 'schedule', at, emailOnly } : { action: 'publish', emailOnly };
      const content = { db: d.db, dialect: d.dialect, clock: systemClock };
      // The article's change and the send are one transaction: if the send cannot start, nothing is published.
      const r = await publishAndEmail({ content, newsletters: nd }, {
        articleId: article.id, by: 'cli', email: { newsletter: newsletter.id, segment: segmentOf(values.segment) },
        publish: action ? (c) => updateArticle(c, article.id, publishChange(action, now)) : null,
      });
      // Without a shown count there is nothing to recount, so the step is always done and has its send.
      if (!r.done || !r.send) throw new Error('the send did not start');
      const how = !action ? '' : `${action.action === 'schedule' ? 'scheduled' : 'published'} "${article.title}"${emailOnly ? ' by email only (listed nowhere on the site)' : ''}; `;
      if (r.scheduled) {
        const when = action?.action === 'schedule' ? action.at : (article.publishedAt ?? now);
        out(`${how}${r.created ? 'stored' : 'already stored:'} send ${r.send.id} of "${article.title}"; it goes out when the article goes live, at ${new Date(when).toISOString()}`);
        return 0;
      }
      const s = await sendStatus(nd, r.send.id);
      out(`${how}${r.created ? 'started' : 'already started:'} send ${r.send.id} of "${article.title}" to ${s.counts.queued} members (${s.counts.skipped} skipped); the running server delivers it — follow it with: masthead newsletter status ${r.send.id}`);
      return 0;
    }
    case 'status': {
      const { values, positionals } = parseArgs({ args, strict: true, allowPositionals: true, options: { follow: { type: 'boolean' } } });
      const id = Number(positionals[0]);
      if (!Number.isInteger(id) || id <= 0) throw usage('usage: masthead newsletter status SEND_ID [--follow]');
      const tty = process.stdout.isTTY && values.follow;
      for (;;) {
        const s = await sendStatus(nd, id);
        const going = s.send.status === 'sending' && values.follow;
        // Following on a terminal: one line redrawn in place; otherwise (and at the end) the whole report.
        if (going && tty) process.stdout.write(`\r\x1b[2K${statusLines(s, process.stdout.columns || 80)[1]}  ${s.counts.sent.toLocaleString('en')} sent`);
        else if (going) out(statusLines(s, 80).slice(0, 2).join('\n'));
        else {
          if (tty) process.stdout.write('\n');
          out(statusLines(s, process.stdout.columns || 80).join('\n'));
          return 0;
        }
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
    case 'cancel': {
      const id = Number(args[0]);
      if (!Number.isInteger(id) || id <= 0) throw usage('usage: masthead newsletter cancel SEND_ID');
      out((await cancel(nd, id)) ? `cancelled send ${id}; nobody else will get it` : `send ${id} is not sending (finished or cancelled already)`);
      return 0;
    }
    default:
      throw usage(NEWSLETTER_USAGE);
  }
}

const n = (x: number) => x.toLocaleString('en');
const pct = (part: number, whole: number) => (whole > 0 ? `${Math.round((part / whole) * 1000) / 10}%` : '-');

/**
 * `newsletter status` as lines: the counts with the rate and estimated finish, a progress bar,
 * then opens and clicks per link (totals) when the send was tracked. The newsroom's send page
 * shows the same figures (web/pages/newsletters-admin.tsx SendPage).
 */
export function statusLines(s: SendStatus, width: number): string[] {
  const c = s.counts;
  const lines = [
    `send ${s.send.id} (${s.newsletter.name}): ${s.send.status}; ${n(c.sent)} sent, ${n(c.failed)} failed, ${n(c.skipped)} skipped, ${n(s.remaining)} to go` +
      (s.perSecond ? `; ${s.perSecond >= 10 ? Math.round(s.perSecond) : s.perSecond.toFixed(1)} messages/s` : '') +
      (s.finishesAt ? `; done about ${new Date(s.finishesAt).toISOString().slice(11, 19)} UTC` : ''),
  ];
  const tail = ` ${pct(s.handled, c.total)} ${n(s.handled)} of ${n(c.total)}`;
  if (s.send.status === 'scheduled') lines.push('stored with its scheduled article: it goes out, to whoever is subscribed then, when the article goes live');
  else lines.push(progressBar(s.fraction, Math.max(10, Math.min(40, width - tail.length - 3))) + tail);
  const f = s.figures;
  if (!f.trackOpens && !f.trackClicks) lines.push('opens and clicks: not tracked (tracking was off when the send began)');
  else {
    lines.push(f.trackOpens ? `opened by ${n(f.opens)} members (${pct(f.opens, c.sent)} of those sent)` : 'opens: not tracked');
    if (!f.trackClicks) lines.push('clicks: not tracked');
    else {
      lines.push(`clicks per link (members who followed it): ${f.links.length ? '' : 'no links yet'}`.trimEnd());
      for (const l of f.links) lines.push(`  ${n(l.clicks).padStart(7)}  ${l.url}`);
    }
  }
  return lines;
}
