import { escapeHtml } from './escape.js';

/**
 * A tiny JSX-to-string runtime (classic `h` factory). Every string child and
 * attribute is escaped; only values wrapped in `raw()` pass through, and those
 * come from our own renderers (stored article HTML, JSON-LD we serialise).
 */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export type Child = Html | string | number | boolean | null | undefined | Child[];

export const raw = (html: string): Html => new Html(html);

const VOID = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'source', 'track', 'wbr']);

type Props = Record<string, unknown> & { children?: Child };
type Component = (props: any) => Html;

export function h(tag: string | Component, props: Props | null, ...children: Child[]): Html {
  if (typeof tag === 'function') return tag({ ...(props ?? {}), children: children.length === 1 ? children[0] : children });
  let out = '<' + tag;
  if (props) {
    for (const key in props) {
      const v = props[key];
      if (v === undefined || v === null || v === false || key === 'children' || key === '__source' || key === '__self') continue;
      const name = key === 'className' ? 'class' : key === 'htmlFor' ? 'for' : key;
      out += v === true ? ' ' + name : ' ' + name + '="' + escapeHtml(String(v)) + '"';
    }
  }
  out += '>';
  if (VOID.has(tag)) return new Html(out);
  out += renderChildren(children);
  return new Html(out + '</' + tag + '>');
}

export function Fragment(props: { children?: Child }): Html {
  return new Html(renderChildren([props.children]));
}

function renderChildren(children: Child[]): string {
  let out = '';
  for (const c of children) out += renderChild(c);
  return out;
}

function renderChild(c: Child): string {
  if (c === null || c === undefined || c === false || c === true) return '';
  if (c instanceof Html) return c.value;
  if (Array.isArray(c)) return renderChildren(c);
  return escapeHtml(String(c));
}

/** JSON for a <script type="application/ld+json"> block: `<` is escaped so it can never close the tag. */
export function jsonForScript(value: unknown): Html {
  return raw(JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029'));
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace JSX {
    type Element = Html;
    interface IntrinsicElements {
      [name: string]: Record<string, unknown>;
    }
    interface ElementChildrenAttribute {
      children: unknown;
    }
  }
}
