import { describe, expect, it } from 'vitest';
import { can, staffChangeRefusal, type Action, type StaffChange } from '../../src/members/permissions.js';
import { STAFF_ROLES, type StaffRole } from '../../src/members/staff.js';

const Y = true, N = false;
type Row = [Action, string, { own: boolean; live: boolean } | undefined, Record<StaffRole, boolean>];

// contributor, author, editor, administrator, owner
const row = (c: boolean, a: boolean, e: boolean, ad: boolean, o: boolean): Record<StaffRole, boolean> => ({ contributor: c, author: a, editor: e, administrator: ad, owner: o });

const MATRIX: Row[] = [
  ['article.create', 'a draft', undefined, row(Y, Y, Y, Y, Y)],
  ['article.edit', 'own draft', { own: true, live: false }, row(Y, Y, Y, Y, Y)],
  ['article.edit', 'own published', { own: true, live: true }, row(N, Y, Y, Y, Y)],
  ['article.edit', 'someone else’s draft', { own: false, live: false }, row(N, N, Y, Y, Y)],
  ['article.edit', 'someone else’s published', { own: false, live: true }, row(N, N, Y, Y, Y)],
  ['article.publish', 'own', { own: true, live: false }, row(N, Y, Y, Y, Y)],
  ['article.publish', 'someone else’s', { own: false, live: false }, row(N, N, Y, Y, Y)],
  ['article.delete', 'own draft', { own: true, live: false }, row(Y, Y, Y, Y, Y)],
  ['article.delete', 'own published', { own: true, live: true }, row(N, Y, Y, Y, Y)],
  ['article.delete', 'someone else’s', { own: false, live: true }, row(N, N, Y, Y, Y)],
  ['taxonomy.manage', '', undefined, row(N, N, Y, Y, Y)],
  ['comments.moderate', '', undefined, row(N, N, Y, Y, Y)],
  ['members.manage', '', undefined, row(N, N, N, Y, Y)],
  ['billing.manage', '', undefined, row(N, N, N, Y, Y)],
  ['settings.manage', '', undefined, row(N, N, N, Y, Y)],
  ['audit.read', '', undefined, row(N, N, N, Y, Y)],
  ['dashboard.read', '', undefined, row(N, N, Y, Y, Y)],
  ['staff.manage', '', undefined, row(N, N, N, N, Y)],
  ['staff.invite', '', undefined, row(N, N, N, Y, Y)],
  ['staff.transfer', '', undefined, row(N, N, N, N, Y)],
  ['media.upload', 'an image', undefined, row(Y, Y, Y, Y, Y)],
  ['media.edit', 'own image', { own: true, live: false }, row(Y, Y, Y, Y, Y)],
  ['media.edit', 'someone else’s image', { own: false, live: false }, row(N, N, Y, Y, Y)],
  ['media.delete', 'own image', { own: true, live: false }, row(Y, Y, Y, Y, Y)],
  ['media.delete', 'someone else’s image', { own: false, live: false }, row(N, N, Y, Y, Y)],
];

describe('staff permission matrix', () => {
  for (const [action, what, facts, expected] of MATRIX) {
    for (const role of STAFF_ROLES) {
      it(`${role} ${expected[role] ? 'may' : 'may not'} ${action} ${what}`.trim(), () => {
        expect(can(role, action, facts)).toBe(expected[role]);
      });
    }
  }
});

// [actor, change, allowed]
const CHANGES: [StaffRole, StaffChange, boolean][] = [
  ['owner', { kind: 'invite', role: 'administrator' }, Y],
  ['owner', { kind: 'invite', role: 'owner' }, N],
  ['administrator', { kind: 'invite', role: 'editor' }, Y],
  ['administrator', { kind: 'invite', role: 'author' }, Y],
  ['administrator', { kind: 'invite', role: 'administrator' }, N],
  ['editor', { kind: 'invite', role: 'contributor' }, N],
  ['contributor', { kind: 'invite', role: 'contributor' }, N],
  ['owner', { kind: 'role', self: false, from: 'author', to: 'administrator' }, Y],
  ['owner', { kind: 'role', self: false, from: 'administrator', to: 'editor' }, Y],
  ['owner', { kind: 'role', self: false, from: 'editor', to: 'owner' }, N],
  ['owner', { kind: 'role', self: true, from: 'owner', to: 'editor' }, N],
  ['administrator', { kind: 'role', self: false, from: 'author', to: 'editor' }, Y],
  ['administrator', { kind: 'role', self: false, from: 'author', to: 'administrator' }, N],
  ['administrator', { kind: 'role', self: false, from: 'administrator', to: 'editor' }, N],
  ['administrator', { kind: 'role', self: false, from: 'owner', to: 'editor' }, N],
  ['administrator', { kind: 'role', self: true, from: 'administrator', to: 'editor' }, N],
  ['editor', { kind: 'role', self: false, from: 'author', to: 'contributor' }, N],
  ['owner', { kind: 'remove', self: false, role: 'administrator' }, Y],
  ['owner', { kind: 'remove', self: true, role: 'owner' }, N],
  ['administrator', { kind: 'remove', self: false, role: 'contributor' }, Y],
  ['administrator', { kind: 'remove', self: false, role: 'administrator' }, N],
  ['administrator', { kind: 'remove', self: false, role: 'owner' }, N],
  ['author', { kind: 'remove', self: false, role: 'contributor' }, N],
  ['owner', { kind: 'transfer', self: false, role: 'editor' }, Y],
  ['owner', { kind: 'transfer', self: true, role: 'owner' }, N],
  ['administrator', { kind: 'transfer', self: false, role: 'editor' }, N],
];

describe('who may invite, change roles, remove staff and transfer ownership', () => {
  for (const [actor, change, allowed] of CHANGES) {
    it(`${actor} ${allowed ? 'may' : 'may not'} ${JSON.stringify(change)}`, () => {
      const refusal = staffChangeRefusal(actor, change);
      if (allowed) expect(refusal).toBeNull();
      else expect(refusal).toMatch(/\w/);
    });
  }
});
