import { type Actor, can, inScope, PERMISSIONS, permissionsOf, ROLES, ROLES_BY_KIND, type Role, scopeFor } from '../../src/permissions';
import { ForbiddenError } from '../../src/shared/errors';
import { assignableRoles } from '../../src/users/service';

const actor = (role: Role, organisationId = 'org-1'): Actor => ({
  userId: 'u',
  role,
  organisationId,
  organisationKind: role.startsWith('landlord') ? 'landlord' : 'association',
  name: 'Test',
});

describe('permission module', () => {
  it('gives exactly these permissions to each role', () => {
    const table = Object.fromEntries(ROLES.map((r) => [r, permissionsOf(r)]));
    expect(table).toEqual({
      admin: [
        'home:view',
        'account:manage',
        'organisations:read',
        'organisations:manage',
        'users:manage',
        'mail:read',
        'households:read',
        'households:manage',
        'households:merge',
        'catalogue:read',
        'catalogue:manage',
        'requests:read',
        'requests:instruct',
        'requests:message',
        'dashboard:view',
        'settings:manage',
        'audit:read',
        'payments:read',
        'payments:manage',
        'payments:approve',
        'bank-accounts:review',
        'payees:manage',
        'jobs:read',
        'jobs:manage',
        'accounting:read',
        'accounting:manage',
        'missions:read',
        'missions:order',
        'missions:manage',
        'missions:work',
        'missions:billing',
        'mission-types:manage',
        'orientations:read',
        'orientations:manage',
        'exchanges:read',
        'exchanges:manage',
        'statistics:view',
        'statistics:extract',
        'satisfaction:read',
        'satisfaction:comments',
        'reports:read',
        'funds:read',
        'funds:manage',
        'self-audit:read',
        'self-audit:manage',
        'rights:manage',
        'assistance:use',
        'assistance:manage',
        'breaches:read',
        'breaches:manage',
      ],
      operator: [
        'home:view',
        'account:manage',
        'organisations:read',
        'households:read',
        'households:manage',
        'households:merge',
        'catalogue:read',
        'requests:read',
        'requests:instruct',
        'requests:message',
        'dashboard:view',
        'payments:read',
        'payments:manage',
        'bank-accounts:review',
        'payees:manage',
        'missions:read',
        'missions:order',
        'missions:manage',
        'missions:work',
        'orientations:read',
        'orientations:manage',
        'exchanges:read',
        'exchanges:manage',
        'statistics:view',
        'satisfaction:read',
        'satisfaction:comments',
        'funds:read',
        'assistance:use',
      ],
      social_adviser: [
        'home:view',
        'account:manage',
        'households:read-assigned',
        'requests:read-assigned',
        'missions:read',
        'missions:work',
        'statistics:view',
        'satisfaction:read',
        'satisfaction:comments',
        'assistance:use',
      ],
      accountant: [
        'home:view',
        'account:manage',
        'catalogue:read',
        'payments:read',
        'payments:approve',
        'accounting:read',
        'accounting:manage',
        'accounting:close',
        'funds:read',
        'assistance:use',
      ],
      auditor: [
        'home:view',
        'account:manage',
        'dashboard:view',
        'jobs:read',
        'exchanges:read',
        'statistics:view',
        'statistics:extract',
        'satisfaction:read',
        'reports:read',
        'funds:read',
        'self-audit:read',
        'assistance:use',
        'breaches:read',
      ],
      landlord_admin: [
        'home:view',
        'account:manage',
        'organisations:read',
        'users:manage',
        'households:read',
        'households:manage',
        'catalogue:read',
        'requests:read',
        'requests:file',
        'requests:message',
        'audit:read',
        'bank-accounts:own',
        'missions:read',
        'missions:order',
        'orientations:read',
        'orientations:manage',
        'statistics:view',
        'reports:read',
        'assistance:use',
      ],
      landlord_instructor: [
        'home:view',
        'account:manage',
        'households:read',
        'households:manage',
        'catalogue:read',
        'requests:read',
        'requests:file',
        'requests:message',
        'missions:read',
        'missions:order',
        'orientations:read',
        'orientations:manage',
        'assistance:use',
      ],
    });
  });

  it('scopes association admins to all organisations and landlord admins to their own', () => {
    expect(scopeFor(actor('admin'), 'users:manage')).toEqual({ all: true });
    expect(scopeFor(actor('landlord_admin', 'org-7'), 'users:manage')).toEqual({ all: false, organisationId: 'org-7' });
    expect(inScope({ all: false, organisationId: 'org-7' }, 'org-8')).toBe(false);
    expect(inScope({ all: true }, 'org-8')).toBe(true);
  });

  it('throws ForbiddenError when a role lacks the permission', () => {
    expect(() => scopeFor(actor('landlord_instructor'), 'users:manage')).toThrow(ForbiddenError);
    expect(can(actor('operator'), 'organisations:manage')).toBe(false);
  });

  it('lets landlord admins grant only landlord roles, and only inside a landlord organisation', () => {
    expect(assignableRoles(actor('landlord_admin'), 'landlord')).toEqual(['landlord_admin', 'landlord_instructor']);
    expect(assignableRoles(actor('landlord_admin'), 'association')).toEqual([]);
    expect(assignableRoles(actor('admin'), 'association')).toEqual(ROLES_BY_KIND.association);
    expect(assignableRoles(actor('admin'), 'funder')).toEqual(['auditor']);
  });

  it('every permission is held by at least one role', () => {
    for (const p of PERMISSIONS) expect(ROLES.some((r) => can({ role: r }, p))).toBe(true);
  });
});
