import type { Db } from '../../db/types';
import type { Scope } from '../../permissions';

export type OrientationStatus = 'a_traiter' | 'transformee' | 'close';

/** A row of funder_orientations. */
export interface OrientationRow {
  id: string;
  record_id: string;
  orientation_asd: string;
  file_id: string;
  line: number;
  organisation_id: string;
  oriented_on: string;
  last_name: string;
  first_names: string;
  birth_date: string;
  record: Record<string, unknown>;
  status: OrientationStatus;
  close_reason: string | null;
  closed_by: string | null;
  closed_at: Date | null;
  aid_request_id: string | null;
  mission_id: string | null;
  version: number;
  received_at: Date;
}

export type NewOrientation = Pick<
  OrientationRow,
  | 'record_id'
  | 'orientation_asd'
  | 'file_id'
  | 'line'
  | 'organisation_id'
  | 'oriented_on'
  | 'last_name'
  | 'first_names'
  | 'birth_date'
  | 'record'
  | 'received_at'
>;

/** The orientations received from the funder's ASD service. */
export class OrientationRepository {
  async insert(db: Db, orientation: NewOrientation): Promise<string> {
    const [row] = await db('funder_orientations')
      .insert({ ...orientation, record: JSON.stringify(orientation.record) })
      .returning<Array<{ id: string }>>('id');
    return row!.id;
  }

  /** Which of these funder record ids were accepted before (a second one is a doublon). */
  async knownRecordIds(db: Db, ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await db('funder_orientations').whereIn('record_id', ids).select<Array<{ record_id: string }>>('record_id');
    return new Set(rows.map((r) => r.record_id));
  }

  /** Active member landlords by SIREN (an orientation names its landlord so). */
  async landlordsBySiren(db: Db, sirens: readonly string[]): Promise<Map<string, string>> {
    if (sirens.length === 0) return new Map();
    const rows = await db('organisations')
      .where({ kind: 'landlord', status: 'active' })
      .whereIn('siren', sirens)
      .select<Array<{ id: string; siren: string }>>('id', 'siren');
    return new Map(rows.map((r) => [r.siren, r.id]));
  }

  /** The queue: newest first, within the scope; `status` null for every status. */
  async list(db: Db, scope: Scope, status: OrientationStatus | null, limit = 200): Promise<Array<OrientationRow & { organisation_name: string }>> {
    const q = db('funder_orientations as f')
      .join('organisations as o', 'o.id', 'f.organisation_id')
      .select('f.*', 'o.name as organisation_name')
      .orderBy('f.received_at', 'desc')
      .orderBy('f.line')
      .limit(limit);
    if (!scope.all) void q.where('f.organisation_id', scope.organisationId);
    if (status) void q.where('f.status', status);
    return q;
  }

  async countWaiting(db: Db, scope: Scope): Promise<number> {
    const q = db('funder_orientations').where({ status: 'a_traiter' });
    if (!scope.all) void q.where('organisation_id', scope.organisationId);
    const row = await q.count<Array<{ c: string }>>('* as c').first();
    return Number(row?.c ?? 0);
  }

  /** One orientation; `forUpdate` locks its row until the transaction ends. */
  async find(db: Db, id: string, forUpdate = false): Promise<(OrientationRow & { organisation_name: string }) | undefined> {
    const q = db('funder_orientations as f').join('organisations as o', 'o.id', 'f.organisation_id').where('f.id', id);
    if (forUpdate) void q.forUpdate('f');
    return q.first<(OrientationRow & { organisation_name: string }) | undefined>('f.*', 'o.name as organisation_name');
  }

  /** A waiting orientation turned into a request or a mission, at the version read; false when someone changed it meanwhile. */
  async transform(db: Db, id: string, version: number, link: { aid_request_id: string } | { mission_id: string }): Promise<boolean> {
    const n = await db('funder_orientations')
      .where({ id, version, status: 'a_traiter' })
      .update({ status: 'transformee', ...link, version: version + 1 });
    return n === 1;
  }

  /** Closes a waiting orientation at the version read; false when someone changed it meanwhile. */
  async close(db: Db, id: string, version: number, close: { reason: string; by: string; at: Date }): Promise<boolean> {
    const n = await db('funder_orientations')
      .where({ id, version, status: 'a_traiter' })
      .update({ status: 'close', close_reason: close.reason, closed_by: close.by, closed_at: close.at, version: version + 1 });
    return n === 1;
  }

  /** Whether a household is an active one of this landlord (the follow-up's check inside its transaction). */
  async isActiveHouseholdOf(db: Db, householdId: string, organisationId: string): Promise<boolean> {
    return Boolean(await db('households').where({ id: householdId, organisation_id: organisationId, status: 'active' }).first('id'));
  }

  async byFile(db: Db, fileId: string): Promise<OrientationRow[]> {
    return db<OrientationRow>('funder_orientations').where({ file_id: fileId }).orderBy('line');
  }
}
