import type { Knex } from 'knex';
import type { OrganisationKind } from '../../src/permissions';

let sequence = 0;

/** A random SIREN with a valid Luhn key. */
export function validSiren(): string {
  const base = String(10000000 + Math.floor(Math.random() * 89999999)).slice(0, 8);
  for (let check = 0; check < 10; check++) {
    const candidate = base + check;
    let sum = 0;
    for (let i = 0; i < 9; i++) {
      let d = Number(candidate[8 - i]);
      if (i % 2 === 1) {
        d *= 2;
        if (d > 9) d -= 9;
      }
      sum += d;
    }
    if (sum % 10 === 0) return candidate;
  }
  throw new Error('unreachable');
}

export interface OrganisationOverrides {
  kind?: OrganisationKind;
  name?: string;
  siren?: string | null;
  status?: 'active' | 'suspended';
  city?: string;
}

export async function insertOrganisation(knex: Knex, overrides: OrganisationOverrides = {}): Promise<{ id: string; name: string; kind: OrganisationKind }> {
  sequence += 1;
  const kind = overrides.kind ?? 'landlord';
  const name = overrides.name ?? (kind === 'landlord' ? `Habitat Solidaire ${sequence}` : `Association Entraide ${sequence}`);
  const [row] = await knex('organisations')
    .insert({
      kind,
      name,
      siren: overrides.siren === undefined ? validSiren() : overrides.siren,
      address_line1: '3 rue des Lilas',
      postcode: '75020',
      city: overrides.city ?? 'Paris',
      member_since: '2024-01-15',
      status: overrides.status ?? 'active',
    })
    .returning(['id', 'name', 'kind']);
  return row as { id: string; name: string; kind: OrganisationKind };
}

export async function insertAgency(knex: Knex, organisationId: string, name = `Agence ${++sequence}`): Promise<{ id: string; name: string }> {
  const [row] = await knex('agencies').insert({ organisation_id: organisationId, name, postcode: '75020', city: 'Paris' }).returning(['id', 'name']);
  return row as { id: string; name: string };
}
