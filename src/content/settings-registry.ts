import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../db/schema.js';
import { invalidInput } from '../errors.js';
import { readSiteSettings, siteSettingsSchema, writeSiteSettings, type SiteSettings } from './settings.js';
import { meterRulesSchema, readMeterRules, writeMeterRules, type MeterRules } from '../access/rules.js';
import { billingRulesSchema, readBillingRules, writeBillingRules, type BillingRules } from '../billing/rules.js';

type Q = Kysely<DB> | Transaction<DB>;

/** Every setting by its full key (`site.title`, `meter.period` …), for `masthead settings get|set`. */
export async function allSettings(db: Q): Promise<Record<string, unknown>> {
  const [site, meter, billing] = await Promise.all([readSiteSettings(db), readMeterRules(db), readBillingRules(db)]);
  return {
    ...Object.fromEntries(Object.entries(site).map(([k, v]) => [`site.${k}`, v])),
    ...Object.fromEntries(Object.entries(meter).map(([k, v]) => [`meter.${k}`, v])),
    ...Object.fromEntries(Object.entries(billing).map(([k, v]) => [`billing.${k}`, v])),
  };
}

/** Parse a value typed on the command line: JSON where it parses (numbers, booleans, null), else a plain string. */
export function parseCliValue(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

export async function setSetting(db: Q, key: string, value: unknown): Promise<void> {
  const [ns, name] = key.split('.', 2) as [string, string | undefined];
  if (ns === 'site' && name && name in siteSettingsSchema.shape) {
    const parsed = siteSettingsSchema.partial().strict().safeParse({ [name]: value });
    if (!parsed.success) throw invalidInput(`${key}: ${parsed.error.issues[0]?.message}`);
    await writeSiteSettings(db, parsed.data as Partial<SiteSettings>);
    return;
  }
  if (ns === 'meter' && name && name in meterRulesSchema.shape) {
    const parsed = meterRulesSchema.partial().strict().safeParse({ [name]: value });
    if (!parsed.success) throw invalidInput(`${key}: ${parsed.error.issues[0]?.message}`);
    await writeMeterRules(db, parsed.data as Partial<MeterRules>);
    return;
  }
  if (ns === 'billing' && name && name in billingRulesSchema.shape) {
    const parsed = billingRulesSchema.partial().strict().safeParse({ [name]: value });
    if (!parsed.success) throw invalidInput(`${key}: ${parsed.error.issues[0]?.message}`);
    await writeBillingRules(db, parsed.data as Partial<BillingRules>);
    return;
  }
  throw invalidInput(`unknown setting "${key}"; run \`masthead settings get\` for the list`);
}
