import { z } from 'zod';
import { settingsGroup } from './settings-group.js';

/** Site settings with their defaults. Later issues add keys (meter rules, comments) here. */
export const siteSettingsSchema = z.object({
  title: z.string().min(1).max(200),
  description: z.string().max(500),
  locale: z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a language tag such as en or en-GB'),
  timezone: z.string().refine(isTimeZone, 'must be an IANA time zone such as Europe/London'),
  logoUrl: z.string().max(2000).regex(/^(https?:\/\/|\/(?!\/))/, 'must be http(s) or site-relative').nullable(),
  accentColor: z.string().regex(/^#[0-9a-fA-F]{6}$/, 'must be a colour like #b3261e'),
});
export type SiteSettings = z.infer<typeof siteSettingsSchema>;

export const DEFAULT_SITE_SETTINGS: SiteSettings = {
  title: 'Masthead',
  description: 'Independent journalism, supported by readers.',
  locale: 'en',
  timezone: 'UTC',
  logoUrl: null,
  accentColor: '#b3261e',
};

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const group = settingsGroup('site', siteSettingsSchema, DEFAULT_SITE_SETTINGS);
export const readSiteSettings = group.read;
/** Validates the whole group after the patch; returns the new settings. */
export const writeSiteSettings = group.write;
