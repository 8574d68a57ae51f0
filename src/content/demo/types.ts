import type { AccessLevel } from '../types.js';

/** One article of the demo publication. Bodies are Markdown; a line holding only `<!--more-->` marks the preview break. */
export interface DemoArticle {
  slug: string;
  title: string;
  dek: string;
  /** slug of the primary section */
  section: string;
  /** author slugs, first is the lead byline */
  authors: string[];
  tags: string[];
  /** explicit access level; omit to inherit the section default */
  access?: AccessLevel;
  markdown: string;
  /** published this many hours before the demo is loaded; negative = scheduled in the future */
  hoursAgo: number;
  status?: 'draft' | 'published' | 'scheduled';
  featured?: boolean;
}

export interface DemoSection { slug: string; name: string; description: string; defaultAccess: AccessLevel }
export interface DemoAuthor { slug: string; name: string; bio: string }
