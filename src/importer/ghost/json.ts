import { RenderError } from './cards.js';

/** Reading Ghost's untyped JSON (the export and the Lexical and Mobiledoc bodies inside it) without trusting its shape. */

export type Obj = Record<string, unknown>;
export const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
export const str = (v: unknown) => (typeof v === 'string' ? v : '');

/** A post body in one of Ghost's JSON formats; malformed JSON is that post's error, named by format. */
export function parseBody(json: string, format: 'Lexical' | 'Mobiledoc'): unknown {
  try {
    return JSON.parse(json);
  } catch {
    throw new RenderError(`the ${format} body is not valid JSON`);
  }
}
