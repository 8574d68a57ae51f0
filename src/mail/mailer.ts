import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../db/schema.js';
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
