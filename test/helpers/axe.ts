import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

/**
 * axe-core in a page, for suites that check their own pages (test/browser/axe.test.ts has the
 * same for the reader pages): axe's own build from node_modules, or AXE_CORE_PATH. Missing, the
 * check fails saying so rather than passing without its engine.
 */
export function axeScript(): string {
  const override = process.env.AXE_CORE_PATH;
  if (override && existsSync(override)) return override;
  try {
    return createRequire(import.meta.url).resolve('axe-core/axe.min.js');
  } catch {
    throw new Error('axe-core is not installed, so the accessibility check cannot run: add it as a devDependency, or set AXE_CORE_PATH to an axe.min.js');
  }
}

export interface Violation { id: string; impact: string | null; help: string; nodes: { target: unknown[] }[] }

/** axe's violations on the page as it stands. The page's context needs bypassCSP (axe comes in as a script of its own). */
export async function axeViolations(page: Page): Promise<Violation[]> {
  await page.addScriptTag({ path: axeScript() });
  return page.evaluate<Violation[]>(`axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) })))`);
}

export const describeViolations = (vs: Violation[]) => vs.map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')}`);
export const seriousOnes = (vs: Violation[]) => vs.filter((v) => v.impact === 'serious' || v.impact === 'critical');
