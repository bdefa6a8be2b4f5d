import type { Db } from '../db/types';
import { isUuid } from '../db/types';
import type { Scope } from '../permissions';
import type { EmploymentStatus } from './labels';
import { normalizeFirstName, normalizeName } from './duplicates/normalize';

export interface PersonFields {
  civility: 'mme' | 'm' | null;
  lastName: string;
  firstNames: string;
  birthDate: string;
  email: string | null;
  phone: string | null;
  employmentStatus: EmploymentStatus;
  employerName: string | null;
  employerSiret: string | null;
  resources: Resources;
}

/** A type alias, not an interface: a type literal has an implicit index signature, so `Object.values` gives its numbers. */
export type Resources = {
  salary: number;
  unemployment: number;
  caf: number;
  pension: number;
  rsa: number;
  other: number;
};

export interface Person extends PersonFields {
  id: string;
  status: 'active' | 'merged';
  mergedIntoId: string | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

/** A possible duplicate, as an operator sees it. */
export interface PersonMatch {
  id: string;
  lastName: string;
  firstNames: string;
  birthDate: string;
  email: string | null;
  phone: string | null;
  householdId: string | null;
  organisationId: string | null;
  organisationName: string | null;
  reasons: Array<'identity' | 'email' | 'phone'>;
}

interface PersonRow {
  id: string;
  civility: 'mme' | 'm' | null;
  last_name: string;
  first_names: string;
  birth_date: string;
  email: string | null;
  phone: string | null;
  employment_status: EmploymentStatus;
  employer_name: string | null;
  employer_siret: string | null;
  resource_salary_cents: string;
  resource_unemployment_cents: string;
  resource_caf_cents: string;
  resource_pension_cents: string;
  resource_rsa_cents: string;
  resource_other_cents: string;
  status: 'active' | 'merged';
  merged_into_id: string | null;
  version: number;
  created_at: Date;
  updated_at: Date;
}

export const toPerson = (r: PersonRow): Person => ({
  id: r.id,
  civility: r.civility,
  lastName: r.last_name,
  firstNames: r.first_names,
  birthDate: r.birth_date,
  email: r.email,
  phone: r.phone,
  employmentStatus: r.employment_status,
  employerName: r.employer_name,
  employerSiret: r.employer_siret,
  resources: {
    salary: Number(r.resource_salary_cents),
    unemployment: Number(r.resource_unemployment_cents),
    caf: Number(r.resource_caf_cents),
    pension: Number(r.resource_pension_cents),
    rsa: Number(r.resource_rsa_cents),
    other: Number(r.resource_other_cents),
  },
  status: r.status,
  mergedIntoId: r.merged_into_id,
  version: r.version,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const columns = (f: PersonFields) => ({
  civility: f.civility,
  last_name: f.lastName,
  first_names: f.firstNames,
  birth_date: f.birthDate,
  email: f.email,
  phone: f.phone,
  employment_status: f.employmentStatus,
  employer_name: f.employerName,
  employer_siret: f.employerSiret,
  resource_salary_cents: f.resources.salary,
  resource_unemployment_cents: f.resources.unemployment,
  resource_caf_cents: f.resources.caf,
  resource_pension_cents: f.resources.pension,
  resource_rsa_cents: f.resources.rsa,
  resource_other_cents: f.resources.other,
  search_last_name: normalizeName(f.lastName),
  search_first_name: normalizeFirstName(f.firstNames),
});

export interface DuplicateProbe {
  lastName: string;
  firstNames: string;
  birthDate: string;
  email?: string | null;
  phone?: string | null;
}

/** A possible duplicate as `duplicatesQuery` selects it (the reasons are booleans, null when the probe has no e-mail or phone). */
interface DuplicateRow {
  id: string;
  last_name: string;
  first_names: string;
  birth_date: string;
  email: string | null;
  phone: string | null;
  household_id: string | null;
  organisation_id: string | null;
  organisation_name: string | null;
  same_identity: boolean | null;
  same_email: boolean | null;
  same_phone: boolean | null;
}

export class PersonRepository {
  /** A person visible in a scope: association scope sees all; a landlord sees people whose current household is its own. */
  async findById(db: Db, scope: Scope, id: string): Promise<Person | null> {
    if (!isUuid(id)) return null;
    const q = db('persons as p').select<PersonRow[]>('p.*').where('p.id', id);
    if (!scope.all) {
      q.whereExists((e) =>
        e
          .select(db.raw('1'))
          .from('household_members as m')
          .join('households as h', 'h.id', 'm.household_id')
          .whereRaw('m.person_id = p.id and m.to_date is null')
          .andWhere('h.organisation_id', scope.organisationId),
      );
    }
    const row = await q.first<PersonRow | undefined>();
    return row ? toPerson(row) : null;
  }

  async findManyByIds(db: Db, ids: string[]): Promise<Person[]> {
    if (ids.length === 0) return [];
    return (await db<PersonRow>('persons').whereIn('id', ids)).map(toPerson);
  }

  async insert(db: Db, f: PersonFields, now: Date): Promise<string> {
    const [row] = await db('persons')
      .insert({ ...columns(f), created_at: now, updated_at: now })
      .returning<{ id: string }[]>('id');
    return row!.id; // an insert returns its row
  }

  async update(db: Db, id: string, version: number, f: PersonFields, now: Date): Promise<boolean> {
    return (
      (await db('persons')
        .where({ id, version, status: 'active' })
        .update({ ...columns(f), version: version + 1, updated_at: now })) === 1
    );
  }

  async markMerged(db: Db, id: string, survivorId: string, now: Date): Promise<void> {
    await db('persons')
      .where({ id })
      .update({ status: 'merged', merged_into_id: survivorId, updated_at: now, version: db.raw('version + 1') });
  }

  /**
   * Likely duplicates across all organisations: same normalised last name, first name and birth
   * date; or the same e-mail; or the same phone. Each branch uses its own index.
   */
  /** The duplicate query itself (the bench prints its plan). */
  duplicatesQuery(db: Db, probe: DuplicateProbe, excludeIds: string[] = [], limit = 10) {
    const last = normalizeName(probe.lastName);
    const first = normalizeFirstName(probe.firstNames);
    const email = probe.email?.trim().toLowerCase() || null;
    const phone = probe.phone || null;
    return (
      db('persons as p')
        .leftJoin('household_members as m', (j) => j.on('m.person_id', 'p.id').andOnNull('m.to_date'))
        .leftJoin('households as h', 'h.id', 'm.household_id')
        .leftJoin('organisations as o', 'o.id', 'h.organisation_id')
        .select<DuplicateRow[]>(
          'p.id',
          'p.last_name',
          'p.first_names',
          'p.birth_date',
          'p.email',
          'p.phone',
          'h.id as household_id',
          'o.id as organisation_id',
          'o.name as organisation_name',
          db.raw('(p.search_last_name = ? and p.birth_date = ? and p.search_first_name = ?) as same_identity', [last, probe.birthDate, first]),
          db.raw('(lower(p.email) = ?) as same_email', [email]),
          db.raw('(p.phone = ?) as same_phone', [phone]),
        )
        // one indexed lookup per reason, united: an OR across columns would make the planner scan the table
        .whereIn('p.id', (sub) => {
          sub.select('id').from('persons').where({ status: 'active', search_last_name: last, birth_date: probe.birthDate, search_first_name: first });
          if (email) sub.union((u) => u.select('id').from('persons').where('status', 'active').whereRaw('lower(email) = ?', [email]));
          if (phone) sub.union((u) => u.select('id').from('persons').where({ status: 'active', phone }));
        })
        .whereNotIn('p.id', excludeIds.length ? excludeIds : ['00000000-0000-0000-0000-000000000000'])
        .limit(limit)
    );
  }

  /**
   * Likely duplicates across all organisations: same normalised last name, first name and birth
   * date; or the same e-mail; or the same phone. Each branch uses its own index.
   */
  async findDuplicates(db: Db, probe: DuplicateProbe, excludeIds: string[] = [], limit = 10): Promise<PersonMatch[]> {
    const rows = await this.duplicatesQuery(db, probe, excludeIds, limit);
    return rows.map((r) => ({
      id: r.id,
      lastName: r.last_name,
      firstNames: r.first_names,
      birthDate: r.birth_date,
      email: r.email,
      phone: r.phone,
      householdId: r.household_id,
      organisationId: r.organisation_id,
      organisationName: r.organisation_name,
      reasons: [r.same_identity ? 'identity' : null, r.same_email ? 'email' : null, r.same_phone ? 'phone' : null].filter(Boolean) as PersonMatch['reasons'],
    }));
  }

  /** People of the actor's organisation (current members of its households) matching a name, to attach one elsewhere. */
  async searchInScope(db: Db, scope: Scope, name: string, limit = 20) {
    const n = normalizeName(name);
    if (!n) return [];
    const q = db('persons as p')
      .join('household_members as m', (j) => j.on('m.person_id', 'p.id').andOnNull('m.to_date'))
      .join('households as h', 'h.id', 'm.household_id')
      .select<Array<{ id: string; last_name: string; first_names: string; birth_date: string; household_id: string; tenancy_reference: string }>>(
        'p.id',
        'p.last_name',
        'p.first_names',
        'p.birth_date',
        'h.id as household_id',
        'h.tenancy_reference',
      )
      .where('p.status', 'active')
      .andWhere((w) => w.where('p.search_last_name', 'like', `${n}%`).orWhere('p.search_first_name', 'like', `${n}%`))
      .orderBy(['p.last_name', 'p.first_names'])
      .limit(limit);
    if (!scope.all) q.where('h.organisation_id', scope.organisationId);
    return await q;
  }
}
