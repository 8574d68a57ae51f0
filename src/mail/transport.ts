import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect, type Socket } from 'node:net';
import nodemailer from 'nodemailer';
import SMTPPool from 'nodemailer/lib/smtp-pool/index.js';
import type { Logger } from 'pino';
import type { Mail } from './messages.js';

export interface MailTransport {
  send(mail: Mail & { from: string }): Promise<void>;
  close(): void;
}

/**
 * SMTP when SMTP_URL is set; otherwise every message becomes an .eml file in
 * <data dir>/outbox and its subject and link are logged, so the demo works offline.
 */
/**
 * Signed headers: nodemailer's default list plus List-Unsubscribe-Post, which RFC 8058 requires the
 * signature to cover (a mail provider honours one-click unsubscribe only when it is signed).
 */
const DKIM_HEADERS = 'From:Sender:Reply-To:Subject:Date:Message-ID:To:Cc:MIME-Version:Content-Type:Content-Transfer-Encoding:In-Reply-To:References:List-Id:List-Unsubscribe:List-Unsubscribe-Post';

export type DkimConfig = { domainName: string; keySelector: string; privateKey: string };

/**
 * The SMTP pool's connections: SMTP_URL's maxConnections (nodemailer reads it from the URL), else
 * nodemailer's 5. A newsletter lane keeps as many messages in flight as there are connections.
 */
export function poolConnections(smtpUrl: string | null): number {
  const m = smtpUrl ? /[?&]maxConnections=(\d{1,3})(?:&|$)/.exec(smtpUrl) : null;
  return m ? Math.max(1, Number(m[1])) : 5;
}

/**
 * A plain TCP connection with Nagle's algorithm off, for the pool (nodemailer's getSocket hook).
 * When it cannot connect, nodemailer is left to connect its own way (`false`): its attempt fails
 * the same way and reports it as a connection failure, which pauses the send (a getSocket error
 * would leave the message waiting).
 */
function noDelaySocket(o: SMTPPool.Options, cb: (err: Error | null, socket?: { connection: Socket } | false) => void): void {
  const s = connect({ host: o.host ?? 'localhost', port: o.port ?? 587, noDelay: true });
  const failed = () => {
    s.destroy();
    cb(null, false);
  };
  s.once('error', failed);
  s.once('connect', () => {
    s.off('error', failed);
    cb(null, { connection: s });
  });
}

export function createMailTransport(opts: { smtpUrl: string | null; dataDir: string; logger?: Logger; dkim?: DkimConfig | null }): MailTransport {
  const dkim = opts.dkim ? { ...opts.dkim, headerFieldNames: DKIM_HEADERS } : undefined;
  if (opts.smtpUrl) {
    // Pooled unless the URL says otherwise (?pool=false): the connection is kept and reused, since
    // servers delay every new connection's greeting (smtp-server by 100 ms, postscreen longer),
    // and a connection per message capped an instance at a few mails a second.
    const url = /[?&]pool=/.test(opts.smtpUrl) ? opts.smtpUrl : `${opts.smtpUrl}${opts.smtpUrl.includes('?') ? '&' : '?'}pool=true`;
    const pooled = /[?&]pool=true(?:&|$)/.test(url);
    // A pool of plain (or STARTTLS) connections is built here rather than from the URL alone, for
    // two settings the URL cannot carry or nodemailer defaults badly for bulk mail (measured with
    // npm run bench:newsletter): sockets without Nagle's delay (each message's last small write
    // otherwise waits for the server's delayed ACK, about 40 ms a message per connection), and
    // 1,000 messages per connection before it is replaced (nodemailer's 100 meant a new connection
    // and greeting every 100 messages). SMTP_URL's own maxMessages still wins.
    const t = pooled && !/^smtps:/i.test(url)
      ? nodemailer.createTransport(new SMTPPool({ pool: true, url, maxMessages: 1000, getSocket: noDelaySocket }), dkim ? { dkim } : {})
      : nodemailer.createTransport(url, dkim ? { dkim } : {});
    return {
      async send(m) {
        await t.sendMail({ from: m.from, to: m.to, subject: m.subject, text: m.text, html: m.html, headers: m.headers });
      },
      close: () => t.close(),
    };
  }
  const outbox = join(opts.dataDir, 'outbox');
  const t = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix', ...(dkim ? { dkim } : {}) });
  let seq = 0;
  return {
    async send(m) {
      const info = await t.sendMail({ from: m.from, to: m.to, subject: m.subject, text: m.text, html: m.html, headers: m.headers });
      mkdirSync(outbox, { recursive: true });
      const file = join(outbox, `${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}-${++seq}.eml`);
      writeFileSync(file, info.message as Buffer);
      opts.logger?.info({ to: m.to, subject: m.subject, link: m.link, file }, `mail written to outbox: ${m.subject}${m.link ? ` — ${m.link}` : ''}`);
    },
    close: () => t.close(),
  };
}
