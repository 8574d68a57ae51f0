import type { Q } from '../db/q.js';
import { totpStep } from './totp.js';

/**
 * A TOTP code is good once per staff user: its time step is claimed with a conditional
 * update, so the same code typed in two browsers (or replayed from a log) opens one
 * session, on one instance or several. An older step than the last accepted is refused too.
 */
export async function acceptTotp(db: Q, staffId: number, secret: string | null, code: string | undefined, now: number): Promise<boolean> {
  if (!secret || !code) return false;
  const step = totpStep(secret, code, now);
  if (step === null) return false;
  const r = await db.updateTable('staff_users').set({ totp_last_step: step })
    .where('id', '=', staffId)
    .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', step)]))
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}
