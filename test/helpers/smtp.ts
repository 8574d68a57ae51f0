import { SMTPServer } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';

export interface Inbox {
  url: string;
  messages: ParsedMail[];
  /** Every recipient a client named (RCPT TO), lower-cased, in order: attempts, delivered or not. */
  attempts: string[];
  /** Wait for the next message to `to` (case-insensitive) that arrives after `since` messages. */
  waitFor(to: string, opts?: { timeoutMs?: number; after?: number; subject?: RegExp }): Promise<ParsedMail>;
  /** Links to our site found in a message's text part. */
  close(): Promise<void>;
}

/**
 * A real SMTP server (smtp-server) on a free port; the app sends to it over SMTP. With `stall`, a
 * recipient it picks out is never answered: the sender hangs mid-transaction (a job in progress)
 * until it gives up or dies, and nothing is delivered.
 */
export async function startInbox(opts: { stall?: (to: string) => boolean; port?: number } = {}): Promise<Inbox> {
  const messages: ParsedMail[] = [];
  const attempts: string[] = [];
  const waiters: (() => void)[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    // The app keeps its SMTP connection open (a pool): closing the inbox does not wait for it.
    closeTimeout: 200,
    logger: false,
    onRcptTo(address, _session, cb) {
      const to = address.address.toLowerCase();
      attempts.push(to);
      waiters.splice(0).forEach((w) => w());
      if (opts.stall?.(to)) return;
      cb();
    },
    onData(stream, _session, cb) {
      simpleParser(stream).then((m) => {
        messages.push(m);
        waiters.splice(0).forEach((w) => w());
        cb();
      }, cb);
    },
  });
  // A sender killed mid-message (the cluster tier's kill -9) resets its connection; smtp-server reports
  // that as an 'error' on the server. It is the sender's doing, and the tests count what was delivered.
  server.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'ECONNRESET' && err.code !== 'EPIPE') throw err;
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  const port = (server.server.address() as { port: number }).port;
  const addressOf = (m: ParsedMail) => (Array.isArray(m.to) ? m.to : m.to ? [m.to] : []).flatMap((a) => a.value.map((v) => (v.address ?? '').toLowerCase()));
  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    attempts,
    async waitFor(to, opts = {}) {
      const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
      const start = opts.after ?? 0;
      for (;;) {
        const hit = messages.slice(start).find((m) => addressOf(m).includes(to.toLowerCase()) && (!opts.subject || opts.subject.test(m.subject ?? '')));
        if (hit) return hit;
        if (Date.now() > deadline) throw new Error(`no mail to ${to} within ${opts.timeoutMs ?? 10_000} ms (have ${messages.length})`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 100);
        });
      }
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

export function linkIn(m: ParsedMail): string {
  const hit = /https?:\/\/\S+\/signin\/verify\?token=[A-Za-z0-9_-]+/.exec(m.text ?? '');
  if (!hit) throw new Error(`no sign-in link in mail "${m.subject}"`);
  return hit[0];
}
