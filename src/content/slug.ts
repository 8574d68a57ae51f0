import { createHash } from 'node:crypto';

/** URL slugs: lowercase ASCII letters, digits and single hyphens. */
export const SLUG_RE = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
export const SLUG_MAX = 120;

/** Whether `s` can be a slug at all: a request for anything else is a 404 without a query. */
export const isSlug = (s: string): boolean => s.length <= SLUG_MAX && SLUG_RE.test(s);

export function slugify(text: string, maxLength = 80): string {
  const base = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/['’]/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  const cut = base.length > maxLength ? base.slice(0, maxLength).replace(/-[^-]*$/, '') : base;
  return cut || 'untitled';
}

/**
 * A slug for a name that must map to one record (an author, a section, a tag). Names with no
 * Latin letters ("Иван Петров", "新闻") would all slugify to "untitled" and become one record;
 * they get a stable key from the name instead.
 */
export function slugForName(name: string, prefix: string, maxLength = 80): string {
  const s = slugify(name, maxLength);
  if (s !== 'untitled' || !/[\p{L}\p{N}]/u.test(name)) return s;
  return `${prefix}-${createHash('sha256').update(name.trim().normalize('NFC').toLowerCase()).digest('hex').slice(0, 10)}`;
}
