import type { BodyInput } from '../content/inputs.js';
import { invalidInput } from '../errors.js';
import { Converter } from '../importer/worker/converter.js';

/** Bodies up to this size convert in well under a millisecond: not worth a trip to the thread. */
const ON_LOOP_CHARS = 16 * 1024;

/**
 * An HTML or Markdown body of any size converts on the importer's worker thread, with its time
 * limit: within the size and nesting limits, 2 MB of nested emphasis still takes marked seconds,
 * and the server's other requests must not wait for it. The input comes back with the document.
 */
export async function convertBodyOffLoop<T extends { body?: BodyInput | undefined }>(input: T): Promise<T> {
  const b = input.body;
  if (!b || 'doc' in b) return input;
  const size = 'html' in b ? b.html.length : b.markdown.length;
  if (size <= ON_LOOP_CHARS) return input;
  const converter = new Converter();
  try {
    const r = await converter.run({ kind: 'body', body: b });
    if (!r.ok) throw invalidInput(r.message.startsWith('body') ? r.message : `body: ${r.message}`);
    return { ...input, body: { doc: r.value } };
  } finally {
    await converter.close();
  }
}
