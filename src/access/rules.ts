import { z } from 'zod';
import { settingsGroup } from '../content/settings-group.js';
import { PERIODS } from './periods.js';

/** Meter rules, kept in site settings under `meter.*`. */
export const meterRulesSchema = z.object({
  anonymousAllowance: z.number().int().min(0).max(1000),
  memberAllowance: z.number().int().min(0).max(1000),
  period: z.enum(PERIODS),
  /** A client that keeps no cookie is counted by address + browser; shared addresses get this many times the anonymous allowance. */
  sharedAddressFactor: z.number().int().min(1).max(100),
  /**
   * Metered articles per period that one address may be served in full without a device cookie,
   * whatever browser it names: a script that rotates its User-Agent is still one address. Shared
   * addresses (a school, an office, a carrier's NAT) share it; raise it for them.
   */
  addressCeiling: z.number().int().min(1).max(1_000_000),
  /** Full text for crawlers verified by reverse and forward DNS (Googlebot). Off by default. */
  verifiedCrawlers: z.boolean(),
}).strict();
export type MeterRules = z.infer<typeof meterRulesSchema>;

export const DEFAULT_RULES: MeterRules = { anonymousAllowance: 3, memberAllowance: 5, period: 'calendar_day', sharedAddressFactor: 3, addressCeiling: 20, verifiedCrawlers: false };

const group = settingsGroup('meter', meterRulesSchema, DEFAULT_RULES);
export const readMeterRules = group.read;
export const writeMeterRules = group.write;
