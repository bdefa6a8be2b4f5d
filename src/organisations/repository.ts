import type { Db, Page } from '../db/types';
import { isUuid, likePattern, toPage } from '../db/types';
import type { OrganisationKind, Scope } from '../permissions';

export interface Organisation {
  id: string;
  kind: OrganisationKind;
  name: string;
  siren: string | null;
  addressLine1: string | null;
  addressLine2: string | null;
  postcode: string | null;
  city: string | null;
  email: string | null;
  phone: string | null;
  memberSince: string | null;
  status: 'active' | 'suspended';
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface Agency {
  id: string;
  organisationId: string;
  name: string;
  postcode: string | null;
  city: string | null;
  status: 'active' | 'closed';
  version: number;
}

export type OrganisationFields = Omit<Organisation, 'id' | 'version' | 'createdAt' | 'updatedAt'>;
export type AgencyFields = Omit<Agency, 'id' | 'version' | 'organisationId'>;

interface OrganisationRow {
  id: string;
  kind: OrganisationKind;
  name: string;
  siren: string | null;
  address_line1: string | null;
  address_line2: string | null;
  postcode: string | null;
  city: string | null;
  email: string | null;
  phone: string | null;
  member_since: string | null;
  status: 'active' | 'suspended';
  version: number;
  created_at: Date;
  updated_at: Date;
}

interface AgencyRow {
  id: string;
  organisation_id: string;
  name: string;
  postcode: string | null;
  city: string | null;
  status: 'active' | 'closed';
  version: number;
}

const toOrganisation = (r: OrganisationRow): Organisation => ({
  id: r.id,
  kind: r.kind,
  name: r.name,
  siren: r.siren,
  addressLine1: r.address_line1,
  addressLine2: r.address_line2,
  postcode: r.postcode,
  city: r.city,
  email: r.email,
  phone: r.phone,
  memberSince: r.member_since,
  status: r.status,
  version: r.version,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const toAgency = (r: AgencyRow): Agency => ({
  id: r.id,
  organisationId: r.organisation_id,
  name: r.name,
  postcode: r.postcode,
  city: r.city,
  status: r.status,
  version: r.version,
});

const organisationColumns = (f: OrganisationFields) => ({
  kind: f.kind,
  name: f.name,
  siren: f.siren,
  address_line1: f.addressLine1,
  address_line2: f.addressLine2,
  postcode: f.postcode,
  city: f.city,
  email: f.email,
  phone: f.phone,
  member_since: f.memberSince,
  status: f.status,
});

/** Rows of `organisations` visible in a scope: all, or only the actor's own organisation. */
function scoped(db: Db, scope: Scope) {
  const q = db<OrganisationRow>('organisations');
  return scope.all ? q : q.where('organisations.id', scope.organisationId);
}

export interface OrganisationFilters {
  q?: string;
  kind?: OrganisationKind;
  status?: 'active' | 'suspended';
}

export interface OrganisationSummary extends Organisation {
  userCount: number;
  agencyCount: number;
}

export class OrganisationRepository {
  async list(db: Db, scope: Scope, filters: OrganisationFilters, page: number, pageSize = 50): Promise<Page<OrganisationSummary>> {
    const base = scoped(db, scope);
    if (filters.q) {
      const pattern = likePattern(filters.q);
      base.where((w) => w.whereILike('name', pattern).orWhereILike('siren', pattern).orWhereILike('city', pattern));
    }
    if (filters.kind) base.where('kind', filters.kind);
    if (filters.status) base.where('status', filters.status);
    const [countRow] = await base.clone().count<{ count: string }[]>('* as count');
    const rows = await base
      .clone()
      .select(
        'organisations.*',
        db.raw('(select count(*) from users u where u.organisation_id = organisations.id) as user_count'),
        db.raw('(select count(*) from agencies a where a.organisation_id = organisations.id) as agency_count'),
      )
      .orderByRaw('lower(name), id')
      .limit(pageSize)
      .offset((page - 1) * pageSize);
    const items = (rows as Array<OrganisationRow & { user_count: string; agency_count: string }>).map((r) => ({
      ...toOrganisation(r),
      userCount: Number(r.user_count),
      agencyCount: Number(r.agency_count),
    }));
    return toPage(items, Number(countRow?.count ?? 0), page, pageSize);
  }

  /** Id, name and kind of every organisation in scope, by name: for select lists. */
  async listOptions(db: Db, scope: Scope): Promise<Array<Pick<Organisation, 'id' | 'name' | 'kind'>>> {
    return scoped(db, scope).select('id', 'name', 'kind').orderByRaw('lower(name), id');
  }

  async findById(db: Db, scope: Scope, id: string): Promise<Organisation | null> {
    if (!isUuid(id)) return null;
    const row = await scoped(db, scope).where('id', id).first();
    return row ? toOrganisation(row) : null;
  }

  async findForUpdate(trx: Db, id: string): Promise<Organisation | null> {
    const row = await trx<OrganisationRow>('organisations').where('id', id).forUpdate().first();
    return row ? toOrganisation(row) : null;
  }

  async findBySiren(db: Db, siren: string): Promise<Organisation | null> {
    const row = await db<OrganisationRow>('organisations').where('siren', siren).first();
    return row ? toOrganisation(row) : null;
  }

  async insert(db: Db, fields: OrganisationFields, now: Date): Promise<Organisation> {
    const [row] = await db<OrganisationRow>('organisations')
      .insert({ ...organisationColumns(fields), created_at: now, updated_at: now })
      .returning('*');
    return toOrganisation(row as OrganisationRow);
  }

  /** Updates when the version still matches; null means someone else changed it first. */
  async update(db: Db, id: string, version: number, fields: OrganisationFields, now: Date): Promise<Organisation | null> {
    const [row] = await db<OrganisationRow>('organisations')
      .where({ id, version })
      .update({ ...organisationColumns(fields), version: version + 1, updated_at: now })
      .returning('*');
    return row ? toOrganisation(row) : null;
  }

  async hasUsersOutsideRoles(db: Db, organisationId: string, roles: readonly string[]): Promise<boolean> {
    return Boolean(await db('users').where('organisation_id', organisationId).whereNotIn('role', roles).first('id'));
  }

  async hasAny(db: Db): Promise<boolean> {
    const row = await db('organisations').first<{ id: string } | undefined>('id');
    return Boolean(row);
  }

  async firstAssociation(db: Db): Promise<Organisation | null> {
    const row = await db<OrganisationRow>('organisations').where('kind', 'association').orderBy('created_at').first();
    return row ? toOrganisation(row) : null;
  }

  // --- agencies (always read through their organisation, already scoped by the caller) ---

  async listAgencies(db: Db, organisationId: string): Promise<Agency[]> {
    const rows = await db<AgencyRow>('agencies').where('organisation_id', organisationId).orderByRaw('status, lower(name)');
    return rows.map(toAgency);
  }

  async findAgency(db: Db, organisationId: string, agencyId: string): Promise<Agency | null> {
    if (!isUuid(agencyId)) return null;
    const row = await db<AgencyRow>('agencies').where({ organisation_id: organisationId, id: agencyId }).first();
    return row ? toAgency(row) : null;
  }

  async agencyNameTaken(db: Db, organisationId: string, name: string, exceptId?: string): Promise<boolean> {
    const q = db('agencies').where('organisation_id', organisationId).whereRaw('lower(name) = lower(?)', [name]);
    if (exceptId) q.whereNot('id', exceptId);
    return Boolean(await q.first('id'));
  }

  async insertAgency(db: Db, organisationId: string, fields: AgencyFields, now: Date): Promise<Agency> {
    const [row] = await db('agencies')
      .insert({ organisation_id: organisationId, ...fields, created_at: now, updated_at: now })
      .returning<AgencyRow[]>('*');
    return toAgency(row!); // an insert returns its row
  }

  async updateAgency(db: Db, organisationId: string, id: string, version: number, fields: AgencyFields, now: Date): Promise<Agency | null> {
    const [row] = await db('agencies')
      .where({ id, organisation_id: organisationId, version })
      .update({ ...fields, version: version + 1, updated_at: now })
      .returning<AgencyRow[]>('*');
    return row ? toAgency(row) : null;
  }
}
