import { h, raw } from '../shared/jsx.js';
import { escapeHtml } from '../shared/escape.js';
import type { ArticleSummary } from '../content/types.js';
import type { BodyParts } from '../content/articles.queries.js';
import type { Brand } from '../mail/messages.js';
import type { Newsletter } from './newsletters.queries.js';

/** Per-recipient parts, filled into a rendered copy by plain replacement (they are URL-safe or escaped on the way in). */
const UNSUBSCRIBE = '%%MASTHEAD_UNSUBSCRIBE%%';
const NAME = '%%MASTHEAD_NAME%%';

export interface RenderedCopy { subject: string; html: string; text: string }

const CSS = `
body { margin: 0; padding: 24px 12px; background: #f6f5f1; color: #1a1a1a; font-family: Georgia, 'Times New Roman', serif; }
.frame { max-width: 600px; margin: 0 auto; background: #ffffff; border-top: 4px solid ACCENT; }
.inner { padding: 24px 28px; }
.masthead { margin: 0 0 4px; font-size: 20px; font-weight: bold; color: ACCENT; }
.newsletter { margin: 0 0 20px; font-family: Arial, sans-serif; font-size: 13px; color: #555555; }
h1 { margin: 0 0 8px; font-size: 28px; line-height: 1.2; }
h1 a { color: #1a1a1a; text-decoration: none; }
.dek { margin: 0 0 12px; font-size: 18px; color: #444444; }
.byline { margin: 0 0 20px; font-family: Arial, sans-serif; font-size: 13px; color: #666666; }
.body p, .body li { font-size: 17px; line-height: 1.55; }
.body img { max-width: 100%; height: auto; }
.body a { color: ACCENT; }
.wall { margin: 28px 0; padding: 20px; background: #f6f5f1; border-left: 4px solid ACCENT; }
.wall p { margin: 0 0 12px; font-size: 16px; }
.button { display: inline-block; margin: 4px 8px 4px 0; padding: 12px 20px; background: ACCENT; color: #ffffff; text-decoration: none; font-family: Arial, sans-serif; font-weight: bold; border-radius: 4px; }
.button--secondary { background: #ffffff; color: ACCENT; border: 2px solid ACCENT; }
.footer { margin: 28px 0 0; font-family: Arial, sans-serif; font-size: 12px; color: #666666; }
.footer a { color: #666666; }
@media (prefers-color-scheme: dark) {
  body { background: #111111 !important; color: #eeeeee !important; }
  .frame { background: #1c1c1c !important; }
  h1 a, .dek { color: #eeeeee !important; }
  .wall { background: #262626 !important; }
}`;

const safeColor = (c: string) => (/^#[0-9a-fA-F]{6}$/.test(c) ? c : '#b3261e');
const absolute = (siteUrl: string, path: string) => new URL(path, siteUrl).toString();

/** Relative links and images in a stored body, made absolute: mail has no base URL. */
function absoluteUrls(html: string, siteUrl: string): string {
  return html.replace(/(\s(?:href|src)=")(\/[^"]*)"/g, (_m, pre: string, path: string) => `${pre}${escapeHtml(absolute(siteUrl, path))}"`);
}

/**
 * One article as one newsletter's mail, in one copy (`full`, or `preview` with the wall's offer):
 * rendered and inlined once per send and copy, then filled per recipient by `personalise`.
 * A preview copy is built from the preview alone: the gated part is never read for it.
 */
export async function renderCopy(o: { brand: Brand; newsletter: Newsletter; article: ArticleSummary; body: BodyParts; part: 'full' | 'preview'; trialDays: number }): Promise<RenderedCopy> {
  const { brand, newsletter, article, body } = o;
  const site = brand.settings.title;
  const url = absolute(brand.siteUrl, `/articles/${article.slug}`);
  const back = encodeURIComponent(`/articles/${article.slug}`);
  const trialUrl = absolute(brand.siteUrl, `/wall/trial?a=${article.id}&r=newsletter&return_to=${back}`);
  const subscribeUrl = absolute(brand.siteUrl, `/wall/subscribe?a=${article.id}&r=newsletter&return_to=${back}`);
  const byline = article.authors.map((a) => a.name).join(', ');
  const full = o.part === 'full';
  const accent = safeColor(brand.settings.accentColor);
  const bodyHtml = absoluteUrls(full ? body.previewHtml + (body.restHtml ?? '') : body.previewHtml, brand.siteUrl);

  const doc = '<!doctype html>' + (
    <html lang={brand.settings.locale}>
      <head>
        <meta charset="utf-8" /><meta name="viewport" content="width=device-width" />
        <meta name="color-scheme" content="light dark" /><meta name="supported-color-schemes" content="light dark" />
        <title>{article.title}</title>
        <style>{raw(CSS.replaceAll('ACCENT', accent))}</style>
      </head>
      <body>
        <div class="frame"><div class="inner">
          <p class="masthead">{site}</p>
          <p class="newsletter">{newsletter.name}{raw(` · ${NAME}`)}</p>
          {newsletter.header ? <p class="dek">{newsletter.header}</p> : null}
          <h1><a href={url}>{article.title}</a></h1>
          {article.dek ? <p class="dek">{article.dek}</p> : null}
          {byline ? <p class="byline">By {byline}</p> : null}
          {article.featureImageUrl ? <p><img src={absolute(brand.siteUrl, article.featureImageUrl)} alt={article.featureImageAlt ?? ''} width="544" style="max-width:100%;height:auto" /></p> : null}
          <div class="body">{raw(bodyHtml)}</div>
          {full ? <p><a href={url}>Read it on the site</a></p> : (
            <div class="wall">
              <p><strong>Subscribe to read the rest.</strong> This story continues for subscribers of {site}.</p>
              {o.trialDays > 0 ? <a class="button" href={trialUrl}>Try {o.trialDays} days free</a> : null}
              <a class={o.trialDays > 0 ? 'button button--secondary' : 'button'} href={subscribeUrl}>Subscribe</a>
            </div>
          )}
          <p class="footer">
            {newsletter.footer ? <span>{newsletter.footer}<br /></span> : null}
            You get {newsletter.name} from {site} because you chose to. <a href={UNSUBSCRIBE}>Unsubscribe from {newsletter.name}</a> · <a href={absolute(brand.siteUrl, '/account')}>Your newsletters</a>
          </p>
        </div></div>
      </body>
    </html>
  ).value;

  // Loaded when a newsletter is first rendered, not at every start: juice (with cheerio) takes
  // about 0.6 s to load, which every `masthead` command would otherwise pay.
  const { default: juice } = await import('juice');
  const html = juice(doc, { preserveMediaQueries: true, removeStyleTags: false });
  const text = [
    `${newsletter.name} · ${site}`, '', article.title, article.dek, byline ? `By ${byline}` : '', '',
    full ? `${body.previewText}\n\n${textOf(body.restHtml ?? '')}` : body.previewText,
    '',
    full ? `Read it on the site: ${url}`
      : `Subscribe to read the rest: ${subscribeUrl}${o.trialDays > 0 ? `\nTry ${o.trialDays} days free: ${trialUrl}` : ''}`,
    '', `Unsubscribe from ${newsletter.name}: ${UNSUBSCRIBE}`,
  ].filter((l, i, all) => l !== '' || all[i - 1] !== '').join('\n');
  return { subject: article.title, html, text };
}

/** Plain text of stored body HTML, for the text part. */
function textOf(html: string): string {
  return html.replace(/<\/(p|h\d|li|blockquote|figcaption)>/g, '\n\n').replace(/<br\s*\/?>/g, '\n').replace(/<[^>]+>/g, '')
    .replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&')
    .replace(/\n{3,}/g, '\n\n').trim();
}

/** A recipient's copy: the unsubscribe link (URL-safe by construction) and their name (escaped) put in. */
export function personalise(copy: Pick<RenderedCopy, 'html' | 'text'>, r: { unsubscribeUrl: string; name: string }): { html: string; text: string } {
  const name = r.name.trim();
  return {
    html: copy.html.split(UNSUBSCRIBE).join(escapeHtml(r.unsubscribeUrl)).split(NAME).join(name ? `for ${escapeHtml(name)}` : 'for you'),
    text: copy.text.split(UNSUBSCRIBE).join(r.unsubscribeUrl),
  };
}
