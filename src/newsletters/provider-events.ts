/**
 * Delivery events from mail providers, reduced to what Masthead acts on: an address that must not
 * be mailed again (a permanent bounce, a complaint). Pure: one adapter per provider's documented
 * webhook body, anything else ignored. Soft bounces are the SMTP retry's business, not a reason
 * to suppress.
 */
export type SuppressionEvent = { email: string; reason: 'hard_bounce' | 'complaint'; detail: string };
export const PROVIDERS = ['postmark', 'mailgun', 'ses'] as const;
export type Provider = (typeof PROVIDERS)[number];

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** Postmark: bounce and spam-complaint webhooks (RecordType, Type, Email). */
function postmark(body: Json): SuppressionEvent[] {
  const email = str(body.Email);
  if (!email) return [];
  if (body.RecordType === 'SpamComplaint') return [{ email, reason: 'complaint', detail: 'Postmark: spam complaint' }];
  if (body.RecordType === 'Bounce' && body.Type === 'HardBounce') return [{ email, reason: 'hard_bounce', detail: `Postmark: ${str(body.Description) || 'hard bounce'}`.slice(0, 300) }];
  return [];
}

/** Mailgun: event webhooks ({ "event-data": { event, severity, recipient } }). */
function mailgun(body: Json): SuppressionEvent[] {
  const e = obj(body['event-data']);
  const email = str(e.recipient);
  if (!email) return [];
  if (e.event === 'complained') return [{ email, reason: 'complaint', detail: 'Mailgun: complaint' }];
  if (e.event === 'failed' && e.severity === 'permanent') return [{ email, reason: 'hard_bounce', detail: `Mailgun: ${str(obj(e['delivery-status']).description) || 'permanent failure'}`.slice(0, 300) }];
  return [];
}

/** Amazon SES through SNS: the notification is JSON inside the SNS message's Message string. */
function ses(body: Json): SuppressionEvent[] {
  let message: Json;
  try {
    message = obj(typeof body.Message === 'string' ? JSON.parse(body.Message) : body);
  } catch {
    return [];
  }
  const type = message.notificationType ?? message.eventType;
  if (type === 'Bounce') {
    const b = obj(message.bounce);
    if (b.bounceType !== 'Permanent') return [];
    return arr(b.bouncedRecipients).map((r) => ({ email: str(obj(r).emailAddress), reason: 'hard_bounce' as const, detail: `SES: ${str(obj(r).diagnosticCode) || 'permanent bounce'}`.slice(0, 300) })).filter((x) => x.email);
  }
  if (type === 'Complaint') {
    return arr(obj(message.complaint).complainedRecipients).map((r) => ({ email: str(obj(r).emailAddress), reason: 'complaint' as const, detail: 'SES: complaint' })).filter((x) => x.email);
  }
  return [];
}

export function suppressionEvents(provider: Provider, body: unknown): SuppressionEvent[] {
  const b = obj(body);
  // A provider may send a batch as an array.
  if (Array.isArray(body)) return body.flatMap((x) => suppressionEvents(provider, x));
  return provider === 'postmark' ? postmark(b) : provider === 'mailgun' ? mailgun(b) : ses(b);
}
