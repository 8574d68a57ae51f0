/** What the media library stores and what pages need to show it. */

/** The most an upload (or a fetched image) may be. */
export const MAX_UPLOAD_BYTES = 20 * 1024 * 1024;

/** The formats a stored variant may have. */
export type VariantFormat = 'jpeg' | 'png' | 'gif' | 'webp';

export interface MediaVariant {
  /** Store key, also the file name under /media/. Content-hashed: its bytes never change. */
  key: string;
  format: VariantFormat;
  width: number;
  height: number;
  bytes: number;
}

export interface Media {
  id: number;
  key: string;
  originalName: string;
  /** The uploaded file's type, as its content says (not its name). */
  mime: string;
  /** Of the largest variant: what the page lays out. */
  width: number;
  height: number;
  /** Of the upload. */
  bytes: number;
  alt: string;
  uploadedBy: number | null;
  sourceUrl: string | null;
  variants: MediaVariant[];
  createdAt: number;
}

/** An image as a reader page renders it: a fallback `<img>` with srcset, and WebP sources. */
export interface ResponsiveImage {
  src: string;
  width: number;
  height: number;
  srcset: string;
  /** Absent when the fallback is WebP itself. */
  webpSrcset?: string;
  type: string;
}

export const MIME: Record<VariantFormat, string> = { jpeg: 'image/jpeg', png: 'image/png', gif: 'image/gif', webp: 'image/webp' };
export const EXT: Record<VariantFormat, string> = { jpeg: 'jpg', png: 'png', gif: 'gif', webp: 'webp' };

/** Public path of a stored file. */
export const mediaPath = (key: string) => `/media/${key}`;

/** A file name under /media/: the media key, the width, the format. Anything else is not ours. */
export const VARIANT_KEY_RE = /^([0-9a-f]{32})-(\d{1,4})\.(jpg|png|gif|webp)$/;
