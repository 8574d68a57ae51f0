import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AppContext } from './context.js';
import { AppError, invalidInput } from '../errors.js';
import { verifyApiToken } from '../members/tokens.js';
import type { StaffUser } from '../members/staff.js';
import { can, type Action, type ArticleFacts } from '../members/permissions.js';

/** What every /api/admin route module shares: bearer-token auth, the permission check, body and id parsing. */

const DESCRIBE: Record<Action, string> = {
  'article.create': 'creating articles',
  'article.edit': 'editing this article',
  'article.publish': 'publishing',
  'article.delete': 'deleting this article',
  'taxonomy.manage': 'managing sections, authors and tags',
  'comments.moderate': 'moderating comments',
  'members.manage': 'managing members',
  'billing.manage': 'managing billing',
  'settings.manage': 'changing site settings',
  'staff.manage': 'managing staff',
  'staff.invite': 'inviting staff',
  'staff.transfer': 'transferring ownership',
  'audit.read': 'reading the audit log',
  'dashboard.read': 'reading the dashboard',
  'media.upload': 'uploading images',
  'media.edit': 'changing this image',
  'media.delete': 'deleting this image',
};

/** 403 with the reason, in words a person understands. */
export function requirePermission(req: FastifyRequest, action: Action, facts?: ArticleFacts): void {
  requireRole(req.staff!, action, facts);
}

export function requireRole(staff: StaffUser, action: Action, facts?: ArticleFacts): void {
  const role = staff.role;
  if (!can(role, action, facts)) throw new AppError('forbidden', `your role (${role}) does not allow ${DESCRIBE[action]}${facts && !facts.own ? (action.startsWith('media.') ? ', uploaded by someone else' : ' on someone else’s article') : ''}`);
}

/**
 * A change to an existing article, from the Admin API or the newsroom app: editing it, and
 * publishing when it is live or the change makes it live (changing a live article is publishing).
 */
export function requireArticleChange(staff: StaffUser, facts: ArticleFacts, status?: string): void {
  requireRole(staff, 'article.edit', facts);
  if (facts.live || (status !== undefined && status !== 'draft')) requireRole(staff, 'article.publish', facts);
}

export const idParam = z.object({ id: z.coerce.number({ message: 'id must be a number' }).int().positive('id must be a positive whole number') });
declare module 'fastify' {
  interface FastifyRequest { staff?: StaffUser }
}

/** Body must be a JSON object; anything else is a 400 with a sentence, not a crash. */
export function jsonBody(req: FastifyRequest): unknown {
  if (req.body === undefined || req.body === null || typeof req.body !== 'object' || Array.isArray(req.body)) throw invalidInput('request body must be a JSON object');
  return req.body;
}

/** Bearer-token authentication for every /api/admin route: the token's staff user and role. */
export function adminAuth(ctx: AppContext) {
  return async (req: FastifyRequest, reply: FastifyReply) => {
      const header = req.headers.authorization ?? '';
      const m = /^Bearer\s+(\S+)$/i.exec(header);
      const user = m ? await verifyApiToken(ctx.database.db, m[1]!) : undefined;
      if (!user) {
        reply.header('www-authenticate', 'Bearer realm="masthead-admin"');
        throw new AppError('unauthorized', m ? 'the API token is not valid or has been revoked' : 'send an Admin API token as "Authorization: Bearer <token>" (create one with `masthead token create`)');
      }
      req.staff = user;
  };
}
