import type { Knex } from 'knex';
import type { Role } from '../../src/permissions';
import { insertAgency, insertOrganisation } from './organisation';
import { insertUser, type TestUser } from './user';

/**
 * A small world for authorisation tests: the association with one user per role, and two
 * landlords with an admin and an instructor each. Built per test file (no shared state).
 */
export interface World {
  association: { id: string; name: string };
  landlordA: { id: string; name: string; agencyId: string };
  landlordB: { id: string; name: string; agencyId: string };
  users: Record<'admin' | 'operator' | 'social_adviser' | 'accountant' | 'auditor', TestUser> & {
    adminA: TestUser;
    instructorA: TestUser;
    adminB: TestUser;
    instructorB: TestUser;
  };
}

export async function buildWorld(knex: Knex): Promise<World> {
  const association = await insertOrganisation(knex, { kind: 'association', name: 'Association Test' });
  const a = await insertOrganisation(knex, { kind: 'landlord', name: 'Bailleur Alpha' });
  const b = await insertOrganisation(knex, { kind: 'landlord', name: 'Bailleur Bêta' });
  const agencyA = await insertAgency(knex, a.id, 'Agence Nord');
  const agencyB = await insertAgency(knex, b.id, 'Agence Sud');
  const assoc = (role: Role) => insertUser(knex, { organisationId: association.id, role, email: `${role}@asso.test` });
  return {
    association,
    landlordA: { ...a, agencyId: agencyA.id },
    landlordB: { ...b, agencyId: agencyB.id },
    users: {
      admin: await assoc('admin'),
      operator: await assoc('operator'),
      social_adviser: await assoc('social_adviser'),
      accountant: await assoc('accountant'),
      auditor: await assoc('auditor'),
      adminA: await insertUser(knex, { organisationId: a.id, role: 'landlord_admin', email: 'admin@alpha.test' }),
      instructorA: await insertUser(knex, { organisationId: a.id, role: 'landlord_instructor', email: 'instructeur@alpha.test', agencyId: agencyA.id }),
      adminB: await insertUser(knex, { organisationId: b.id, role: 'landlord_admin', email: 'admin@beta.test' }),
      instructorB: await insertUser(knex, { organisationId: b.id, role: 'landlord_instructor', email: 'instructeur@beta.test' }),
    },
  };
}
