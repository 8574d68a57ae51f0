import { randomUUID } from 'node:crypto';
import { ZodError } from 'zod';
import { AppError, type ErrorCode } from '../errors.js';

/** The one place where domain error codes become HTTP statuses. */
const STATUS: Record<ErrorCode, number> = {
  not_found: 404,
  invalid_input: 400,
  conflict: 409,
  stale_revision: 409,
  unauthorized: 401,
  forbidden: 403,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
};

export interface HttpFailure {
  status: number;
  code: string;
  message: string;
  /** Set for unexpected errors: shown to the client, and logged with the detail. */
  errorId?: string;
  /** Sent as Retry-After (429). */
  retryAfterSeconds?: number;
  /** What a refused save is told about the revision it lost to (stale_revision only). */
  current?: unknown;
  expected: boolean;
}

/** Fastify's own errors that are the client's fault, by their stable codes. */
const FASTIFY: Record<string, { status: number; code: ErrorCode; message: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'payload_too_large', message: 'request body is too large' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, code: 'unsupported_media_type', message: 'unsupported content type; send application/json' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: 'invalid_input', message: 'content length does not match the body' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: 'invalid_input', message: 'request body is empty; send a JSON object' },
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 'invalid_input', message: 'request body is not valid JSON' },
  // Multipart (the media upload): the file limit is the image limit, the only multipart route.
  FST_REQ_FILE_TOO_LARGE: { status: 413, code: 'payload_too_large', message: 'the image is larger than 20 MB, the most an upload may be' },
  FST_PARTS_LIMIT: { status: 413, code: 'payload_too_large', message: 'too many form fields; send one image in the field "file"' },
  FST_FILES_LIMIT: { status: 413, code: 'payload_too_large', message: 'send one image at a time' },
  FST_INVALID_MULTIPART_CONTENT_TYPE: { status: 415, code: 'unsupported_media_type', message: 'send the image as multipart/form-data' },
  FST_CSRF_MISSING_SECRET: { status: 403, code: 'forbidden', message: 'this form has expired or came from another site; reload the page and try again' },
  FST_CSRF_INVALID_TOKEN: { status: 403, code: 'forbidden', message: 'this form has expired or came from another site; reload the page and try again' },
};

export function toHttpFailure(err: unknown): HttpFailure {
  if (err instanceof AppError) {
    const retry = (err.details as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds;
    return { status: STATUS[err.code], code: err.code, message: err.message, expected: true, ...(typeof retry === 'number' ? { retryAfterSeconds: retry } : {}), ...(err.code === 'stale_revision' ? { current: err.details } : {}) };
  }
  if (err instanceof ZodError) return { status: 400, code: 'invalid_input', message: describeZod(err), expected: true };
  const e = err as { code?: string; statusCode?: number; message?: string };
  if (e?.code && FASTIFY[e.code]) {
    const f = FASTIFY[e.code]!;
    return { status: f.status, code: f.code, message: f.message, expected: true };
  }
  // Body parser failures (bad JSON and the like) carry a 4xx statusCode and a safe message.
  if (e?.statusCode && e.statusCode >= 400 && e.statusCode < 500 && e.statusCode !== 404) {
    const code: ErrorCode = e.statusCode === 413 ? 'payload_too_large' : e.statusCode === 415 ? 'unsupported_media_type' : e.statusCode === 429 ? 'rate_limited' : e.statusCode === 403 ? 'forbidden' : e.statusCode === 401 ? 'unauthorized' : 'invalid_input';
    return { status: e.statusCode, code, message: e.statusCode === 400 && /JSON/i.test(e.message ?? '') ? 'request body is not valid JSON' : (e.message ?? 'bad request'), expected: true };
  }
  return { status: 500, code: 'internal', message: 'Something went wrong on our side.', errorId: randomUUID(), expected: false };
}

/** One readable sentence naming the field and what is wrong with it. */
export function describeZod(err: ZodError): string {
  return err.issues.slice(0, 3).map((i) => {
    const path = i.path.length ? i.path.join('.') : 'body';
    if (i.code === 'unrecognized_keys') return `${path === 'body' ? '' : path + ': '}unknown field${i.keys.length > 1 ? 's' : ''} ${i.keys.map((k) => `"${k}"`).join(', ')}`;
    return `${path}: ${i.message}`;
  }).join('; ');
}
