import type { z } from 'zod';
import type { Q } from '../db/q.js';

/**
 * A group of settings stored as `<prefix>.<key>` rows holding JSON. Reading
 * falls back to the defaults for missing keys (and for a stored group that no
 * longer validates); writing validates the whole group after the patch.
 */
export function settingsGroup<T extends Record<string, unknown>>(prefix: string, schema: z.ZodType<T>, defaults: T) {
  const like = `${prefix}.%`;
  const cut = prefix.length + 1;
  async function read(db: Q): Promise<T> {
    const rows = await db.selectFrom('settings').select(['key', 'value']).where('key', 'like', like).execute();
    const out: Record<string, unknown> = { ...defaults };
    for (const r of rows) {
      const k = r.key.slice(cut);
      if (k in defaults) out[k] = JSON.parse(r.value);
    }
    const parsed = schema.safeParse(out);
    return parsed.success ? parsed.data : defaults;
  }
  async function write(db: Q, patch: Partial<T>): Promise<T> {
    const next = schema.parse({ ...(await read(db)), ...patch });
    for (const [key, value] of Object.entries(patch)) {
      if (value === undefined) continue;
      const json = JSON.stringify(value);
      await db.insertInto('settings').values({ key: `${prefix}.${key}`, value: json })
        .onConflict((oc) => oc.column('key').doUpdateSet({ value: json })).execute();
    }
    return next;
  }
  return { read, write };
}
