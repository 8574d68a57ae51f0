import { describe, expect, it } from 'vitest';
import { poolConnections } from '../../src/mail/transport.js';

/** A newsletter lane keeps as many messages in flight as the SMTP pool has connections (SMTP_URL's maxConnections). */
describe('poolConnections', () => {
  it.each([
    [null, 5],
    ['smtp://mail.example:587', 5],
    ['smtp://mail.example:587?maxConnections=10', 10],
    ['smtps://u:p@mail.example?pool=true&maxConnections=12&maxMessages=1000', 12],
    ['smtp://mail.example?maxConnections=0', 1],
    ['smtp://mail.example?maxConnections=ten', 5],
    ['smtp://mail.example?xmaxConnections=9', 5],
  ])('%s → %i', (url, n) => expect(poolConnections(url)).toBe(n));
});
