import { z } from 'zod';
import { settingsGroup } from './settings-group.js';

/**
 * The header's navigation under `nav.*`: whether the sections are listed (in their position order,
 * set on each section) and links of the newsroom's own after them (an about page, a tip line).
 */
const link = z.object({
  label: z.string().trim().min(1, 'needs a label').max(60, 'a label of at most 60 characters'),
  url: z.string().trim().max(2000).regex(/^(https?:\/\/|\/(?!\/))/, 'must be an http(s) address or start with /'),
}).strict();

export const navigationSchema = z.object({
  showSections: z.boolean(),
  links: z.array(link).max(12, 'at most 12 links'),
}).strict();
export type Navigation = z.infer<typeof navigationSchema>;
export const DEFAULT_NAVIGATION: Navigation = { showSections: true, links: [] };

/** "Label | URL" lines as links; a line without the bar is refused with its number. */
export function parseLinkLines(text: string): { links: { label: string; url: string }[]; problem?: string } {
  const links: { label: string; url: string }[] = [];
  for (const [i, line] of text.split('\n').entries()) {
    if (!line.trim()) continue;
    const bar = line.lastIndexOf('|');
    if (bar < 0) return { links, problem: `line ${i + 1} needs a label, a bar and an address, such as About | /about` };
    links.push({ label: line.slice(0, bar).trim(), url: line.slice(bar + 1).trim() });
  }
  return { links };
}

const group = settingsGroup('nav', navigationSchema, DEFAULT_NAVIGATION);
export const readNavigation = group.read;
export const writeNavigation = group.write;
