import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Dialect } from '../db/database.js';
import type { DB } from '../db/schema.js';
import { enqueue, type Job } from '../jobs/queue.js';
import { findSummary, loadBody } from '../content/articles.queries.js';
import { defaultPlan } from '../billing/plans.js';
import type { Brand } from '../mail/messages.js';
import type { MailTransport } from '../mail/transport.js';
import { findNewsletter, stillReceiving } from './newsletters.queries.js';
import { claimRecipients, finishSend, findSend, markFailed, markRetry, markSent, markSkipped, renewRecipients, sendCounts, type Claimed } from './sends.queries.js';
import { deliveryFailure, MAX_ATTEMPTS, retryDelayMs } from './rules.js';
import { personalise, renderCopy, type RenderedCopy } from './email.js';
import { clickPath, openPath, unsubscribePath } from './tokens.js';
import { fillTracking, trackableLinks, withTracking } from './tracking.js';
import { registerLinks } from './tracking.queries.js';
import { NEWSLETTER_JOB } from './newsletters.service.js';

export interface DeliveryDeps {
  db: Kysely<DB>;
  dialect: Dialect;
  clock: Clock;
  siteUrl: string;
  secret: string;
  brand(): Promise<Brand>;
  transport: MailTransport;
  /** Who holds the recipients it sends (the job worker's id) and for how long a claim lasts. */
  workerId: string;
  leaseMs: number;
  log?: Logger;
  /** Messages in flight at once: the SMTP pool's connections. */
  concurrency?: number;
  /** A lane hands the worker back after this long, so sign-in links queued behind a big send are not kept waiting. */
  sliceMs?: number;
  /** After a connection failure the lane waits this long (the SMTP server is down: the send pauses). */
  pauseMs?: number;
}

/**
 * Recipients claimed at a time: a stopped lane's claimed, unsent rows wait out one lease before
 * another lane takes them, so this stays modest; but it is several rounds of the pool's
 * connections, so they are not left idle while a small batch's last messages finish.
 */
const BATCH = 50;

/**
 * A lane of a send, as a job. It claims batches of due recipients, checks once more that each
 * still wants the mail, sends each copy and marks it sent as soon as the server has accepted it:
 * a crash resends at most the messages in flight at that moment (up to `concurrency`, the ones
 * accepted and not yet marked). A temporary failure (4xx) is retried with backoff, a permanent
 * one (5xx) recorded; a refused connection pauses the lane. When nothing is due, the lane
 * finishes the send, or comes back when the next retry is due.
 */
export function newsletterLane(d: DeliveryDeps) {
  const concurrency = d.concurrency ?? 5;
  const sliceMs = d.sliceMs ?? 5000;
  const pauseMs = d.pauseMs ?? 30_000;
  return async (p: { sendId: number; lane: number }, job?: Job): Promise<void> => {
    const send = await findSend(d.db, p.sendId);
    if (!send || send.status !== 'sending') return;
    const newsletter = await findNewsletter(d.db, { id: send.newsletterId });
    const article = await findSummary(d.db, { id: send.articleId });
    if (!newsletter?.senderEmail || !article) return;
    const brand = await d.brand();
    const trialDays = (await defaultPlan(d.db))?.trialDays ?? 0;
    // Rendered once per copy for the lane; the preview copy is built from the preview column alone.
    const copies = new Map<string, RenderedCopy>();
    const copyOf = async (part: 'full' | 'preview') => {
      let c = copies.get(part);
      if (!c) {
        c = await renderCopy({ brand, newsletter, article, body: await loadBody(d.db, article.id, part), part, trialDays });
        // Tracked sends: this copy's own links get ids in the send (so only links in the mail are
        // rewritten) and the copy carries placeholders, still filled per recipient below.
        if (send.trackClicks || send.trackOpens) {
          const links = send.trackClicks ? await registerLinks(d.db, send.id, trackableLinks(c.html)) : undefined;
          c = withTracking(c, { links, opens: send.trackOpens });
        }
        copies.set(part, c);
      }
      return c;
    };
    const from = `"${newsletter.senderName.replace(/["\\\r\n]/g, '')}" <${newsletter.senderEmail}>`;
    const listHost = new URL(d.siteUrl).hostname;
    const started = d.clock.now();
    let paused = false;

    const deliver = async (r: Claimed, receiving: Set<number>) => {
      if (!receiving.has(r.memberId)) return markSkipped(d.db, send.id, r.memberId, d.workerId, 'unsubscribed or suppressed before it was sent');
      const copy = await copyOf(r.variant);
      const unsubscribeUrl = new URL(unsubscribePath(d.secret, newsletter.id, r.memberId), d.siteUrl).toString();
      const tracked = fillTracking(copy, {
        link: (id) => new URL(clickPath(d.secret, send.id, r.memberId, id), d.siteUrl).toString(),
        pixel: send.trackOpens ? new URL(openPath(d.secret, send.id, r.memberId), d.siteUrl).toString() : null,
      });
      const filled = personalise(tracked, { unsubscribeUrl, name: r.name });
      try {
        await d.transport.send({
          to: r.email, from, subject: copy.subject, text: filled.text, html: filled.html,
          headers: {
            ...(newsletter.replyTo ? { 'Reply-To': newsletter.replyTo } : {}),
            'List-Unsubscribe': `<${unsubscribeUrl}>, <mailto:${newsletter.senderEmail}?subject=${encodeURIComponent(`Unsubscribe from ${newsletter.name}`)}>`,
            'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
            'List-Id': `${newsletter.name.replace(/["\\\r\n<>]/g, '')} <${newsletter.slug}.newsletters.${listHost}>`,
          },
        });
      } catch (err) {
        const f = deliveryFailure(err);
        const now = d.clock.now();
        if (f.connection) {
          paused = true;
          return markRetry(d.db, send.id, r.memberId, d.workerId, now + pauseMs, f.reply, false);
        }
        if (f.temporary && r.attempts < MAX_ATTEMPTS) return markRetry(d.db, send.id, r.memberId, d.workerId, now + retryDelayMs(r.attempts), f.reply, true);
        return markFailed(d.db, send.id, r.memberId, d.workerId, f.reply);
      }
      await markSent(d.db, send.id, r.memberId, d.workerId, d.clock.now());
    };

    const work = async (): Promise<void> => {
      while (!paused && d.clock.now() - started < sliceMs) {
        if ((await findSend(d.db, send.id))?.status !== 'sending') return; // cancelled: the caller finds it so too
        const batch = await claimRecipients(d.db, d.dialect, send.id, BATCH, d.workerId, d.leaseMs, d.clock.now());
        if (!batch.length) break;
        const receiving = await stillReceiving(d.db, newsletter.id, batch.map((r) => r.memberId));
        let next = 0;
        await Promise.all(Array.from({ length: Math.min(concurrency, batch.length) }, async () => {
          while (next < batch.length) {
            const r = batch[next++]!;
            // A lane that hit a refused connection puts the rest of its batch back unsent.
            if (paused) await markRetry(d.db, send.id, r.memberId, d.workerId, d.clock.now() + pauseMs, 'paused: the SMTP server refused the connection', false);
            else await deliver(r, receiving);
          }
        }));
      }
    };
    // The lease on claimed recipients is renewed while this lane lives, as the job's own is: a batch
    // waiting its turn behind a slow server is not taken over (and sent twice) by another lane.
    const renewal = setInterval(() => {
      renewRecipients(d.db, send.id, d.workerId, d.clock.now() + d.leaseMs).catch((err: unknown) => d.log?.warn({ err, sendId: send.id }, 'newsletter lease renewal failed'));
    }, Math.max(100, Math.floor(d.leaseMs / 3)));
    renewal.unref();
    try {
      await work();
    } finally {
      clearInterval(renewal);
    }

    const counts = await sendCounts(d.db, send.id);
    const now = d.clock.now();
    if (!counts.queued && !counts.sending) {
      if (await finishSend(d.db, send.id, now)) d.log?.info({ sendId: send.id, ...counts }, 'newsletter send finished');
      return;
    }
    // More to do: now (the slice ran out), when the next retry is due, or when a stopped lane's claims run out.
    const runAt = paused ? now + pauseMs : counts.queued && (counts.nextDueAt ?? now) <= now ? now : Math.min(counts.nextDueAt ?? Infinity, now + d.leaseMs);
    if (paused) d.log?.warn({ sendId: send.id }, 'newsletter send paused: the SMTP server refused the connection');
    await enqueue(d.db, NEWSLETTER_JOB, p, { now, runAt, maxAttempts: 1000, dedupeKey: `newsletter:${send.id}:${p.lane}:after-${job?.id ?? now}` });
  };
}
