import { afterAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * `masthead start` without SMTP_URL: sign-in mail goes to <data dir>/outbox as
 * .eml files, and its subject and link are logged, so the demo works offline.
 */

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const CLI = ['--import', 'tsx', 'src/cli/main.ts'];

const tmpDirs: string[] = [];
afterAll(() => {
  for (const d of tmpDirs) rmSync(d, { recursive: true, force: true });
});

/** The parent's environment without anything that configures Masthead or the test run. */
const CONFIG_VARS = /^(TEST_|VITEST|REQUIRE_POSTGRES$|PORT$|HOST$|SITE_URL$|DATABASE_URL$|MASTHEAD_|LOG_LEVEL$|LOG_REQUESTS$|NODE_OPTIONS$|NODE_ENV$|SMTP_URL$|MAIL_FROM$)/;
function cliEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!CONFIG_VARS.test(k)) env[k] = v;
  return { ...env, ...extra };
}

/** The `name=value` part of every Set-Cookie, as one Cookie header. */
function cookieHeader(res: Response): string {
  return res.headers.getSetCookie().map((c) => c.split(';')[0]!).join('; ');
}

/** The text of an .eml with quoted-printable soft line breaks and `=3D` undone. */
const unQuote = (eml: string) => eml.replace(/=\r?\n/g, '').replace(/=3D/gi, '=');

const LINK = /https?:\/\/[^\s"'<>]+\/signin\/verify\?token=[A-Za-z0-9_-]+/;

describe('masthead start without SMTP_URL', () => {
  it('writes sign-in mail to <data dir>/outbox and logs its subject and link', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'masthead-outbox-'));
    tmpDirs.push(dataDir);
    const child = spawn(process.execPath, [...CLI, 'start'], {
      cwd: ROOT,
      env: cliEnv({ MASTHEAD_DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'info' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => child.once('exit', (code, signal) => res({ code, signal })));

    try {
      const base = await new Promise<string>((res, rej) => {
        const timer = setTimeout(() => rej(new Error(`no "running at" line within 20s\nstdout: ${stdout}\nstderr: ${stderr}`)), 20_000);
        const check = () => {
          const m = /^Masthead is running at (http:\/\/127\.0\.0\.1:\d+)\/\n/m.exec(stdout);
          if (m) {
            clearTimeout(timer);
            res(m[1]!);
          }
        };
        child.stdout.on('data', check);
        check();
        void exited.then(({ code, signal }) => {
          clearTimeout(timer);
          rej(new Error(`start exited early (code ${code}, signal ${signal})\nstdout: ${stdout}\nstderr: ${stderr}`));
        });
      });
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
      expect(files, `an .eml in ${outbox} within 10s\nstdout: ${stdout}\nstderr: ${stderr}`).toHaveLength(1);

      const eml = unQuote(readFileSync(join(outbox, files[0]!), 'utf8'));
      expect(eml).toMatch(/^To: reader@example\.com$/m);
      const subject = /^Subject: (.+)$/m.exec(eml)?.[1];
      expect(subject, 'a Subject header').toBeTruthy();
      expect(subject).not.toMatch(/^=\?/); // plain ASCII subject, not encoded-word
      const link = LINK.exec(eml)?.[0];
      expect(link, 'a /signin/verify?token= link in the message').toBeTruthy();

      // The log says where the mail went: its subject and the same link.
      await expect.poll(() => stdout.includes(link!), { timeout: 5_000 }).toBe(true);
      const lines = stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { msg?: string; link?: string; subject?: string });
      const logged = lines.find((l) => typeof l.msg === 'string' && l.msg.includes(subject!));
      expect(logged, `a log line mentioning "${subject}"\nstdout: ${stdout}`).toBeDefined();
      expect(logged!.msg).toContain(link!);
      expect(logged!.link).toBe(link);

      const t0 = Date.now();
      child.kill('SIGTERM');
      const result = await Promise.race([
        exited,
        new Promise<never>((_, rej) => setTimeout(() => rej(new Error('did not exit within 5s of SIGTERM')), 5_000)),
      ]);
      expect(result).toEqual({ code: 0, signal: null });
      expect(Date.now() - t0).toBeLessThan(5_000);
      expect(stderr).toBe('');
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});
