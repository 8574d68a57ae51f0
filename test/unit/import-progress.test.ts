import { describe, expect, it } from 'vitest';
import { progressLine } from '../../src/cli/progress.js';

describe('the import progress bar', () => {
  it.each([
    // count, bytes read, total bytes, elapsed ms, width → line
    [{ count: 0, read: 0, total: 1000, elapsedMs: 10, width: 80 }, '[........................................] 0% 0 articles 0/s ETA ?'],
    [{ count: 12_345, read: 250, total: 1000, elapsedMs: 10_000, width: 80 }, '[##########..............................] 25% 12,345 articles 1,235/s ETA 30s'],
    [{ count: 50_000, read: 500, total: 1000, elapsedMs: 65_000, width: 80 }, '[####################....................] 50% 50,000 articles 769/s ETA 1m05s'],
    [{ count: 99, read: 1000, total: 1000, elapsedMs: 1000, width: 80 }, '[########################################] 100% 99 articles 99/s ETA 0s'],
    // Standard input: no size, so no bar and no ETA, but still count and rate.
    [{ count: 40, read: 4096, total: 0, elapsedMs: 2000, width: 80 }, '40 articles 20/s ETA ?'],
  ])('%o', (p, line) => {
    expect(progressLine(p)).toBe(line);
  });

  it('fits a narrow terminal', () => {
    expect(progressLine({ count: 12_345, read: 250, total: 1000, elapsedMs: 10_000, width: 50 }).length).toBeLessThan(50);
  });
});
