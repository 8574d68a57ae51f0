import type { Doc } from './richtext/doc.js';
import { DEFAULT_PREVIEW_BLOCKS, previewPlan } from './richtext/render.js';
import type { AccessLevel } from './types.js';

export interface PreviewWarning { code: 'no_preview_break' | 'preview_break_ignored'; message: string }

/**
 * What the editor should hear when saving a gated article: without a break the server picks
 * the preview itself, and it says which one, so nobody publishes a wall they did not mean.
 */
export function previewWarnings(a: { access: AccessLevel; body: Doc }): PreviewWarning[] {
  if (a.access === 'free') return [];
  const plan = previewPlan(a.body);
  if (plan.kind === 'break') return [];
  const shown = plan.kind === 'blocks'
    ? `the first ${plan.blocks === 1 ? 'block' : `${plan.blocks} blocks`}`
    : 'the first third of its text';
  const out: PreviewWarning[] = [];
  if (plan.breakIgnored) out.push({ code: 'preview_break_ignored', message: 'the preview break is at the end of the article, with nothing after it, so it was ignored' });
  out.push({
    code: 'no_preview_break',
    message: `this ${a.access} article has no preview break, so readers without access see ${shown} (at most ${DEFAULT_PREVIEW_BLOCKS} blocks and never more than a third of the text); add a preview break to choose where the preview ends`,
  });
  return out;
}
