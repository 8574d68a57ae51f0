import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ReplyBatch } from '../../src/http/reply-batch.js';

/** The lanes' replies go out together after the poll phase: each still reaches its own client, whole, and a client that left costs the others nothing. */
describe('ReplyBatch', () => {
  const batch = new ReplyBatch();
  let server: Server;
  let port = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      const name = req.url!.slice(1);
      // A client gone before its reply was written: the batch skips it.
      if (name === 'gone') req.socket.destroy();
      batch.send(res, ['content-type', 'text/plain', 'x-name', name], Buffer.from(`page for ${name}`));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const get = (path: string) => new Promise<{ status: number; name: string | undefined; body: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, name: res.headers['x-name'] as string | undefined, body }));
    });
    req.on('error', reject);
    req.end();
  });

  it('answers every client of one turn with its own reply, even when one of them left', async () => {
    const names = Array.from({ length: 20 }, (_, i) => `reader-${i}`);
    const [gone, ...answers] = await Promise.allSettled([get('/gone'), ...names.map((n) => get(`/${n}`))]);
    expect(gone!.status).toBe('rejected');
    expect(answers.map((a) => (a.status === 'fulfilled' ? `${a.value.status} ${a.value.name} ${a.value.body}` : 'failed'))).toEqual(names.map((n) => `200 ${n} page for ${n}`));
    // And the next turn's replies still go out.
    expect((await get('/after')).body).toBe('page for after');
  });
});
