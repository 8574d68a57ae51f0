import type { StaffRole } from './staff.js';

/**
 * The staff permission matrix, as a pure function.
 * contributors draft; authors publish their own; editors publish anything and
 * run the taxonomy and comments; administrators also manage members, billing
 * and settings; the owner does everything, including managing staff.
 */
export type Action =
  | 'article.create'
  | 'article.edit'
  | 'article.publish'
  | 'article.delete'
  | 'taxonomy.manage'
  | 'comments.moderate'
  | 'members.manage'
  | 'billing.manage'
  | 'settings.manage'
  | 'staff.manage'
  | 'audit.read'
  | 'dashboard.read'
  | 'media.upload'
  | 'media.edit'
  | 'media.delete';

export interface ArticleFacts {
  /** The acting user created the article. */
  own: boolean;
  /** The article is published or scheduled (not a draft). */
  live: boolean;
}

const RANK: Record<StaffRole, number> = { contributor: 0, author: 1, editor: 2, administrator: 3, owner: 4 };

export function can(role: StaffRole, action: Action, article?: ArticleFacts): boolean {
  const r = RANK[role];
  switch (action) {
    case 'article.create':
      return true;
    case 'article.edit':
    case 'article.delete':
      if (r >= RANK.editor) return true;
      if (!article?.own) return false;
      // Contributors only touch their drafts; authors their own articles, live or not.
      return r >= RANK.author || !article.live;
    case 'article.publish':
      if (r >= RANK.editor) return true;
      return r >= RANK.author && article?.own === true;
    case 'taxonomy.manage':
    case 'comments.moderate':
    // The dashboard names revenue and the funnel: editors who run the publication, not every writer.
    case 'dashboard.read':
      return r >= RANK.editor;
    case 'members.manage':
    case 'billing.manage':
    case 'settings.manage':
    case 'audit.read':
      return r >= RANK.administrator;
    case 'staff.manage':
      return r >= RANK.owner;
    // Anyone who writes adds images; an image's alt text and its deletion are its uploader's, or an editor's.
    case 'media.upload':
      return true;
    case 'media.edit':
    case 'media.delete':
      return r >= RANK.editor || article?.own === true;
  }
}
