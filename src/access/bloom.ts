/**
 * A Bloom filter: "certainly absent" or "maybe present". The meter uses it to
 * skip the database for readers it has never seen (a new device costs no read).
 * False positives only cost a query; there are no false negatives.
 */
export class BloomFilter {
  private readonly bits: Uint8Array;
  private readonly m: number;
  private readonly k: number;
  size = 0;

  constructor(expected: number, falsePositiveRate = 0.01) {
    const n = Math.max(1000, expected);
    this.m = Math.ceil((-n * Math.log(falsePositiveRate)) / Math.LN2 ** 2);
    this.k = Math.max(1, Math.round((this.m / n) * Math.LN2));
    this.bits = new Uint8Array(Math.ceil(this.m / 8));
  }

  /** Two FNV-1a variants combined (Kirsch–Mitzenmacher): k positions from two hashes. */
  static hashes(s: string): [number, number] {
    let h1 = 0x811c9dc5;
    let h2 = 0x01000193 ^ s.length;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 ^ c, 0x5bd1e995);
      h2 ^= h2 >>> 15;
    }
    return [h1 >>> 0, (h2 >>> 0) | 1];
  }

  add(s: string): void {
    const [a, b] = BloomFilter.hashes(s);
    this.addHashed(a, b);
  }

  addHashed(a: number, b: number): void {
    for (let i = 0; i < this.k; i++) {
      const bit = (a + Math.imul(i, b)) >>> 0;
      const idx = bit % this.m;
      this.bits[idx >>> 3]! |= 1 << (idx & 7);
    }
    this.size++;
  }

  has(s: string): boolean {
    const [a, b] = BloomFilter.hashes(s);
    return this.hasHashed(a, b);
  }

  hasHashed(a: number, b: number): boolean {
    for (let i = 0; i < this.k; i++) {
      const idx = ((a + Math.imul(i, b)) >>> 0) % this.m;
      if (!(this.bits[idx >>> 3]! & (1 << (idx & 7)))) return false;
    }
    return true;
  }
}

/**
 * A Bloom filter that grows: when the newest filter holds as many items as it was sized for, a
 * new one twice as large, with half the false-positive rate, takes the additions, and a lookup
 * asks each. A fixed filter filled past its size answers "maybe" for nearly everything: on a busy
 * site new devices would each cost a query again within hours of a restart. The rates halve so
 * that their sum, the whole filter's rate, stays under the rate asked for.
 */
export class GrowingBloomFilter {
  private readonly filters: { filter: BloomFilter; capacity: number }[] = [];
  size = 0;

  constructor(initial: number, private readonly falsePositiveRate = 0.01) {
    const capacity = Math.max(1000, initial);
    this.filters.push({ filter: new BloomFilter(capacity, falsePositiveRate / 2), capacity });
  }

  /** How many filters it has grown to (one until the first fills). */
  get generations(): number {
    return this.filters.length;
  }

  add(s: string): void {
    const [a, b] = BloomFilter.hashes(s);
    // A subject is added on every read it makes: only the first add fills a filter.
    if (this.holds(a, b)) return;
    let last = this.filters[this.filters.length - 1]!;
    if (last.filter.size >= last.capacity) {
      const capacity = last.capacity * 2;
      last = { filter: new BloomFilter(capacity, this.falsePositiveRate / 2 ** (this.filters.length + 1)), capacity };
      this.filters.push(last);
    }
    last.filter.addHashed(a, b);
    this.size++;
  }

  has(s: string): boolean {
    const [a, b] = BloomFilter.hashes(s);
    return this.holds(a, b);
  }

  private holds(a: number, b: number): boolean {
    for (const f of this.filters) if (f.filter.hasHashed(a, b)) return true;
    return false;
  }
}
