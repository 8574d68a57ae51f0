import { describe, expect, it } from 'vitest';
import { BloomFilter, GrowingBloomFilter } from '../../src/access/bloom.js';

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

describe('growing Bloom filter', () => {
  it('keeps its false-positive rate when it holds many times what it was sized for', () => {
    const b = new GrowingBloomFilter(1000, 0.01);
    const n = 40_000;
    for (let i = 0; i < n; i++) b.add(`d:device-${i}`);
    expect(b.generations).toBeGreaterThan(4);
    // Adding what it holds again (a reader's every read adds it) does not grow it.
    const generations = b.generations;
    for (let r = 0; r < 3; r++) for (let i = 0; i < n; i++) b.add(`d:device-${i}`);
    expect(b.generations).toBe(generations);
    for (let i = 0; i < n; i++) expect(b.has(`d:device-${i}`)).toBe(true);
    let falsePositives = 0;
    for (let i = 0; i < 20_000; i++) if (b.has(`a:other-${i}`)) falsePositives++;
    expect(falsePositives / 20_000).toBeLessThan(0.02);
    // A fixed filter of the same first size, filled as far, says "maybe" to almost anything.
    const fixed = new BloomFilter(1000, 0.01);
    for (let i = 0; i < n; i++) fixed.add(`d:device-${i}`);
    let fixedFalse = 0;
    for (let i = 0; i < 20_000; i++) if (fixed.has(`a:other-${i}`)) fixedFalse++;
    expect(fixedFalse / 20_000).toBeGreaterThan(0.9);
  });
});
