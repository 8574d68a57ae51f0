import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cliEnv, startCli, tempDirs } from '../helpers/cli.js';

/**
 * `masthead start` without SMTP_URL: sign-in mail goes to <data dir>/outbox as
 * .eml files, and its subject and link are logged, so the demo works offline.
 */

const freshDataDir = tempDirs('masthead-outbox-');

/** The `name=value` part of every Set-Cookie, as one Cookie header. */
function cookieHeader(res: Response): string {
  return res.headers.getSetCookie().map((c) => c.split(';')[0]!).join('; ');
}

/** The text of an .eml with quoted-printable soft line breaks and `=3D` undone. */
const unQuote = (eml: string) => eml.replace(/=\r?\n/g, '').replace(/=3D/gi, '=');

const LINK = /https?:\/\/[^\s"'<>]+\/signin\/verify\?token=[A-Za-z0-9_-]+/;

describe('masthead start without SMTP_URL', () => {
  it('writes sign-in mail to <data dir>/outbox and logs its subject and link', async () => {
    const dataDir = freshDataDir();
    // No SMTP_URL (nor MAIL_FROM) from the parent either.
    const server = startCli(['start'], cliEnv({ MASTHEAD_DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'info' }, { withoutMail: true }));

    try {
      const base = (await server.runningAt()).replace(/\/$/, '');
      expect(Number(new URL(base).port)).toBeGreaterThan(0);

      // The sign-in form: its CSRF token, and the cookies that go with it (mh_csrf and friends).
      const form = await fetch(`${base}/signin`);
      expect(form.status).toBe(200);
      const cookies = cookieHeader(form);
      expect(cookies).toMatch(/(^|; )mh_csrf=/);
      const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1];
      expect(csrf, 'a hidden _csrf field on /signin').toBeTruthy();

      const post = await fetch(`${base}/signin`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookies },
        body: new URLSearchParams({ email: 'reader@example.com', _csrf: csrf! }).toString(),
      });
      expect(post.status, await post.clone().text()).toBe(303);
      expect(post.headers.get('location')).toBe('/signin/check-email');

      // The job worker writes the message to the outbox shortly after.
      const outbox = join(dataDir, 'outbox');
      const deadline = Date.now() + 10_000;
      let files: string[] = [];
      for (;;) {
        files = existsSync(outbox) ? readdirSync(outbox).filter((f) => f.endsWith('.eml')) : [];
        if (files.length > 0 || Date.now() > deadline) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(files, `an .eml in ${outbox} within 10s\nstdout: ${server.stdout}\nstderr: ${server.stderr}`).toHaveLength(1);

      const eml = unQuote(readFileSync(join(outbox, files[0]!), 'utf8'));
      expect(eml).toMatch(/^To: reader@example\.com$/m);
      const subject = /^Subject: (.+)$/m.exec(eml)?.[1];
      expect(subject, 'a Subject header').toBeTruthy();
      expect(subject).not.toMatch(/^=\?/); // plain ASCII subject, not encoded-word
      const link = LINK.exec(eml)?.[0];
      expect(link, 'a /signin/verify?token= link in the message').toBeTruthy();

      // The log says where the mail went: its subject and the same link.
      await expect.poll(() => server.stdout.includes(link!), { timeout: 5_000 }).toBe(true);
      const lines = server.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { msg?: string; link?: string; subject?: string });
      const logged = lines.find((l) => typeof l.msg === 'string' && l.msg.includes(subject!));
      expect(logged, `a log line mentioning "${subject}"\nstdout: ${server.stdout}`).toBeDefined();
      expect(logged!.msg).toContain(link!);
      expect(logged!.link).toBe(link);

      const { exit, ms } = await server.terminate();
      expect(exit).toEqual({ code: 0, signal: null });
      expect(ms).toBeLessThan(5_000);
      expect(server.stderr).toBe('');
    } finally {
      server.kill();
    }
  });
});
