import { createServer, type IncomingMessage, type Server } from 'node:http';
import Stripe from 'stripe';

/**
 * A local stand-in for the few Stripe endpoints we call, so tests exercise the
 * official SDK over real HTTP. It keeps subscriptions in memory; tests move
 * them through Stripe's states and send genuinely signed webhook events.
 */
export interface StubSubscription {
  id: string;
  object: 'subscription';
  status: string;
  customer: string;
  metadata: Record<string, string>;
  trial_end: number | null;
  cancel_at_period_end: boolean;
  items: { object: 'list'; data: { id: string; object: 'subscription_item'; current_period_end: number }[] };
}

export interface StripeStub {
  url: string;
  webhookSecret: string;
  secretKey: string;
  calls: { method: string; path: string; body: Record<string, unknown> }[];
  sessions: Map<string, Record<string, unknown>>;
  subscriptions: Map<string, StubSubscription>;
  /** Coupons made through POST /v1/coupons, by id (with the Idempotency-Key they were made under). */
  coupons: Map<string, Record<string, unknown>>;
  /**
   * Make the next N subscription retrievals fail the way Stripe does on a bad moment: a 500
   * (`server`), a 429 (`rate_limit`), or a connection dropped before any answer (`network`).
   */
  failRetrievals(n: number, how?: 'server' | 'rate_limit' | 'network'): void;
  /** What Stripe does when a reader finishes Checkout: a subscription exists, and an event says so. */
  completeCheckout(sessionId: string, status?: 'active' | 'trialing'): { subscription: StubSubscription; event: Stripe.Event };
  setStatus(subId: string, status: string, periodEnd?: number): StubSubscription;
  event(type: string, object: unknown): Stripe.Event;
  sign(payload: string): string;
  close(): Promise<void>;
}

/** a[b][c]=1 → { a: { b: { c: '1' } } }, as Stripe's SDK encodes requests. */
function parseForm(text: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of new URLSearchParams(text)) {
    const path = k.replace(/\]/g, '').split('[');
    let cur = out as Record<string, unknown>;
    path.forEach((p, i) => {
      if (i === path.length - 1) cur[p] = v;
      else cur = (cur[p] ??= {}) as Record<string, unknown>;
    });
  }
  return out;
}

const body = (req: IncomingMessage) => new Promise<string>((r) => {
  let s = '';
  req.setEncoding('utf8').on('data', (c) => (s += c)).on('end', () => r(s));
});

export async function startStripeStub(): Promise<StripeStub> {
  let n = 0;
  let failures = 0;
  let failure: 'server' | 'rate_limit' | 'network' = 'server';
  const calls: StripeStub['calls'] = [];
  const sessions = new Map<string, Record<string, unknown>>();
  const subscriptions = new Map<string, StubSubscription>();
  const coupons = new Map<string, Record<string, unknown>>();
  const couponByKey = new Map<string, Record<string, unknown>>();
  const webhookSecret = 'whsec_testsecret123';
  const secretKey = 'sk_test_stub123';
  const sdk = new Stripe(secretKey);
  const id = (p: string) => `${p}_${++n}${Math.random().toString(36).slice(2, 8)}`;
  const nowS = () => Math.floor(Date.now() / 1000);

  const server: Server = createServer(async (req, res) => {
    const text = await body(req);
    const path = (req.url ?? '').split('?')[0]!;
    const form = parseForm(text);
    calls.push({ method: req.method!, path, body: form });
    const send = (status: number, obj: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json', 'request-id': id('req') });
      res.end(JSON.stringify(obj));
    };
    if (req.headers.authorization !== `Bearer ${secretKey}`) return send(401, { error: { type: 'invalid_request_error', message: 'bad key' } });
    let m: RegExpExecArray | null;
    if (req.method === 'POST' && path === '/v1/customers') return send(200, { id: id('cus'), object: 'customer', email: form.email, metadata: form.metadata ?? {} });
    if (req.method === 'POST' && path === '/v1/checkout/sessions') {
      // Stripe refuses a session whose discount names a coupon it does not have.
      const discounts = Object.values((form.discounts ?? {}) as Record<string, { coupon?: string }>);
      const unknown = discounts.find((x) => x.coupon && !coupons.has(x.coupon));
      if (unknown) return send(400, { error: { type: 'invalid_request_error', code: 'resource_missing', message: `No such coupon: '${unknown.coupon}'` } });
    }
    if (req.method === 'POST' && path === '/v1/checkout/sessions') {
      const s = { id: id('cs'), object: 'checkout.session', url: `https://checkout.stripe.com/c/pay/${n}`, ...form, subscription: null };
      sessions.set(s.id, s);
      return send(200, s);
    }
    // Coupons as Stripe makes them: the same Idempotency-Key gives back the same coupon.
    if (req.method === 'POST' && path === '/v1/coupons') {
      const key = req.headers['idempotency-key'];
      const again = typeof key === 'string' ? couponByKey.get(key) : undefined;
      if (again) return send(200, again);
      if (!form.percent_off && !form.amount_off) return send(400, { error: { type: 'invalid_request_error', message: 'Must provide one of percent_off or amount_off.' } });
      if (form.amount_off && !form.currency) return send(400, { error: { type: 'invalid_request_error', message: 'You must specify a currency when creating a coupon with amount_off.' } });
      const c = {
        id: id('coupon'), object: 'coupon', valid: true, times_redeemed: 0, ...form,
        percent_off: form.percent_off ? Number(form.percent_off) : null, amount_off: form.amount_off ? Number(form.amount_off) : null,
        duration_in_months: form.duration_in_months ? Number(form.duration_in_months) : null,
        max_redemptions: form.max_redemptions ? Number(form.max_redemptions) : null, redeem_by: form.redeem_by ? Number(form.redeem_by) : null,
        idempotency_key: typeof key === 'string' ? key : null,
      };
      coupons.set(c.id, c);
      if (typeof key === 'string') couponByKey.set(key, c);
      return send(200, c);
    }
    if ((m = /^\/v1\/coupons\/([\w]+)$/.exec(path)) && req.method === 'GET') {
      const c = coupons.get(m[1]!);
      return c ? send(200, c) : send(404, { error: { type: 'invalid_request_error', code: 'resource_missing', message: `No such coupon: '${m[1]}'` } });
    }
    if (req.method === 'POST' && path === '/v1/billing_portal/sessions') return send(200, { id: id('bps'), object: 'billing_portal.session', url: `https://billing.stripe.test/p/${n}`, customer: form.customer, return_url: form.return_url });
    if ((m = /^\/v1\/subscriptions\/([\w]+)$/.exec(path))) {
      const sub = subscriptions.get(m[1]!);
      if (req.method === 'GET' && failures > 0) {
        failures--;
        if (failure === 'network') return void req.socket.destroy();
        if (failure === 'rate_limit') return send(429, { error: { type: 'invalid_request_error', code: 'rate_limit', message: 'Request rate limit exceeded.' } });
        return send(500, { error: { type: 'api_error', message: 'stub outage' } });
      }
      // Stripe's own answer for an id it does not know (deleted, another account, the other mode).
      if (!sub) return send(404, { error: { type: 'invalid_request_error', code: 'resource_missing', param: 'id', message: `No such subscription: '${m[1]}'` } });
      if (req.method === 'GET') {
        return send(200, sub);
      }
      if (req.method === 'POST') {
        if (form.cancel_at_period_end !== undefined) sub.cancel_at_period_end = form.cancel_at_period_end === 'true';
        return send(200, sub);
      }
    }
    return send(404, { error: { type: 'invalid_request_error', message: `stub has no ${req.method} ${path}` } });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;

  const stub: StripeStub = {
    url, webhookSecret, secretKey, calls, sessions, subscriptions, coupons,
    failRetrievals: (k, how = 'server') => {
      failures = k;
      failure = how;
    },
    completeCheckout(sessionId, status = 'active') {
      const s = sessions.get(sessionId)!;
      const sd = (s.subscription_data ?? {}) as { metadata?: Record<string, string>; trial_period_days?: string };
      const trialDays = Number(sd.trial_period_days ?? 0);
      const sub: StubSubscription = {
        id: id('sub'), object: 'subscription', status: trialDays ? 'trialing' : status, customer: s.customer as string, metadata: sd.metadata ?? {},
        trial_end: trialDays ? nowS() + trialDays * 86400 : null, cancel_at_period_end: false,
        items: { object: 'list', data: [{ id: id('si'), object: 'subscription_item', current_period_end: nowS() + 30 * 86400 }] },
      };
      subscriptions.set(sub.id, sub);
      s.subscription = sub.id;
      return { subscription: sub, event: stub.event('checkout.session.completed', { ...s, subscription: sub.id, status: 'complete' }) };
    },
    setStatus(subId, status, periodEnd) {
      const sub = subscriptions.get(subId)!;
      sub.status = status;
      if (periodEnd) sub.items.data[0]!.current_period_end = periodEnd;
      return sub;
    },
    event: (type, object) => ({ id: id('evt'), object: 'event', type, api_version: '2025-01-01', created: nowS(), livemode: false, pending_webhooks: 1, request: { id: null, idempotency_key: null }, data: { object } }) as unknown as Stripe.Event,
    sign: (payload) => sdk.webhooks.generateTestHeaderString({ payload, secret: webhookSecret }),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
  return stub;
}
