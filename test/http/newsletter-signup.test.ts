import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/db.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { makeArticle, makePlan } from '../helpers/factories.js';
import { linkIn, startInbox, type Inbox } from '../helpers/smtp.js';
import { createNewsletter } from '../../src/newsletters/newsletters.service.js';
import { subscriptionsOf, type Newsletter } from '../../src/newsletters/newsletters.queries.js';

const pathOf = (link: string) => new URL(link).pathname + new URL(link).search;

/**
 * Issue 17: members choose per newsletter at sign-up, on the sign-up page, the wall's sign-up form
 * and the trial form, without JavaScript. Default newsletters come ticked; an unticked one is not
 * subscribed, and ticking none means none.
 */
describe.each(dialects())('newsletter choices at sign-up on %s', (dialect) => {
  let t: TestApp;
  let inbox: Inbox;
  let daily: Newsletter;
  let weekly: Newsletter;
  let insider: Newsletter;

  beforeAll(async () => {
    inbox = await startInbox();
    t = await startTestApp(dialect, { smtpUrl: inbox.url });
    await makePlan(t.app.ctx.content);
    daily = await createNewsletter(t.app.ctx.newsletters, { slug: 'daily', name: 'The daily', senderName: 'Ledger', senderEmail: 'daily@news.example', subscribeOnSignup: true });
    weekly = await createNewsletter(t.app.ctx.newsletters, { slug: 'weekly', name: 'The weekly', senderName: 'Ledger', senderEmail: 'weekly@news.example', subscribeOnSignup: false });
    insider = await createNewsletter(t.app.ctx.newsletters, { slug: 'insider', name: 'Subscribers insider', senderName: 'Ledger', audience: 'subscribers' });
    t.app.ctx.invalidate();
  });
  afterAll(async () => {
    await t?.close();
    await inbox?.close();
  });

  const boxes = (html: string) => [...html.matchAll(/<input type="checkbox" id="[^"]+" name="newsletter" value="(\d+)"( checked)?>/g)].map((m) => [Number(m[1]), m[2] ? 'ticked' : 'unticked']);

  /** Sign up through a form post (raw, so a field can repeat) and follow the link. */
  async function signUp(email: string, fields: [string, string][]) {
    const a = t.agent();
    await a.get('/signup');
    const before = inbox.messages.length;
    const res = await t.app.server.inject({
      method: 'POST', url: '/signup',
      headers: { cookie: [...a.cookies].map(([k, v]) => `${k}=${v}`).join('; '), 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams([['_csrf', a.csrf()], ['email', email], ...fields]).toString(),
    });
    expect(res.statusCode).toBe(303);
    for (const c of res.cookies as { name: string; value: string }[]) a.cookies.set(c.name, c.value);
    await a.get(pathOf(linkIn(await inbox.waitFor(email, { after: before }))));
    const m = await t.db.db.selectFrom('members').select('id').where('email_normalized', '=', email).executeTakeFirstOrThrow();
    return subscriptionsOf(t.db.db, m.id);
  }

  it('offers every newsletter open to members on the sign-up page, the wall and the trial form, the default ones ticked', async () => {
    const expected = [[daily.id, 'ticked'], [weekly.id, 'unticked']];
    expect(boxes((await t.get('/signup')).body)).toEqual(expected);
    const registered = await makeArticle(t.app.ctx.content, { title: 'Registered story', accessLevel: 'registered' });
    const wall = (await t.get(`/articles/${registered.slug}`)).body;
    expect(wall).toContain('Create a free account');
    expect(boxes(wall)).toEqual(expected);
    const pricing = (await t.get('/subscribe')).body;
    expect(pricing).toContain('Try 14 days free');
    expect(boxes(pricing)).toEqual(expected);
    expect(wall).not.toContain('Subscribers insider');
  });

  it('subscribes a new member to what they ticked and nothing else', async () => {
    const both = await signUp('both@example.com', [['newsletters_shown', '1'], ['newsletter', String(daily.id)], ['newsletter', String(weekly.id)]]);
    expect([...both]).toEqual([[daily.id, true], [weekly.id, true]]);
    const weeklyOnly = await signUp('weekly-only@example.com', [['newsletters_shown', '1'], ['newsletter', String(weekly.id)]]);
    expect([...weeklyOnly]).toEqual([[weekly.id, true]]);
    const none = await signUp('none@example.com', [['newsletters_shown', '1']]);
    expect(none.size, 'nothing ticked, nothing subscribed').toBe(0);
    // A form that offered no choice (the plain sign-in form makes an account too): every default applies, as before.
    const defaults = await signUp('defaults@example.com', []);
    expect([...defaults]).toEqual([[daily.id, true], [insider.id, true]]);
    // An id that is not a newsletter is ignored.
    const odd = await signUp('odd@example.com', [['newsletters_shown', '1'], ['newsletter', '99999'], ['newsletter', 'x']]);
    expect(odd.size).toBe(0);
  });
});
