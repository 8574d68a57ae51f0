import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import { createMailTransport, type MailTransport } from '../../src/mail/transport.js';
import { parseEnv } from '../../src/config.js';

/**
 * Issue 17: with DKIM configured, every message is signed over the headers a one-click unsubscribe
 * depends on, and the signature verifies with a DKIM verifier (mailauth) given the published key.
 */
describe('DKIM signing', () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const dnsRecord = `v=DKIM1; k=rsa; p=${publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`;
  const resolver = async (name: string, rr: string) => {
    if (rr === 'TXT' && name === 'mail2026._domainkey.news.example') return [[dnsRecord]];
    throw Object.assign(new Error(`no ${rr} record for ${name}`), { code: 'ENOTFOUND' });
  };
  const raw: Buffer[] = [];
  let server: SMTPServer;
  let transport: MailTransport;

  beforeAll(async () => {
    server = new SMTPServer({
      authOptional: true, disabledCommands: ['STARTTLS'], logger: false, closeTimeout: 200,
      onData(stream, _s, cb) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => (raw.push(Buffer.concat(chunks)), cb()));
      },
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.server.address() as { port: number }).port;
    transport = createMailTransport({ smtpUrl: `smtp://127.0.0.1:${port}`, dataDir: mkdtempSync(join(tmpdir(), 'masthead-dkim-')), dkim: { domainName: 'news.example', keySelector: 'mail2026', privateKey: pem } });
  });
  afterAll(async () => {
    transport?.close();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('signs a newsletter message, List-Unsubscribe and List-Unsubscribe-Post included, and the signature verifies', async () => {
    await transport.send({
      from: '"The Ledger" <briefing@news.example>', to: 'reader@example.com', subject: 'The harbour vote', text: 'Text part', html: '<p>HTML part</p>',
      headers: { 'List-Unsubscribe': '<https://news.example/newsletters/unsubscribe/1/2/abc>', 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click', 'List-Id': 'Morning <morning.newsletters.news.example>' },
    });
    const message = raw.at(-1)!;
    const result = await dkimVerify(message, { resolver });
    const sig = result.results[0]!;
    expect(sig.status.result).toBe('pass');
    expect(sig.signingDomain).toBe('news.example');
    const signed = String(/^DKIM-Signature:[\s\S]*?\bh=([^;]+);/im.exec(message.toString())?.[1]).replace(/\s+/g, '').toLowerCase().split(':');
    expect(signed).toEqual(expect.arrayContaining(['from', 'subject', 'list-unsubscribe', 'list-unsubscribe-post', 'list-id']));

    // A message changed on the way fails.
    const tampered = Buffer.from(message.toString().replace('HTML part', 'HTML parts'));
    // mailauth reports a body that no longer matches its hash as neutral ("body hash did not verify"), never pass.
    expect((await dkimVerify(tampered, { resolver })).results[0]!.status.result).not.toBe('pass');
  });

  it('is configured all together from a readable PEM file, or refused at boot with one line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'masthead-dkim-cfg-'));
    const keyFile = join(dir, 'dkim.pem');
    writeFileSync(keyFile, pem);
    const base = { MASTHEAD_SECRET: 'x'.repeat(40), MASTHEAD_DATA_DIR: dir };
    expect(parseEnv({ ...base, DKIM_DOMAIN: 'news.example', DKIM_SELECTOR: 'mail2026', DKIM_PRIVATE_KEY_FILE: keyFile }).dkim).toMatchObject({ domainName: 'news.example', keySelector: 'mail2026' });
    expect(parseEnv(base).dkim).toBeNull();
    expect(() => parseEnv({ ...base, DKIM_DOMAIN: 'news.example' })).toThrow('invalid DKIM_DOMAIN: set DKIM_DOMAIN, DKIM_SELECTOR and DKIM_PRIVATE_KEY_FILE together, or none of them');
    expect(() => parseEnv({ ...base, DKIM_DOMAIN: 'news.example', DKIM_SELECTOR: 's', DKIM_PRIVATE_KEY_FILE: join(dir, 'missing.pem') })).toThrow(/^invalid DKIM_PRIVATE_KEY_FILE: cannot read .*missing\.pem \(ENOENT\)$/);
    writeFileSync(join(dir, 'bad.pem'), 'not a key');
    expect(() => parseEnv({ ...base, DKIM_DOMAIN: 'news.example', DKIM_SELECTOR: 's', DKIM_PRIVATE_KEY_FILE: join(dir, 'bad.pem') })).toThrow(/does not hold a PEM private key$/);
  });
});
