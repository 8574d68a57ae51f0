import type { BodyInput } from './inputs.js';
import { docSchema, isCheckedDoc, type Doc } from './richtext/doc.js';
import { htmlToDoc } from './richtext/from-html.js';
import { markdownToDoc } from './richtext/from-markdown.js';
import { invalidInput } from '../errors.js';

/** Whatever form a body arrives in, it is stored as our validated document. */
export function toDoc(body: BodyInput): Doc {
  const doc = 'doc' in body ? body.doc : 'html' in body ? htmlToDoc(body.html) : markdownToDoc(body.markdown);
  // Converted documents are re-validated: a converter bug must not store a document the renderer cannot trust.
  if (isCheckedDoc(doc)) return doc;
  const checked = docSchema.safeParse(doc);
  if (!checked.success) throw invalidInput(`body: ${checked.error.issues[0]?.message ?? 'invalid document'}`);
  return checked.data;
}
