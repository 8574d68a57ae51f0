import { describe, expect, it } from 'vitest';
import { readHeader, readRow, type Columns } from '../../src/members/member-rows.js';

/** What a member CSV's rows mean, as tables: the header's format, and each row's member or problem. */
const cols = (header: string): Columns => {
  const c = readHeader(header.split(','));
  if ('problem' in c) throw new Error(c.problem);
  return c;
};
const GHOST = cols('id,email,name,note,subscribed_to_emails,complimentary_plan,stripe_customer_id,created_at,deleted_at,labels,tiers');
const SUBSTACK = cols('email,active_subscription,expiry,plan,email_disabled,created_at');

describe('readHeader', () => {
  it.each([
    ['id,email,name,note,subscribed_to_emails,complimentary_plan,stripe_customer_id,created_at,labels', 'ghost'],
    ['email,active_subscription,expiry,plan,email_disabled,created_at', 'substack'],
    [' Email ,Name', 'generic'],
  ])('%s → %s', (h, format) => expect((readHeader(h.split(',')) as Columns).format).toBe(format));
  it('needs an email column', () => expect(readHeader(['name', 'note'])).toEqual({ problem: expect.stringMatching(/no "email" column/) }));
});

describe('readRow', () => {
  const g = (...v: string[]) => readRow(GHOST, 7, v);
  it.each([
    ['a full Ghost row', g('1', 'Ann@Example.org', 'Ann', 'hi', 'true', 'false', 'cus_123', '2024-02-01T10:00:00.000Z', '', 'VIP, Print', ''),
      { email: 'Ann@Example.org', emailNormalized: 'ann@example.org', name: 'Ann', note: 'hi', complimentary: false, stripeCustomerId: 'cus_123', subscribed: true, createdAt: Date.parse('2024-02-01T10:00:00.000Z'), labels: [{ name: 'VIP', slug: 'vip' }, { name: 'Print', slug: 'print' }] }],
    ['complimentary, unsubscribed, a date without a zone (UTC)', g('2', 'b@x.org', '', '', 'false', 'true', '', '2024-03-01 09:00:00', '', '', ''),
      { complimentary: true, subscribed: false, createdAt: Date.parse('2024-03-01T09:00:00Z'), labels: [] }],
    ['a Substack comp', readRow(SUBSTACK, 7, ['s@x.org', 'true', '2027-01-01', 'comp', 'false', '2024-01-01T00:00:00Z']), { complimentary: true, subscribed: true }],
    ['a Substack address that takes no email', readRow(SUBSTACK, 7, ['s@x.org', 'false', '', '', 'true', '']), { complimentary: false, subscribed: false, createdAt: null }],
  ])('%s', (_n, row, expected) => expect(row).toMatchObject({ line: 7, ...expected }));

  it.each([
    ['no address', g('1', '', 'A', '', 'true', 'false', '', '', '', '', ''), 'has no email address'],
    ['a bad address', g('1', 'ann at example', 'A', '', 'true', 'false', '', '', '', '', ''), '"ann at example" is not a valid email address'],
    ['too few values', readRow(GHOST, 7, ['1', 'a@x.org']), 'has 2 values where the first row names 11 columns'],
    ['a bad flag', g('1', 'a@x.org', '', '', 'maybe', 'false', '', '', '', '', ''), 'subscribed_to_emails must be true or false'],
    ['a bad Stripe id', g('1', 'a@x.org', '', '', 'true', 'false', 'sub_9', '', '', '', ''), '"sub_9" is not a Stripe customer id (they start with cus_)'],
    ['a bad date', g('1', 'a@x.org', '', '', 'true', 'false', '', 'yesterday', '', '', ''), '"yesterday" in created_at is not a date'],
    ['a long name', g('1', 'a@x.org', 'n'.repeat(201), '', 'true', 'false', '', '', '', '', ''), 'the name is longer than 200 characters'],
  ])('%s is a problem', (_n, row, problem) => expect(row).toMatchObject({ line: 7, problem }));
});
