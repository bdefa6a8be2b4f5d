import type { Db } from '../db/types';
import { isUuid } from '../db/types';
import type { CnilStatus, PeopleStatus } from './labels';

/** What the register holds on one breach, as the service writes it. */
export interface BreachFields {
  sourceRequestId: string | null;
  nature: string;
  peopleCategories: string;
  peopleCount: number | null;
  recordCategories: string;
  recordCount: number | null;
  consequences: string;
  measures: string;
  awareAt: Date;
  cnilStatus: CnilStatus;
  cnilNotifiedAt: Date | null;
  cnilReference: string | null;
  delayReason: string | null;
  notNotifiedReason: string | null;
  peopleStatus: PeopleStatus;
  peopleInformedAt: Date | null;
  peopleInformedHow: string | null;
  peopleNotInformedReason: string | null;
}

export interface Breach extends BreachFields {
  id: string;
  number: number;
  sourceRequestNumber: number | null;
  createdByName: string;
  createdAt: Date;
  updatedAt: Date;
  version: number;
}

const date = (v: unknown): Date | null => (v === null || v === undefined ? null : new Date(v as Date));
const count = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

function toBreach(r: Record<string, unknown>): Breach {
  return {
    id: r.id as string,
    number: Number(r.number),
    sourceRequestId: (r.source_request_id as string | null) ?? null,
    sourceRequestNumber: count(r.source_request_number),
    nature: r.nature as string,
    peopleCategories: r.people_categories as string,
    peopleCount: count(r.people_count),
    recordCategories: r.record_categories as string,
    recordCount: count(r.record_count),
    consequences: r.consequences as string,
    measures: r.measures as string,
    awareAt: date(r.aware_at) as Date,
    cnilStatus: r.cnil_status as CnilStatus,
    cnilNotifiedAt: date(r.cnil_notified_at),
    cnilReference: (r.cnil_reference as string | null) ?? null,
    delayReason: (r.delay_reason as string | null) ?? null,
    notNotifiedReason: (r.not_notified_reason as string | null) ?? null,
    peopleStatus: r.people_status as PeopleStatus,
    peopleInformedAt: date(r.people_informed_at),
    peopleInformedHow: (r.people_informed_how as string | null) ?? null,
    peopleNotInformedReason: (r.people_not_informed_reason as string | null) ?? null,
    createdByName: r.created_by_name as string,
    createdAt: date(r.created_at) as Date,
    updatedAt: date(r.updated_at) as Date,
    version: Number(r.version),
  };
}

const columns = (f: BreachFields) => ({
  source_request_id: f.sourceRequestId,
  nature: f.nature,
  people_categories: f.peopleCategories,
  people_count: f.peopleCount,
  record_categories: f.recordCategories,
  record_count: f.recordCount,
  consequences: f.consequences,
  measures: f.measures,
  aware_at: f.awareAt,
  cnil_status: f.cnilStatus,
  cnil_notified_at: f.cnilNotifiedAt,
  cnil_reference: f.cnilReference,
  delay_reason: f.delayReason,
  not_notified_reason: f.notNotifiedReason,
  people_status: f.peopleStatus,
  people_informed_at: f.peopleInformedAt,
  people_informed_how: f.peopleInformedHow,
  people_not_informed_reason: f.peopleNotInformedReason,
});

const selectBreaches = (db: Db) =>
  db('data_breaches as d')
    .join('users as u', 'u.id', 'd.created_by')
    .leftJoin('assistance_requests as a', 'a.id', 'd.source_request_id')
    .select('d.*', db.raw("u.first_name || ' ' || u.last_name as created_by_name"), 'a.number as source_request_number');

/** The register of personal-data breaches: rows are inserted and updated, never deleted (the database refuses it). */
export class BreachRepository {
  async insert(db: Db, fields: BreachFields, createdBy: string, now: Date): Promise<string> {
    const [row] = await db('data_breaches')
      .insert({ ...columns(fields), created_by: createdBy, created_at: now, updated_at: now })
      .returning<Array<{ id: string }>>('id');
    return row!.id;
  }

  async update(db: Db, id: string, version: number, fields: BreachFields, now: Date): Promise<boolean> {
    const rows = await db('data_breaches')
      .where({ id, version })
      .update({ ...columns(fields), updated_at: now, version: db.raw('version + 1') })
      .returning<Array<{ id: string }>>('id');
    return rows.length === 1;
  }

  async findById(db: Db, id: string): Promise<Breach | null> {
    if (!isUuid(id)) return null;
    const row = (await selectBreaches(db).where('d.id', id).first()) as Record<string, unknown> | undefined;
    return row ? toBreach(row) : null;
  }

  /** The whole register, the undecided notifications first (their deadline nearest first), then the newest. */
  async list(db: Db): Promise<Breach[]> {
    const rows: Array<Record<string, unknown>> = await selectBreaches(db).orderByRaw(
      "d.cnil_status <> 'pending', case when d.cnil_status = 'pending' then d.aware_at end asc, d.aware_at desc, d.number desc",
    );
    return rows.map(toBreach);
  }

  /** The entries opened from one assistance request (shown on the request). */
  async forRequest(db: Db, requestId: string): Promise<Array<{ id: string; number: number }>> {
    const rows = await db('data_breaches')
      .where({ source_request_id: requestId })
      .orderBy('number')
      .select<Array<{ id: string; number: string }>>('id', 'number');
    return rows.map((r) => ({ id: r.id, number: Number(r.number) }));
  }

  /** Undecided entries, for the administrators' home (their countdown). */
  async undecided(db: Db): Promise<Array<{ id: string; number: number; awareAt: Date }>> {
    const rows = await db('data_breaches')
      .where({ cnil_status: 'pending' })
      .orderBy('aware_at')
      .select<Array<Record<string, unknown>>>('id', 'number', 'aware_at');
    return rows.map((r) => ({ id: r.id as string, number: Number(r.number), awareAt: new Date(r.aware_at as Date) }));
  }
}
