import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/db.js';
import { startTestApp, type Agent, type TestApp } from '../helpers/app.js';
import { makeArticle, makeComment, makePlan } from '../helpers/factories.js';
import { startStripeStub, type StripeStub } from '../helpers/stripe-stub.js';
import { createStaffUser, type StaffRole } from '../../src/members/staff.js';
import { setStaffPassword } from '../../src/members/staff-auth.service.js';
import { createSession, SESSION_COOKIE } from '../../src/members/sessions.js';
import { readCommentRules } from '../../src/comments/rules.js';

/**
 * The newsroom's staff pages over HTTP on both databases (issue 16, parts 3, 4 and 6): moderation,
 * staff and invitations, tokens and the audit log, plans and offers through Checkout on the Stripe stub.
 */
const DAY = 86_400_000;
const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/&amp;/g, '&').replace(/&#39;|&#x27;/g, "'").replace(/&quot;/g, '"').replace(/\s+/g, ' ');

async function signInAs(t: TestApp, agent: Agent, name: string) {
  await agent.get('/admin/signin');
  expect((await agent.post('/admin/signin', { email: `${name}@staff.example`, password: `${name} password 123` })).statusCode).toBe(303);
}

async function staffAgent(t: TestApp, name: string, role: StaffRole): Promise<{ id: number; agent: Agent }> {
  const u = await createStaffUser(t.db.db, { email: `${name}@staff.example`, name, role, now: t.clock.now() });
  await setStaffPassword({ db: t.db.db, clock: t.clock }, u.email, `${name} password 123`, 'test');
  const agent = t.agent();
  await signInAs(t, agent, name);
  return { id: u.id, agent };
}

async function memberAgent(t: TestApp, email: string, status = 'paid'): Promise<{ id: number; agent: Agent }> {
  const now = t.clock.now();
  const m = await t.db.db.insertInto('members').values({ email, email_normalized: email, name: email.split('@')[0]!, status, email_verified: 1, password_hash: null, created_at: now, last_seen_at: null, deleted_at: null }).returning('id').executeTakeFirstOrThrow();
  const agent = t.agent({ 'user-agent': `Reader ${email}` });
  agent.cookies.set(SESSION_COOKIE, (await createSession(t.db.db, { memberId: m.id }, 'test', now)).token);
  return { id: m.id, agent };
}

/** The rows of a page's table, as text (not its filter form's hints). */
const tableText = (html: string) => text(/<tbody>([\s\S]*?)<\/tbody>/.exec(html)?.[1] ?? '');

const auditActions = async (t: TestApp) => (await t.db.db.selectFrom('audit_log').select('action').orderBy('id').execute()).map((r) => r.action);

describe.each(dialects())('comment moderation in the newsroom on %s', (dialect) => {
  let t: TestApp;
  let editor: Agent;
  let contributor: Agent;
  let slug: string;
  let reader: { id: number; agent: Agent };

  beforeAll(async () => {
    t = await startTestApp(dialect);
    editor = (await staffAgent(t, 'edna', 'editor')).agent;
    contributor = (await staffAgent(t, 'cora', 'contributor')).agent;
    const a = await makeArticle(t.app.ctx.content, { title: 'The harbour wall', accessLevel: 'free' });
    slug = a.slug;
    reader = await memberAgent(t, 'rude@example.com');
  });
  afterAll(async () => t?.close());

  it('shows an editor the queue with the article and the reporter’s reason; a contributor is refused', async () => {
    const c = await makeComment(t.app.ctx.comments, (await t.db.db.selectFrom('articles').select('id').where('slug', '=', slug).executeTakeFirstOrThrow()).id, reader.id, 'You are all idiots');
    await t.db.db.insertInto('comment_reports').values({ comment_id: c.id, reporter_member_id: null, reason: 'Insults other readers', created_at: t.clock.now(), resolved_at: null }).execute();
    const page = await editor.get('/admin/comments');
    expect(page.statusCode).toBe(200);
    expect(page.headers['cache-control']).toBe('private, no-store');
    const reported = text(page.body.split('id="q-reported"')[1]!.split('id="q-recent"')[0]!);
    expect(reported).toContain('You are all idiots');
    expect(reported).toContain('The harbour wall');
    expect(reported).toContain('Insults other readers');
    expect((await contributor.get('/admin/comments')).statusCode).toBe(403);

    // Hide it: it leaves the reported queue, readers no longer see it, and the audit log says who did it.
    const hidden = await editor.post('/admin/comments/bulk', { action: 'hide', ids: String(c.id) });
    expect(hidden.statusCode).toBe(303);
    const after = await editor.get('/admin/comments');
    expect(text(after.body.split('id="q-reported"')[1]!.split('id="q-recent"')[0]!)).not.toContain('You are all idiots');
    expect((await t.get(`/articles/${slug}`)).body).not.toContain('You are all idiots');
    expect(await auditActions(t)).toContain('comment.hidden');
  });

  it('refuses a ban without a reason beside the field, keeping the choice; a banned member’s next post is refused until the ban ends', async () => {
    // The reader's form token from before the ban: a banned member is not offered the form any more.
    await reader.agent.get(`/articles/${slug}`);
    await editor.get(`/admin/comments/ban?member=${reader.id}`);
    const bad = await editor.post('/admin/comments/bans', { member: String(reader.id), length: 'week', reason: '  ' });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toMatch(/id="ban-reason-error"[^>]*>Give the reason for the ban/);
    expect(bad.body).toMatch(/<option value="week" selected>/);
    const ok = await editor.post('/admin/comments/bans', { member: String(reader.id), length: 'week', reason: 'Insulting other readers' });
    expect(ok.statusCode).toBe(303);
    expect(text((await editor.get('/admin/comments')).body)).toContain('Insulting other readers');

    const refused = await reader.agent.post(`/articles/${slug}/comments`, { body: 'Let me back in' });
    expect(refused.statusCode).toBe(403);
    expect(text(refused.body)).toMatch(/banned from commenting/i);
    expect(text((await reader.agent.get(`/articles/${slug}`)).body)).toMatch(/banned from commenting/i);

    t.clock.advance(8 * DAY);
    await reader.agent.get(`/articles/${slug}`);
    expect((await reader.agent.post(`/articles/${slug}/comments`, { body: 'Back, and politer' })).statusCode).toBe(303);
    expect(await auditActions(t)).toContain('member.comment_banned');
    // A staff session lasts 12 idle hours: sign in again after the week.
    await signInAs(t, editor, 'edna');
  });

  it('edits blocked words and first-comment premoderation', async () => {
    await editor.get('/admin/comments');
    expect((await editor.post('/admin/comments/rules', { blockedWords: 'gammon\r\n  spam link \r\n', premoderateFirst: '1' })).statusCode).toBe(303);
    expect(await readCommentRules(t.db.db)).toMatchObject({ blockedWords: ['gammon', 'spam link'], premoderateFirst: true });
    await reader.agent.get(`/articles/${slug}`);
    const held = await reader.agent.post(`/articles/${slug}/comments`, { body: 'What a gammon' });
    expect(held.headers.location).toContain('comment=pending');
    expect(text((await editor.get('/admin/comments')).body.split('id="q-pending"')[1]!.split('id="q-reported"')[0]!)).toContain('What a gammon');
    await editor.post('/admin/comments/rules', { blockedWords: '' });
    expect(await readCommentRules(t.db.db)).toMatchObject({ blockedWords: [], premoderateFirst: false });
    expect((await auditActions(t)).filter((a) => a === 'comments.rules_changed')).toHaveLength(2);
  });
});

describe.each(dialects())('staff, invitations, tokens and the audit log on %s', (dialect) => {
  let t: TestApp;
  let owner: { id: number; agent: Agent };
  let admin: { id: number; agent: Agent };

  beforeAll(async () => {
    t = await startTestApp(dialect);
    owner = await staffAgent(t, 'olive', 'owner');
    admin = await staffAgent(t, 'adam', 'administrator');
  });
  afterAll(async () => t?.close());

  it('invites by email with a role; the link is single-use, asks for a name and password, and signs the new author in', async () => {
    await admin.agent.get('/admin/staff');
    const badEmail = await admin.agent.post('/admin/staff/invitations', { email: 'not-an-email', role: 'author' });
    expect(badEmail.statusCode).toBe(400);
    expect(badEmail.body).toContain('value="not-an-email"');
    expect(badEmail.body).toMatch(/id="inv-email-error"/);
    const tooHigh = await admin.agent.post('/admin/staff/invitations', { email: 'boss@staff.example', role: 'administrator' });
    expect(tooHigh.statusCode).toBe(403);
    expect(text(tooHigh.body)).toContain('can only invite editors, authors and contributors');

    const sent = await admin.agent.post('/admin/staff/invitations', { email: 'ann@staff.example', role: 'author' });
    expect(sent.statusCode).toBe(200);
    const link = /<code class="secret-once">([^<]+)<\/code>/.exec(sent.body)![1]!;
    const path = new URL(link).pathname;
    const mail = await t.db.db.selectFrom('jobs').select('payload').orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(mail.payload).toContain(path);

    const ann = t.agent();
    expect((await ann.get(path)).statusCode).toBe(200);
    const short = await ann.post(path, { name: 'Ann Author', password: 'short' });
    expect(short.statusCode, short.body).toBe(400);
    expect(short.body).toContain('value="Ann Author"');
    expect(short.body, text(short.body)).toMatch(/id="i-password-error"[^>]*>Password must be at least 10 characters/);
    const accepted = await ann.post(path, { name: 'Ann Author', password: 'ann password 123' });
    expect(accepted.statusCode).toBe(303);
    expect(accepted.headers.location).toBe('/admin');
    expect((await ann.get('/admin')).body).toContain('ann@staff.example');
    // Single use: a second visit, or a second tab's post, is refused.
    expect((await t.agent().get(path)).statusCode).toBe(410);
    const again = t.agent();
    await again.get('/admin/signin');
    expect((await again.post(path, { name: 'Mallory', password: 'mallory password 1' })).statusCode).toBe(409);
    const row = await t.db.db.selectFrom('staff_users').select(['role', 'name']).where('email_normalized', '=', 'ann@staff.example').executeTakeFirstOrThrow();
    expect(row).toEqual({ role: 'author', name: 'Ann Author' });
  });

  it('expires invitations after a week', async () => {
    await owner.agent.get('/admin/staff');
    const sent = await owner.agent.post('/admin/staff/invitations', { email: 'late@staff.example', role: 'contributor' });
    const path = new URL(/<code class="secret-once">([^<]+)<\/code>/.exec(sent.body)![1]!).pathname;
    t.clock.advance(7 * DAY + 1);
    const page = await t.agent().get(path);
    expect(page.statusCode).toBe(410);
    expect(text(page.body)).toContain('This invitation has expired');
    await signInAs(t, owner.agent, 'olive');
    await signInAs(t, admin.agent, 'adam');
  });

  it('changes roles and removes staff within the rules; a removed member is signed out', async () => {
    const ed = await staffAgent(t, 'eddie', 'editor');
    await admin.agent.get('/admin/staff');
    expect((await admin.agent.post(`/admin/staff/${ed.id}/role`, { role: 'author' })).statusCode).toBe(303);
    const promote = await admin.agent.post(`/admin/staff/${ed.id}/role`, { role: 'administrator' });
    expect(promote.statusCode).toBe(403);
    expect((await admin.agent.post(`/admin/staff/${owner.id}/remove`, {})).statusCode).toBe(403);
    expect((await admin.agent.post(`/admin/staff/${ed.id}/remove`, {})).statusCode).toBe(303);
    expect((await ed.agent.get('/admin/articles')).statusCode).toBe(303);
    const retry = t.agent();
    await retry.get('/admin/signin');
    expect((await retry.post('/admin/signin', { email: 'eddie@staff.example', password: 'eddie password 123' })).statusCode).toBe(401);
    expect(text((await admin.agent.get('/admin/staff')).body)).not.toContain('eddie@staff.example');
    expect(await auditActions(t)).toEqual(expect.arrayContaining(['staff.role_changed', 'staff.removed']));
  });

  it('creates an API token shown once, and revokes it', async () => {
    await admin.agent.get('/admin/tokens');
    const empty = await admin.agent.post('/admin/tokens', { name: '' });
    expect(empty.statusCode).toBe(400);
    expect(empty.body).toMatch(/id="tok-name-error"/);
    const made = await admin.agent.post('/admin/tokens', { name: 'Importer' });
    expect(made.statusCode).toBe(201);
    const secret = /<code class="secret-once" id="new-token">([^<]+)<\/code>/.exec(made.body)![1]!;
    expect((await t.app.server.inject({ method: 'GET', url: '/api/admin/audit', headers: { authorization: `Bearer ${secret}` } })).statusCode).toBe(200);
    const list = await admin.agent.get('/admin/tokens');
    expect(list.body).toContain('Importer');
    expect(list.body).not.toContain(secret);
    const id = /action="\/admin\/tokens\/(\d+)\/revoke"/.exec(list.body)![1]!;
    expect((await admin.agent.post(`/admin/tokens/${id}/revoke`, {})).statusCode).toBe(303);
    expect((await t.app.server.inject({ method: 'GET', url: '/api/admin/audit', headers: { authorization: `Bearer ${secret}` } })).statusCode).toBe(401);
  });

  it('transfers ownership: only the owner may, and there is still exactly one owner', async () => {
    await admin.agent.get('/admin/staff');
    expect((await admin.agent.post('/admin/staff/transfer', { to: String(admin.id), confirm: '1' })).statusCode).toBe(403);
    await owner.agent.get('/admin/staff');
    expect((await owner.agent.post('/admin/staff/transfer', { to: String(admin.id) })).statusCode).toBe(400);
    expect((await owner.agent.post('/admin/staff/transfer', { to: String(admin.id), confirm: '1' })).statusCode).toBe(303);
    const roles = await t.db.db.selectFrom('staff_users').select(['id', 'role']).where('id', 'in', [owner.id, admin.id]).execute();
    expect(Object.fromEntries(roles.map((r) => [r.id, r.role]))).toEqual({ [owner.id]: 'administrator', [admin.id]: 'owner' });
  });

  it('shows the audit log filtered by action family and who acted; others than administrators cannot read it', async () => {
    const all = tableText((await admin.agent.get('/admin/audit')).body);
    expect(all).toContain('token.created');
    const staffOnly = tableText((await admin.agent.get('/admin/audit?action=staff')).body);
    expect(staffOnly).toContain('staff.invited');
    expect(staffOnly).toContain('staff.ownership_transferred');
    expect(staffOnly).not.toContain('token.created');
    const byOwner = tableText((await admin.agent.get(`/admin/audit?actor=staff:${owner.id}&action=staff.ownership_transferred`)).body);
    expect(byOwner).toContain('staff.ownership_transferred');
    expect(byOwner).not.toContain('staff.invited');
    const writer = await staffAgent(t, 'wendy', 'author');
    expect((await writer.agent.get('/admin/audit')).statusCode).toBe(403);
    expect((await writer.agent.get('/admin/staff')).statusCode).toBe(403);
  });
});

describe.each(dialects())('plans and offers on %s', (dialect) => {
  let t: TestApp;
  let stub: StripeStub;
  let boss: Agent;

  beforeAll(async () => {
    stub = await startStripeStub();
    t = await startTestApp(dialect, { stripe: { secretKey: stub.secretKey, webhookSecret: stub.webhookSecret, apiUrl: stub.url } });
    boss = (await staffAgent(t, 'bea', 'administrator')).agent;
    await makePlan(t.app.ctx.content);
  });
  afterAll(async () => {
    await t?.close();
    await stub?.close();
  });

  const deliver = (event: unknown) => {
    const payload = JSON.stringify(event);
    return t.app.server.inject({ method: 'POST', url: '/webhooks/stripe', headers: { 'content-type': 'application/json', 'stripe-signature': stub.sign(payload) }, payload });
  };

  it('refuses a plan with no price, with the reason beside the price and what was typed kept; creates, edits and archives plans', async () => {
    await boss.get('/admin/plans/new');
    const none = await boss.post('/admin/plans', { name: 'Patron', description: 'For the keen', trialDays: '30', currency: 'gbp', monthly: '', yearly: '' });
    expect(none.statusCode).toBe(400);
    expect(none.body).toMatch(/id="p-monthly-error"[^>]*>A plan needs at least one price/);
    expect(none.body).toContain('value="Patron"');
    expect(none.body).toContain('For the keen');
    const decimal = await boss.post('/admin/plans', { name: 'Patron', trialDays: '30', currency: 'gbp', monthly: '12.50' });
    expect(decimal.statusCode).toBe(400);
    expect(decimal.body).toMatch(/id="p-monthly-error"/);
    expect((await boss.post('/admin/plans', { name: 'Patron', trialDays: '30', currency: 'gbp', monthly: '2000' })).statusCode).toBe(303);
    const plan = (await t.db.db.selectFrom('plans').select('id').where('slug', '=', 'patron').executeTakeFirstOrThrow()).id;
    await boss.get(`/admin/plans/${plan}`);
    expect((await boss.post(`/admin/plans/${plan}`, { name: 'Patron', trialDays: '7', currency: 'gbp', monthly: '2500', yearly: '25000' })).statusCode).toBe(303);
    const removed = await boss.post(`/admin/plans/${plan}`, { name: 'Patron', trialDays: '7', currency: 'gbp', monthly: '', yearly: '25000' });
    expect(removed.statusCode).toBe(400);
    expect(removed.body).toMatch(/id="p-monthly-error"[^>]*>The monthly price cannot be removed/);
    const list = text((await boss.get('/admin/plans')).body);
    expect(list).toContain('£25.00 a month');
    expect(list).toContain('7 days');
    expect((await boss.post(`/admin/plans/${plan}/archive`, {})).statusCode).toBe(303);
    expect(text((await t.get('/subscribe')).body)).not.toContain('Patron');
    expect(await auditActions(t)).toEqual(expect.arrayContaining(['plan.created', 'plan.updated', 'plan.archived']));
  });

  it('refuses an offer that would make a price negative, beside the amount, keeping what was typed', async () => {
    await boss.get('/admin/offers/new');
    const neg = await boss.post('/admin/offers', { name: 'Too generous', code: 'free-money', planId: '', kind: 'fixed', amount: '800', currency: 'gbp', duration: 'once' });
    expect(neg.statusCode).toBe(400);
    expect(neg.body).toMatch(/id="o-amount-error"[^>]*>This discount would make the Supporter monthly price \(£7\.00\) negative/);
    expect(neg.body).toContain('value="free-money"');
    expect(neg.body).toMatch(/<option value="fixed" selected>/);
  });

  it('applies an offer link at Checkout as a Stripe coupon, shows it on /subscribe, and reports redemptions', async () => {
    await boss.get('/admin/offers/new');
    expect((await boss.post('/admin/offers', { name: 'Spring', code: 'spring', planId: '', kind: 'percent', amount: '20', duration: 'repeating', durationMonths: '3', maxRedemptions: '1' })).statusCode).toBe(303);
    const m = await memberAgent(t, 'saver@example.com', 'free');
    const page = await m.agent.get('/subscribe?offer=SPRING');
    expect(text(page.body)).toContain('20% off for 3 months at checkout');
    expect(text(page.body)).toContain('£5.60');
    expect(page.body).toContain('name="offer" value="SPRING"');

    const res = await m.agent.post('/subscribe/checkout', { interval: 'month', plan: 'supporter', offer: 'SPRING' });
    expect(res.statusCode).toBe(303);
    const session = [...stub.sessions.values()].at(-1)!;
    const couponId = (session.discounts as Record<string, { coupon: string }>)['0']!.coupon;
    expect(stub.coupons.get(couponId)).toMatchObject({ percent_off: 20, duration: 'repeating', duration_in_months: 3, max_redemptions: 1 });
    expect(stub.calls.filter((c) => c.path === '/v1/coupons')).toHaveLength(1);

    const { event } = stub.completeCheckout(session.id as string);
    expect((await deliver(event)).statusCode).toBe(200);
    expect(text((await boss.get('/admin/offers')).body)).toContain('1 of 1');
    // The limit is reached: the link says so and Checkout refuses it.
    const other = await memberAgent(t, 'late@example.com', 'free');
    expect(text((await other.agent.get('/subscribe?offer=spring')).body)).toContain('This offer has been fully redeemed');
    const refused = await other.agent.post('/subscribe/checkout', { interval: 'month', plan: 'supporter', offer: 'SPRING' });
    expect(refused.statusCode).toBe(409);
    expect(text(refused.body)).toContain('fully redeemed');
  });

  it('edits an offer: the form shows it as stored, a limit below its redemptions or a negative price is refused beside the field, new terms get a new Stripe coupon, the edit is audited', async () => {
    await boss.get('/admin/offers/new');
    expect((await boss.post('/admin/offers', { name: 'Autumn', code: 'autumn', planId: '', kind: 'percent', amount: '10', duration: 'forever', maxRedemptions: '5' })).statusCode).toBe(303);
    const id = (await t.db.db.selectFrom('offers').select('id').where('code', '=', 'AUTUMN').executeTakeFirstOrThrow()).id;
    const checkout = async (email: string) => {
      const m = await memberAgent(t, email, 'free');
      await m.agent.get('/subscribe?offer=AUTUMN');
      expect((await m.agent.post('/subscribe/checkout', { interval: 'month', plan: 'supporter', offer: 'AUTUMN' })).statusCode).toBe(303);
      const session = [...stub.sessions.values()].at(-1)!;
      return { session, coupon: (session.discounts as Record<string, { coupon: string }>)['0']!.coupon };
    };
    const first = await checkout('autumn1@example.com');
    expect((await deliver(stub.completeCheckout(first.session.id as string).event)).statusCode).toBe(200);
    const second = await checkout('autumn2@example.com');
    expect(second.coupon).toBe(first.coupon);
    expect((await deliver(stub.completeCheckout(second.session.id as string).event)).statusCode).toBe(200);

    await signInAs(t, boss, 'bea');
    expect((await boss.get('/admin/offers')).body).toContain(`href="/admin/offers/${id}"`);
    const form = await boss.get(`/admin/offers/${id}`);
    expect(form.statusCode).toBe(200);
    expect(form.body).toContain('value="Autumn"');
    expect(form.body).toMatch(/id="o-amount"[^>]*value="10"/);
    expect(form.body).toMatch(/<option value="forever" selected>/);
    expect(form.body).not.toContain('name="code"');

    const low = await boss.post(`/admin/offers/${id}`, { name: 'Autumn', planId: '', kind: 'percent', amount: '10', duration: 'forever', maxRedemptions: '1' });
    expect(low.statusCode).toBe(400);
    expect(low.body).toMatch(/id="o-limit-error"[^>]*>This offer has been redeemed 2 times already, so its limit cannot be lower/);
    const negative = await boss.post(`/admin/offers/${id}`, { name: 'Autumn', planId: '', kind: 'fixed', amount: '800', currency: 'gbp', duration: 'once', maxRedemptions: '5' });
    expect(negative.statusCode).toBe(400);
    expect(negative.body).toMatch(/id="o-amount-error"[^>]*>This discount would make the Supporter monthly price \(£7\.00\) negative/);
    expect(negative.body).toMatch(/<option value="fixed" selected>/);
    expect((await t.db.db.selectFrom('offers').select(['amount', 'kind']).where('id', '=', id).executeTakeFirstOrThrow())).toEqual({ amount: 10, kind: 'percent' });

    expect((await boss.post(`/admin/offers/${id}`, { name: 'Autumn', planId: '', kind: 'percent', amount: '15', duration: 'forever', maxRedemptions: '4' })).statusCode).toBe(303);
    const list = text((await boss.get('/admin/offers')).body);
    expect(list).toContain('15% off every payment');
    expect(list).toContain('2 of 4');
    const third = await checkout('autumn3@example.com');
    expect(third.coupon).not.toBe(first.coupon);
    // The new coupon has the new terms, and what is left of the limit (Stripe counts its own redemptions from nothing).
    expect(stub.coupons.get(third.coupon)).toMatchObject({ percent_off: 15, duration: 'forever', max_redemptions: 2 });
    const entry = await t.db.db.selectFrom('audit_log').select(['details']).where('action', '=', 'offer.updated').where('target', '=', `offer:${id}`).executeTakeFirstOrThrow();
    expect(JSON.parse(String(entry.details))).toMatchObject({ code: 'AUTUMN', amount: [10, 15], maxRedemptions: [5, 4] });

    await signInAs(t, boss, 'bea');
    expect((await boss.post(`/admin/offers/${id}/archive`, {})).statusCode).toBe(303);
    const archived = await boss.post(`/admin/offers/${id}`, { name: 'Autumn', planId: '', kind: 'percent', amount: '50', duration: 'forever', maxRedemptions: '' });
    expect(archived.statusCode).toBe(409);
    expect((await t.db.db.selectFrom('offers').select('amount').where('id', '=', id).executeTakeFirstOrThrow()).amount).toBe(15);
  });

  it('gives a longer trial through Checkout, and ends offers on their date or when archived', async () => {
    await boss.get('/admin/offers/new');
    const when = new Date(t.clock.now() + 2 * DAY).toISOString().slice(0, 10);
    expect((await boss.post('/admin/offers', { name: 'Long trial', code: 'SIXTY', planId: '', kind: 'trial', amount: '60', duration: 'once', expiresAt: when })).statusCode).toBe(303);
    const m = await memberAgent(t, 'trier@example.com', 'free');
    await m.agent.get('/subscribe?offer=SIXTY');
    await m.agent.post('/subscribe/checkout', { interval: 'month', offer: 'SIXTY' });
    const session = [...stub.sessions.values()].at(-1)!;
    expect(session.subscription_data).toMatchObject({ trial_period_days: '60' });
    expect(session.discounts).toBeUndefined();
    t.clock.advance(4 * DAY);
    expect(text((await m.agent.get('/subscribe?offer=SIXTY')).body)).toContain('This offer has expired');
    await signInAs(t, boss, 'bea');
    const id = /action="\/admin\/offers\/(\d+)\/archive"/.exec((await boss.get('/admin/offers')).body)![1]!;
    expect((await boss.post(`/admin/offers/${id}/archive`, {})).statusCode).toBe(303);
    expect(await auditActions(t)).toEqual(expect.arrayContaining(['offer.created', 'offer.archived']));
  });
});
