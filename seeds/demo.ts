import type { Knex } from 'knex';
import { hashPassword } from '../src/auth/passwords';
import type { Role } from '../src/permissions/roles';
import { normalizeFirstName, normalizeName } from '../src/households/duplicates/normalize';
import { DEMO_AID_TYPES } from './aid-types';

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
export async function seedDemo(knex: Knex, now = new Date()): Promise<DemoLogin[]> {
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  return knex.transaction(async (trx) => {
    if (await trx('organisations').first('id')) throw new Error('The database already holds organisations: demo data goes into an empty database only.');
    const logins: DemoLogin[] = [];
    /** The demo's members, people and catalogue were there before its story (five months) began. */
    const since = new Date(now.getTime() - 150 * 86_400_000);
    const dated = { created_at: since, updated_at: since };
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
          ...dated,
        })
        .returning('id');
      const organisationId = (org as { id: string }).id;
      await audit(trx, 'organisation', organisationId, organisationId, 'organisation.created', { name: o.name, kind: o.kind, siren: o.siren }, since);
      const agencyIds = new Map<string, string>();
      for (const a of o.agencies) {
        const [row] = await trx('agencies')
          .insert({ organisation_id: organisationId, ...a })
          .returning('id');
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
            password_changed_at: since,
            ...dated,
          })
          .returning('id');
        await audit(trx, 'user', (row as { id: string }).id, organisationId, 'user.created', { email: u.email, role: u.role }, since);
        logins.push({ email: u.email, role: u.role, organisation: o.name });
      }
      for (const h of HOUSEHOLDS[o.key] ?? []) await insertHousehold(trx, organisationId, h, h.agency ? (agencyIds.get(h.agency) ?? null) : null, since);
    }
    await reportDemoDuplicate(trx);
    await insertAidTypes(trx, since);
    return logins;
  });
}

interface DemoPerson {
  civility: 'mme' | 'm';
  lastName: string;
  firstNames: string;
  birthDate: string;
  relationship: 'holder' | 'co_holder' | 'spouse' | 'child' | 'other';
  employmentStatus: string;
  employerName?: string;
  salary?: number;
  unemployment?: number;
  caf?: number;
  rsa?: number;
  pension?: number;
  email?: string;
  phone?: string;
}

interface DemoHousehold {
  agency?: string;
  addressLine1: string;
  postcode: string;
  city: string;
  housingEstate: string;
  tenancyReference: string;
  entryDate: string;
  rent: number;
  charges: number;
  housingAllowance: number;
  persons: DemoPerson[];
}

/** Realistic households (amounts in cents), with one person known at both landlords (a duplicate to merge). */
const HOUSEHOLDS: Record<string, DemoHousehold[]> = {
  a: [
    {
      agency: 'Agence Lyon Centre',
      addressLine1: '14 rue Paul Bert',
      postcode: '69003',
      city: 'Lyon',
      housingEstate: 'Résidence Les Tilleuls',
      tenancyReference: 'A-2019-00417',
      entryDate: '2019-09-01',
      rent: 52000,
      charges: 9500,
      housingAllowance: 18000,
      persons: [
        {
          civility: 'mme',
          lastName: 'Lefèvre-Dupont',
          firstNames: 'Éloïse',
          birthDate: '1986-03-14',
          relationship: 'holder',
          employmentStatus: 'private_employee',
          employerName: 'Transports Rhône',
          salary: 138000,
          email: 'eloise.lefevre@exemple.fr',
          phone: '0612345678',
        },
        { civility: 'm', lastName: 'Lefèvre-Dupont', firstNames: 'Noah', birthDate: '2012-06-02', relationship: 'child', employmentStatus: 'student' },
      ],
    },
    {
      agency: 'Agence Villeurbanne',
      addressLine1: '3 allée des Érables',
      postcode: '69100',
      city: 'Villeurbanne',
      housingEstate: 'Cité Jardin',
      tenancyReference: 'A-2021-01288',
      entryDate: '2021-02-15',
      rent: 61000,
      charges: 11000,
      housingAllowance: 0,
      persons: [
        {
          civility: 'm',
          lastName: 'Haddad',
          firstNames: 'Karim',
          birthDate: '1979-11-20',
          relationship: 'holder',
          employmentStatus: 'job_seeker',
          unemployment: 112000,
          email: 'karim.haddad@exemple.fr',
        },
        {
          civility: 'mme',
          lastName: 'Haddad',
          firstNames: 'Leïla',
          birthDate: '1982-01-05',
          relationship: 'spouse',
          employmentStatus: 'private_employee',
          employerName: 'Clinique du Parc',
          salary: 96000,
        },
        { civility: 'mme', lastName: 'Haddad', firstNames: 'Inès', birthDate: '2010-09-30', relationship: 'child', employmentStatus: 'student' },
      ],
    },
    {
      agency: 'Agence Lyon Centre',
      addressLine1: '27 boulevard des Belges',
      postcode: '69006',
      city: 'Lyon',
      housingEstate: 'Le Parc',
      tenancyReference: 'A-2015-00051',
      entryDate: '2015-05-01',
      rent: 43000,
      charges: 7000,
      housingAllowance: 21000,
      persons: [
        {
          civility: 'mme',
          lastName: 'Roche',
          firstNames: 'Monique',
          birthDate: '1951-08-17',
          relationship: 'holder',
          employmentStatus: 'retired',
          pension: 98000,
        },
      ],
    },

    {
      agency: 'Agence Lyon Centre',
      addressLine1: '9 rue Duguesclin',
      postcode: '69006',
      city: 'Lyon',
      housingEstate: 'Les Brotteaux',
      tenancyReference: 'A-2018-00733',
      entryDate: '2018-03-01',
      rent: 48000,
      charges: 8000,
      housingAllowance: 12000,
      persons: [
        {
          civility: 'mme',
          lastName: 'Nguyen',
          firstNames: 'Thi Lan',
          birthDate: '1984-07-09',
          relationship: 'holder',
          employmentStatus: 'private_employee',
          employerName: 'Hôtel Bellecour',
          salary: 118000,
        },
        { civility: 'm', lastName: 'Nguyen', firstNames: 'Minh', birthDate: '2014-02-11', relationship: 'child', employmentStatus: 'student' },
      ],
    },
    {
      agency: 'Agence Lyon Centre',
      addressLine1: '41 cours Gambetta',
      postcode: '69007',
      city: 'Lyon',
      housingEstate: 'Guillotière',
      tenancyReference: 'A-2020-00918',
      entryDate: '2020-06-15',
      rent: 56000,
      charges: 9000,
      housingAllowance: 0,
      persons: [
        {
          civility: 'm',
          lastName: 'Moreau',
          firstNames: 'Julien',
          birthDate: '1988-10-30',
          relationship: 'holder',
          employmentStatus: 'private_employee',
          employerName: 'Garage des Quais',
          salary: 121000,
        },
      ],
    },
    {
      agency: 'Agence Villeurbanne',
      addressLine1: '18 avenue Galline',
      postcode: '69100',
      city: 'Villeurbanne',
      housingEstate: 'Cusset',
      tenancyReference: 'A-2016-00342',
      entryDate: '2016-09-01',
      rent: 64000,
      charges: 10500,
      housingAllowance: 9000,
      persons: [
        {
          civility: 'm',
          lastName: 'Fernandes',
          firstNames: 'Paulo',
          birthDate: '1976-05-21',
          relationship: 'holder',
          employmentStatus: 'private_employee',
          employerName: 'BTP Rhône',
          salary: 142000,
        },
        {
          civility: 'mme',
          lastName: 'Fernandes',
          firstNames: 'Ana',
          birthDate: '1979-12-03',
          relationship: 'spouse',
          employmentStatus: 'job_seeker',
          unemployment: 61000,
        },
        { civility: 'mme', lastName: 'Fernandes', firstNames: 'Lucia', birthDate: '2009-08-14', relationship: 'child', employmentStatus: 'student' },
      ],
    },
    {
      agency: 'Agence Villeurbanne',
      addressLine1: '5 rue Francis de Pressensé',
      postcode: '69100',
      city: 'Villeurbanne',
      housingEstate: 'Gratte-Ciel',
      tenancyReference: 'A-2012-00087',
      entryDate: '2012-01-01',
      rent: 39000,
      charges: 6500,
      housingAllowance: 16000,
      persons: [
        {
          civility: 'mme',
          lastName: 'Bernard',
          firstNames: 'Chantal',
          birthDate: '1956-04-02',
          relationship: 'holder',
          employmentStatus: 'retired',
          pension: 102000,
        },
      ],
    },
    {
      agency: 'Agence Lyon Centre',
      addressLine1: '2 place Guichard',
      postcode: '69003',
      city: 'Lyon',
      housingEstate: 'Part-Dieu',
      tenancyReference: 'A-2022-01544',
      entryDate: '2022-11-01',
      rent: 47000,
      charges: 7500,
      housingAllowance: 19000,
      persons: [
        {
          civility: 'mme',
          lastName: 'Koné',
          firstNames: 'Aïcha',
          birthDate: '1993-01-17',
          relationship: 'holder',
          employmentStatus: 'private_employee',
          employerName: 'Propreté Services',
          salary: 98000,
          caf: 21000,
        },
        { civility: 'm', lastName: 'Koné', firstNames: 'Ibrahim', birthDate: '2019-05-05', relationship: 'child', employmentStatus: 'student' },
      ],
    },
  ],
  b: [
    {
      agency: 'Agence Lille Sud',
      addressLine1: '8 rue de Wazemmes',
      postcode: '59000',
      city: 'Lille',
      housingEstate: 'Résidence Wazemmes',
      tenancyReference: 'B-2020-07731',
      entryDate: '2020-10-01',
      rent: 48000,
      charges: 8500,
      housingAllowance: 15000,
      persons: [
        {
          civility: 'm',
          lastName: 'Diallo',
          firstNames: 'Mamadou',
          birthDate: '1990-04-22',
          relationship: 'holder',
          employmentStatus: 'private_employee',
          employerName: 'Logistique Nord',
          salary: 152000,
        },
        {
          civility: 'mme',
          lastName: 'Diallo',
          firstNames: 'Aminata',
          birthDate: '1992-12-08',
          relationship: 'spouse',
          employmentStatus: 'inactive',
          caf: 31000,
        },
      ],
    },
    {
      agency: 'Agence Lille Sud',
      addressLine1: '2 place du Concert',
      postcode: '59800',
      city: 'Lille',
      housingEstate: 'Vieux-Lille',
      tenancyReference: 'B-2023-00912',
      entryDate: '2023-01-01',
      rent: 39000,
      charges: 6000,
      housingAllowance: 9000,
      // the same woman as at Bailleur A, typed differently: a likely duplicate
      persons: [
        {
          civility: 'mme',
          lastName: 'LEFEVRE DUPONT',
          firstNames: 'Eloise',
          birthDate: '1986-03-14',
          relationship: 'holder',
          employmentStatus: 'private_employee',
          employerName: 'Transports Rhône',
          salary: 138000,
          rsa: 0,
        },
      ],
    },
    {
      agency: 'Agence Lille Sud',
      addressLine1: '15 rue Solférino',
      postcode: '59000',
      city: 'Lille',
      housingEstate: 'Vauban',
      tenancyReference: 'B-2019-04410',
      entryDate: '2019-04-01',
      rent: 52000,
      charges: 9500,
      housingAllowance: 11000,
      persons: [
        {
          civility: 'm',
          lastName: 'Lefebvre',
          firstNames: 'Kévin',
          birthDate: '1987-03-27',
          relationship: 'holder',
          employmentStatus: 'private_employee',
          employerName: 'Transports Lillois',
          salary: 134000,
        },
        {
          civility: 'mme',
          lastName: 'Lefebvre',
          firstNames: 'Laura',
          birthDate: '1989-09-12',
          relationship: 'spouse',
          employmentStatus: 'inactive',
          caf: 18000,
        },
      ],
    },
    {
      agency: 'Agence Lille Sud',
      addressLine1: '31 rue d’Arras',
      postcode: '59000',
      city: 'Lille',
      housingEstate: 'Moulins',
      tenancyReference: 'B-2017-02205',
      entryDate: '2017-07-01',
      rent: 44000,
      charges: 7000,
      housingAllowance: 14000,
      persons: [
        {
          civility: 'mme',
          lastName: 'Mercier',
          firstNames: 'Sandrine',
          birthDate: '1981-11-25',
          relationship: 'holder',
          employmentStatus: 'private_employee',
          employerName: 'Clinique du Nord',
          salary: 112000,
          email: 'sandrine.mercier@exemple.fr',
        },
      ],
    },
    {
      addressLine1: '6 avenue de Dunkerque',
      postcode: '59160',
      city: 'Lomme',
      housingEstate: 'Bourg',
      tenancyReference: 'B-2021-03118',
      entryDate: '2021-09-01',
      rent: 58000,
      charges: 10000,
      housingAllowance: 8000,
      persons: [
        {
          civility: 'm',
          lastName: 'Boulanger',
          firstNames: 'Rachid',
          birthDate: '1975-06-08',
          relationship: 'holder',
          employmentStatus: 'private_employee',
          employerName: 'Métallerie Flandres',
          salary: 165000,
        },
      ],
    },
    {
      agency: 'Agence Lille Sud',
      addressLine1: '12 rue Nationale',
      postcode: '59000',
      city: 'Lille',
      housingEstate: 'Centre',
      tenancyReference: 'B-2024-00377',
      entryDate: '2024-02-01',
      rent: 41000,
      charges: 6000,
      housingAllowance: 13000,
      persons: [
        {
          civility: 'mme',
          lastName: 'Dupuis',
          firstNames: 'Océane',
          birthDate: '1998-02-19',
          relationship: 'holder',
          employmentStatus: 'private_employee',
          employerName: 'Boulangerie Paul',
          salary: 101000,
        },
      ],
    },
  ],
};

async function insertHousehold(trx: Knex.Transaction, organisationId: string, h: DemoHousehold, agencyId: string | null, since: Date): Promise<void> {
  const [row] = await trx('households')
    .insert({
      organisation_id: organisationId,
      agency_id: agencyId,
      address_line1: h.addressLine1,
      postcode: h.postcode,
      city: h.city,
      housing_estate: h.housingEstate,
      tenancy_reference: h.tenancyReference,
      entry_date: h.entryDate,
      rent_cents: h.rent,
      charges_cents: h.charges,
      housing_allowance_cents: h.housingAllowance,
      created_at: since,
      updated_at: since,
    })
    .returning('id');
  const householdId = (row as { id: string }).id;
  await audit(trx, 'household', householdId, organisationId, 'household.created', { tenancyReference: h.tenancyReference }, since);
  for (const p of h.persons) {
    const [person] = await trx('persons')
      .insert({
        civility: p.civility,
        last_name: p.lastName,
        first_names: p.firstNames,
        birth_date: p.birthDate,
        email: p.email ?? null,
        phone: p.phone ?? null,
        employment_status: p.employmentStatus,
        employer_name: p.employerName ?? null,
        resource_salary_cents: p.salary ?? 0,
        resource_unemployment_cents: p.unemployment ?? 0,
        resource_caf_cents: p.caf ?? 0,
        resource_pension_cents: p.pension ?? 0,
        resource_rsa_cents: p.rsa ?? 0,
        search_last_name: normalizeName(p.lastName),
        search_first_name: normalizeFirstName(p.firstNames),
        created_at: since,
        updated_at: since,
      })
      .returning('id');
    await trx('household_members').insert({
      household_id: householdId,
      person_id: (person as { id: string }).id,
      relationship: p.relationship,
      from_date: h.entryDate,
      created_at: since,
    });
  }
}

/** The Bailleur B instructor confirmed "Eloise LEFEVRE DUPONT" although she was known at Bailleur A. */
async function reportDemoDuplicate(trx: Knex.Transaction): Promise<void> {
  const find = (landlord: string) =>
    trx('persons as p')
      .join('household_members as m', 'm.person_id', 'p.id')
      .join('households as h', 'h.id', 'm.household_id')
      .join('organisations as o', 'o.id', 'h.organisation_id')
      .where({ 'p.search_last_name': 'lefevredupont', 'p.search_first_name': 'eloise', 'o.name': landlord })
      .first('p.id');
  const a = await find('Bailleur A');
  const b = await find('Bailleur B');
  const reporter = await trx('users').where({ email: 'instructeur@bailleur-b.demo' }).first('id');
  if (a && b && reporter) {
    await trx('duplicate_suspicions').insert({
      person_id: (b as { id: string }).id,
      match_id: (a as { id: string }).id,
      reasons: ['identity'],
      reported_by: reporter.id,
    });
  }
}

function audit(
  trx: Knex | Knex.Transaction,
  entityType: string,
  entityId: string,
  organisationId: string | null,
  action: string,
  after: Record<string, unknown>,
  at?: Date,
) {
  return trx('audit_events').insert({
    ...(at ? { occurred_at: at } : {}),
    actor_label: 'Données de démonstration',
    organisation_id: organisationId,
    entity_type: entityType,
    entity_id: entityId,
    action,
    after: JSON.stringify(after),
  });
}

/** The three demo aid types; each version ends the day before the next one starts. */
export async function insertAidTypes(trx: Knex | Knex.Transaction, since?: Date): Promise<void> {
  for (const t of DEMO_AID_TYPES) {
    const [row] = await trx('aid_types')
      .insert({
        code: t.code,
        label: t.label,
        description: t.description,
        payees: t.payees,
        group_code: t.groupCode,
        validation_threshold_cents: t.validationThresholdCents,
        ...(since ? { created_at: since, updated_at: since } : {}),
      })
      .returning('id');
    const id = (row as { id: string }).id;
    for (const [i, v] of t.versions.entries()) {
      const next = t.versions[i + 1];
      const effectiveTo = next ? new Date(Date.parse(`${next.effectiveFrom}T12:00:00Z`) - 86_400_000).toISOString().slice(0, 10) : null;
      await trx('aid_type_versions').insert({
        aid_type_id: id,
        number: i + 1,
        effective_from: v.effectiveFrom,
        effective_to: effectiveTo,
        rules: JSON.stringify(v.rules),
        notes: v.notes,
        ...(since ? { created_at: since } : {}),
      });
    }
    await audit(trx, 'aid_type', id, null, 'aid_type.created', { code: t.code, label: t.label }, since);
  }
}
