import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The layering ARCHITECTURE.md promises, checked on the source: data flows http → reading (the
 * reader request) → domain services → queries, never back. Domain folders do not import from
 * http/ or web/ (or reading/), and route modules hold no SQL.
 */
const SRC = fileURLToPath(new URL('../../src/', import.meta.url));
const DOMAINS = ['access', 'billing', 'comments', 'content', 'db', 'importer', 'jobs', 'mail', 'media', 'members', 'shared'];

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : /\.tsx?$/.test(e.name) ? [join(dir, e.name)] : []));
}
const importsOf = (file: string) => [...readFileSync(file, 'utf8').matchAll(/(?:from|import\()\s*['"]([^'"]+)['"]/g)].map((m) => m[1]!);

describe('architecture', () => {
  it('keeps domain folders free of imports from http, web and reading', () => {
    const bad: string[] = [];
    for (const domain of DOMAINS) {
      for (const f of files(join(SRC, domain))) {
        for (const spec of importsOf(f)) {
          if (!spec.startsWith('.')) continue;
          const target = relative(SRC, join(f, '..', spec));
          if (/^(http|web|reading)\//.test(target)) bad.push(`${relative(SRC, f)} imports ${target}`);
        }
      }
    }
    expect(bad).toEqual([]);
  });

  it('keeps SQL out of the HTTP layer', () => {
    const bad = files(join(SRC, 'http')).filter((f) => /\b(selectFrom|insertInto|updateTable|deleteFrom)\(|\bsql`/.test(readFileSync(f, 'utf8')));
    expect(bad.map((f) => relative(SRC, f))).toEqual([]);
  });

  it('spells the private Cache-Control once (http/reply.ts PRIVATE), where each route file had its own copy', () => {
    const bad = files(join(SRC, 'http')).filter((f) => !f.endsWith('reply.ts') && /private, no-store/.test(readFileSync(f, 'utf8')));
    expect(bad.map((f) => relative(SRC, f))).toEqual([]);
  });

  it('keeps the reading use case free of Fastify', () => {
    const bad = files(join(SRC, 'reading')).flatMap((f) => importsOf(f).filter((s) => s === 'fastify' || /\/http\//.test(s)).map((s) => `${relative(SRC, f)} imports ${s}`));
    expect(bad).toEqual([]);
  });
});
