import { afterEach, describe, expect, it } from 'vitest';
import { Converter } from '../../src/importer/worker/converter.js';
import type { ParsedEntry } from '../../src/importer/types.js';
import { ghostExport, mobiledocMarkdown, nestedHtml, storyHtml, storyPage, storyText } from '../helpers/hostile.js';

/** The import's worker thread, as runImport drives it: real thread, real parsers. */

const converters: Converter[] = [];
afterEach(async () => {
  await Promise.all(converters.splice(0).map((c) => c.close()));
});
const converter = (opts?: ConstructorParameters<typeof Converter>[0]) => {
  const c = new Converter(opts);
  converters.push(c);
  return c;
};

/** A saved page big enough that Readability needs seconds for it: slow without being wrong. */
const bigPage = () => storyPage('the pier', storyHtml('the pier').repeat(12_000));

const title = (o: { ok: boolean; value?: unknown }) => (o.ok ? (o.value as ParsedEntry & { ok: true }).item.title : null);

describe('the import worker thread', () => {
  it('an item past the time limit fails with a sentence; the next item runs on a fresh thread', async () => {
    const c = converter({ timeLimitMs: 300 });
    const slow = await c.run({ kind: 'html', text: bigPage(), fallbackId: 'html:big', position: 'big.html' });
    expect(slow).toEqual({ ok: false, message: 'took longer than 0.3 s to read' });
    const next = await c.run({ kind: 'text', text: storyText('the slipway'), sourceId: 'text:a', position: 'a.txt' });
    expect(title(next)).toBe('Harbour board agrees plan for the slipway');
  });

  it('an item that needs more memory than the thread has fails; the next item runs', async () => {
    const c = converter({ memoryMb: 64 });
    const big = await c.run({ kind: 'html', text: bigPage(), fallbackId: 'html:big', position: 'big.html' });
    expect(big).toEqual({ ok: false, message: 'needed more than 64 MB of memory to read' });
    const next = await c.run({ kind: 'text', text: storyText('the slipway'), sourceId: 'text:a', position: 'a.txt' });
    expect(title(next)).toBe('Harbour board agrees plan for the slipway');
  });

  it('a Ghost export outlives a post that stalls its thread: the replacement opens it again and goes on', async () => {
    const c = converter({ timeLimitMs: 300 });
    const json = ghostExport([
      { id: 'a', title: 'First', body: { html: storyHtml('the slipway') } },
      // A megabyte of emphasis: marked needs seconds for it.
      { id: 'b', title: 'Slow', body: { mobiledoc: mobiledocMarkdown(`${'*a '.repeat(60)}x${' a*'.repeat(60)}\n\n`.repeat(3_000)) } },
      { id: 'c', title: 'Deep', body: { html: nestedHtml(50_000) } },
      { id: 'd', title: 'Last', body: { html: storyHtml('the ferry') } },
    ]);
    const opened = await c.run({ kind: 'ghost-open', session: 1, json, includePages: false }, { keep: 'ghost' });
    expect(opened).toEqual({ ok: true, value: { positions: ['posts[0] (id a)', 'posts[1] (id b)', 'posts[2] (id c)', 'posts[3] (id d)'] } });
    const posts = [];
    for (let index = 0; index < 4; index++) posts.push(await c.run({ kind: 'ghost-post', session: 1, index }));
    expect(posts.map((p) => (p.ok ? (p.value?.ok ? p.value.item.title : p.value?.error.message) : p.message))).toEqual([
      'First',
      'took longer than 0.3 s to read',
      // The body is checked where the item is made, so a dry run reports what a real run refuses.
      'the body is nested too deeply (more than 100 levels)',
      'Last',
    ]);
  });

  it('a thread left by one import is reused by the next with nothing of the first left in it', async () => {
    const first = converter();
    await first.run({ kind: 'ghost-open', session: 7, json: ghostExport([{ id: 'a', title: 'First', body: { html: storyHtml('the slipway') } }]), includePages: false });
    await first.close();
    const second = converter();
    expect(await second.run({ kind: 'ghost-post', session: 7, index: 0 })).toEqual({ ok: false, message: 'no Ghost export open as 7' });
  });
});
