import { afterEach, describe, expect, it, vi } from 'vitest';
import { randomDeviceId } from '../../src/access/access.service.js';

describe('device ids', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('are unique, cookie-safe, and sort by the second they were made', () => {
    vi.useFakeTimers();
    const ids: string[] = [];
    for (const t of ['2026-01-01T00:00:00Z', '2026-01-01T00:00:01Z', '2026-06-30T12:00:00Z', '2027-03-01T00:00:00Z']) {
      vi.setSystemTime(new Date(t));
      for (let i = 0; i < 300; i++) ids.push(randomDeviceId());
    }
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z0-9]{6}[A-Za-z0-9_-]{24}$/);
    // Made in a later second sorts later: new devices' meter rows land at the end of the index.
    const prefixes = ids.map((id) => id.slice(0, 6));
    expect([...prefixes].sort()).toEqual(prefixes);
  });
});
