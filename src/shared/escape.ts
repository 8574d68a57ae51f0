const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const ANY = /[&<>"']/;
const ALL = /[&<>"']/g;

/** Escape text for HTML content and quoted attribute values. The common case (nothing to escape) allocates nothing. */
export function escapeHtml(s: string): string {
  return ANY.test(s) ? s.replace(ALL, (c) => ESC[c]!) : s;
}
