import type { Db } from '../../db/types';

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
  status: 'a_traiter' | 'transformee' | 'close';
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

  async byFile(db: Db, fileId: string): Promise<OrientationRow[]> {
    return db<OrientationRow>('funder_orientations').where({ file_id: fileId }).orderBy('line');
  }
}
