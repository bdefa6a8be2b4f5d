export const ORGANISATION_KINDS = ['association', 'landlord', 'funder'] as const;
export type OrganisationKind = (typeof ORGANISATION_KINDS)[number];

export const ROLES = ['admin', 'operator', 'social_adviser', 'accountant', 'auditor', 'landlord_admin', 'landlord_instructor'] as const;
export type Role = (typeof ROLES)[number];

/** The roles that move money or manage access: a second factor in production, re-authentication to create one. */
export const PRIVILEGED_ROLES: readonly Role[] = ['admin', 'operator', 'accountant', 'landlord_admin'];

/** Which roles a user of each kind of organisation may hold. */
export const ROLES_BY_KIND: Readonly<Record<OrganisationKind, readonly Role[]>> = {
  association: ['admin', 'operator', 'social_adviser', 'accountant', 'auditor'],
  landlord: ['landlord_admin', 'landlord_instructor'],
  funder: ['auditor'],
};

export const ROLE_LABELS: Readonly<Record<Role, string>> = {
  admin: 'Administrateur de l’association',
  operator: 'Chargé d’instruction',
  social_adviser: 'Conseiller social',
  accountant: 'Comptable',
  auditor: 'Auditeur (lecture seule)',
  landlord_admin: 'Administrateur bailleur',
  landlord_instructor: 'Instructeur bailleur',
};

export const ORGANISATION_KIND_LABELS: Readonly<Record<OrganisationKind, string>> = {
  association: 'Association',
  landlord: 'Bailleur',
  funder: 'Financeur',
};

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}
