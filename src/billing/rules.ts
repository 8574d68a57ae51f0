import type { Kysely, Transaction } from 'kysely';
import { z } from 'zod';
import type { DB } from '../db/schema.js';

/** Billing settings under `billing.*`. */
export const billingRulesSchema = z.object({
  /** no_card: a signed-in member starts the trial at once; card: Stripe Checkout with the trial, charged at its end. */
  trialMode: z.enum(['no_card', 'card']),
  /** Days a past-due subscription keeps access. */
  graceDays: z.number().int().min(0).max(60),
}).strict();
export type BillingRules = z.infer<typeof billingRulesSchema>;
export const DEFAULT_BILLING: BillingRules = { trialMode: 'no_card', graceDays: 7 };

type Q = Kysely<DB> | Transaction<DB>;

export async function readBillingRules(db: Q): Promise<BillingRules> {
  const rows = await db.selectFrom('settings').select(['key', 'value']).where('key', 'like', 'billing.%').execute();
  const out: Record<string, unknown> = { ...DEFAULT_BILLING };
  for (const r of rows) {
    const k = r.key.slice(8);
    if (k in DEFAULT_BILLING) out[k] = JSON.parse(r.value);
  }
  const p = billingRulesSchema.safeParse(out);
  return p.success ? p.data : DEFAULT_BILLING;
}

export async function writeBillingRules(db: Q, patch: Partial<BillingRules>): Promise<BillingRules> {
  const next = billingRulesSchema.parse({ ...(await readBillingRules(db)), ...patch });
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    await db.insertInto('settings').values({ key: `billing.${key}`, value: JSON.stringify(value) })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: JSON.stringify(value) })).execute();
  }
  return next;
}
