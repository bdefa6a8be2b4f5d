import { ForbiddenError } from '../shared/errors';
import type { OrganisationKind, Role } from './roles';

export * from './roles';

/** The acting user, as every service receives it. */
export interface Actor {
  readonly userId: string;
  readonly role: Role;
  readonly organisationId: string;
  readonly organisationKind: OrganisationKind;
  readonly name: string;
  /** The user's agency, and whether they only see its dossiers. */
  readonly agencyId?: string | null;
  readonly agencyRestricted?: boolean;
  readonly ip?: string;
  readonly requestId?: string;
}

/** Where a permission applies: every organisation, or only the actor's own. */
type Reach = 'all' | 'own';

/**
 * The single table of who may do what, on which organisations' data. Routes declare the
 * permission they need; services and repositories ask for the scope it grants.
 */
const GRANTS = {
  'home:view': {
    admin: 'all',
    operator: 'all',
    social_adviser: 'all',
    accountant: 'all',
    auditor: 'all',
    landlord_admin: 'own',
    landlord_instructor: 'own',
  },
  'account:manage': {
    admin: 'own',
    operator: 'own',
    social_adviser: 'own',
    accountant: 'own',
    auditor: 'own',
    landlord_admin: 'own',
    landlord_instructor: 'own',
  },
  'organisations:read': { admin: 'all', operator: 'all', landlord_admin: 'own' },
  'organisations:manage': { admin: 'all' },
  'users:manage': { admin: 'all', landlord_admin: 'own' },
  'mail:read': { admin: 'all' },
  // households and persons: personal data, for the landlord and the association's instructors only
  'households:read': { admin: 'all', operator: 'all', landlord_admin: 'own', landlord_instructor: 'own' },
  'households:manage': { admin: 'all', operator: 'all', landlord_admin: 'own', landlord_instructor: 'own' },
  'households:merge': { admin: 'all', operator: 'all' },
  // an adviser reads the households of the missions assigned to them (the household service checks the assignment)
  'households:read-assigned': { social_adviser: 'all' },
  // the aid catalogue is the association's: everyone who files, instructs or accounts reads it, admins change it
  'catalogue:read': { admin: 'all', operator: 'all', accountant: 'all', landlord_admin: 'all', landlord_instructor: 'all' },
  'catalogue:manage': { admin: 'all' },
  // aid requests: landlords file for their households; the association instructs all of them
  'requests:read': { admin: 'all', operator: 'all', landlord_admin: 'own', landlord_instructor: 'own' },
  // an adviser reads the requests its missions are linked to (the request service checks the assignment)
  'requests:read-assigned': { social_adviser: 'all' },
  'requests:file': { landlord_admin: 'own', landlord_instructor: 'own' },
  // instruction: assign, note, ask for information, propose, validate (never one's own proposal), reopen, close
  'requests:instruct': { admin: 'all', operator: 'all' },
  // exchanges between the landlord and the association on a request
  'requests:message': { admin: 'all', operator: 'all', landlord_admin: 'own', landlord_instructor: 'own' },
  // the auditor (management control) reads the dashboard's counts and amounts, never personal data
  'dashboard:view': { admin: 'all', operator: 'all', auditor: 'all' },
  'settings:manage': { admin: 'all' },
  'audit:read': { admin: 'all', landlord_admin: 'own' },
  // payments: the association follows and runs them; a batch is approved by an admin or the accountant (four eyes)
  'payments:read': { admin: 'all', operator: 'all', accountant: 'all' },
  'payments:manage': { admin: 'all', operator: 'all' },
  'payments:approve': { admin: 'all', accountant: 'all' },
  // bank accounts: a landlord administrator gives its organisation's, the association checks each new IBAN
  'bank-accounts:own': { landlord_admin: 'own' },
  'bank-accounts:review': { admin: 'all', operator: 'all' },
  'payees:manage': { admin: 'all', operator: 'all' },
  // the jobs page: when each job runs, its last runs and counts — the auditor reads it (no file, no button)
  'jobs:read': { admin: 'all', auditor: 'all' },
  'jobs:manage': { admin: 'all' },
  // accounting: the ledger and its exports for the accountant (and administrators); closing a period is the accountant's alone
  'accounting:read': { admin: 'all', accountant: 'all' },
  'accounting:manage': { admin: 'all', accountant: 'all' },
  'accounting:close': { accountant: 'all' },
  // support missions: the association orders, assigns and follows them all; an adviser works on the ones assigned to them
  // (the scope narrows to those in the mission service); a landlord asks for one and follows its households' in summary form
  'missions:read': { admin: 'all', operator: 'all', social_adviser: 'all', landlord_admin: 'own', landlord_instructor: 'own' },
  'missions:order': { admin: 'all', operator: 'all', landlord_admin: 'own', landlord_instructor: 'own' },
  'missions:manage': { admin: 'all', operator: 'all' },
  'missions:work': { admin: 'all', operator: 'all', social_adviser: 'all' },
  'missions:billing': { admin: 'all' },
  'mission-types:manage': { admin: 'all' },
  // orientations from Action Logement's ASD service: the association takes them up; a landlord sees and takes up its tenants'
  'orientations:read': { admin: 'all', operator: 'all', landlord_admin: 'own', landlord_instructor: 'own' },
  'orientations:manage': { admin: 'all', operator: 'all', landlord_admin: 'own', landlord_instructor: 'own' },
  // the files exchanged with Action Logement (both ways) and the records it refused: the association follows them, the auditor reads them
  'exchanges:read': { admin: 'all', operator: 'all', auditor: 'all' },
  // put a refused record back to leave again, deposit again the files left waiting
  'exchanges:manage': { admin: 'all', operator: 'all' },
  // statistics (no personal data): the association and the auditor on the whole association, a landlord
  // administrator on its own organisation (beside the association's average), an adviser on their own missions
  'statistics:view': { admin: 'all', operator: 'all', auditor: 'all', landlord_admin: 'own', social_adviser: 'all' },
  // a pseudonymised extract of requests and missions for a period (keyed hashes, no identity): steering and data
  'statistics:extract': { admin: 'all', auditor: 'all' },
  // satisfaction questionnaires' results (anonymous answers): the association and the auditor read the figures, an adviser their own;
  // the comments only the association's staff (an adviser those on their own work), never a landlord nor the auditor
  'satisfaction:read': { admin: 'all', operator: 'all', social_adviser: 'all', auditor: 'all' },
  'satisfaction:comments': { admin: 'all', operator: 'all', social_adviser: 'all' },
  // the monthly activity reports archived (PDF, XLSX): the association and the auditor all, a landlord administrator its own
  'reports:read': { admin: 'all', auditor: 'all', landlord_admin: 'own' },
  // budget envelopes: the association and the auditor read what each fund committed, paid and left (no personal data);
  // the accountant too (the ledger's analytic codes); administrators define them and may grant above what remains
  'funds:read': { admin: 'all', operator: 'all', accountant: 'all', auditor: 'all' },
  'funds:manage': { admin: 'all' },
  // the weekly self-audit (accounts, configuration, backups, dependencies, keys): the association's administrators,
  // the auditor reads it; deactivating an inactive account from it is an administrator's (with users:manage)
  'self-audit:read': { admin: 'all', auditor: 'all' },
  'self-audit:manage': { admin: 'all' },
  // GDPR rights requests (access, rectification, erasure…): the register and the export of a person's data
  'rights:manage': { admin: 'all' },
  // the assistance desk: every user opens requests to the association and follows their own; its administrators triage and answer them all
  'assistance:use': {
    admin: 'own',
    operator: 'own',
    social_adviser: 'own',
    accountant: 'own',
    auditor: 'own',
    landlord_admin: 'own',
    landlord_instructor: 'own',
  },
  'assistance:manage': { admin: 'all' },
  // the register of personal-data breaches (GDPR art. 33(5)): kept by the association's administrators, read by its auditor
  'breaches:read': { admin: 'all', auditor: 'all' },
  'breaches:manage': { admin: 'all' },
} as const satisfies Record<string, Partial<Record<Role, Reach>>>;

export type Permission = keyof typeof GRANTS;
export const PERMISSIONS = Object.keys(GRANTS) as Permission[];

/** Repositories filter tenant data with this: all organisations, or exactly one. */
export type Scope = { readonly all: true } | { readonly all: false; readonly organisationId: string };

function reachOf(role: Role, permission: Permission): Reach | undefined {
  return (GRANTS[permission] as Partial<Record<Role, Reach>>)[role];
}

export function can(actor: Pick<Actor, 'role'>, permission: Permission): boolean {
  return reachOf(actor.role, permission) !== undefined;
}

/** The scope a permission gives this actor; throws ForbiddenError when the role lacks it. */
export function scopeFor(actor: Actor, permission: Permission): Scope {
  const reach = reachOf(actor.role, permission);
  if (!reach) throw new ForbiddenError();
  return reach === 'all' ? { all: true } : { all: false, organisationId: actor.organisationId };
}

export function inScope(scope: Scope, organisationId: string): boolean {
  return scope.all || scope.organisationId === organisationId;
}

export function permissionsOf(role: Role): Permission[] {
  return PERMISSIONS.filter((p) => reachOf(role, p) !== undefined);
}
