import { z } from 'zod';
import { settingsGroup } from '../content/settings-group.js';
import { escapeHtml } from '../shared/escape.js';
import type { RenderedCopy } from './email.js';

/**
 * Open and click tracking for newsletters: off unless the newsroom turns it on (`email.*`). Both
 * record against the member id the newsroom already holds, nothing more: no address, browser or
 * device is kept. A send takes the setting when it begins (newsletter_sends.track_*).
 */
export const emailTrackingSchema = z.object({
  /** A one-pixel image per recipient: a member's first open is counted. */
  trackOpens: z.boolean(),
  /** Links rewritten to a signed redirect: each member's first click on each link is counted. */
  trackClicks: z.boolean(),
}).strict();
export type EmailTracking = z.infer<typeof emailTrackingSchema>;
export const DEFAULT_EMAIL_TRACKING: EmailTracking = { trackOpens: false, trackClicks: false };

const group = settingsGroup('email', emailTrackingSchema, DEFAULT_EMAIL_TRACKING);
export const readEmailTracking = group.read;
export const writeEmailTracking = group.write;

/** Placeholders a tracked copy carries until `personalise` fills them per recipient. */
const LINK = /%%MASTHEAD_LINK_(\d{1,12})%%/g;
export const OPEN_PIXEL = '%%MASTHEAD_OPEN%%';

/** Longer URLs stay as they are: the links table's unique index has a row-size limit on PostgreSQL. */
export const MAX_TRACKED_URL = 2000;

const unescapeAttr = (s: string) => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/**
 * The links a rendered copy holds that click tracking rewrites: every http(s) `href` of the HTML,
 * once each, as the URL it names (attribute escapes undone). Placeholders (the unsubscribe link)
 * and mailto: links are not http(s), so they stay; so does anything longer than MAX_TRACKED_URL.
 */
export function trackableLinks(html: string): string[] {
  const out = new Set<string>();
  // No whitespace or angle brackets: the stored URL becomes a Location header, and such a URL is not one the mail meant.
  for (const m of html.matchAll(/\shref="(https?:\/\/[^"\s<>]+)"/gi)) {
    const url = unescapeAttr(m[1]!);
    if (url.length <= MAX_TRACKED_URL) out.add(url);
  }
  return [...out];
}

/**
 * A copy made ready for tracking, still one per send and variant: each known link becomes a
 * placeholder naming its id (in the HTML's hrefs and wherever the text part spells the URL), and
 * the open pixel goes before </body>. Only links found in this copy are in `links`, so only
 * links that were in the mail are ever rewritten.
 */
export function withTracking(copy: RenderedCopy, o: { links?: ReadonlyMap<string, number>; opens: boolean }): RenderedCopy {
  let { html, text } = copy;
  const links = o.links;
  if (links?.size) {
    html = html.replace(/(\shref=")(https?:\/\/[^"\s<>]+)"/gi, (m, pre: string, raw: string) => {
      const id = links.get(unescapeAttr(raw));
      return id === undefined ? m : `${pre}%%MASTHEAD_LINK_${id}%%"`;
    });
    // The text part's URLs stand alone on their lines or after a colon: whole tokens only.
    text = text.replace(/https?:\/\/\S+/g, (url) => {
      const id = links.get(url);
      return id === undefined ? url : `%%MASTHEAD_LINK_${id}%%`;
    });
  }
  if (o.opens) {
    const pixel = `<img src="${OPEN_PIXEL}" width="1" height="1" alt="" style="display:block;width:1px;height:1px;border:0" />`;
    html = html.includes('</body>') ? html.replace('</body>', `${pixel}</body>`) : html + pixel;
  }
  return { ...copy, html, text };
}

/** The per-recipient fill of a tracked copy: each link placeholder and the pixel become signed URLs. */
export function fillTracking(part: { html: string; text: string }, r: { link(id: number): string; pixel: string | null }): { html: string; text: string } {
  if (!part.html.includes('%%MASTHEAD_') && !part.text.includes('%%MASTHEAD_')) return part;
  const cache = new Map<number, string>();
  const link = (id: number) => {
    let u = cache.get(id);
    if (u === undefined) cache.set(id, (u = r.link(id)));
    return u;
  };
  return {
    html: (r.pixel ? part.html.split(OPEN_PIXEL).join(escapeHtml(r.pixel)) : part.html.replace(/<img src="%%MASTHEAD_OPEN%%"[^>]*>/g, ''))
      .replace(LINK, (_m, id: string) => escapeHtml(link(Number(id)))),
    text: part.text.replace(LINK, (_m, id: string) => link(Number(id))),
  };
}

/** A transparent 1×1 GIF: what the open pixel answers with, whatever happened. */
export const PIXEL_GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
