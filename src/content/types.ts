import type { ResponsiveImage } from '../media/types.js';

export const ACCESS_LEVELS = ['free', 'metered', 'registered', 'paid'] as const;
export type AccessLevel = (typeof ACCESS_LEVELS)[number];

export const ARTICLE_STATUSES = ['draft', 'scheduled', 'published'] as const;
export type ArticleStatus = (typeof ARTICLE_STATUSES)[number];

/**
 * An article as listings and the access decision see it: everything but the body.
 * Bodies are loaded separately, after access is decided (see web/pages/article).
 */
export interface ArticleSummary {
  id: number;
  slug: string;
  title: string;
  dek: string;
  featureImageUrl: string | null;
  featureImageAlt: string | null;
  /** Set when the feature image is a library image: its widths and WebP variants, for srcset. */
  featureImage?: ResponsiveImage;
  status: ArticleStatus;
  publishedAt: number | null;
  updatedAt: number;
  /** The article's own override, null when it inherits from its primary section. */
  accessLevel: AccessLevel | null;
  /** What readers are subject to: the override, else the section default, else metered. */
  access: AccessLevel;
  featured: boolean;
  /** Visible comments. */
  commentCount: number;
  section: SectionRef | null;
  authors: AuthorRef[];
  /** Set in the editor's settings: what search engines and social cards get instead of the title and preview. */
  seoTitle?: string | null;
  seoDescription?: string | null;
  /** Where the article first appeared, when that is elsewhere. */
  canonicalUrl?: string | null;
  /** Sent by email and listed nowhere on the site (its own address is its web view). */
  emailOnly?: boolean;
}

export interface SectionRef { id: number; slug: string; name: string }
export interface AuthorRef { id: number; slug: string; name: string }
export interface TagRef { id: number; slug: string; name: string }
