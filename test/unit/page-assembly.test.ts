import { describe, expect, it } from 'vitest';
import { assemblePage, fillHeader, pageMemoBytes } from '../../src/web/page-assembly.js';
import { CSRF_MARK } from '../../src/web/pages/comments.js';
import type { ArticleShell } from '../../src/web/reader-cache.js';

const shellOf = (head: string, tail: string, top = ''): ArticleShell => ({ top: Buffer.from(top), head: Buffer.from(head), tail: Buffer.from(tail), pages: new Map() });
/** A signed-out header: the same for every reader of a page. */
const NAV = { template: '' };

describe('article page assembly', () => {
  it('puts each reader\'s token where the template marks it, and nowhere else', () => {
    const shell = shellOf('<main>é', '</main>');
    const slot = { template: `<form><input name="_csrf" value="${CSRF_MARK}"></form>`, token: 'tok-A' };
    const comments = { template: `<p>ünïcode</p><input value="${CSRF_MARK}">` , token: 'tok-A' };
    const page = assemblePage(shell, NAV, slot, comments).toString();
    expect(page).toBe('<main>é<form><input name="_csrf" value="tok-A"></form><p>ünïcode</p><input value="tok-A"></main>');
    const other = assemblePage(shell, NAV, { ...slot, token: 'tok-B' }, { ...comments, token: 'tok-B' }).toString();
    expect(other).not.toContain('tok-A');
    expect(other).toContain('tok-B');
  });

  it('builds a token-free page once per shell and sends the same bytes to the next reader', () => {
    const shell = shellOf('<h>', '</h>');
    const slot = { template: '<p>2 free articles left today</p>' };
    const comments = { template: '<p>Subscribe to read comments</p>' };
    const first = assemblePage(shell, NAV, slot, comments);
    expect(first.toString()).toBe('<h><p>2 free articles left today</p><p>Subscribe to read comments</p></h>');
    expect(assemblePage(shell, NAV, { ...slot }, { ...comments })).toBe(first);
    expect(assemblePage(shellOf('<h>', '</h>'), NAV, slot, comments), 'another shell (another second) builds anew').not.toBe(first);
  });

  it('puts the header\'s reader part before the rest, and never reuses a page that names its reader', () => {
    const shell = shellOf('<main>', '</main>', '<header>');
    const slot = { template: '<p>slot</p>' };
    const comments = { template: '' };
    const signedOut = { template: '<a href="/signin">Sign in</a>' };
    const first = assemblePage(shell, signedOut, slot, comments);
    expect(first.toString()).toBe('<header><a href="/signin">Sign in</a><main><p>slot</p></main>');
    expect(assemblePage(shell, { template: signedOut.template }, slot, comments), 'signed-out readers share the page').toBe(first);
    const member = { template: `<a href="/account">${CSRF_MARK}</a>` };
    const ada = assemblePage(shell, { ...member, token: 'Ada &amp; Co' }, slot, comments);
    expect(ada.toString()).toBe('<header><a href="/account">Ada &amp; Co</a><main><p>slot</p></main>');
    const bo = assemblePage(shell, { ...member, token: 'Bo' }, slot, comments).toString();
    expect(bo).toContain('>Bo</a>');
    expect(bo).not.toContain('Ada');
    expect(assemblePage(shell, signedOut, slot, comments).toString()).not.toMatch(/Ada|Bo/);
  });

  it('fills the header mark of a page sent as a string, a name with $ patterns as it is', () => {
    const mark = '<!--m-->';
    expect(fillHeader(`<h>${mark}</h>`, mark, { template: `<a>${CSRF_MARK}</a>`, token: "$&$'$`" })).toBe("<h><a>$&$'$`</a></h>");
    expect(fillHeader('<h></h>', mark, { template: 'x' })).toBe('<h></h>');
  });

  it('keeps reusable pages within a byte budget, however many variants readers ask for', () => {
    const shell = shellOf('x'.repeat(50_000), '</html>');
    for (let i = 0; i < 1000; i++) assemblePage(shell, NAV, { template: `<p>variant ${i}</p>` }, { template: '' });
    expect(pageMemoBytes()).toBeLessThanOrEqual(32 * 1024 * 1024);
    expect(pageMemoBytes()).toBeGreaterThan(16 * 1024 * 1024);
    // The newest variants are still reused; the oldest were let go.
    const last = assemblePage(shell, NAV, { template: '<p>variant 999</p>' }, { template: '' });
    expect(assemblePage(shell, NAV, { template: '<p>variant 999</p>' }, { template: '' })).toBe(last);
    expect(shell.pages.get('')?.has('<p>variant 0</p>')).toBe(false);
  });
});
