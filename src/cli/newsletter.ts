import { parseArgs } from 'node:util';
import type { Database } from '../db/database.js';
import type { LoadedConfig } from '../config.js';
import { systemClock } from '../clock.js';
import { readSiteSettings } from '../content/settings.js';
import { findSummary } from '../content/articles.queries.js';
import { AppError } from '../errors.js';
import { audienceCount, cancel, createNewsletter, newsletters, sendStatus, startSend, type NewsletterDeps } from '../newsletters/newsletters.service.js';
import { SEGMENTS, type Segment } from '../newsletters/rules.js';
import { progressLine } from './progress.js';

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
      const { values, positionals } = parseArgs({ args, strict: true, allowPositionals: true, options: { article: { type: 'string' }, segment: { type: 'string' } } });
      if (!positionals[0] || !values.article) throw usage('usage: masthead newsletter send NEWSLETTER --article SLUG|ID [--segment all|free|subscribers]');
      const article = await findSummary(d.db, /^\d+$/.test(values.article) ? { id: Number(values.article) } : { slug: values.article });
      if (!article) throw new AppError('not_found', `no article "${values.article}"`);
      const r = await startSend(nd, { newsletter: positionals[0], articleId: article.id, segment: segmentOf(values.segment), by: 'cli' });
      out(`${r.created ? 'started' : 'already started:'} send ${r.send.id} of "${article.title}" to ${r.counts.queued} members (${r.counts.skipped} skipped); the running server delivers it — follow it with: masthead newsletter status ${r.send.id}`);
      return 0;
    }
    case 'status': {
      const { values, positionals } = parseArgs({ args, strict: true, allowPositionals: true, options: { follow: { type: 'boolean' } } });
      const id = Number(positionals[0]);
      if (!Number.isInteger(id) || id <= 0) throw usage('usage: masthead newsletter status SEND_ID [--follow]');
      for (;;) {
        const s = await sendStatus(nd, id);
        const c = s.counts;
        const done = c.sent + c.failed + c.skipped;
        const line = `send ${id} (${s.newsletter.name}): ${s.send.status}; ${c.sent} sent, ${c.failed} failed, ${c.skipped} skipped, ${c.queued + c.sending} to go` +
          (s.perSecond ? `; ${s.perSecond.toFixed(0)}/s` : '') + (s.finishesAt ? `; done about ${new Date(s.finishesAt).toISOString().slice(11, 19)} UTC` : '');
        const tty = process.stdout.isTTY && values.follow;
        if (tty) process.stdout.write(`\r\x1b[2K${progressLine({ count: done, read: done, total: c.total, elapsedMs: Date.now() - s.send.createdAt, width: process.stdout.columns || 80 })}  ${line}`);
        else out(line);
        if (!values.follow || s.send.status !== 'sending') {
          if (tty) process.stdout.write('\n');
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
