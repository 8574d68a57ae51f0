const cache = new Map<string, Intl.DateTimeFormat>();

function formatter(locale: string, timeZone: string, kind: 'date' | 'datetime'): Intl.DateTimeFormat {
  const key = `${locale}|${timeZone}|${kind}`;
  let f = cache.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, kind === 'date'
      ? { timeZone, year: 'numeric', month: 'long', day: 'numeric' }
      : { timeZone, year: 'numeric', month: 'long', day: 'numeric', hour: '2-digit', minute: '2-digit' });
    cache.set(key, f);
  }
  return f;
}

export const formatDate = (ms: number, locale: string, tz: string) => formatter(locale, tz, 'date').format(ms);
export const formatDateTime = (ms: number, locale: string, tz: string) => formatter(locale, tz, 'datetime').format(ms);
export const isoDate = (ms: number) => new Date(ms).toISOString();

/** Cut text at a word boundary for meta descriptions and cards. */
export function truncate(text: string, max: number): string {
  const t = text.replace(/\s+/g, ' ').trim();
  if (t.length <= max) return t;
  const cut = t.slice(0, max - 1);
  const at = cut.lastIndexOf(' ');
  return (at > max * 0.6 ? cut.slice(0, at) : cut).replace(/[\s,.;:–—-]+$/, '') + '…';
}
