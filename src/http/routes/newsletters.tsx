import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { h } from '../../shared/jsx.js';
import type { AppContext } from '../context.js';
import { sendHtml, PRIVATE } from '../reply.js';
import { toHttpFailure } from '../errors.js';
import { timingSafeEqual } from 'node:crypto';
import { recordProviderEvents, unsubscribeByToken } from '../../newsletters/newsletters.service.js';
import { PROVIDERS, type Provider } from '../../newsletters/provider-events.js';
import { findNewsletter } from '../../newsletters/newsletters.queries.js';
import { unsubscribeTokenValid } from '../../newsletters/tokens.js';
import { MessagePage } from '../../web/pages/account.js';
import { followLink, recordOpenEvent } from '../../newsletters/tracking.service.js';
import { PIXEL_GIF } from '../../newsletters/tracking.js';

type Params = { n: string; m: string; t: string };
const ids = (p: Params) => ({ newsletterId: Number(p.n), memberId: Number(p.m), token: p.t });

/**
 * A newsletter's unsubscribe link. Opening it (a person, or a mail scanner following links)
 * changes nothing: the page asks, and its button POSTs. The POST is also RFC 8058's one-click
 * unsubscribe, which mail clients send with no cookies and no form token: the signed link is
 * the credential, and it names one member and one newsletter.
 */
export function newsletterRoutes(app: FastifyInstance, ctx: AppContext): void {
  const path = '/newsletters/unsubscribe/:n/:m/:t';

  const problem = async (reply: FastifyReply, message: string, status: number) =>
    sendHtml(reply, MessagePage({ site: await ctx.site.get(), title: 'This link does not work', children: <p>{message} You can choose your newsletters on <a href="/account">your account page</a>.</p> }), status, PRIVATE);

  app.get<{ Params: Params }>(path, async (req, reply) => {
    const { newsletterId, memberId, token } = ids(req.params);
    const n = unsubscribeTokenValid(ctx.newsletters.secrets, newsletterId, memberId, token) ? await findNewsletter(ctx.newsletters.db, { id: newsletterId }) : undefined;
    if (!n) return problem(reply, 'This unsubscribe link is not valid, or its newsletter is gone.', 400);
    return sendHtml(reply, MessagePage({
      site: await ctx.site.get(), title: `Unsubscribe from ${n.name}?`,
      children: (
        <form method="post" action={req.url.split('?')[0]!}>
          <p>You will get no more {n.name} emails. Other newsletters and your account stay as they are.</p>
          <p><button class="button" type="submit">Unsubscribe</button></p>
        </form>
      ),
    }), 200, PRIVATE);
  });

  /**
   * Mail providers' bounce and complaint webhooks (docs: README "Newsletters"). Providers cannot all
   * sign their calls the same way, and SNS cannot add a header, so the shared secret is in the URL.
   */
  app.post<{ Params: { provider: string; token: string } }>('/newsletters/events/:provider/:token', async (req, reply) => {
    const secret = ctx.config.mailWebhookSecret;
    const given = Buffer.from(req.params.token);
    if (!secret || given.length !== secret.length || !timingSafeEqual(given, Buffer.from(secret))) return reply.code(404).send({ error: 'not_found', message: 'no such endpoint' });
    const provider = req.params.provider as Provider;
    if (!(PROVIDERS as readonly string[]).includes(provider)) return reply.code(404).send({ error: 'not_found', message: `unknown provider; use one of ${PROVIDERS.join(', ')}` });
    let body: unknown = req.body;
    // SNS posts JSON as text/plain.
    if (typeof body === 'string') {
      try {
        body = JSON.parse(body);
      } catch {
        return reply.code(400).send({ error: 'invalid_input', message: 'the body is not JSON' });
      }
    }
    const sns = (body ?? {}) as { Type?: string; SubscribeURL?: string };
    if (provider === 'ses' && sns.Type === 'SubscriptionConfirmation') {
      // Not fetched from here: an operator confirms the subscription by opening the URL.
      req.log.warn({ subscribeUrl: sns.SubscribeURL }, 'SES/SNS asks to confirm the bounce webhook subscription: open this URL to confirm it');
      return reply.send({ ok: true, confirm: 'open the SubscribeURL from the log to confirm the subscription' });
    }
    return reply.send({ ok: true, suppressed: await recordProviderEvents(ctx.newsletters, provider, body) });
  });

  /*
   * Open and click tracking (only in mail of sends begun with tracking on). Both answer from the
   * signed tag alone: no session is read (the request's cookies are ignored, and the replies are
   * not pages with a reader header), none is set, and nothing is cached. The redirect goes to the
   * URL stored with the send under that link's id, never to one from the request, so it cannot be
   * turned into an open redirect; a changed number fails the tag and gets the same 404 as a link
   * that never existed.
   */
  const untracked = (reply: FastifyReply) => reply.code(404).header('cache-control', 'no-store').header('content-type', 'text/plain; charset=utf-8')
    .header('x-content-type-options', 'nosniff').header('referrer-policy', 'no-referrer')
    .send('This link does not work: it was changed, or it is not a link from one of our newsletters.\n');
  const num = (s: string) => (/^\d{1,12}$/.test(s) ? Number(s) : 0);

  app.get<{ Params: { s: string; m: string; l: string; t: string } }>('/newsletters/c/:s/:m/:l/:t', async (req, reply) => {
    // A HEAD (a link checker, a preview) answers the same and records nothing.
    const url = await followLink(ctx.newsletters, num(req.params.s), num(req.params.m), num(req.params.l), req.params.t, { record: req.method !== 'HEAD' });
    if (!url) return untracked(reply);
    return reply.code(302).header('location', url).header('cache-control', PRIVATE).header('referrer-policy', 'no-referrer').send();
  });

  app.get<{ Params: { s: string; m: string; t: string } }>('/newsletters/o/:s/:m/:t', async (req, reply) => {
    // A valid tag gets the image whether or not the open was counted (tracking off since, a second open).
    if ((await recordOpenEvent(ctx.newsletters, num(req.params.s), num(req.params.m), req.params.t, { record: req.method !== 'HEAD' })) === 'invalid') return untracked(reply);
    return reply.code(200).header('content-type', 'image/gif').header('cache-control', PRIVATE).header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer').send(PIXEL_GIF);
  });

  app.post<{ Params: Params }>(path, async (req: FastifyRequest<{ Params: Params }>, reply) => {
    const { newsletterId, memberId, token } = ids(req.params);
    try {
      const n = await unsubscribeByToken(ctx.newsletters, newsletterId, memberId, token, 'one-click');
      return sendHtml(reply, MessagePage({
        site: await ctx.site.get(), title: `You are unsubscribed from ${n.name}`,
        children: <p>No more {n.name} emails will come. Changed your mind? Choose your newsletters on <a href="/account">your account page</a>.</p>,
      }), 200, PRIVATE);
    } catch (err) {
      const f = toHttpFailure(err);
      if (f.status >= 500) throw err;
      return problem(reply, 'This unsubscribe link is not valid, or its newsletter is gone.', f.status);
    }
  });
}
