import { assertHtmlDepth } from '../../content/richtext/limits.js';
import { toDoc } from '../../content/body.js';
import type { BodyInput } from '../../content/inputs.js';
import type { Doc } from '../../content/richtext/doc.js';
import { openGhost, type GhostExport } from '../ghost/parse.js';
import { extractHtmlPage, pageLines } from '../html/extract.js';
import { itemErrorMessage } from '../limits.js';
import { readFileSync } from 'node:fs';
import { buildCorpus, type CorpusStats } from '../text/clean.js';
import { textItem } from '../text/item.js';
import type { ParsedEntry } from '../types.js';
import { buildEntry } from '../wxr/entry.js';
import type { RawItem, WxrChannel } from '../wxr/reader.js';

/**
 * The work of an import that depends on what an item holds — cleaning scraped text, Readability
 * over a page, WordPress content, Ghost bodies — as messages for the import's worker thread
 * (converter.ts). Everything here is plain data, so it crosses to the thread and back as it is.
 */
export type Task =
  /** Forget what an earlier import left: a thread is reused by the next import. */
  | { kind: 'reset' }
  /** Count the lines of a folder's texts and pages (read here, one at a time); the counts are kept and returned. */
  | { kind: 'corpus-build'; paths: string[]; pages?: string[] }
  /** Line counts of a folder's texts, used by every text and HTML item after it. Kept by the thread. */
  | { kind: 'corpus'; corpus: CorpusStats | null }
  | { kind: 'text'; text: string; sourceId: string; position: string }
  | { kind: 'html'; text: string; fallbackId: string; position: string }
  | { kind: 'wxr'; raw: RawItem; itemKind: 'post' | 'page'; channel: WxrChannel }
  /** Parse a Ghost export and keep it, under `session`, for the posts asked for next. */
  | { kind: 'ghost-open'; session: number; json: string; includePages: boolean }
  | { kind: 'ghost-post'; session: number; index: number }
  | { kind: 'ghost-close'; session: number }
  /** A Content API body in HTML or Markdown, converted to our document (body.ts). */
  | { kind: 'body'; body: BodyInput };

export interface TaskResults {
  reset: null;
  'corpus-build': CorpusStats;
  corpus: null;
  text: ParsedEntry;
  html: ParsedEntry;
  wxr: ParsedEntry;
  /** Every post's position, or the one entry saying the file is not a Ghost export. */
  'ghost-open': { positions: string[] } | { fileError: ParsedEntry };
  /** Null: a post that is not imported (a page without `pages`). */
  'ghost-post': ParsedEntry | null;
  'ghost-close': null;
  body: Doc;
}

/** What a thread keeps between tasks. */
export interface TaskState {
  corpus: CorpusStats | undefined;
  ghost: Map<number, GhostExport>;
}

export const newState = (): TaskState => ({ corpus: undefined, ghost: new Map() });

/**
 * An item as it will be stored must also be within the nesting limit: the body a Ghost export
 * or a Mobiledoc renderer hands over is checked here, where it is cheap to refuse, so a dry run
 * reports the items a real run would skip.
 */
function checked(entry: ParsedEntry): ParsedEntry {
  if (!entry.ok) return entry;
  try {
    assertHtmlDepth(entry.item.html, 'the body');
    return entry;
  } catch (err) {
    return { ok: false, error: { position: entry.item.position, message: itemErrorMessage(err) } };
  }
}

function attempt(position: string, make: () => ParsedEntry): ParsedEntry {
  try {
    return checked(make());
  } catch (err) {
    return { ok: false, error: { position, message: itemErrorMessage(err) } };
  }
}

export function runTask<K extends Task['kind']>(task: Extract<Task, { kind: K }>, state: TaskState): TaskResults[K];
export function runTask(task: Task, state: TaskState): TaskResults[Task['kind']] {
  switch (task.kind) {
    case 'reset':
      state.corpus = undefined;
      state.ghost.clear();
      return null;
    case 'corpus-build':
      state.corpus = buildCorpus((function* () {
        const pages = new Set(task.pages ?? []);
        for (const path of task.paths) {
          try {
            const text = readFileSync(path, 'utf8');
            yield pages.has(path) ? pageLines(text) : text;
          } catch {
            // An unreadable (or too deeply nested) file is reported when its turn comes.
          }
        }
      })());
      return state.corpus;
    case 'corpus':
      state.corpus = task.corpus ?? undefined;
      return null;
    case 'text':
      return attempt(task.position, () => ({ ok: true, item: textItem(task.text, { sourceId: task.sourceId, position: task.position, corpus: state.corpus }) }));
    case 'html':
      return attempt(task.position, () => ({ ok: true, item: extractHtmlPage(task.text, { fallbackId: task.fallbackId, position: task.position, corpus: state.corpus }) }));
    case 'wxr':
      return checked(buildEntry(task.raw, task.itemKind, task.channel));
    case 'ghost-open': {
      const opened = openGhost(task.json, { includePages: task.includePages });
      if (!('positions' in opened)) return { fileError: opened };
      state.ghost.set(task.session, opened);
      return { positions: opened.positions };
    }
    case 'ghost-post': {
      const opened = state.ghost.get(task.session);
      if (!opened) throw new Error(`no Ghost export open as ${task.session}`);
      const entry = opened.entry(task.index);
      return entry && checked(entry);
    }
    case 'ghost-close':
      state.ghost.delete(task.session);
      return null;
    case 'body':
      return toDoc(task.body);
  }
}
