import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { DB } from '../db/schema.js';

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

export async function readSiteSettings(db: Kysely<DB>): Promise<SiteSettings> {
  const rows = await db.selectFrom('settings').select(['key', 'value']).where('key', 'like', 'site.%').execute();
  const out: Record<string, unknown> = { ...DEFAULT_SITE_SETTINGS };
  for (const r of rows) {
    const key = r.key.slice(5);
    if (key in DEFAULT_SITE_SETTINGS) out[key] = JSON.parse(r.value);
  }
  return out as SiteSettings;
}

export async function writeSiteSettings(db: Kysely<DB>, patch: Partial<SiteSettings>): Promise<void> {
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    await db.insertInto('settings')
      .values({ key: `site.${key}`, value: JSON.stringify(value) })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: JSON.stringify(value) }))
      .execute();
  }
}
