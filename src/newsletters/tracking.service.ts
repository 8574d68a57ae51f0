import type { Kysely } from 'kysely';
import type { Clock } from '../clock.js';
import type { DB } from '../db/schema.js';
import { withTransaction } from '../db/transaction.js';
import type { Q } from '../db/q.js';
import { findSend, type Send } from './sends.queries.js';
import { isRecipient, linkFigures, linkUrl, recordClick, recordOpen } from './tracking.queries.js';
import { clickTokenValid, openTokenValid } from './tokens.js';
import { readEmailTracking } from './tracking.js';

export interface TrackingDeps { db: Kysely<DB>; clock: Clock; secrets: readonly (string | null)[] }

/**
 * The pixel and the redirect. Neither takes a session: the signed tag is all they are trusted on,
 * and all they can reveal is the one URL the member's own mail held. An event is recorded when
 * the send was tracked and tracking is still on (turning it off stops the recording at once, for
 * mail already in inboxes too), once per member: a second open or click changes nothing.
 */
async function stillTracking(db: Q, send: Send, what: 'trackOpens' | 'trackClicks'): Promise<boolean> {
  return send[what] && (await readEmailTracking(db))[what];
}

/** An open pixel was loaded: `invalid` for a tag that does not match, else whether it was counted. */
export async function recordOpenEvent(d: TrackingDeps, sendId: number, memberId: number, token: string, o: { record?: boolean } = {}): Promise<'invalid' | 'counted' | 'not counted'> {
  if (!openTokenValid(d.secrets, sendId, memberId, token)) return 'invalid';
  if (o.record === false) return 'not counted';
  const send = await findSend(d.db, sendId);
  if (!send || !(await stillTracking(d.db, send, 'trackOpens'))) return 'not counted';
  return (await withTransaction(d, (t) => recordOpen(t.db, sendId, memberId, d.clock.now()))) ? 'counted' : 'not counted';
}

/**
 * A tracked link was followed: where it goes (the URL stored with the send), or null for a link
 * whose tag does not match what it names, or that no send of ours holds. A click shows the mail
 * was opened, so it counts as an open too when opens are tracked (as Ghost does).
 */
export async function followLink(d: TrackingDeps, sendId: number, memberId: number, linkId: number, token: string, o: { record?: boolean } = {}): Promise<string | null> {
  if (!clickTokenValid(d.secrets, sendId, memberId, linkId, token)) return null;
  const url = await linkUrl(d.db, sendId, linkId);
  if (!url || o.record === false) return url ?? null;
  const send = await findSend(d.db, sendId);
  if (!send || !(await isRecipient(d.db, sendId, memberId))) return url;
  const clicks = await stillTracking(d.db, send, 'trackClicks');
  const opens = await stillTracking(d.db, send, 'trackOpens');
  if (clicks || opens) {
    await withTransaction(d, async (t) => {
      const now = d.clock.now();
      if (clicks) await recordClick(t.db, linkId, memberId, now);
      if (opens) await recordOpen(t.db, sendId, memberId, now);
    });
  }
  return url;
}

export interface SendFigures { trackOpens: boolean; trackClicks: boolean; opens: number; links: { url: string; clicks: number }[] }

/** A send's opens and clicks per link, in aggregate: members counted, never named. */
export async function sendFigures(d: { db: Q }, send: Send): Promise<SendFigures> {
  const links = send.trackClicks ? (await linkFigures(d.db, send.id)).map(({ url, clicks }) => ({ url, clicks })) : [];
  return { trackOpens: send.trackOpens, trackClicks: send.trackClicks, opens: send.opens, links };
}
