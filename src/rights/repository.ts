import type { Db } from '../db/types';
import { isUuid } from '../db/types';
import type { RightChannel, RightKind } from './labels';

export interface RightsRequest {
  id: string;
  personId: string;
  personName: string;
  kind: RightKind;
  receivedOn: string;
  dueOn: string;
  channel: RightChannel;
  requester: string;
  details: string | null;
  answeredOn: string | null;
  answer: string | null;
  createdAt: Date;
  version: number;
}

interface RightsRequestRow {
  id: string;
  person_id: string;
  kind: RightKind;
  received_on: string;
  due_on: string;
  channel: RightChannel;
  requester: string;
  details: string | null;
  answered_on: string | null;
  answer: string | null;
  created_by: string | null;
  created_at: Date;
  version: number;
}

/** A request with the person's name (persons.first_names || ' ' || last_name). */
interface RightsRequestListRow extends RightsRequestRow {
  person_name: string;
}

const day = (v: unknown): string | null => (v === null || v === undefined ? null : v instanceof Date ? v.toISOString().slice(0, 10) : String(v).slice(0, 10));

const toRequest = (r: RightsRequestListRow): RightsRequest => ({
  id: r.id,
  personId: r.person_id,
  personName: r.person_name,
  kind: r.kind,
  receivedOn: day(r.received_on) as string,
  dueOn: day(r.due_on) as string,
  channel: r.channel,
  requester: r.requester,
  details: r.details ?? null,
  answeredOn: day(r.answered_on),
  answer: r.answer ?? null,
  createdAt: r.created_at,
  version: Number(r.version),
});

const selectRequests = (db: Db) =>
  db('rights_requests as q').select<RightsRequestListRow[]>(
    'q.*',
    db.raw("(select p.first_names || ' ' || p.last_name from persons p where p.id = q.person_id) as person_name"),
  );

/** The register of rights requests (the association's, not tenant data of one landlord). */
export class RightsRepository {
  async insert(
    db: Db,
    r: {
      personId: string;
      kind: RightKind;
      receivedOn: string;
      dueOn: string;
      channel: RightChannel;
      requester: string;
      details: string | null;
      /** null: made by the person from their own space */
      createdBy: string | null;
    },
    now: Date,
  ): Promise<string> {
    const [row] = await db<RightsRequestRow>('rights_requests')
      .insert({
        person_id: r.personId,
        kind: r.kind,
        received_on: r.receivedOn,
        due_on: r.dueOn,
        channel: r.channel,
        requester: r.requester,
        details: r.details,
        created_by: r.createdBy,
        created_at: now,
      })
      .returning<Array<Pick<RightsRequestRow, 'id'>>>('id');
    return row!.id;
  }

  /** Open requests first (the nearest deadline first), then the answered ones, newest first. */
  async list(db: Db): Promise<RightsRequest[]> {
    const rows = await selectRequests(db)
      .orderByRaw('q.answered_on is not null, case when q.answered_on is null then q.due_on end asc, q.answered_on desc, q.created_at desc')
      .limit(500);
    return rows.map(toRequest);
  }

  async forPerson(db: Db, personId: string): Promise<RightsRequest[]> {
    return (await selectRequests(db).where('q.person_id', personId).orderBy('q.received_on', 'desc')).map(toRequest);
  }

  async findById(db: Db, id: string): Promise<RightsRequest | null> {
    if (!isUuid(id)) return null;
    const row = await selectRequests(db).where('q.id', id).first<RightsRequestListRow | undefined>();
    return row ? toRequest(row) : null;
  }

  /** A person a request is about: name and current (or last) household, or null. */
  async person(db: Db, personId: string): Promise<{ id: string; name: string; householdId: string | null } | null> {
    const p = await db('persons')
      .where({ id: personId })
      .first<{ id: string; first_names: string; last_name: string } | undefined>('id', 'first_names', 'last_name');
    if (!p) return null;
    const home = await db('household_members')
      .where({ person_id: personId })
      .orderByRaw('to_date is not null, from_date desc')
      .first<{ household_id: string } | undefined>('household_id');
    return { id: p.id, name: `${p.first_names} ${p.last_name}`, householdId: home?.household_id ?? null };
  }

  async answer(db: Db, id: string, version: number, answeredOn: string, answer: string): Promise<boolean> {
    const rows = await db('rights_requests')
      .where({ id, version })
      .whereNull('answered_on')
      .update({ answered_on: answeredOn, answer, version: db.raw('version + 1') })
      .returning<Array<Pick<RightsRequestRow, 'id'>>>('id');
    return rows.length === 1;
  }
}
