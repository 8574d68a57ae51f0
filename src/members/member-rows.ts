import { emailSchema, normalizeEmail } from './staff.js';
import { slugForName } from '../content/slug.js';

/**
 * The rows of a member CSV, pure: which export it is (Ghost, Substack, or any file with an email
 * column), and each row as a member to create or update, or the problem with it in a sentence.
 * Ghost: email,name,note,subscribed_to_emails,complimentary_plan,stripe_customer_id,created_at,labels,…
 * Substack: email,active_subscription,expiry,plan,email_disabled,created_at,… (plan "comp" is complimentary).
 */
export type CsvFormat = 'ghost' | 'substack' | 'generic';

export interface MemberRecord {
  line: number;
  email: string;
  emailNormalized: string;
  name: string;
  note: string;
  labels: { name: string; slug: string }[];
  complimentary: boolean;
  stripeCustomerId: string | null;
  /** Whether the member takes newsletters (Ghost subscribed_to_emails, Substack not email_disabled). */
  subscribed: boolean;
  createdAt: number | null;
}
export interface RowProblem { line: number; email: string; problem: string }

export interface Columns { format: CsvFormat; index: Map<string, number>; width: number }

const MAX = { name: 200, note: 2000, labels: 50, label: 100 };

/** The header row: its format, or a sentence saying what is missing. */
export function readHeader(fields: string[]): Columns | { problem: string } {
  const names = fields.map((f) => f.trim().toLowerCase());
  const index = new Map<string, number>();
  names.forEach((n, i) => { if (!index.has(n)) index.set(n, i); });
  if (!index.has('email')) return { problem: 'the first row has no "email" column: the first row must name the columns (Ghost and Substack exports do)' };
  const format: CsvFormat = index.has('complimentary_plan') || index.has('subscribed_to_emails') ? 'ghost'
    : index.has('active_subscription') || index.has('email_disabled') ? 'substack' : 'generic';
  return { format, index, width: fields.length };
}

const TRUE = new Set(['true', '1', 'yes', 'y']);
const FALSE = new Set(['false', '0', 'no', 'n', '']);

/** One data row: a member, or its problem. */
export function readRow(cols: Columns, line: number, fields: string[]): MemberRecord | RowProblem {
  const get = (k: string) => { const i = cols.index.get(k); return i === undefined ? '' : (fields[i] ?? '').trim(); };
  const email = get('email');
  const fail = (problem: string): RowProblem => ({ line, email, problem });
  if (fields.length !== cols.width) return fail(`has ${fields.length} value${fields.length === 1 ? '' : 's'} where the first row names ${cols.width} columns`);
  if (!email) return fail('has no email address');
  const parsed = emailSchema.safeParse(email);
  if (!parsed.success) return fail(`"${email.slice(0, 100)}" is not a valid email address`);
  const bool = (k: string, dflt: boolean): boolean | null => {
    const v = get(k).toLowerCase();
    if (!cols.index.has(k) || v === '') return dflt;
    return TRUE.has(v) ? true : FALSE.has(v) ? false : null;
  };
  const name = get('name');
  if (name.length > MAX.name) return fail(`the name is longer than ${MAX.name} characters`);
  const note = get('note');
  if (note.length > MAX.note) return fail(`the note is longer than ${MAX.note} characters`);
  const labelNames = [...new Set(get('labels').split(',').map((l) => l.trim()).filter(Boolean))];
  if (labelNames.length > MAX.labels) return fail(`has more than ${MAX.labels} labels`);
  if (labelNames.some((l) => l.length > MAX.label)) return fail(`a label is longer than ${MAX.label} characters`);
  const stripe = get('stripe_customer_id');
  if (stripe && !/^cus_[A-Za-z0-9]{1,250}$/.test(stripe)) return fail(`"${stripe.slice(0, 60)}" is not a Stripe customer id (they start with cus_)`);
  let createdAt: number | null = null;
  const created = get('created_at');
  if (created) {
    createdAt = Date.parse(created.includes('T') || /[zZ]|[+-]\d\d:?\d\d$/.test(created) ? created : `${created.replace(' ', 'T')}Z`);
    if (!Number.isFinite(createdAt)) return fail(`"${created.slice(0, 40)}" in created_at is not a date`);
  }
  let complimentary: boolean | null = false;
  let subscribed: boolean | null = true;
  if (cols.format === 'ghost') {
    complimentary = bool('complimentary_plan', false);
    if (complimentary === null) return fail('complimentary_plan must be true or false');
    subscribed = bool('subscribed_to_emails', true);
    if (subscribed === null) return fail('subscribed_to_emails must be true or false');
  } else if (cols.format === 'substack') {
    complimentary = get('plan').toLowerCase() === 'comp';
    const disabled = bool('email_disabled', false);
    if (disabled === null) return fail('email_disabled must be true or false');
    subscribed = !disabled;
  }
  return {
    line, email: parsed.data, emailNormalized: normalizeEmail(parsed.data), name, note,
    labels: labelNames.map((l) => ({ name: l, slug: slugForName(l, 'label') })),
    complimentary, stripeCustomerId: stripe || null, subscribed, createdAt,
  };
}
