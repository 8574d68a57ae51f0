import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SETTINGS_GROUPS } from '../../src/content/settings-registry.js';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : /\.tsx?$/.test(e.name) ? [join(dir, e.name)] : []));
}

describe('settings registry', () => {
  it('has an entry for every settings group the code defines, so the CLI reaches each one', () => {
    const prefixes = new Set<string>();
    for (const file of sourceFiles(SRC)) {
      for (const m of readFileSync(file, 'utf8').matchAll(/settingsGroup\(\s*'([a-z]+)'/g)) prefixes.add(m[1]!);
    }
    expect([...prefixes].sort()).toEqual(['billing', 'comments', 'email', 'meter', 'nav', 'site', 'wall']);
    expect(Object.keys(SETTINGS_GROUPS).sort()).toEqual([...prefixes].sort());
  });
});
