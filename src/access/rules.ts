import type { Kysely, Transaction } from 'kysely';
import { z } from 'zod';
import type { DB } from '../db/schema.js';
import { PERIODS } from './periods.js';

/** Meter rules, kept in site settings under `meter.*`. */
export const meterRulesSchema = z.object({
  anonymousAllowance: z.number().int().min(0).max(1000),
  memberAllowance: z.number().int().min(0).max(1000),
  period: z.enum(PERIODS),
  /** A client that keeps no cookie is counted by address + browser; shared addresses get this many times the anonymous allowance. */
  sharedAddressFactor: z.number().int().min(1).max(100),
  /** Full text for crawlers verified by reverse and forward DNS (Googlebot). Off by default. */
  verifiedCrawlers: z.boolean(),
}).strict();
export type MeterRules = z.infer<typeof meterRulesSchema>;

export const DEFAULT_RULES: MeterRules = { anonymousAllowance: 3, memberAllowance: 5, period: 'calendar_day', sharedAddressFactor: 3, verifiedCrawlers: false };

type Q = Kysely<DB> | Transaction<DB>;

export async function readMeterRules(db: Q): Promise<MeterRules> {
  const rows = await db.selectFrom('settings').select(['key', 'value']).where('key', 'like', 'meter.%').execute();
  const out: Record<string, unknown> = { ...DEFAULT_RULES };
  for (const r of rows) {
    const k = r.key.slice(6);
    if (k in DEFAULT_RULES) out[k] = JSON.parse(r.value);
  }
  const parsed = meterRulesSchema.safeParse(out);
  return parsed.success ? parsed.data : DEFAULT_RULES;
}

export async function writeMeterRules(db: Q, patch: Partial<MeterRules>): Promise<MeterRules> {
  const next = meterRulesSchema.parse({ ...(await readMeterRules(db)), ...patch });
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    await db.insertInto('settings').values({ key: `meter.${key}`, value: JSON.stringify(value) })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: JSON.stringify(value) })).execute();
  }
  return next;
}
