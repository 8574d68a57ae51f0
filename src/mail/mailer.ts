import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB } from '../db/schema.js';
import type { Q } from '../db/q.js';
import type { Dialect } from '../db/database.js';
import { enqueue } from '../jobs/queue.js';
import type { Mail } from './messages.js';
import type { MailTransport } from './transport.js';

export const MAIL_JOB = 'mail.send';

/** Queue a message in the caller's transaction; the job worker sends it, with retries. */
export async function queueMail(db: Kysely<DB> | Transaction<DB>, mail: Mail, now: number): Promise<void> {
  await enqueue(db, MAIL_JOB, mail, { now, maxAttempts: 10 });
}

export function mailJobHandler(transport: MailTransport, from: () => string) {
  return async (mail: Mail) => transport.send({ ...mail, from: from() });
}

export function defaultFrom(siteTitle: string, siteUrl: string): string {
  const host = new URL(siteUrl).hostname;
  const domain = host.includes('.') && !/^[\d.]+$/.test(host) ? host : 'localhost.localdomain';
  return `"${siteTitle.replace(/["\\\r\n]/g, '')}" <no-reply@${domain}>`;
}

/**
 * Mail queued or sent to an address, deleted (a member's erasure): the address as its JSON string
 * within the payload, found by a plain substring test (no LIKE patterns to escape).
 */
export async function deleteMailTo(db: Q, dialect: Dialect, addressNormalized: string): Promise<void> {
  // In whatever capitals it was typed: the payload is compared in lower case.
  const needle = JSON.stringify(addressNormalized);
  const found = dialect === 'postgres' ? sql<boolean>`strpos(lower(payload), ${needle}) > 0` : sql<boolean>`instr(lower(payload), ${needle}) > 0`;
  await db.deleteFrom('jobs').where('kind', '=', MAIL_JOB).where(found).execute();
}
