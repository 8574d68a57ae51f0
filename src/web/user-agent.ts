/**
 * "Chrome on Linux" from a User-Agent string, for the account page's list of sessions: enough for a
 * reader to recognise their own devices, not a full parser. Order matters: every Chromium browser
 * says "Chrome" and most browsers say "Safari", so the specific names are looked for first.
 */
const BROWSERS: [RegExp, string][] = [
  [/\bEdg(?:e|A|iOS)?\//, 'Edge'],
  [/\bOPR\/|\bOpera\b/, 'Opera'],
  [/\bSamsungBrowser\//, 'Samsung Internet'],
  [/\bVivaldi\//, 'Vivaldi'],
  [/\bFirefox\/|\bFxiOS\//, 'Firefox'],
  [/\bCriOS\/|\bChrome\/|\bHeadlessChrome\//, 'Chrome'],
  [/\bVersion\/[\d.]+.*\bSafari\/|\bMobile\/\w+ Safari\//, 'Safari'],
];

const SYSTEMS: [RegExp, string][] = [
  [/\biPhone\b|\biPod\b/, 'iPhone'],
  [/\biPad\b/, 'iPad'],
  [/\bAndroid\b/, 'Android'],
  [/\bCrOS\b/, 'ChromeOS'],
  [/\bWindows\b/, 'Windows'],
  [/\bMac OS X\b|\bMacintosh\b/, 'macOS'],
  [/\bLinux\b|\bX11\b/, 'Linux'],
];

/** The browser and system a User-Agent names, e.g. "Firefox on Windows"; "Unknown browser" when it names no browser we know. */
export function describeUserAgent(ua: string): string {
  const browser = BROWSERS.find(([re]) => re.test(ua))?.[1];
  if (!browser) return 'Unknown browser';
  const system = SYSTEMS.find(([re]) => re.test(ua))?.[1];
  return system ? `${browser} on ${system}` : browser;
}

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [['day', 86_400_000], ['hour', 3_600_000], ['minute', 60_000]];

/** "2 hours ago", "yesterday"; "just now" under a minute; a date from a month back. */
export function timeAgo(then: number, now: number, locale: string, formatDate: (ms: number) => string): string {
  const elapsed = Math.max(0, now - then);
  if (elapsed < 60_000) return 'just now';
  if (elapsed >= 30 * 86_400_000) return `on ${formatDate(then)}`;
  const rtf = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
  for (const [unit, ms] of UNITS) if (elapsed >= ms) return rtf.format(-Math.floor(elapsed / ms), unit);
  return 'just now';
}
