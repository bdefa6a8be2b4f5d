import type { Knex } from 'knex';
import { normalizeFirstName, normalizeName } from '../../src/households/duplicates/normalize';

let sequence = 0;

export interface PersonOverrides {
  lastName?: string;
  firstNames?: string;
  birthDate?: string;
  email?: string | null;
  phone?: string | null;
  employmentStatus?: string;
  salaryCents?: number;
}

export async function insertPerson(knex: Knex, o: PersonOverrides = {}): Promise<string> {
  sequence += 1;
  const lastName = o.lastName ?? `Martin${sequence}`;
  const firstNames = o.firstNames ?? 'Julie';
  const [row] = await knex('persons')
    .insert({
      civility: 'mme',
      last_name: lastName,
      first_names: firstNames,
      birth_date: o.birthDate ?? '1985-04-12',
      email: o.email ?? null,
      phone: o.phone ?? null,
      employment_status: o.employmentStatus ?? 'private_employee',
      employer_name: 'Boulangerie du Centre',
      resource_salary_cents: o.salaryCents ?? 145000,
      search_last_name: normalizeName(lastName),
      search_first_name: normalizeFirstName(firstNames),
    })
    .returning('id');
  return (row as { id: string }).id;
}

export interface HouseholdOverrides {
  tenancyReference?: string;
  postcode?: string;
  rentCents?: number;
  members?: Array<{ personId: string; relationship?: string; fromDate?: string; toDate?: string | null }>;
}

/** A household of a landlord, with a holder created unless members are given. */
export async function insertHousehold(
  knex: Knex,
  organisationId: string,
  o: HouseholdOverrides = {},
): Promise<{ id: string; holderId: string; membershipIds: string[] }> {
  sequence += 1;
  const [row] = await knex('households')
    .insert({
      organisation_id: organisationId,
      address_line1: `${sequence} rue Victor Hugo`,
      postcode: o.postcode ?? '69003',
      city: 'Lyon',
      tenancy_reference: o.tenancyReference ?? `BAIL-${sequence}`,
      rent_cents: o.rentCents ?? 52000,
      charges_cents: 8000,
      entry_date: '2020-01-01',
    })
    .returning('id');
  const id = (row as { id: string }).id;
  const members = o.members ?? [{ personId: await insertPerson(knex), relationship: 'holder' }];
  const membershipIds: string[] = [];
  for (const m of members) {
    const [mm] = await knex('household_members')
      .insert({
        household_id: id,
        person_id: m.personId,
        relationship: m.relationship ?? 'holder',
        from_date: m.fromDate ?? '2020-01-01',
        to_date: m.toDate ?? null,
      })
      .returning('id');
    membershipIds.push((mm as { id: string }).id);
  }
  return { id, holderId: members[0]?.personId as string, membershipIds };
}
