import { z } from 'zod';
import { settingsGroup } from '../content/settings-group.js';

/** Billing settings under `billing.*`. */
export const billingRulesSchema = z.object({
  /** no_card: a signed-in member starts the trial at once; card: Stripe Checkout with the trial, charged at its end. */
  trialMode: z.enum(['no_card', 'card']),
  /** Days a past-due subscription keeps access. */
  graceDays: z.number().int().min(0).max(60),
}).strict();
export type BillingRules = z.infer<typeof billingRulesSchema>;
export const DEFAULT_BILLING: BillingRules = { trialMode: 'no_card', graceDays: 7 };

const group = settingsGroup('billing', billingRulesSchema, DEFAULT_BILLING);
export const readBillingRules = group.read;
export const writeBillingRules = group.write;
