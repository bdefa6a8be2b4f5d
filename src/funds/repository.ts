import type { Db } from '../db/types';
import { isUuid } from '../db/types';
import type { Contribution } from './amounts';

export type MovementKind = 'commit' | 'release' | 'consume' | 'unconsume';

/** A fund as stored, with its running totals. */
export interface FundRecord {
  id: string;
  name: string;
  analyticCode: string;
  startsOn: string;
  endsOn: string;
  aidTypeCodes: string[];
  totalCents: number;
  committedCents: number;
  consumedCents: number;
  notes: string | null;
  warnedAt: Date | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface Allocation {
  organisationId: string;
  organisationName: string;
  amountCents: number;
}

export interface NewMovement {
  fundId: string;
  kind: MovementKind;
  amountCents: number;
  requestId: string;
  decisionId?: string | null;
  paymentId?: string | null;
  organisationId: string;
  aidTypeCode: string;
  occurredAt: Date;
  byLabel: string;
  overrideReason?: string | null;
}

export interface Movement {
  id: string;
  kind: MovementKind;
  amountCents: number;
  requestId: string;
  reference: string | null;
  organisationId: string;
  organisationName: string;
  aidTypeCode: string;
  paymentId: string | null;
  occurredAt: Date;
  byLabel: string;
  overrideReason: string | null;
}

/** The fields an administrator sets on a fund (its totals come from the contributions and movements). */
export interface FundFields {
  name: string;
  analyticCode: string;
  startsOn: string;
  endsOn: string;
  aidTypeCodes: string[];
  notes: string | null;
  totalCents: number;
  contributions: Contribution[];
  allocations: Array<{ organisationId: string; amountCents: number }>;
}

interface FundRow {
  id: string;
  name: string;
  analytic_code: string;
  starts_on: string;
  ends_on: string;
  aid_type_codes: string[];
  total_cents: string;
  committed_cents: string;
  consumed_cents: string;
  notes: string | null;
  warned_at: Date | null;
  version: number;
  created_at: Date;
  updated_at: Date;
}

const toFund = (r: FundRow): FundRecord => ({
  id: r.id,
  name: r.name,
  analyticCode: r.analytic_code,
  startsOn: r.starts_on,
  endsOn: r.ends_on,
  aidTypeCodes: r.aid_type_codes,
  totalCents: Number(r.total_cents),
  committedCents: Number(r.committed_cents),
  consumedCents: Number(r.consumed_cents),
  notes: r.notes ?? null,
  warnedAt: r.warned_at ?? null,
  version: r.version,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

interface MovementRow {
  id: string;
  kind: MovementKind;
  amount_cents: string;
  request_id: string;
  reference: string | null;
  organisation_id: string;
  organisation_name: string;
  aid_type_code: string;
  payment_id: string | null;
  occurred_at: Date;
  by_label: string;
  override_reason: string | null;
}

const toMovement = (r: MovementRow): Movement => ({
  id: r.id,
  kind: r.kind,
  amountCents: Number(r.amount_cents),
  requestId: r.request_id,
  reference: r.reference ?? null,
  organisationId: r.organisation_id,
  organisationName: r.organisation_name,
  aidTypeCode: r.aid_type_code,
  paymentId: r.payment_id ?? null,
  occurredAt: r.occurred_at,
  byLabel: r.by_label,
  overrideReason: r.override_reason ?? null,
});

/** A fund's own columns, as an administrator sets them. */
const columns = (f: FundFields) => ({
  name: f.name,
  analytic_code: f.analyticCode,
  starts_on: f.startsOn,
  ends_on: f.endsOn,
  aid_type_codes: f.aidTypeCodes,
  total_cents: f.totalCents,
  notes: f.notes,
});

/** A sum over movements: what the kinds add and take away. */
const net = (plus: MovementKind, minus: MovementKind, alias = 'm') =>
  `coalesce(sum(case when ${alias}.kind = '${plus}' then ${alias}.amount_cents when ${alias}.kind = '${minus}' then -${alias}.amount_cents else 0 end), 0)`;
export const COMMITTED_SQL = net('commit', 'release');
export const CONSUMED_SQL = net('consume', 'unconsume');
const BREAKDOWN_KEYS = { organisation: 'm.organisation_id as key', aid_type: 'm.aid_type_code as key' } as const;
const BREAKDOWN_LABELS = { organisation: 'o.name as label', aid_type: 'm.aid_type_code as label' } as const;

/** Funds, their contributions, allocations and movements (the association's: no organisation scope on the fund itself). */
export class FundRepository {
  async list(db: Db): Promise<FundRecord[]> {
    return (await db<FundRow>('funds').orderBy([{ column: 'ends_on', order: 'desc' }, 'name'])).map(toFund);
  }

  async find(db: Db, id: string, forUpdate = false): Promise<FundRecord | null> {
    if (!isUuid(id)) return null;
    const q = db<FundRow>('funds').where({ id });
    if (forUpdate) q.forUpdate();
    const row = await q.first();
    return row ? toFund(row) : null;
  }

  async nameTaken(db: Db, column: 'name' | 'analytic_code', value: string, exceptId?: string): Promise<boolean> {
    const q = db('funds').whereRaw(`lower(${column}) = lower(?)`, [value]);
    if (exceptId) q.whereNot('id', exceptId);
    return Boolean(await q.first('id'));
  }

  async contributions(db: Db, fundId: string): Promise<Contribution[]> {
    const rows = await db('fund_contributions as c')
      .leftJoin('organisations as o', 'o.id', 'c.organisation_id')
      .where('c.fund_id', fundId)
      .orderBy('c.position')
      .select<
        Array<{
          kind: Contribution['kind'];
          organisation_id: string | null;
          organisation_name: string | null;
          funder_name: string | null;
          dwellings: number | null;
          per_dwelling_cents: string | null;
          rate_bp: number | null;
          cap_cents: string | null;
          amount_cents: string | null;
        }>
      >(
        'c.kind',
        'c.organisation_id',
        'o.name as organisation_name',
        'c.funder_name',
        'c.dwellings',
        'c.per_dwelling_cents',
        'c.rate_bp',
        'c.cap_cents',
        'c.amount_cents',
      );
    return rows.map((r): Contribution => {
      if (r.kind === 'landlord')
        return {
          kind: 'landlord',
          organisationId: r.organisation_id as string,
          organisationName: r.organisation_name ?? '',
          dwellings: Number(r.dwellings),
          perDwellingCents: Number(r.per_dwelling_cents),
        };
      if (r.kind === 'matching')
        return { kind: 'matching', funderName: r.funder_name ?? '', rateBp: Number(r.rate_bp), capCents: r.cap_cents === null ? null : Number(r.cap_cents) };
      return { kind: 'fixed', funderName: r.funder_name ?? '', amountCents: Number(r.amount_cents) };
    });
  }

  async allocations(db: Db, fundId: string): Promise<Allocation[]> {
    const rows = await db('fund_allocations as a')
      .join('organisations as o', 'o.id', 'a.organisation_id')
      .where('a.fund_id', fundId)
      .orderBy('o.name')
      .select<Array<{ organisation_id: string; name: string; amount_cents: string }>>('a.organisation_id', 'o.name', 'a.amount_cents');
    return rows.map((r) => ({ organisationId: r.organisation_id, organisationName: r.name, amountCents: Number(r.amount_cents) }));
  }

  async insert(db: Db, f: FundFields, by: string, now: Date): Promise<string> {
    const [row] = await db('funds')
      .insert({
        ...columns(f),
        created_by: by,
        created_at: now,
        updated_at: now,
      })
      .returning<{ id: string }[]>('id');
    await this.writeParts(db, row!.id, f); // an insert returns its row
    return row!.id;
  }

  async update(db: Db, id: string, version: number, f: FundFields, now: Date): Promise<boolean> {
    const n = await db('funds')
      .where({ id, version })
      .update({
        ...columns(f),
        updated_at: now,
        version: db.raw('version + 1'),
      });
    if (n === 0) return false;
    await db('fund_contributions').where({ fund_id: id }).del();
    await db('fund_allocations').where({ fund_id: id }).del();
    await this.writeParts(db, id, f);
    return true;
  }

  private async writeParts(db: Db, fundId: string, f: FundFields): Promise<void> {
    if (f.contributions.length)
      await db('fund_contributions').insert(
        f.contributions.map((c, i) => ({
          fund_id: fundId,
          position: i + 1,
          kind: c.kind,
          organisation_id: c.kind === 'landlord' ? c.organisationId : null,
          funder_name: c.kind === 'landlord' ? null : c.funderName,
          dwellings: c.kind === 'landlord' ? c.dwellings : null,
          per_dwelling_cents: c.kind === 'landlord' ? c.perDwellingCents : null,
          rate_bp: c.kind === 'matching' ? c.rateBp : null,
          cap_cents: c.kind === 'matching' ? c.capCents : null,
          amount_cents: c.kind === 'fixed' ? c.amountCents : null,
        })),
      );
    if (f.allocations.length)
      await db('fund_allocations').insert(f.allocations.map((a) => ({ fund_id: fundId, organisation_id: a.organisationId, amount_cents: a.amountCents })));
  }

  /**
   * The funds that can pay an aid type for a landlord on a date: the period holds the date, the aid
   * type is one of the fund's, and the fund has no allocations or one for this landlord.
   */
  async applicable(db: Db, q: { aidTypeCode: string; organisationId: string; on: string }): Promise<Array<FundRecord & { allocationCents: number | null }>> {
    const rows = await db('funds as f')
      .leftJoin('fund_allocations as a', (j) => j.on('a.fund_id', 'f.id').andOnVal('a.organisation_id', q.organisationId))
      .where('f.starts_on', '<=', q.on)
      .where('f.ends_on', '>=', q.on)
      .whereRaw('? = any(f.aid_type_codes)', [q.aidTypeCode])
      .where((w) => w.whereNotNull('a.organisation_id').orWhereNotExists((x) => x.from('fund_allocations as z').whereRaw('z.fund_id = f.id')))
      .orderBy('f.ends_on')
      .orderBy('f.name')
      .select<Array<FundRow & { allocation_cents: string | null }>>('f.*', 'a.amount_cents as allocation_cents');
    return rows.map((r) => ({ ...toFund(r), allocationCents: r.allocation_cents === null ? null : Number(r.allocation_cents) }));
  }

  /** What a landlord's grants have committed on a fund (commitments less releases). */
  async committedBy(db: Db, fundId: string, organisationId: string): Promise<number> {
    const row = await db('fund_movements as m')
      .where({ 'm.fund_id': fundId, 'm.organisation_id': organisationId })
      .first<{ cents: string }>(db.raw(`${COMMITTED_SQL} as cents`));
    return Number(row?.cents ?? 0);
  }

  async insertMovement(db: Db, m: NewMovement): Promise<void> {
    await db('fund_movements').insert({
      fund_id: m.fundId,
      kind: m.kind,
      amount_cents: m.amountCents,
      request_id: m.requestId,
      decision_id: m.decisionId ?? null,
      payment_id: m.paymentId ?? null,
      organisation_id: m.organisationId,
      aid_type_code: m.aidTypeCode,
      occurred_at: m.occurredAt,
      by_label: m.byLabel,
      override_reason: m.overrideReason ?? null,
    });
    const committed = m.kind === 'commit' ? m.amountCents : m.kind === 'release' ? -m.amountCents : 0;
    const consumed = m.kind === 'consume' ? m.amountCents : m.kind === 'unconsume' ? -m.amountCents : 0;
    await db('funds')
      .where({ id: m.fundId })
      .update({ committed_cents: db.raw('committed_cents + ?', [committed]), consumed_cents: db.raw('consumed_cents + ?', [consumed]) });
  }

  /** The fund a request's grant committed on, with what the movements need of the request. */
  async commitOf(db: Db, requestId: string): Promise<{ fundId: string; organisationId: string; aidTypeCode: string } | null> {
    const row = await db('fund_movements')
      .where({ request_id: requestId, kind: 'commit' })
      .orderBy('occurred_at', 'desc')
      .first<{ fund_id: string; organisation_id: string; aid_type_code: string } | undefined>('fund_id', 'organisation_id', 'aid_type_code');
    return row ? { fundId: row.fund_id, organisationId: row.organisation_id, aidTypeCode: row.aid_type_code } : null;
  }

  /** Which of these payments already have a movement of this kind. */
  async paymentsWith(db: Db, paymentIds: string[], kind: MovementKind): Promise<Set<string>> {
    if (paymentIds.length === 0) return new Set();
    const rows = await db('fund_movements').whereIn('payment_id', paymentIds).where({ kind }).select<Array<{ payment_id: string }>>('payment_id');
    return new Set(rows.map((r) => r.payment_id));
  }

  /** The landlords and aid types a fund may name. */
  async references(db: Db): Promise<{
    landlords: Set<string>;
    aidTypes: Set<string>;
    landlordList: Array<{ id: string; name: string }>;
    aidTypeList: Array<{ code: string; label: string }>;
  }> {
    const landlordList = await db('organisations').where({ kind: 'landlord' }).orderBy('name').select<Array<{ id: string; name: string }>>('id', 'name');
    const aidTypeList = await db('aid_types').orderBy('code').select<Array<{ code: string; label: string }>>('code', 'label');
    return { landlords: new Set(landlordList.map((l) => l.id)), aidTypes: new Set(aidTypeList.map((a) => a.code)), landlordList, aidTypeList };
  }

  /** Grants proposed on each fund and waiting for their second-level validation (not committed yet). */
  async pendingGrants(db: Db, fundIds: string[]): Promise<Map<string, number>> {
    if (fundIds.length === 0) return new Map();
    const rows = await db('decisions')
      .whereIn('fund_id', fundIds)
      .where({ status: 'pending', kind: 'grant' })
      .groupBy('fund_id')
      .select<Array<{ fund_id: string; cents: string }>>('fund_id', db.raw('sum(amount_cents) as cents'));
    return new Map(rows.map((r) => [r.fund_id, Number(r.cents)]));
  }

  /** Aid types' labels by code (a fund names the aid types it pays). */
  async aidTypeLabels(db: Db): Promise<Map<string, string>> {
    const rows = await db('aid_types').select<Array<{ code: string; label: string }>>('code', 'label');
    return new Map(rows.map((r) => [r.code, r.label]));
  }

  /** The association (its staff get the 80 % warning). */
  async associationId(db: Db): Promise<string | null> {
    const row = await db('organisations').where({ kind: 'association' }).orderBy('created_at').first<{ id: string } | undefined>('id');
    return row?.id ?? null;
  }

  async setWarned(db: Db, id: string, at: Date | null): Promise<void> {
    await db('funds').where({ id }).update({ warned_at: at });
  }

  /** Funds at or above the warning, still open on a date (the home page's banner). */
  async warned(db: Db, on: string): Promise<FundRecord[]> {
    return (await db<FundRow>('funds').whereNotNull('warned_at').where('ends_on', '>=', on).orderBy('name')).map(toFund);
  }

  /** Movements of a fund, newest first, a page at a time. */
  async movements(db: Db, fundId: string, page: number, pageSize: number): Promise<{ rows: Movement[]; total: number }> {
    const count = await db('fund_movements').where({ fund_id: fundId }).count<{ n: string }[]>('* as n');
    const rows = await this.movementRows(db, fundId, 'desc')
      .limit(pageSize)
      .offset((page - 1) * pageSize);
    return { total: Number(count[0]?.n ?? 0), rows: rows.map(toMovement) };
  }

  /** Every movement of a fund, oldest first (the XLSX export). */
  async allMovements(db: Db, fundId: string): Promise<Movement[]> {
    return (await this.movementRows(db, fundId, 'asc')).map(toMovement);
  }

  /** A fund's movements with their request's reference and their landlord's name, in date order. */
  private movementRows(db: Db, fundId: string, order: 'asc' | 'desc') {
    return db('fund_movements as m')
      .join('aid_requests as r', 'r.id', 'm.request_id')
      .join('organisations as o', 'o.id', 'm.organisation_id')
      .where('m.fund_id', fundId)
      .orderBy([
        { column: 'm.occurred_at', order },
        { column: 'm.id', order },
      ])
      .select<MovementRow[]>(
        'm.id',
        'm.kind',
        'm.amount_cents',
        'm.request_id',
        'r.reference',
        'm.organisation_id',
        'o.name as organisation_name',
        'm.aid_type_code',
        'm.payment_id',
        'm.occurred_at',
        'm.by_label',
        'm.override_reason',
      );
  }

  /** Committed and paid by a breakdown: landlord or aid type. */
  async breakdown(
    db: Db,
    fundId: string,
    by: 'organisation' | 'aid_type',
  ): Promise<Array<{ key: string; label: string; committedCents: number; consumedCents: number }>> {
    const q = db('fund_movements as m').where('m.fund_id', fundId);
    if (by === 'organisation') q.join('organisations as o', 'o.id', 'm.organisation_id').groupBy('m.organisation_id', 'o.name').orderBy('o.name');
    else q.groupBy('m.aid_type_code').orderBy('m.aid_type_code');
    const rows = await q.select<Array<{ key: string; label: string; committed: string; consumed: string }>>(
      db.raw(BREAKDOWN_KEYS[by]),
      db.raw(BREAKDOWN_LABELS[by]),
      db.raw(`${COMMITTED_SQL} as committed`),
      db.raw(`${CONSUMED_SQL} as consumed`),
    );
    return rows.map((r) => ({ key: r.key, label: r.label, committedCents: Number(r.committed), consumedCents: Number(r.consumed) }));
  }

  /** Committed and paid each month (Paris months), as movements moved them. */
  async monthly(db: Db, fundId: string): Promise<Array<{ month: string; committedCents: number; consumedCents: number }>> {
    const rows = await db('fund_movements as m')
      .where('m.fund_id', fundId)
      .groupByRaw(`to_char(m.occurred_at at time zone 'Europe/Paris', 'YYYY-MM')`)
      .orderByRaw('1')
      .select<Array<{ month: string; committed: string; consumed: string }>>(
        db.raw(`to_char(m.occurred_at at time zone 'Europe/Paris', 'YYYY-MM') as month`),
        db.raw(`${COMMITTED_SQL} as committed`),
        db.raw(`${CONSUMED_SQL} as consumed`),
      );
    return rows.map((r) => ({ month: r.month, committedCents: Number(r.committed), consumedCents: Number(r.consumed) }));
  }

  /** The sums of the movements (what the running totals must equal). */
  async sums(db: Db, fundId: string): Promise<{ committedCents: number; consumedCents: number }> {
    const row = await db('fund_movements as m')
      .where('m.fund_id', fundId)
      .first<{ committed: string; consumed: string }>(db.raw(`${COMMITTED_SQL} as committed`), db.raw(`${CONSUMED_SQL} as consumed`));
    return { committedCents: Number(row?.committed ?? 0), consumedCents: Number(row?.consumed ?? 0) };
  }
}
