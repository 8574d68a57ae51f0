import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ZodError } from 'zod';
import type { AppContext } from './context.js';
import { identify } from './identity.js';
import { toHttpFailure } from './errors.js';
import { AppError } from '../errors.js';
import type { StaffUser } from '../members/staff.js';
import type { Action } from '../members/permissions.js';
import { requireRole } from './admin-api.js';
import { PRIVATE } from './reply.js';

/**
 * The one gate of every newsroom page scope: never cached, a signed-out visitor sent to sign in (or
 * a 401 for the app's own JSON under /admin/api/), the staff member put on the request, and, when
 * the scope names one, the permission every page in it needs, reads included.
 */
export function staffOnly(ctx: AppContext, permission?: Action) {
  return async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    reply.header('cache-control', PRIVATE);
    const id = await identify(ctx, req);
    if (!id.staff) {
      if (req.url.startsWith('/admin/api/')) throw new AppError('unauthorized', 'sign in to the newsroom first');
      return reply.redirect('/admin/signin', 303);
    }
    req.staff = id.staff;
    if (permission) requireRole(id.staff, permission);
    return undefined;
  };
}

/**
 * What the newsroom's staff pages (moderation, staff and tokens, plans and offers) share: a
 * session-only scope (no bearer tokens: these are forms), signed-out staff sent to sign in, pages
 * never cached, and reader caches cleared after a write so a change shows at once.
 */
export function staffPages(app: FastifyInstance, ctx: AppContext, routes: (r: FastifyInstance) => void): void {
  app.register(async (r) => {
    r.addHook('onRequest', staffOnly(ctx));
    r.addHook('onResponse', async (req) => {
      if (req.method !== 'GET') ctx.invalidate();
    });
    routes(r);
  });
}

export const staffOf = (req: FastifyRequest): StaffUser => req.staff!;
export const formBody = (req: FastifyRequest): Record<string, string> => {
  const b = (req.body ?? {}) as Record<string, unknown>;
  return Object.fromEntries(Object.entries(b).filter(([, v]) => typeof v === 'string')) as Record<string, string>;
};
/** Every value of a repeated field (checkboxes). */
export const formList = (req: FastifyRequest, name: string): string[] => {
  const v = ((req.body ?? {}) as Record<string, unknown>)[name];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : typeof v === 'string' ? [v] : [];
};

/** A field-bound refusal (zod issues, or a rule that names its field) as reasons by field, plus one line for the top. */
export class FieldError extends Error {
  constructor(readonly field: string, message: string) { super(message); }
}

export function formFailure(err: unknown): { status: number; errors: Record<string, string>; message: string } | undefined {
  if (err instanceof ZodError) {
    const errors: Record<string, string> = {};
    for (const i of err.issues) {
      const k = String(i.path[0] ?? '_');
      errors[k] ??= cap(i.message);
    }
    return { status: 400, errors, message: 'Some fields need attention: see the reasons beside them.' };
  }
  if (err instanceof Error && 'field' in err && typeof (err as { field: unknown }).field === 'string') {
    const f = (err as { field: string }).field;
    return { status: 400, errors: { [f]: cap(err.message) }, message: cap(err.message) };
  }
  if (err instanceof AppError && (err.code === 'invalid_input' || err.code === 'conflict' || err.code === 'forbidden')) {
    const f = toHttpFailure(err);
    return { status: f.status, errors: {}, message: cap(f.message) };
  }
  return undefined;
}

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1) + (/[.!?]$/.test(s) ? '' : '.');
