import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/db.js';
import { startTestApp, type Agent, type TestApp } from '../helpers/app.js';
import { makeArticle, makePlan, makeSection } from '../helpers/factories.js';
import { linkIn, startInbox, type Inbox } from '../helpers/smtp.js';
import { startStripeStub, type StripeStub } from '../helpers/stripe-stub.js';
import type { ArticleDetail } from '../../src/content/articles.service.js';
import { captureLog, WARN, type LogEntry } from '../helpers/log.js';
import { archivePlan, createPlan } from '../../src/billing/plans.js';

const DAY = 86_400_000;
const FULL = 'The rest of the story';
const pathOf = (link: string) => new URL(link).pathname + new URL(link).search;

async function signIn(t: TestApp, inbox: Inbox, email: string, extra: Record<string, string> = {}): Promise<Agent> {
  const a = t.agent({ 'user-agent': `Reader ${email}` });
  await a.get('/signin');
  const before = inbox.messages.length;
  await a.post('/signup', { email, ...extra });
  await a.get(pathOf(linkIn(await inbox.waitFor(email, { after: before }))));
  return a;
}

const historyOf = (t: TestApp, memberEmail: string) =>
  t.db.db.selectFrom('subscription_history as h').innerJoin('subscriptions as s', 's.id', 'h.subscription_id').innerJoin('members as m', 'm.id', 's.member_id')
    .select(['h.from_status', 'h.to_status', 'h.cause']).where('m.email', '=', memberEmail).orderBy('h.id').execute();

describe.each(dialects())('trials and comp access on %s', (dialect) => {
  let t: TestApp;
  let inbox: Inbox;
  let paid: ArticleDetail;

  beforeAll(async () => {
    inbox = await startInbox();
    t = await startTestApp(dialect, { smtpUrl: inbox.url });
    await makePlan(t.app.ctx.content);
    const s = await makeSection(t.app.ctx.content, { slug: 'news', defaultAccess: 'metered' });
    paid = await makeArticle(t.app.ctx.content, { title: 'Paid piece', accessLevel: 'paid', section: s.slug });
  });
  afterAll(async () => {
    await t?.close();
    await inbox?.close();
  });

  it('starts a no-card trial from the wall for a signed-out reader and lands back on the article', async () => {
    const a = t.agent({ 'user-agent': 'Trialist' });
    const wall = await a.get(`/articles/${paid.slug}`);
    expect(wall.body).toContain('Try 14 days free');
    const click = await a.get(`/wall/trial?a=${paid.id}&r=paid_only&return_to=/articles/${paid.slug}`);
    const pricing = await a.get(click.headers.location as string);
    expect(pricing.body).toContain('Start my 14-day free trial');
    expect(pricing.body).toContain('Payments are not set up on this site yet');
    const before = inbox.messages.length;
    const res = await a.post('/signup', { email: 'trialist@example.com', intent: 'trial', return_to: `/articles/${paid.slug}` });
    expect(res.statusCode).toBe(303);
    // The link's mail says what it does.
    const mail = await inbox.waitFor('trialist@example.com', { after: before });
    expect(mail.subject).toBe('Start your 14-day free trial of Masthead');
    expect(mail.text).toContain('start your 14-day free trial');
    const landed = await a.get(pathOf(linkIn(mail)));
    expect(landed.headers.location).toBe(`/articles/${paid.slug}?notice=trial-started`);
    const back = (await a.get(landed.headers.location as string)).body;
    expect(back).toContain(FULL);
    expect(back).toContain('Your free trial has started');
    // The notice is ours, from its key, and only for the reader it is true for.
    expect((await t.get(`/articles/${paid.slug}?notice=trial-started`)).body).not.toContain('Your free trial has started');
    expect((await a.get(`/articles/${paid.slug}`)).body).not.toContain('Your free trial has started');
    const account = (await a.get('/account')).body;
    expect(account).toContain('Free trial');
    expect(account).toContain('14 days left');
    await inbox.waitFor('trialist@example.com', { after: before, subject: /14-day free trial .* has started/ });
    expect(await historyOf(t, 'trialist@example.com')).toEqual([{ from_status: null, to_status: 'trialing', cause: 'member: started a free trial' }]);
  });

  it('sends the reminder, ends the trial after 14 days and brings the wall back', async () => {
    const a = await signIn(t, inbox, 'ender@example.com');
    await a.get('/subscribe');
    expect((await a.post('/subscribe/trial', { return_to: `/articles/${paid.slug}#comments` })).headers.location).toBe(`/articles/${paid.slug}?notice=trial-started#comments`);
    expect((await a.get('/account?notice=trial-started')).body).toContain('Your free trial has started');
    expect((await a.get(`/articles/${paid.slug}`)).body).toContain(FULL);
    const before = inbox.messages.length;
    t.clock.advance(11 * DAY + 1000);
    await t.app.ctx.worker.drain();
    await inbox.waitFor('ender@example.com', { after: before, subject: /ends in 3 days/ });
    t.clock.advance(3 * DAY);
    await t.app.ctx.worker.drain();
    await inbox.waitFor('ender@example.com', { after: before, subject: /has ended/ });
    t.app.ctx.invalidate();
    const after = await a.get(`/articles/${paid.slug}`);
    expect(after.body).not.toContain(FULL);
    expect(after.body).toContain('This article is for subscribers');
    expect((await historyOf(t, 'ender@example.com')).map((h) => h.to_status)).toEqual(['trialing', 'canceled']);
  });

  it('gives one trial per person, whatever the spelling of the address', async () => {
    const a = await signIn(t, inbox, 'j.doe+first@gmail.com');
    await a.get('/subscribe');
    expect((await a.post('/subscribe/trial', {})).statusCode).toBe(303);
    await a.post('/account/subscription/cancel', {});
    // A trial link for an address whose trial is used promises none: it is a plain sign-in link.
    const c = t.agent();
    await c.get('/subscribe');
    const before = inbox.messages.length;
    await c.post('/signup', { email: 'jdoe@gmail.com', intent: 'trial', return_to: '/' });
    const plain = await inbox.waitFor('jdoe@gmail.com', { after: before });
    expect(plain.subject).not.toMatch(/trial/);
    expect(plain.text).not.toMatch(/trial/);
    const b = await signIn(t, inbox, 'jdoe+second@googlemail.com');
    const page = await b.get('/subscribe');
    expect(page.body).toContain('Your trial has been used');
    expect(page.body).not.toContain('Start my 14-day free trial');
    const again = await b.post('/subscribe/trial', {});
    expect(again.statusCode).toBe(409);
    expect(again.body).toContain('Your trial has been used');
  });

  it('offers every active plan on /subscribe, the default first, each with its prices and trial, and starts the chosen plan\'s trial', async () => {
    // As `masthead plan create` makes them: not the default, one archived.
    const circle = await createPlan(t.db.db, { name: 'Harbour Circle', trialDays: 7, prices: [{ interval: 'month', currency: 'gbp', amount: 1500 }, { interval: 'year', currency: 'gbp', amount: 15000 }] }, t.clock.now());
    const gone = await createPlan(t.db.db, { name: 'Old Friends', trialDays: 0, prices: [{ interval: 'month', currency: 'gbp', amount: 300 }] }, t.clock.now());
    await archivePlan(t.db.db, gone.id, t.clock.now());
    const page = (await t.get('/subscribe')).body;
    const text = page.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
    expect(text).toContain('Supporter £7.00 a month £70.00 a year 14-day free trial');
    expect(text).toContain('Harbour Circle £15.00 a month £150.00 a year 7-day free trial');
    expect(page.indexOf('Supporter')).toBeLessThan(page.indexOf('Harbour Circle'));
    expect(page).not.toContain('Old Friends');

    const a = await signIn(t, inbox, 'circle@example.com');
    const mine = (await a.get('/subscribe')).body;
    expect(mine).toContain('Start my 14-day free trial');
    expect(mine).toContain('Start my 7-day free trial');
    expect((await a.post('/subscribe/trial', { plan: circle.slug })).statusCode).toBe(303);
    const sub = await t.db.db.selectFrom('subscriptions as s').innerJoin('members as m', 'm.id', 's.member_id').select(['s.plan_id', 's.status', 's.trial_end']).where('m.email', '=', 'circle@example.com').executeTakeFirstOrThrow();
    expect(sub).toEqual({ plan_id: circle.id, status: 'trialing', trial_end: t.clock.now() + 7 * DAY });
    const b = await signIn(t, inbox, 'nosuchplan@example.com');
    await b.get('/subscribe');
    expect((await b.post('/subscribe/trial', { plan: 'no-such-plan' })).statusCode).toBe(409);
    await archivePlan(t.db.db, circle.id, t.clock.now());
  });

  it('grants and revokes complimentary access through the Admin API', async () => {
    const a = await signIn(t, inbox, 'friend@example.com');
    const member = await t.db.db.selectFrom('members').select('id').where('email', '=', 'friend@example.com').executeTakeFirstOrThrow();
    // Read once before the grant: a remembered session lookup must not outlive the change.
    expect((await a.get(`/articles/${paid.slug}`)).body).not.toContain(FULL);
    expect((await t.api('POST', `/api/admin/members/${member.id}/comp`, {})).statusCode).toBe(201);
    expect((await a.get(`/articles/${paid.slug}`)).body).toContain(FULL);
    expect((await t.api('POST', `/api/admin/members/${member.id}/comp`, {})).statusCode).toBe(409);
    expect((await t.api('DELETE', `/api/admin/members/${member.id}/comp`)).statusCode).toBe(204);
    expect((await a.get(`/articles/${paid.slug}`)).body).not.toContain(FULL);
    const causes = (await historyOf(t, 'friend@example.com')).map((h) => h.cause);
    expect(causes[0]).toMatch(/^staff:\d+: granted/);
    expect(causes[1]).toMatch(/^staff:\d+: revoked/);
  });

  it('manages plans with validated money and reports figures', async () => {
    const bad = await t.api('POST', '/api/admin/plans', { name: 'Cheap', prices: [{ interval: 'month', currency: 'gbp', amount: 4.99 }] });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toMatch(/whole number/);
    expect((await t.api('POST', '/api/admin/plans', { name: 'Cheap', prices: [{ interval: 'month', currency: 'xyz', amount: 499 }] })).statusCode).toBe(400);
    const created = await t.api('POST', '/api/admin/plans', { name: 'Patron', trialDays: 0, prices: [{ interval: 'year', currency: 'eur', amount: 12000 }] });
    expect(created.statusCode).toBe(201);
    const archived = await t.api('PATCH', `/api/admin/plans/${created.json().plan.id}`, { status: 'archived' });
    expect(archived.json().plan.status).toBe('archived');
    const figures = (await t.api('GET', '/api/admin/billing/figures')).json().figures;
    const trialing = await t.db.db.selectFrom('subscriptions').select('id').where('status', '=', 'trialing').execute();
    expect(figures).toMatchObject({ activeSubscribers: 0, comps: 0, trialsRunning: trialing.length, mrr: {} });
    // Trials ended in this suite (one ran out, one was canceled); none became paid.
    expect(figures.trialConversion30d).toBe(0);
  });
});

describe.each(dialects())('Stripe on %s', (dialect) => {
  let t: TestApp;
  let inbox: Inbox;
  let stub: StripeStub;
  let paid: ArticleDetail;
  let log: LogEntry[];

  beforeAll(async () => {
    inbox = await startInbox();
    stub = await startStripeStub();
    const captured = captureLog('warn');
    log = captured.entries;
    t = await startTestApp(dialect, { smtpUrl: inbox.url, logger: captured.logger, stripe: { secretKey: stub.secretKey, webhookSecret: stub.webhookSecret, apiUrl: stub.url } });
    await makePlan(t.app.ctx.content);
    paid = await makeArticle(t.app.ctx.content, { title: 'Paid for Stripe', accessLevel: 'paid' });
  });
  afterAll(async () => {
    await t?.close();
    await inbox?.close();
    await stub?.close();
  });

  const deliver = (event: unknown, signature?: string) => {
    const payload = JSON.stringify(event);
    return t.app.server.inject({ method: 'POST', url: '/webhooks/stripe', headers: { 'content-type': 'application/json', 'stripe-signature': signature ?? stub.sign(payload) }, payload });
  };

  async function checkout(email: string, interval = 'month', extra: Record<string, string> = {}) {
    const a = await signIn(t, inbox, email);
    await a.get('/subscribe');
    const res = await a.post('/subscribe/checkout', { interval, ...extra });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toMatch(/^https:\/\/checkout\.stripe\.com\//);
    const session = [...stub.sessions.values()].at(-1)!;
    return { a, session };
  }

  it('sends the reader to Checkout with our price and member, and activates on checkout.session.completed', async () => {
    const { a, session } = await checkout('payer@example.com', 'year');
    expect(session).toMatchObject({ mode: 'subscription', line_items: { 0: { price_data: { currency: 'gbp', unit_amount: '7000', recurring: { interval: 'year' } } } } });
    expect((await a.get(`/articles/${paid.slug}`)).body).not.toContain(FULL);
    const { event } = stub.completeCheckout(session.id as string);
    const res = await deliver(event);
    expect(res.statusCode).toBe(200);
    expect(res.json().outcome).toBe('processed');
    expect((await a.get(`/articles/${paid.slug}`)).body).toContain(FULL);
    const account = (await a.get('/account')).body;
    expect(account).toContain('Active');
    expect(account).toContain('Next charge');
    expect(account).toContain('£70.00');
  });

  it('checks out the plan the reader chose, at its price', async () => {
    const circle = await createPlan(t.db.db, { name: 'Stripe Circle', trialDays: 0, prices: [{ interval: 'month', currency: 'gbp', amount: 1500 }, { interval: 'year', currency: 'gbp', amount: 15000 }] }, t.clock.now());
    const { a, session } = await checkout('circle-payer@example.com', 'year', { plan: circle.slug });
    expect((await a.get('/subscribe')).body).toContain('Pay £150.00 a year');
    expect(session).toMatchObject({ line_items: { 0: { price_data: { currency: 'gbp', unit_amount: '15000', recurring: { interval: 'year' }, product_data: { name: 'Stripe Circle' } } } } });
    await archivePlan(t.db.db, circle.id, t.clock.now());
  });

  it('refuses a bad signature with 400 and changes nothing', async () => {
    const { session } = await checkout('forger@example.com');
    const { event } = stub.completeCheckout(session.id as string);
    const res = await deliver(event, 't=1,v1=deadbeef');
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toMatch(/signature/);
    expect(await historyOf(t, 'forger@example.com')).toEqual([]);
    const tampered = await t.app.server.inject({ method: 'POST', url: '/webhooks/stripe', headers: { 'content-type': 'application/json', 'stripe-signature': stub.sign(JSON.stringify(event)) }, payload: JSON.stringify({ ...event, id: 'evt_other' }) });
    expect(tampered.statusCode).toBe(400);
  });

  it('applies a replayed event once', async () => {
    const { session } = await checkout('replay@example.com');
    const { event } = stub.completeCheckout(session.id as string);
    expect((await deliver(event)).json().outcome).toBe('processed');
    expect((await deliver(event)).json().outcome).toBe('duplicate');
    expect((await deliver(event)).json().outcome).toBe('duplicate');
    expect(await historyOf(t, 'replay@example.com')).toHaveLength(1);
  });

  it('reconciles from the subscription object when events arrive out of order', async () => {
    const { a, session } = await checkout('shuffle@example.com');
    const { subscription, event: completed } = stub.completeCheckout(session.id as string);
    const createdEvt = stub.event('customer.subscription.created', { ...subscription });
    stub.setStatus(subscription.id, 'past_due');
    const failed = stub.event('invoice.payment_failed', { object: 'invoice', parent: { subscription_details: { subscription: subscription.id } } });
    stub.setStatus(subscription.id, 'canceled');
    const deleted = stub.event('customer.subscription.deleted', { ...subscription, status: 'canceled' });
    // Delivered newest first: each handler fetches the subscription as it is now.
    for (const e of [deleted, failed, createdEvt, completed]) expect((await deliver(e)).statusCode).toBe(200);
    expect((await a.get(`/articles/${paid.slug}`)).body).not.toContain(FULL);
    const subs = await t.db.db.selectFrom('subscriptions').select('status').where('stripe_subscription_id', '=', subscription.id).execute();
    expect(subs).toEqual([]);
  });

  it('walks active → past_due (mail, grace) → active → canceled with history', async () => {
    const { a, session } = await checkout('lifecycle@example.com');
    const { subscription, event } = stub.completeCheckout(session.id as string);
    await deliver(event);
    stub.setStatus(subscription.id, 'past_due');
    const before = inbox.messages.length;
    await deliver(stub.event('invoice.payment_failed', { object: 'invoice', subscription: subscription.id }));
    await inbox.waitFor('lifecycle@example.com', { after: before, subject: /could not take your payment/ });
    expect((await a.get(`/articles/${paid.slug}`)).body, 'within the grace period').toContain(FULL);
    stub.setStatus(subscription.id, 'active');
    await deliver(stub.event('invoice.paid', { object: 'invoice', subscription: subscription.id }));
    stub.setStatus(subscription.id, 'past_due');
    await deliver(stub.event('customer.subscription.updated', { ...subscription }));
    t.clock.advance(8 * DAY);
    await t.app.ctx.worker.drain();
    expect((await a.get(`/articles/${paid.slug}`)).body, 'after the grace period').not.toContain(FULL);
    stub.setStatus(subscription.id, 'canceled');
    await deliver(stub.event('customer.subscription.deleted', { ...subscription }));
    const h = await historyOf(t, 'lifecycle@example.com');
    expect(h.map((x) => `${x.from_status}→${x.to_status}`)).toEqual(['null→active', 'active→past_due', 'past_due→active', 'active→past_due', 'past_due→canceled']);
    expect(h.every((x) => x.cause.startsWith('stripe: '))).toBe(true);
  });

  it('completes the change exactly once when the first delivery fails before commit', async () => {
    const { session } = await checkout('retry@example.com');
    const { event } = stub.completeCheckout(session.id as string);
    stub.failRetrievals(1);
    const first = await deliver(event);
    expect(first.statusCode).toBe(500);
    expect(await historyOf(t, 'retry@example.com')).toEqual([]);
    expect((await deliver(event)).json().outcome).toBe('processed');
    expect((await deliver(event)).json().outcome).toBe('duplicate');
    expect(await historyOf(t, 'retry@example.com')).toHaveLength(1);
  });

  const eventRecorded = async (id: string) => !!(await t.db.db.selectFrom('stripe_events').select('id').where('id', '=', id).executeTakeFirst());
  const retrievalsOf = (subId: string) => stub.calls.filter((c) => c.method === 'GET' && c.path === `/v1/subscriptions/${subId}`).length;

  it('records an event whose subscription Stripe does not have, answers 200 once, warns, and asks Stripe no more', async () => {
    // Every handled event type that names a subscription: the same answer for each, not only for one.
    const gone = 'sub_gone404';
    const events = [
      stub.event('customer.subscription.updated', { id: gone, object: 'subscription', status: 'active', customer: 'cus_x', metadata: {} }),
      stub.event('customer.subscription.deleted', { id: gone, object: 'subscription', status: 'canceled', customer: 'cus_x', metadata: {} }),
      stub.event('checkout.session.completed', { id: 'cs_gone', object: 'checkout.session', subscription: gone, customer: 'cus_x' }),
      stub.event('invoice.paid', { object: 'invoice', subscription: gone }),
      stub.event('invoice.payment_failed', { object: 'invoice', parent: { subscription_details: { subscription: gone } } }),
    ];
    for (const e of events) {
      const warningsBefore = log.filter((l) => l.level === WARN).length;
      const res = await deliver(e);
      expect(res.statusCode, e.type).toBe(200);
      expect(res.json(), e.type).toMatchObject({ received: true, outcome: 'missing' });
      expect(await eventRecorded(e.id), e.type).toBe(true);
      const warning = log.filter((l) => l.level === WARN).slice(warningsBefore);
      expect(warning, e.type).toHaveLength(1);
      expect(warning[0], e.type).toMatchObject({ eventId: e.id, eventType: e.type });
      expect(warning[0]!.msg, e.type).toMatch(/does not exist/);
      expect(String(warning[0]!.stripeMessage), e.type).toContain(gone);
    }
    const asked = retrievalsOf(gone);
    expect(asked).toBe(events.length);
    for (const e of events) expect((await deliver(e)).json().outcome, `redelivered ${e.type}`).toBe('duplicate');
    expect(retrievalsOf(gone), 'a redelivery is a no-op').toBe(asked);
    expect(await t.db.db.selectFrom('subscriptions').select('id').where('stripe_subscription_id', '=', gone).execute()).toEqual([]);
  });

  it('answers 500 and records nothing when Stripe fails for a moment (server error, rate limit, network), so Stripe retries', async () => {
    for (const how of ['server', 'rate_limit', 'network'] as const) {
      const email = `flaky-${how.replace('_', '-')}@example.com`;
      const { session } = await checkout(email);
      const { event } = stub.completeCheckout(session.id as string);
      // The SDK itself retries a dropped connection once, so a network failure has to outlast that retry.
      stub.failRetrievals(how === 'network' ? 2 : 1, how);
      const first = await deliver(event);
      expect(first.statusCode, how).toBe(500);
      expect(first.json().error.message, how).not.toMatch(/stub|rate limit exceeded/i);
      expect(await eventRecorded(event.id), how).toBe(false);
      expect(await historyOf(t, email), how).toEqual([]);
      const again = await deliver(event);
      expect(again.statusCode, how).toBe(200);
      expect(again.json().outcome, how).toBe('processed');
      expect(await historyOf(t, email), how).toHaveLength(1);
    }
  });

  it('runs card-up-front trials through Checkout and mails before the trial ends', async () => {
    await t.api('PATCH', '/api/admin/billing', { trialMode: 'card' });
    const { a, session } = await checkout('card-trial@example.com', 'month', { trial: '1' });
    expect(session).toMatchObject({ subscription_data: { trial_period_days: '14' } });
    const { subscription, event } = stub.completeCheckout(session.id as string);
    await deliver(event);
    expect((await a.get('/account')).body).toContain('Free trial');
    const before = inbox.messages.length;
    await deliver(stub.event('customer.subscription.trial_will_end', { ...subscription }));
    await inbox.waitFor('card-trial@example.com', { after: before, subject: /trial ends in 3 days/ });
    expect((await a.get('/subscribe')).body).toContain('You are a subscriber');
    await t.api('PATCH', '/api/admin/billing', { trialMode: 'no_card' });
  });

  it('opens the Customer Portal and cancels or resumes at period end', async () => {
    const { a, session } = await checkout('portal@example.com');
    const { subscription, event } = stub.completeCheckout(session.id as string);
    await deliver(event);
    await a.get('/account');
    const portal = await a.post('/account/billing-portal', {});
    expect(portal.headers.location).toMatch(/^https:\/\/billing\.stripe\.test\//);
    await a.post('/account/subscription/cancel', {});
    expect(stub.subscriptions.get(subscription.id)!.cancel_at_period_end).toBe(true);
    expect((await a.get('/account')).body).toContain('ends at the end of the period');
    await a.post('/account/subscription/resume', {});
    expect(stub.subscriptions.get(subscription.id)!.cancel_at_period_end).toBe(false);
  });
});
