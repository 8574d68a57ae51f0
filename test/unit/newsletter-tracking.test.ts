import { describe, expect, it } from 'vitest';
import { fillTracking, MAX_TRACKED_URL, OPEN_PIXEL, trackableLinks, withTracking } from '../../src/newsletters/tracking.js';
import { audienceChanged, sendProgress } from '../../src/newsletters/rules.js';
import { clickPath, clickTokenValid, openPath, openTokenValid } from '../../src/newsletters/tokens.js';

const SECRET = 's'.repeat(40);

describe('which links click tracking rewrites', () => {
  it.each([
    ['an http(s) link, once however often it appears', '<a href="https://a.example/x">1</a><a href="https://a.example/x">2</a><a href="http://b.example/">3</a>', ['https://a.example/x', 'http://b.example/']],
    ['attribute escapes undone', '<a href="https://a.example/?a=1&amp;b=2">q</a>', ['https://a.example/?a=1&b=2']],
    ['not the unsubscribe placeholder, mailto: or a relative link', '<a href="%%MASTHEAD_UNSUBSCRIBE%%">u</a><a href="mailto:x@y.example">m</a><a href="/account">r</a>', []],
    ['not a URL with whitespace in it', '<a href="https://a.example/x y">s</a>', []],
    ['not an image source', '<img src="https://a.example/i.png">', []],
    ['not a link longer than the index takes', `<a href="https://a.example/${'x'.repeat(MAX_TRACKED_URL)}">long</a>`, []],
  ])('%s', (_what, html, links) => {
    expect(trackableLinks(html)).toEqual(links);
  });
});

describe('a tracked copy and its per-recipient fill', () => {
  const copy = {
    subject: 'S',
    html: '<html><body><a href="https://a.example/?a=1&amp;b=2">q</a> <a href="https://other.example/">o</a> <a href="%%MASTHEAD_UNSUBSCRIBE%%">u</a></body></html>',
    text: 'Read: https://a.example/?a=1&b=2\nElsewhere: https://a.example/?a=1&b=2x\nUnsubscribe: %%MASTHEAD_UNSUBSCRIBE%%',
  };
  const links = new Map([['https://a.example/?a=1&b=2', 7]]);

  it('rewrites only the known links, in the HTML and as whole URLs in the text, and adds the pixel', () => {
    const t = withTracking(copy, { links, opens: true });
    expect(t.html).toContain('href="%%MASTHEAD_LINK_7%%"');
    expect(t.html, 'a link not registered stays').toContain('href="https://other.example/"');
    expect(t.html).toContain('href="%%MASTHEAD_UNSUBSCRIBE%%"');
    expect(t.html).toMatch(new RegExp(`<img src="${OPEN_PIXEL}" width="1" height="1" alt=""[^>]*/></body>`));
    expect(t.text).toBe('Read: %%MASTHEAD_LINK_7%%\nElsewhere: https://a.example/?a=1&b=2x\nUnsubscribe: %%MASTHEAD_UNSUBSCRIBE%%');
  });

  it('is the copy unchanged with tracking off', () => {
    expect(withTracking(copy, { opens: false })).toEqual(copy);
  });

  it('fills each placeholder with the recipient’s URL (escaped in HTML), and drops the pixel when opens are not tracked', () => {
    const t = withTracking(copy, { links, opens: true });
    const filled = fillTracking(t, { link: (id) => `https://news.example/c/${id}?m=1&x=2`, pixel: 'https://news.example/o/1' });
    expect(filled.html).toContain('href="https://news.example/c/7?m=1&amp;x=2"');
    expect(filled.html).toContain('<img src="https://news.example/o/1"');
    expect(filled.text).toContain('Read: https://news.example/c/7?m=1&x=2');
    const noPixel = fillTracking(t, { link: () => 'https://n.example/', pixel: null }).html;
    expect(noPixel).not.toContain('<img');
    expect(noPixel).toContain('href="https://n.example/"');
  });
});

describe('tracking tags', () => {
  const click = clickPath(SECRET, 3, 40, 500).split('/');
  const open = openPath(SECRET, 3, 40).split('/');
  it.each([
    ['the link as made', 3, 40, 500, true],
    ['another member', 3, 41, 500, false],
    ['another link', 3, 40, 501, false],
    ['another send', 4, 40, 500, false],
    ['zero ids', 0, 40, 500, false],
  ])('a click tag for %s', (_what, s, m, l, ok) => {
    expect(clickTokenValid([SECRET], s, m, l, click[6]!)).toBe(ok);
  });
  it('an open tag names its send and member, and a retiring secret still verifies', () => {
    expect(openTokenValid([SECRET], 3, 40, open[5]!)).toBe(true);
    expect(openTokenValid([SECRET], 3, 41, open[5]!)).toBe(false);
    expect(openTokenValid(['n'.repeat(40), SECRET], 3, 40, open[5]!)).toBe(true);
    expect(openTokenValid([SECRET], 3, 40, click[6]!), 'a click tag is not an open tag').toBe(false);
  });
});

describe("a send's progress", () => {
  const counts = (o: Partial<Record<'queued' | 'sending' | 'sent' | 'failed' | 'skipped', number>>) => {
    const c = { queued: 0, sending: 0, sent: 0, failed: 0, skipped: 0, ...o };
    return { ...c, total: c.queued + c.sending + c.sent + c.failed + c.skipped };
  };
  it.each([
    ['nothing sent yet: no rate, no finish', counts({ queued: 100 }), { startedAt: 0, finishedAt: null, now: 10_000 }, { handled: 0, remaining: 100, fraction: 0, perSecond: null, finishesAt: null }],
    ['half way at 10/s: the rest in 5 s', counts({ queued: 40, sending: 10, sent: 50 }), { startedAt: 0, finishedAt: null, now: 5000 }, { handled: 50, remaining: 50, fraction: 0.5, perSecond: 10, finishesAt: 10_000 }],
    ['failed and skipped are done, not sent', counts({ queued: 10, sent: 20, failed: 5, skipped: 5 }), { startedAt: 0, finishedAt: null, now: 10_000 }, { handled: 30, remaining: 10, fraction: 0.75, perSecond: 2, finishesAt: 15_000 }],
    ['finished: the rate over its run, no finish time', counts({ sent: 300 }), { startedAt: 0, finishedAt: 1000, now: 60_000 }, { handled: 300, remaining: 0, fraction: 1, perSecond: 300, finishesAt: null }],
    ['an empty send is done', counts({}), { startedAt: 0, finishedAt: null, now: 0 }, { handled: 0, remaining: 0, fraction: 1, perSecond: null, finishesAt: null }],
  ])('%s', (_what, c, t, want) => {
    expect(sendProgress(c, t)).toEqual(want);
  });
});

describe('whether the audience changed enough to ask again', () => {
  it.each([
    [3, 3, false], [3, 4, true], [3, 2, true], [0, 1, true],
    [99, 100, true], [1000, 1010, false], [1000, 1011, true], [1000, 989, true], [1_000_000, 1_009_000, false], [1_000_000, 1_010_001, true],
  ])('shown %i, now %i: %s', (shown, now, changed) => {
    expect(audienceChanged(shown, now)).toBe(changed);
  });
});
