import type { Db, Page } from '../db/types';
import { isUuid, likePattern, toPage } from '../db/types';
import type { Scope } from '../permissions';
import { normalizeName } from './duplicates/normalize';
import type { Relationship } from './labels';

export interface Household {
  id: string;
  organisationId: string;
  organisationName: string;
  /** The agency managing the household, if the landlord has agencies. */
  agencyId: string | null;
  addressLine1: string;
  addressLine2: string | null;
  postcode: string;
  city: string;
  housingEstate: string | null;
  tenancyReference: string;
  entryDate: string | null;
  rentCents: number;
  chargesCents: number;
  housingAllowanceCents: number;
  status: 'active' | 'merged';
  mergedIntoId: string | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export type DwellingFields = Pick<
  Household,
  | 'addressLine1'
  | 'addressLine2'
  | 'postcode'
  | 'city'
  | 'housingEstate'
  | 'tenancyReference'
  | 'entryDate'
  | 'rentCents'
  | 'chargesCents'
  | 'housingAllowanceCents'
>;

export interface Membership {
  id: string;
  householdId: string;
  personId: string;
  relationship: Relationship;
  fromDate: string;
  toDate: string | null;
}

/** One line of the household page's requests. */
export interface HouseholdRequest {
  id: string;
  reference: string | null;
  aidTypeLabel: string;
  status: string;
  requestedCents: number | null;
  grantedCents: number | null;
  submittedAt: Date | null;
  updatedAt: Date;
}

export interface HouseholdSummary {
  id: string;
  organisationName: string;
  holderName: string | null;
  memberCount: number;
  tenancyReference: string;
  postcode: string;
  city: string;
  updatedAt: Date;
}

interface HouseholdRow {
  id: string;
  organisation_id: string;
  organisation_name: string;
  agency_id: string | null;
  address_line1: string;
  address_line2: string | null;
  postcode: string;
  city: string;
  housing_estate: string | null;
  tenancy_reference: string;
  entry_date: string | null;
  rent_cents: string;
  charges_cents: string;
  housing_allowance_cents: string;
  status: 'active' | 'merged';
  merged_into_id: string | null;
  version: number;
  created_at: Date;
  updated_at: Date;
}

const toHousehold = (r: HouseholdRow): Household => ({
  id: r.id,
  organisationId: r.organisation_id,
  organisationName: r.organisation_name,
  agencyId: r.agency_id ?? null,
  addressLine1: r.address_line1,
  addressLine2: r.address_line2,
  postcode: r.postcode,
  city: r.city,
  housingEstate: r.housing_estate,
  tenancyReference: r.tenancy_reference,
  entryDate: r.entry_date,
  rentCents: Number(r.rent_cents),
  chargesCents: Number(r.charges_cents),
  housingAllowanceCents: Number(r.housing_allowance_cents),
  status: r.status,
  mergedIntoId: r.merged_into_id,
  version: r.version,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const dwellingColumns = (f: DwellingFields) => ({
  address_line1: f.addressLine1,
  address_line2: f.addressLine2,
  postcode: f.postcode,
  city: f.city,
  housing_estate: f.housingEstate,
  tenancy_reference: f.tenancyReference,
  entry_date: f.entryDate,
  rent_cents: f.rentCents,
  charges_cents: f.chargesCents,
  housing_allowance_cents: f.housingAllowanceCents,
});

/** A row of household_members (dates as 'YYYY-MM-DD'). */
interface MembershipRow {
  id: string;
  household_id: string;
  person_id: string;
  relationship: Relationship;
  from_date: string;
  to_date: string | null;
  created_at: Date;
}

const toMembership = (r: MembershipRow): Membership => ({
  id: r.id,
  householdId: r.household_id,
  personId: r.person_id,
  relationship: r.relationship,
  fromDate: r.from_date,
  toDate: r.to_date ?? null,
});

/** Households of a scope (their landlord organisation), merged ones excluded unless asked. */
function scopedHouseholds(db: Db, scope: Scope) {
  const q = db('households as h').join('organisations as o', 'o.id', 'h.organisation_id').select('h.*', 'o.name as organisation_name');
  return scope.all ? q : q.where('h.organisation_id', scope.organisationId);
}

const SORTS = {
  name: 'holder_sort, h.id',
  reference: 'lower(h.tenancy_reference), h.id',
  postcode: 'h.postcode, h.id',
  updated: 'h.updated_at desc, h.id',
} as const;

export interface HouseholdFilters {
  q?: string;
  postcode?: string;
  organisationId?: string;
  sort: keyof typeof SORTS;
}

/** The current holder's name (or, failing that, any current member's), for lists and sorting. */
const HOLDER_NAME = `(select p.last_name || ' ' || p.first_names from household_members m join persons p on p.id = m.person_id
  where m.household_id = h.id and m.to_date is null order by (m.relationship = 'holder') desc, m.from_date limit 1)`;

export class HouseholdRepository {
  private filtered(db: Db, scope: Scope, f: Omit<HouseholdFilters, 'sort'>) {
    const q = scopedHouseholds(db, scope).where('h.status', 'active');
    if (f.organisationId && isUuid(f.organisationId)) q.where('h.organisation_id', f.organisationId);
    if (f.postcode) q.where('h.postcode', 'like', `${f.postcode.replace(/[^\dAB]/gi, '')}%`);
    if (f.q) {
      const name = normalizeName(f.q);
      q.where((w) => {
        w.whereILike('h.tenancy_reference', likePattern(f.q as string));
        if (name) {
          w.orWhereExists((e) =>
            e
              .select(db.raw('1'))
              .from('household_members as m')
              .join('persons as p', 'p.id', 'm.person_id')
              .whereRaw('m.household_id = h.id and m.to_date is null')
              .andWhere((n) => n.where('p.search_last_name', 'like', `${name}%`).orWhere('p.search_first_name', 'like', `${name}%`)),
          );
        }
      });
    }
    return q;
  }

  async list(db: Db, scope: Scope, f: HouseholdFilters, page: number, pageSize = 50): Promise<Page<HouseholdSummary>> {
    const [countRow] = await this.filtered(db, scope, f).clearSelect().count<{ count: string }[]>('* as count');
    const rows = await this.filtered(db, scope, f)
      .select(
        db.raw(`${HOLDER_NAME} as holder_name`),
        db.raw(`lower(coalesce(${HOLDER_NAME}, '')) as holder_sort`),
        db.raw('(select count(*) from household_members m where m.household_id = h.id and m.to_date is null) as member_count'),
      )
      .orderByRaw(SORTS[f.sort])
      .limit(pageSize)
      .offset((page - 1) * pageSize);
    return toPage(
      (rows as Array<HouseholdRow & { holder_name: string | null; member_count: string }>).map((r) => ({
        id: r.id,
        organisationName: r.organisation_name,
        holderName: r.holder_name,
        memberCount: Number(r.member_count),
        tenancyReference: r.tenancy_reference,
        postcode: r.postcode,
        city: r.city,
        updatedAt: r.updated_at,
      })),
      Number(countRow?.count ?? 0),
      page,
      pageSize,
    );
  }

  /** Every row of the filtered list, for the CSV export (streamed by the caller in pages). */
  async listAll(db: Db, scope: Scope, f: HouseholdFilters, afterId: string | null, limit: number) {
    const q = this.filtered(db, scope, f)
      .select(
        db.raw(`${HOLDER_NAME} as holder_name`),
        db.raw('(select count(*) from household_members m where m.household_id = h.id and m.to_date is null) as member_count'),
      )
      .orderBy('h.id')
      .limit(limit);
    if (afterId) q.where('h.id', '>', afterId);
    const rows = (await q) as Array<HouseholdRow & { holder_name: string | null; member_count: string }>;
    return rows.map((r) => ({ ...toHousehold(r), holderName: r.holder_name, memberCount: Number(r.member_count) }));
  }

  async findById(db: Db, scope: Scope, id: string): Promise<Household | null> {
    if (!isUuid(id)) return null;
    const row = (await scopedHouseholds(db, scope).where('h.id', id).first()) as HouseholdRow | undefined;
    return row ? toHousehold(row) : null;
  }

  /** Active households of an organisation with this tenancy reference (case-insensitive), except one. */
  async findByReference(db: Db, organisationId: string, reference: string, exceptId: string): Promise<string[]> {
    const rows = await db('households')
      .where({ organisation_id: organisationId, status: 'active' })
      .whereRaw('lower(tenancy_reference) = lower(?)', [reference])
      .whereNot('id', exceptId)
      .select<Array<{ id: string }>>('id');
    return rows.map((r) => r.id);
  }

  async insert(db: Db, organisationId: string, f: DwellingFields, createdBy: string, now: Date): Promise<string> {
    const [row] = await db('households')
      .insert({ organisation_id: organisationId, ...dwellingColumns(f), created_by: createdBy, created_at: now, updated_at: now })
      .returning<{ id: string }[]>('id');
    return row!.id; // an insert returns its row
  }

  async update(db: Db, id: string, version: number, f: DwellingFields, now: Date): Promise<boolean> {
    return (
      (await db('households')
        .where({ id, version })
        .update({ ...dwellingColumns(f), version: version + 1, updated_at: now })) === 1
    );
  }

  /** Marks the household changed (a member came or left), so lists sort it as recently updated. */
  async touch(db: Db, id: string, now: Date): Promise<void> {
    await db('households')
      .where({ id })
      .update({ updated_at: now, version: db.raw('version + 1') });
  }

  async markMerged(db: Db, id: string, survivorId: string, now: Date): Promise<void> {
    await db('households')
      .where({ id })
      .update({ status: 'merged', merged_into_id: survivorId, updated_at: now, version: db.raw('version + 1') });
  }

  // --- memberships ---

  async members(db: Db, householdId: string): Promise<Membership[]> {
    const rows = await db<MembershipRow>('household_members')
      .where({ household_id: householdId })
      .orderByRaw("to_date is not null, array_position(array['holder','co_holder','spouse','other','child'], relationship), from_date, id");
    return rows.map(toMembership);
  }

  async currentMembership(db: Db, personId: string): Promise<Membership | null> {
    const row = await db<MembershipRow>('household_members').where({ person_id: personId }).whereNull('to_date').first();
    return row ? toMembership(row) : null;
  }

  async membershipsOf(db: Db, personId: string): Promise<Membership[]> {
    return (await db<MembershipRow>('household_members').where({ person_id: personId }).orderBy('from_date')).map(toMembership);
  }

  async addMember(db: Db, householdId: string, personId: string, relationship: Relationship, fromDate: string, now: Date): Promise<string> {
    const [row] = await db('household_members')
      .insert({ household_id: householdId, person_id: personId, relationship, from_date: fromDate, created_at: now })
      .returning<{ id: string }[]>('id');
    return row!.id; // an insert returns its row
  }

  async endMembership(db: Db, membershipId: string, toDate: string): Promise<void> {
    await db('household_members').where({ id: membershipId }).whereNull('to_date').update({ to_date: toDate });
  }

  /**
   * A household's requests once submitted (never a landlord's draft), newest change first, for a
   * reader of the household who has no list of requests (an adviser on one of its missions).
   */
  async submittedRequestsOf(db: Db, householdId: string, limit = 50): Promise<HouseholdRequest[]> {
    const rows = await db('aid_requests as r')
      .where('r.household_id', householdId)
      .whereNot('r.status', 'draft')
      .orderBy('r.updated_at', 'desc')
      .limit(limit)
      .select(
        'r.id',
        'r.reference',
        'r.status',
        'r.requested_cents',
        'r.granted_cents',
        'r.submitted_at',
        'r.updated_at',
        db.raw('(select t.label from aid_types t where t.id = r.aid_type_id) as aid_type_label'),
      );
    const cents = (v: unknown) => (v === null || v === undefined ? null : Number(v));
    return rows.map((r: Record<string, unknown>) => ({
      id: r.id as string,
      reference: (r.reference as string | null) ?? null,
      aidTypeLabel: r.aid_type_label as string,
      status: r.status as string,
      requestedCents: cents(r.requested_cents),
      grantedCents: cents(r.granted_cents),
      submittedAt: (r.submitted_at as Date | null) ?? null,
      updatedAt: r.updated_at as Date,
    }));
  }

  /** Moves a merged household's aid requests to the household that absorbs it; returns their ids. */
  async reassignRequests(db: Db, fromHouseholdId: string, toHouseholdId: string): Promise<string[]> {
    const rows = await db('aid_requests').where({ household_id: fromHouseholdId }).update({ household_id: toHouseholdId }).returning('id');
    return rows.map((r: { id: string }) => r.id);
  }

  /** Moves memberships to another household or person (merges); returns the moved ids. */
  async reassignMemberships(db: Db, column: 'household_id' | 'person_id', fromId: string, toId: string): Promise<string[]> {
    const rows = await db('household_members')
      .where(column, fromId)
      .update({ [column]: toId })
      .returning('id');
    return rows.map((r: { id: string }) => r.id);
  }
}
