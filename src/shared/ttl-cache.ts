/**
 * A small TTL + LRU cache. Reader pages that are the same for every reader are
 * kept for a second: a local content write clears them at once, and other
 * instances (PostgreSQL deployments) converge within the TTL.
 */
export class TtlCache<V> {
  private readonly map = new Map<string, { v: V; at: number }>();

  constructor(private readonly ttlMs: number, private readonly max: number, private readonly now: () => number) {}

  get(key: string): V | undefined {
    const e = this.map.get(key);
    if (!e) return undefined;
    const age = this.now() - e.at;
    if (age >= this.ttlMs || age < 0) {
      this.map.delete(key);
      return undefined;
    }
    return e.v;
  }

  set(key: string, v: V): void {
    if (this.map.size >= this.max) this.map.delete(this.map.keys().next().value!);
    this.map.set(key, { v, at: this.now() });
  }

  async getOrLoad(key: string, load: () => Promise<V>): Promise<V> {
    const hit = this.get(key);
    if (hit !== undefined) return hit;
    return this.load(key, load);
  }

  /** The value, without a promise when it is cached: a hit (most lookups on a page view) costs no turn of the queue. */
  getOrLoadNow(key: string, load: () => Promise<V>): V | Promise<V> {
    const hit = this.get(key);
    return hit !== undefined ? hit : this.load(key, load);
  }

  private async load(key: string, load: () => Promise<V>): Promise<V> {
    const v = await load();
    this.set(key, v);
    return v;
  }

  clear(): void {
    this.map.clear();
  }
}
