import { promises as dns } from 'node:dns';
import { TtlCache } from '../shared/ttl-cache.js';

/** DNS, injectable so tests can play Googlebot without the network. */
export interface Resolver {
  reverse(ip: string): Promise<string[]>;
  lookup(host: string): Promise<string[]>;
}

export const systemResolver: Resolver = {
  reverse: (ip) => dns.reverse(ip),
  lookup: async (host) => (await dns.lookup(host, { all: true })).map((a) => a.address),
};

const GOOGLE = /\.(googlebot|google)\.com$/i;

/**
 * A crawler is Googlebot only if its connecting address reverse-resolves to a
 * googlebot.com or google.com host whose forward lookup returns the same
 * address. User-Agent, Referer and X-Forwarded-For alone prove nothing.
 * Answers are cached for an hour per address; failures count as "no".
 */
export class CrawlerVerifier {
  private readonly cache: TtlCache<boolean>;

  constructor(private readonly resolver: Resolver, now: () => number) {
    this.cache = new TtlCache(3_600_000, 10_000, now);
  }

  async verify(ip: string): Promise<boolean> {
    return this.cache.getOrLoad(ip, async () => {
      try {
        const names = (await this.resolver.reverse(ip)).filter((n) => GOOGLE.test(n.replace(/\.$/, '')));
        for (const name of names) {
          if ((await this.resolver.lookup(name.replace(/\.$/, ''))).includes(ip)) return true;
        }
      } catch {
        // Unresolvable addresses are not crawlers we trust.
      }
      return false;
    });
  }
}

/** Cheap pre-filter: only requests that claim to be Googlebot are worth a DNS check. */
export const claimsGooglebot = (ua: string) => /Googlebot|Google-InspectionTool|GoogleOther/i.test(ua);
