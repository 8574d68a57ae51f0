import { describe, expect, it } from 'vitest';
import { BloomFilter } from '../../src/access/bloom.js';

describe('Bloom filter for known meter subjects', () => {
  it('never forgets what was added, and rarely claims what was not', () => {
    const b = new BloomFilter(10_000);
    for (let i = 0; i < 10_000; i++) b.add(`d:device-${i}`);
    for (let i = 0; i < 10_000; i++) expect(b.has(`d:device-${i}`)).toBe(true);
    let falsePositives = 0;
    for (let i = 0; i < 10_000; i++) if (b.has(`a:other-${i}`)) falsePositives++;
    expect(falsePositives / 10_000).toBeLessThan(0.03);
  });
});
