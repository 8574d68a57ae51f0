import { z } from 'zod';
import { settingsGroup } from '../content/settings-group.js';

/**
 * The wall's words, per kind of wall, under `wall.*`. Null is the built-in wording (web/pages/wall.tsx);
 * a text of the newsroom's own may use placeholders that are filled with the real figures, so a
 * number the wall promises is still the one the meter applies.
 */
export const WALL_KINDS = ['limit', 'register', 'registered', 'paid'] as const;
export type WallKind = (typeof WALL_KINDS)[number];

/** Which wall a reader meets: the meter used up (with or without more for registering), a registered-only or a subscribers-only article. */
export function wallKind(metered: boolean, register: boolean): WallKind {
  if (metered) return register ? 'register' : 'limit';
  return register ? 'registered' : 'paid';
}

export const WALL_PLACEHOLDERS = ['free', 'period', 'resets', 'more', 'trial_days'] as const;
export type WallFigures = Record<(typeof WALL_PLACEHOLDERS)[number], string>;

const unknownPlaceholder = (s: string) => [...s.matchAll(/\{([^}]*)\}/g)].find((m) => !(WALL_PLACEHOLDERS as readonly string[]).includes(m[1]!))?.[0];
const copy = (max: number) => z.string().trim().min(1).max(max)
  .refine((s) => !unknownPlaceholder(s), { message: `uses a placeholder we do not know; use ${WALL_PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}` })
  .nullable();

export const wallCopySchema = z.object({
  limitTitle: copy(200), limitText: copy(1000),
  registerTitle: copy(200), registerText: copy(1000),
  registeredTitle: copy(200), registeredText: copy(1000),
  paidTitle: copy(200), paidText: copy(1000),
}).strict();
export type WallCopy = z.infer<typeof wallCopySchema>;
export const DEFAULT_WALL_COPY: WallCopy = { limitTitle: null, limitText: null, registerTitle: null, registerText: null, registeredTitle: null, registeredText: null, paidTitle: null, paidText: null };

/** A text of the newsroom's own with its placeholders filled in. */
export function fillWallCopy(template: string, figures: WallFigures): string {
  return template.replace(/\{([a-z_]+)\}/g, (whole, name: string) => (Object.hasOwn(figures, name) ? figures[name as keyof WallFigures] : whole));
}

const group = settingsGroup('wall', wallCopySchema, DEFAULT_WALL_COPY);
export const readWallCopy = group.read;
export const writeWallCopy = group.write;
