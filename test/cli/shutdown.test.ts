import { describe, expect, it } from 'vitest';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { cliEnv, oneLine, run, startCli, tempDirs } from '../helpers/cli.js';
import { newReaders, type ServedRead } from '../helpers/reader-load.js';
import { FLUSH_MS } from '../../src/access/meter.js';

/**
 * SIGTERM on a real `masthead start`: what is in flight is finished, what is new is refused, and the
 * whole stop is bounded (SHUTDOWN_TIMEOUT_MS), with one line when the bound is hit.
 */

const freshDataDir = tempDirs('masthead-shutdown-');

/** A POST whose headers and the first half of the body are sent now, the rest when `finish()` is called. */
function halfSentPost(url: string, path: string, headers: Record<string, string>, body: string): { socket: Socket; finish(): void; response: Promise<string> } {
  const u = new URL(url);
  const socket = connect(Number(u.port), u.hostname);
  const head = [`POST ${path} HTTP/1.1`, `Host: ${u.host}`, `Content-Length: ${Buffer.byteLength(body)}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), '', ''].join('\r\n');
  const half = Math.floor(body.length / 2);
  socket.write(head + body.slice(0, half));
  let received = '';
  const response = new Promise<string>((resolve, reject) => {
    socket.setEncoding('utf8').on('data', (c: string) => (received += c));
    socket.on('end', () => resolve(received));
    socket.on('close', () => resolve(received));
    socket.on('error', reject);
  });
  return { socket, finish: () => void socket.write(body.slice(half)), response };
}

/** Resolves once a new connection to `url` is refused (the server stopped listening); fails after `ms`. */
async function refused(url: string, ms: number): Promise<void> {
  const u = new URL(url);
  const deadline = Date.now() + ms;
  for (;;) {
    const outcome = await new Promise<string>((resolve) => {
      const s = connect(Number(u.port), u.hostname);
      s.once('connect', () => {
        s.destroy();
        resolve('connected');
      });
      s.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
    });
    if (outcome === 'ECONNREFUSED') return;
    if (Date.now() > deadline) throw new Error(`new connections still accepted ${ms} ms after SIGTERM (last: ${outcome})`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('masthead start: SIGTERM', () => {
  it('stops accepting connections, answers the request in flight, writes the meter batch and exits 0', async () => {
    const dataDir = freshDataDir();
    const owner = await run(['user', 'create', '--email', 'owner@news.example', '--role', 'owner', '--password', 'correct horse battery staple'], { dataDir });
    expect(owner.code, owner.stderr).toBe(0);
    const token = (await run(['token', 'create'], { dataDir })).stdout.trim();
    expect(token).toMatch(/^mh_/);

    const server = startCli(['start'], cliEnv({ MASTHEAD_DATA_DIR: dataDir, LOG_LEVEL: 'silent', PORT: '0' }));
    try {
      const url = await server.runningAt();
      // A metered article read by a new device: its meter read waits in the batch (written every 750 ms).
      const page = await fetch(new URL('/articles/harbour-redevelopment-plan-wins-approval-after-eight-hour-meeting', url));
      expect(page.status).toBe(200);
      const device = /mh_device=([^.;]+)\./.exec(page.headers.get('set-cookie') ?? '')?.[1];
      expect(device, 'a new device cookie').toBeTruthy();

      const body = JSON.stringify({ title: 'Written during shutdown', section: 'city-hall', status: 'draft', body: { markdown: 'It was in flight when SIGTERM came.' } });
      const post = halfSentPost(url, '/api/admin/articles', { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body);
      await new Promise((r) => setTimeout(r, 100)); // the server has the headers: a request in flight

      const exiting = server.terminate();
      await refused(url, 3000);
      post.finish();
      const answer = await post.response;
      expect(answer).toMatch(/^HTTP\/1\.1 201 /);

      const { exit, ms } = await exiting;
      expect(exit).toEqual({ code: 0, signal: null });
      expect(ms).toBeLessThan(5000);
      expect(server.stderr).toBe('');

      const db = new BetterSqlite3(join(dataDir, 'masthead.db'), { readonly: true });
      try {
        expect(db.prepare('select count(*) as n from articles where title = ?').get('Written during shutdown')).toEqual({ n: 1 });
        expect(db.prepare('select count(*) as n from meter_reads where subject = ?').get(`d:${device}`)).toEqual({ n: 1 });
      } finally {
        db.close();
      }
    } finally {
      server.kill();
    }
  });

  /** The served reads that have no meter row in the server's database. */
  const unstored = (dataDir: string, served: ServedRead[]) => {
    const db = new BetterSqlite3(join(dataDir, 'masthead.db'), { readonly: true });
    try {
      const has = db.prepare('select 1 from meter_reads where subject = ?');
      return served.filter((r) => !has.get(`d:${r.device}`));
    } finally {
      db.close();
    }
  };
  const METERED = ['/articles/harbour-redevelopment-plan-wins-approval-after-eight-hour-meeting'];

  it('under load loses no meter read: every page served in full before the stop has its row', async () => {
    const dataDir = freshDataDir();
    const server = startCli(['start'], cliEnv({ MASTHEAD_DATA_DIR: dataDir, LOG_LEVEL: 'silent', PORT: '0', TRUSTED_PROXIES: '127.0.0.1' }));
    try {
      const url = await server.runningAt();
      const load = newReaders(url, METERED);
      await new Promise((r) => setTimeout(r, 1200));
      const { exit } = await server.terminate();
      expect(exit).toEqual({ code: 0, signal: null });
      const served = await load.stop();
      expect(served.length).toBeGreaterThan(50);
      expect(unstored(dataDir, served)).toEqual([]);
    } finally {
      server.kill();
    }
  });

  it(`kill -9 under load loses at most the meter batch the README states: reads served in the last ${FLUSH_MS} ms (plus the write in flight)`, async () => {
    const dataDir = freshDataDir();
    const server = startCli(['start'], cliEnv({ MASTHEAD_DATA_DIR: dataDir, LOG_LEVEL: 'silent', PORT: '0', TRUSTED_PROXIES: '127.0.0.1' }));
    try {
      const url = await server.runningAt();
      const load = newReaders(url, METERED);
      await new Promise((r) => setTimeout(r, 2500));
      const killedAt = Date.now();
      server.kill();
      expect((await server.exited).signal).toBe('SIGKILL');
      const served = await load.stop();
      expect(served.length).toBeGreaterThan(50);
      const lost = unstored(dataDir, served);
      // A batch is written FLUSH_MS after its first read; a write cut off by the kill is lost whole.
      const window = FLUSH_MS + 500;
      expect(lost.filter((r) => r.at < killedAt - window), `reads lost although served more than ${window} ms before the kill`).toEqual([]);
      expect(lost.length).toBeLessThan(served.length);
    } finally {
      server.kill();
    }
  });

  it('gives up after SHUTDOWN_TIMEOUT_MS with one line and exit 1 when a request never finishes', async () => {
    const server = startCli(['start'], cliEnv({ MASTHEAD_DATA_DIR: freshDataDir(), LOG_LEVEL: 'silent', PORT: '0', SHUTDOWN_TIMEOUT_MS: '1000' }));
    try {
      const url = await server.runningAt();
      // A client that sends half a form and then nothing more.
      const post = halfSentPost(url, '/signin', { 'content-type': 'application/x-www-form-urlencoded' }, 'email=slow%40example.com&_csrf=abc');
      await new Promise((r) => setTimeout(r, 100));
      const { exit, ms } = await server.terminate();
      expect(exit).toEqual({ code: 1, signal: null });
      expect(ms).toBeGreaterThanOrEqual(900);
      expect(ms).toBeLessThan(4000);
      expect(oneLine(server.stderr)).toBe('masthead: shutdown did not finish within 1 s (requests or a job still running); exiting');
      post.socket.destroy();
    } finally {
      server.kill();
    }
  });
});
