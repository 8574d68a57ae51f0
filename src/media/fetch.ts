import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

export interface FetchLimits {
  /** The most bytes one image may be; a larger one is refused before it is all read. */
  maxBytes: number;
  /** For the whole fetch: connecting, redirects and the body. */
  timeoutMs: number;
  /**
   * Fetch from loopback and private addresses too. Off by default: an archive names URLs, and
   * one naming http://127.0.0.1:… or the cloud metadata address must not make us fetch it.
   */
  allowPrivateHosts?: boolean;
}

const MAX_REDIRECTS = 3;

/** A failure that every URL on this host would meet (no such host, nothing listening, a private address). */
export class HostError extends Error {
  override name = 'HostError';
}

/** Loopback, private, link-local (cloud metadata), unique-local, CGNAT and unspecified addresses. */
export function isPrivateAddress(ip: string): boolean {
  const v4 = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
  if (isIP(v4) === 4) {
    const [a, b] = v4.split('.').map(Number) as [number, number];
    return a === 0 || a === 10 || a === 127 || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127) || a >= 224;
  }
  const x = ip.toLowerCase();
  return x === '::' || x === '::1' || /^f[cd]/.test(x) || /^fe[89ab]/.test(x);
}

async function checkHost(url: URL, limits: FetchLimits): Promise<void> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('only http and https images are fetched');
  if (limits.allowPrivateHosts) return;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const addresses = isIP(host) ? [host] : (await lookup(host, { all: true }).catch(() => { throw new HostError(`the host ${host} was not found`); })).map((a) => a.address);
  if (addresses.some(isPrivateAddress)) throw new HostError(`the host ${host} is a private or local address; such images are not fetched`);
}

/**
 * The bytes of a remote image, or an Error with a sentence: not found, too large, too slow, a
 * private address. Redirects are followed by hand, each hop checked like the first.
 */
export async function fetchImage(url: string, limits: FetchLimits): Promise<Buffer> {
  const signal = AbortSignal.timeout(limits.timeoutMs);
  const mb = (n: number) => `${(n / 1024 / 1024).toFixed(n < 1024 * 1024 ? 2 : 1)} MB`;
  try {
    let current = new URL(url);
    for (let hop = 0; ; hop++) {
      await checkHost(current, limits);
      const res = await fetch(current, { redirect: 'manual', signal, headers: { accept: 'image/*' } });
      if (res.status >= 300 && res.status < 400 && res.headers.get('location')) {
        await res.body?.cancel();
        if (hop >= MAX_REDIRECTS) throw new Error('too many redirects');
        current = new URL(res.headers.get('location')!, current);
        continue;
      }
      if (!res.ok) {
        await res.body?.cancel();
        throw new Error(`the server answered ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`);
      }
      const declared = Number(res.headers.get('content-length'));
      if (declared > limits.maxBytes) {
        await res.body?.cancel();
        throw new Error(`the image is ${mb(declared)}, more than the ${mb(limits.maxBytes)} an image may be`);
      }
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of res.body ?? []) {
        size += chunk.length;
        if (size > limits.maxBytes) throw new Error(`the image is more than the ${mb(limits.maxBytes)} an image may be`);
        chunks.push(Buffer.from(chunk));
      }
      return Buffer.concat(chunks, size);
    }
  } catch (err) {
    if (signal.aborted) throw new Error(`no answer within ${limits.timeoutMs / 1000} seconds`);
    const e = err as Error & { cause?: { code?: string } };
    if (e.message === 'fetch failed') {
      const code = e.cause?.code ?? 'network error';
      throw new (/^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH)$/.test(code) ? HostError : Error)(`could not be fetched (${code})`);
    }
    throw err;
  }
}
