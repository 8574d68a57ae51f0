import type { Q } from '../db/q.js';
import { withTransaction } from '../db/transaction.js';
import { audit } from '../members/audit.js';
import { queueMail } from './mailer.js';
import { noticeMail, type Brand } from './messages.js';

/** What the settings page says of the transport: where mail goes, never a password in SMTP_URL. */
export function describeTransport(smtpUrl: string | null): string {
  if (!smtpUrl) return 'no SMTP server: messages are written as .eml files to the outbox folder of the data directory';
  try {
    const u = new URL(smtpUrl);
    return `SMTP${u.protocol === 'smtps:' ? ' over TLS' : ''} to ${u.hostname}:${u.port || (u.protocol === 'smtps:' ? '465' : '587')}${u.username ? ' (with a login)' : ''}`;
  } catch {
    return 'SMTP';
  }
}

/** A test message, queued like any other mail (the worker sends it), and the attempt in the audit log. */
export async function queueTestMail(d: { db: Q; now: number; brand: Brand }, to: string, who: { actor: string; ip?: string }): Promise<void> {
  const mail = noticeMail(d.brand, to, `Test message from ${d.brand.settings.title}`, [
    'This is a test message sent from the newsroom’s mail settings.',
    'If it reached you, mail from the publication (sign-in links, receipts, newsletters) can reach readers too.',
  ]);
  await withTransaction({ db: d.db }, async ({ db }) => {
    await queueMail(db, mail, d.now);
    await audit(db, { at: d.now, actor: who.actor, action: 'settings.mail_test', target: to, ip: who.ip });
  });
}
