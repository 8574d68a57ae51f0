import { hash, verify, Algorithm } from '@node-rs/argon2';
import { invalidInput } from '../errors.js';

// OWASP's argon2id baseline (19 MiB, 2 passes); a sign-in costs ~20 ms on this machine.
const OPTIONS = { algorithm: Algorithm.Argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

export const MIN_PASSWORD = 10;

export function checkPasswordPolicy(password: string): void {
  if (password.length < MIN_PASSWORD) throw invalidInput(`password must be at least ${MIN_PASSWORD} characters`);
  if (password.length > 200) throw invalidInput('password must be at most 200 characters');
}

export const hashPassword = (password: string) => hash(password, OPTIONS);

/** A hash for unknown accounts, so a wrong email costs the same time as a wrong password. */
let dummy: Promise<string> | undefined;
export async function verifyPassword(stored: string | null, password: string): Promise<boolean> {
  const h = stored ?? (await (dummy ??= hash('not-a-real-password', OPTIONS)));
  try {
    const ok = await verify(h, password);
    return stored !== null && ok;
  } catch {
    return false;
  }
}
