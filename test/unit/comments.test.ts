import { describe, expect, it } from 'vitest';
import { parseDocument } from 'htmlparser2';
import type { Element } from 'domhandler';
import { renderComment } from '../../src/comments/markup.js';
import { actionRefusal, postRefusal, readRefusal, type CommentAction, type CommenterKind } from '../../src/comments/rules.js';
import { XSS } from '../helpers/xss.js';

const KINDS: CommenterKind[] = ['anonymous', 'member', 'subscriber', 'staff'];

describe('who may read comments', () => {
  const expected: Record<string, CommenterKind[]> = {
    everyone: ['anonymous', 'member', 'subscriber', 'staff'],
    members: ['member', 'subscriber', 'staff'],
    subscribers: ['subscriber', 'staff'],
  };
  for (const readers of ['everyone', 'members', 'subscribers'] as const) {
    for (const kind of KINDS) {
      it(`readers=${readers}: ${kind} ${expected[readers]!.includes(kind) ? 'reads' : 'does not read'}`, () => {
        expect(readRefusal(kind, { readers }, true) === null).toBe(expected[readers]!.includes(kind));
      });
    }
  }
  it('nobody but staff reads the comments of an article they cannot read', () => {
    for (const kind of KINDS) expect(readRefusal(kind, { readers: 'everyone' }, false) === null).toBe(kind === 'staff');
  });
});

describe('who may post comments', () => {
  const expected: Record<string, CommenterKind[]> = { members: ['member', 'subscriber', 'staff'], subscribers: ['subscriber', 'staff'] };
  for (const posters of ['members', 'subscribers'] as const) {
    for (const kind of KINDS) {
      it(`posters=${posters}: ${kind} ${expected[posters]!.includes(kind) ? 'posts' : 'does not post'}`, () => {
        expect(postRefusal(kind, { posters }, true, false) === null).toBe(expected[posters]!.includes(kind));
      });
    }
  }
  it('bans and unreadable articles stop posting, with a reason', () => {
    expect(postRefusal('subscriber', { posters: 'members' }, true, true)).toMatch(/banned/);
    expect(postRefusal('member', { posters: 'members' }, false, false)).toMatch(/cannot read this article/);
    expect(postRefusal('anonymous', { posters: 'members' }, true, false)).toMatch(/sign in/);
  });
});



describe('what each reader may do to comments', () => {
  const ACTIONS: CommentAction[] = ['post', 'reply', 'edit', 'delete', 'like', 'report'];
  const open = { readers: 'everyone', posters: 'members' } as const;

  it('refuses every action on an article the reader cannot read, whatever the settings; staff excepted', () => {
    for (const action of ACTIONS) {
      for (const kind of ['member', 'subscriber'] as const) {
        expect(actionRefusal(action, kind, open, false, false), `${kind} ${action}`).toMatch(/^you cannot read this article, so you cannot /);
      }
      expect(actionRefusal(action, 'anonymous', open, false, false), action).toMatch(/^sign in to /);
      expect(actionRefusal(action, 'staff', open, false, false) === null, `staff ${action}`).toBe(action !== 'like');
    }
  });

  it('refuses every action on comments the reader may not read', () => {
    for (const action of ACTIONS) {
      expect(actionRefusal(action, 'member', { readers: 'subscribers', posters: 'members' }, true, false), action).toBe('comments are for subscribers');
      expect(actionRefusal(action, 'subscriber', { readers: 'subscribers', posters: 'subscribers' }, true, false), action).toBeNull();
    }
  });

  it('stops a banned member writing and liking, not reporting or deleting their own', () => {
    const banned = Object.fromEntries(ACTIONS.map((a) => [a, actionRefusal(a, 'subscriber', open, true, true)]));
    expect(banned).toEqual({ post: 'you have been banned from commenting', reply: 'you have been banned from commenting', edit: 'you have been banned from commenting', like: 'you have been banned from commenting', report: null, delete: null });
  });

  it('writes as posters allow: post, reply and edit alike', () => {
    for (const action of ['post', 'reply', 'edit'] as const) {
      expect(actionRefusal(action, 'member', { readers: 'members', posters: 'subscribers' }, true, false), action).toBe('commenting is for subscribers');
    }
    expect(actionRefusal('like', 'member', { readers: 'members', posters: 'subscribers' }, true, false)).toBeNull();
  });
});

describe('comment markup', () => {
  it('keeps the safe subset', () => {
    expect(renderComment('Hi **there** *you*\n\n> quoted\n\nuse `x < y` at https://example.org/a?b=1&c=2'))
      .toBe('<p>Hi <strong>there</strong> <em>you</em></p><blockquote><p>quoted</p></blockquote><p>use <code>x &lt; y</code> at <a href="https://example.org/a?b=1&amp;c=2" rel="nofollow ugc noopener">https://example.org/a?b=1&amp;c=2</a></p>');
  });

  it.each([
    ['He said "https://example.com" today', '<p>He said "<a href="https://example.com" rel="nofollow ugc noopener">https://example.com</a>" today</p>'],
    ['See <https://example.com> now.', '<p>See &lt;<a href="https://example.com" rel="nofollow ugc noopener">https://example.com</a>&gt; now.</p>'],
    ["Try 'https://example.com/a?b=1'.", "<p>Try '<a href=\"https://example.com/a?b=1\" rel=\"nofollow ugc noopener\">https://example.com/a?b=1</a>'.</p>"],
    ['[**bold** link](https://example.org/x)', '<p><a href="https://example.org/x" rel="nofollow ugc noopener"><strong>bold</strong> link</a></p>'],
  ])('links %s cleanly', (text, html) => {
    expect(renderComment(text)).toBe(html);
  });

  it.each(XSS.map((p) => [p]))('renders %s inert', (payload) => {
    const html = renderComment(payload);
    const dom = parseDocument(html);
    const walk = (nodes: typeof dom.children): void => {
      for (const n of nodes) {
        if (n.type !== 'tag' && n.type !== 'script' && n.type !== 'style') continue;
        const el = n as Element;
        expect(['p', 'br', 'strong', 'em', 'blockquote', 'code', 'a']).toContain(el.name);
        for (const attr of Object.keys(el.attribs)) expect(['href', 'rel']).toContain(attr);
        if (el.name === 'a') {
          expect(el.attribs.href).toMatch(/^https?:\/\//);
          expect(el.attribs.rel).toBe('nofollow ugc noopener');
        }
        walk(el.children);
      }
    };
    walk(dom.children);
    // Stored as text: what was typed is still readable on the page.
    expect(html.length).toBeGreaterThan(0);
  });
});
