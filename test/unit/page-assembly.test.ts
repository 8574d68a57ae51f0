import { describe, expect, it } from 'vitest';
import { assemblePage, pageMemoBytes } from '../../src/web/page-assembly.js';
import { CSRF_MARK } from '../../src/web/pages/comments.js';
import type { ArticleShell } from '../../src/web/reader-cache.js';

const shellOf = (head: string, tail: string): ArticleShell => ({ head: Buffer.from(head), tail: Buffer.from(tail), pages: new Map() });

describe('article page assembly', () => {
  it('puts each reader\'s token where the template marks it, and nowhere else', () => {
    const shell = shellOf('<main>é', '</main>');
    const slot = { template: `<form><input name="_csrf" value="${CSRF_MARK}"></form>`, token: 'tok-A' };
    const comments = { template: `<p>ünïcode</p><input value="${CSRF_MARK}">` , token: 'tok-A' };
    const page = assemblePage(shell, slot, comments).toString();
    expect(page).toBe('<main>é<form><input name="_csrf" value="tok-A"></form><p>ünïcode</p><input value="tok-A"></main>');
    const other = assemblePage(shell, { ...slot, token: 'tok-B' }, { ...comments, token: 'tok-B' }).toString();
    expect(other).not.toContain('tok-A');
    expect(other).toContain('tok-B');
  });

  it('builds a token-free page once per shell and sends the same bytes to the next reader', () => {
    const shell = shellOf('<h>', '</h>');
    const slot = { template: '<p>2 free articles left today</p>' };
    const comments = { template: '<p>Subscribe to read comments</p>' };
    const first = assemblePage(shell, slot, comments);
    expect(first.toString()).toBe('<h><p>2 free articles left today</p><p>Subscribe to read comments</p></h>');
    expect(assemblePage(shell, { ...slot }, { ...comments })).toBe(first);
    expect(assemblePage(shellOf('<h>', '</h>'), slot, comments), 'another shell (another second) builds anew').not.toBe(first);
  });

  it('keeps reusable pages within a byte budget, however many variants readers ask for', () => {
    const shell = shellOf('x'.repeat(50_000), '</html>');
    for (let i = 0; i < 1000; i++) assemblePage(shell, { template: `<p>variant ${i}</p>` }, { template: '' });
    expect(pageMemoBytes()).toBeLessThanOrEqual(32 * 1024 * 1024);
    expect(pageMemoBytes()).toBeGreaterThan(16 * 1024 * 1024);
    // The newest variants are still reused; the oldest were let go.
    const last = assemblePage(shell, { template: '<p>variant 999</p>' }, { template: '' });
    expect(assemblePage(shell, { template: '<p>variant 999</p>' }, { template: '' })).toBe(last);
    expect(shell.pages.has('<p>variant 0</p>')).toBe(false);
  });
});
