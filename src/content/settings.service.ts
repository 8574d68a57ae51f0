import { isDeepStrictEqual } from 'node:util';
import type { z } from 'zod';
import type { Q } from '../db/q.js';
import { withTransaction } from '../db/transaction.js';
import { invalidInput } from '../errors.js';
import { audit } from '../members/audit.js';
import { SETTINGS_GROUPS } from './settings-registry.js';

export interface SettingsDeps {
  db: Q;
  now: number;
  /** After the commit: clear this instance's caches and, on PostgreSQL, every other instance's (db/invalidation.ts). */
  changed?: () => void;
}

/** Who changed settings, for the audit log: "staff:<id>" or "cli". */
export interface SettingsActor { actor: string; ip?: string }

/** A refused change: `details.fields` names each field with what is wrong with it, for the form to show beside it. */
export interface FieldProblems { fields: Record<string, string> }

/**
 * The one way settings change, from the newsroom app and from `masthead settings set`: the patch
 * is checked whole against the group's schema (nothing is written when any field is wrong), the
 * values that differ are written and logged in the audit log with their old and new values, in
 * one transaction; then the caches are told. The meter reads its rules through the site cache,
 * so a change holds from the next article view.
 */
export async function changeSettings(d: SettingsDeps, prefix: string, patch: Record<string, unknown>, who: SettingsActor): Promise<{ changed: string[] }> {
  const group = Object.hasOwn(SETTINGS_GROUPS, prefix) ? SETTINGS_GROUPS[prefix] : undefined;
  if (!group) throw invalidInput(`unknown settings group "${prefix}"`);
  const parsed = group.schema.partial().strict().safeParse(patch);
  if (!parsed.success) {
    const fields = problemsOf(prefix, parsed.error.issues);
    const [first, message] = Object.entries(fields)[0]!;
    throw invalidInput(`${prefix}.${first}: ${message}`, { fields } satisfies FieldProblems);
  }
  const changed = await withTransaction({ db: d.db }, async ({ db }) => {
    const before = (await group.read(db)) as Record<string, unknown>;
    const diff: Record<string, { from: unknown; to: unknown }> = {};
    for (const [k, v] of Object.entries(parsed.data)) if (v !== undefined && !isDeepStrictEqual(before[k], v)) diff[k] = { from: before[k], to: v };
    if (!Object.keys(diff).length) return [];
    await group.write(db, Object.fromEntries(Object.entries(diff).map(([k, v]) => [k, v.to])) as never);
    await audit(db, { at: d.now, actor: who.actor, action: 'settings.change', target: prefix, ip: who.ip, details: diff });
    return Object.keys(diff).map((k) => `${prefix}.${k}`);
  });
  if (changed.length) d.changed?.();
  return { changed };
}

/** What is wrong with each field of a patch, in words for the person who typed it (nothing: {}). */
export function settingsProblems(prefix: string, patch: Record<string, unknown>): Record<string, string> {
  const group = Object.hasOwn(SETTINGS_GROUPS, prefix) ? SETTINGS_GROUPS[prefix] : undefined;
  if (!group) return { [prefix]: 'unknown settings group' };
  const parsed = group.schema.partial().strict().safeParse(patch);
  return parsed.success ? {} : problemsOf(prefix, parsed.error.issues);
}

function problemsOf(prefix: string, issues: z.core.$ZodIssue[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const k of issue.keys) fields[k] ??= `unknown setting (${prefix}.${k})`;
      continue;
    }
    // A list's entry is named by its line on the form ("line 2: …").
    const line = typeof issue.path[1] === 'number' ? `line ${issue.path[1] + 1}: ` : '';
    fields[String(issue.path[0] ?? prefix)] ??= line + say(issue);
  }
  return fields;
}

/** Zod's issue as a sentence fragment a person understands. */
function say(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'too_big':
      return issue.origin === 'string' ? `must be at most ${issue.maximum} characters` : issue.origin === 'array' ? `at most ${issue.maximum} entries` : `must be at most ${issue.maximum}`;
    case 'too_small':
      return issue.origin === 'string' ? (issue.minimum === 1 ? 'must not be empty' : `must be at least ${issue.minimum} characters`) : `must be at least ${issue.minimum}`;
    case 'invalid_value':
      return 'choose one of the options';
    case 'invalid_type':
      return issue.expected === 'number' || issue.expected === 'int' ? 'must be a whole number' : issue.expected === 'boolean' ? 'must be on or off' : `must be a ${issue.expected}`;
    default:
      return issue.message;
  }
}
