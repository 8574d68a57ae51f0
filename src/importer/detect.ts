import { extname } from 'node:path';
import type { ImportFormat } from './types.js';

/** The format a file name says, or null when it says nothing (`export.xml`, `upload`). */
export function formatByName(name: string): ImportFormat | null {
  const ext = extname(name).toLowerCase();
  if (ext === '.wxr') return 'wxr';
  if (ext === '.json') return 'ghost';
  if (ext === '.html' || ext === '.htm') return 'html';
  if (ext === '.txt' || ext === '.text') return 'text';
  return null;
}

/** How many leading characters detectFormat looks at. */
export const SNIFF_BYTES = 4096;

/** The format of one input, from its name first and its first bytes when the name says nothing. */
export function detectFormat(name: string, head: string): ImportFormat {
  const byName = formatByName(name);
  if (byName) return byName;
  const h = head.replace(/^\uFEFF/, '').trimStart().slice(0, SNIFF_BYTES).toLowerCase();
  if (h.startsWith('<?xml') || h.startsWith('<rss')) return h.includes('wordpress.org/export') || h.includes('<rss') ? 'wxr' : 'html';
  if (h.startsWith('{')) return 'ghost';
  if (h.startsWith('<!doctype html') || h.startsWith('<html') || /<(head|body|article)[\s>]/.test(h)) return 'html';
  return 'text';
}
