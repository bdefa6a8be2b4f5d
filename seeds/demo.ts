import type { Knex } from 'knex';
import { hashPassword } from '../src/auth/passwords';
import type { Role } from '../src/permissions/roles';

/** Demo data only: never loaded by a migration nor in production unless asked (SEED_DEMO / seed:demo). */
export const DEMO_PASSWORD = 'demo-Entraide-2026';

export interface DemoLogin {
  email: string;
  role: Role;
  organisation: string;
}

interface DemoOrganisation {
  key: string;
  kind: 'association' | 'landlord';
  name: string;
  siren: string;
  addressLine1: string;
  postcode: string;
  city: string;
  memberSince: string;
  agencies: Array<{ name: string; postcode: string; city: string }>;
  users: Array<{ email: string; role: Role; firstName: string; lastName: string; agency?: string }>;
}

const ORGANISATIONS: DemoOrganisation[] = [
  {
    key: 'asso',
    kind: 'association',
    name: 'Association Entraide Logement',
    siren: '775672272',
    addressLine1: '21 quai d’Austerlitz',
    postcode: '75013',
    city: 'Paris',
    memberSince: '2019-01-01',
    agencies: [],
    users: [
      { email: 'admin@asso.demo', role: 'admin', firstName: 'Claire', lastName: 'Martin' },
      { email: 'operateur@asso.demo', role: 'operator', firstName: 'Karim', lastName: 'Benali' },
      { email: 'conseiller@asso.demo', role: 'social_adviser', firstName: 'Sophie', lastName: 'Lefèvre' },
      { email: 'comptable@asso.demo', role: 'accountant', firstName: 'Bruno', lastName: 'Garnier' },
      { email: 'auditeur@asso.demo', role: 'auditor', firstName: 'Inès', lastName: 'Moreau' },
    ],
  },
  {
    key: 'a',
    kind: 'landlord',
    name: 'Bailleur A',
    siren: '412345670',
    addressLine1: '12 rue de la République',
    postcode: '69002',
    city: 'Lyon',
    memberSince: '2021-03-15',
    agencies: [
      { name: 'Agence Lyon Centre', postcode: '69002', city: 'Lyon' },
      { name: 'Agence Villeurbanne', postcode: '69100', city: 'Villeurbanne' },
    ],
    users: [
      { email: 'admin@bailleur-a.demo', role: 'landlord_admin', firstName: 'Julien', lastName: 'Roux' },
      { email: 'instructeur@bailleur-a.demo', role: 'landlord_instructor', firstName: 'Amandine', lastName: 'Petit', agency: 'Agence Lyon Centre' },
    ],
  },
  {
    key: 'b',
    kind: 'landlord',
    name: 'Bailleur B',
    siren: '523456788',
    addressLine1: '4 avenue Jean Jaurès',
    postcode: '59000',
    city: 'Lille',
    memberSince: '2022-09-01',
    agencies: [{ name: 'Agence Lille Sud', postcode: '59000', city: 'Lille' }],
    users: [
      { email: 'admin@bailleur-b.demo', role: 'landlord_admin', firstName: 'Nadia', lastName: 'Fontaine' },
      { email: 'instructeur@bailleur-b.demo', role: 'landlord_instructor', firstName: 'Thomas', lastName: 'Girard' },
    ],
  },
];

/** Loads the demo organisations and logins into an empty database; returns the logins to print. */
export async function seedDemo(knex: Knex): Promise<DemoLogin[]> {
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  return knex.transaction(async (trx) => {
    if (await trx('organisations').first('id')) throw new Error('The database already holds organisations: demo data goes into an empty database only.');
    const logins: DemoLogin[] = [];
    const now = new Date();
    for (const o of ORGANISATIONS) {
      const [org] = await trx('organisations')
        .insert({
          kind: o.kind,
          name: o.name,
          siren: o.siren,
          address_line1: o.addressLine1,
          postcode: o.postcode,
          city: o.city,
          member_since: o.memberSince,
        })
        .returning('id');
      const organisationId = (org as { id: string }).id;
      await audit(trx, 'organisation', organisationId, organisationId, 'organisation.created', { name: o.name, kind: o.kind, siren: o.siren });
      const agencyIds = new Map<string, string>();
      for (const a of o.agencies) {
        const [row] = await trx('agencies').insert({ organisation_id: organisationId, ...a }).returning('id');
        agencyIds.set(a.name, (row as { id: string }).id);
      }
      for (const u of o.users) {
        const [row] = await trx('users')
          .insert({
            organisation_id: organisationId,
            agency_id: u.agency ? agencyIds.get(u.agency) : null,
            role: u.role,
            email: u.email,
            first_name: u.firstName,
            last_name: u.lastName,
            password_hash: passwordHash,
            password_changed_at: now,
          })
          .returning('id');
        await audit(trx, 'user', (row as { id: string }).id, organisationId, 'user.created', { email: u.email, role: u.role });
        logins.push({ email: u.email, role: u.role, organisation: o.name });
      }
    }
    return logins;
  });
}

function audit(trx: Knex.Transaction, entityType: string, entityId: string, organisationId: string, action: string, after: Record<string, unknown>) {
  return trx('audit_events').insert({
    actor_label: 'Données de démonstration',
    organisation_id: organisationId,
    entity_type: entityType,
    entity_id: entityId,
    action,
    after: JSON.stringify(after),
  });
}
