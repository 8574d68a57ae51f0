import type { Generated } from 'kysely';

/** Kysely's view of the tables. Times are epoch milliseconds (bigint), booleans 0/1, on both dialects. */
export interface DB {
  settings: { key: string; value: string };
  authors: {
    id: Generated<number>;
    slug: string;
    name: string;
    bio: string;
    avatar_url: string | null;
    created_at: number;
    updated_at: number;
  };
  sections: {
    id: Generated<number>;
    slug: string;
    name: string;
    description: string;
    default_access: string;
    position: number;
    created_at: number;
    updated_at: number;
  };
  tags: { id: Generated<number>; slug: string; name: string; created_at: number };
  articles: {
    id: Generated<number>;
    slug: string;
    title: string;
    dek: string;
    body_doc: string;
    body_html: string;
    preview_html: string;
    preview_text: string;
    has_break: number;
    feature_image_url: string | null;
    feature_image_alt: string | null;
    status: string;
    published_at: number | null;
    /** published_at when the article is not a draft, else null: one index serves "what is live now". */
    live_at: number | null;
    access_level: string | null;
    effective_access: string;
    primary_section_id: number | null;
    featured: number;
    source_id: string | null;
    created_at: number;
    updated_at: number;
  };
  article_authors: { article_id: number; author_id: number; position: number; live_at: number | null };
  article_sections: { article_id: number; section_id: number; live_at: number | null };
  article_tags: { article_id: number; tag_id: number; live_at: number | null };
  redirects: { from_path: string; to_path: string; created_at: number };
  staff_users: {
    id: Generated<number>;
    email: string;
    email_normalized: string;
    name: string;
    role: string;
    password_hash: string | null;
    created_at: number;
  };
  api_tokens: {
    id: Generated<number>;
    user_id: number;
    name: string;
    token_hash: string;
    created_at: number;
    last_used_at: number | null;
    revoked_at: number | null;
  };
  /** PostgreSQL only; SQLite keeps an FTS5 virtual table of the same name. */
  article_search: { article_id: number; public_tsv: unknown; full_tsv: unknown };
}
