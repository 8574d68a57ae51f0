import { describe, expect, it } from 'vitest';
import { formatInZone, fromLocalInput, toLocalInput } from '../../src/shared/zoned-time.js';

/** Scheduling reads a datetime-local in the site's zone: these are the instants it must name. */
describe('zoned time', () => {
  it('reads a wall time in the zone, both sides of a DST change', () => {
    expect(fromLocalInput('2026-03-10T09:30', 'Europe/London')).toBe(Date.parse('2026-03-10T09:30:00Z'));
    expect(fromLocalInput('2026-04-01T09:30', 'Europe/London')).toBe(Date.parse('2026-04-01T08:30:00Z'));
    expect(fromLocalInput('2026-07-01T09:30', 'America/New_York')).toBe(Date.parse('2026-07-01T13:30:00Z'));
    expect(fromLocalInput('2026-07-01T09:30', 'UTC')).toBe(Date.parse('2026-07-01T09:30:00Z'));
  });

  it('takes the first of a repeated hour and moves a skipped one forward', () => {
    // London falls back at 02:00 BST on 25 October 2026: 01:30 happens twice.
    expect(fromLocalInput('2026-10-25T01:30', 'Europe/London')).toBe(Date.parse('2026-10-25T00:30:00Z'));
    // It springs forward at 01:00 GMT on 29 March 2026: 01:30 does not exist; 02:30 BST does.
    expect(fromLocalInput('2026-03-29T01:30', 'Europe/London')).toBe(Date.parse('2026-03-29T01:30:00Z'));
    expect(toLocalInput(Date.parse('2026-03-29T01:30:00Z'), 'Europe/London')).toBe('2026-03-29T02:30');
  });

  it('refuses what is not a datetime-local, and round-trips what is', () => {
    expect(fromLocalInput('tomorrow', 'UTC')).toBeNull();
    expect(fromLocalInput('', 'UTC')).toBeNull();
    const t = Date.parse('2026-12-01T17:05:00Z');
    expect(fromLocalInput(toLocalInput(t, 'Asia/Kolkata'), 'Asia/Kolkata')).toBe(t);
    expect(formatInZone(Date.parse('2026-04-01T08:30:00Z'), 'Europe/London')).toBe('1 Apr 2026, 09:30 (Europe/London)');
  });
});
