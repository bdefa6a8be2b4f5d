import type { Db } from '../../db/types';
import type { Flow } from '../formats/names';

/** Where an outbound record comes from: the page a person opens to correct a rejected one. */
export interface RecordSource {
  sourceType: 'aid_request' | 'mission' | 'ledger_entry' | 'mission_billing_line' | 'funder_orientation';
  sourceId: string;
}

export type RecordStatus = 'a_envoyer' | 'envoye' | 'accepte' | 'rejete' | 'doublon';

export interface FunderRecordRow {
  id: string;
  /** the order the records were written in: the order they leave in */
  position: string;
  flow: Flow;
  record_id: string;
  orientation_asd: string | null;
  source_type: RecordSource['sourceType'] | null;
  source_id: string | null;
  payload: Record<string, unknown> & { id: string };
  status: RecordStatus;
  code: string | null;
  message: string | null;
  file_id: string | null;
  sendings: number;
  created_at: Date;
  updated_at: Date;
}

const CHUNK = 500;

/**
 * `funder_records`: every record Entraide sends, by flow and record id (unique for ever). The SUIVI
 * outbox writes its events here `a_envoyer` in the business transaction; a file that leaves marks
 * its records `envoye` (inserting those computed at sending time); the funder's acknowledgement
 * marks each one `accepte`, `rejete` or `doublon`. A rejected record put back `a_envoyer` leaves
 * again, under the same id, in the next file of its flow.
 */
export class FunderRecordRepository {
  /** Records waiting to leave in a flow, in the order they were written. */
  async waiting(db: Db, flow: Flow, limit = 100_000): Promise<FunderRecordRow[]> {
    return db<FunderRecordRow>('funder_records').where({ flow, status: 'a_envoyer' }).orderBy('position').limit(limit);
  }

  /** A waiting record that breaks its schema: refused here, before it leaves, for a person to see. */
  async refuseBeforeSending(db: Db, id: string, problem: string, now: Date): Promise<void> {
    await db('funder_records')
      .where({ id, status: 'a_envoyer' })
      .update({ status: 'rejete', code: 'SCHEMA', message: `refusé avant l’envoi : ${problem}`.slice(0, 500), updated_at: now });
  }

  /** Adds one record to the outbox (an event of the business transaction); a second with the same id is ignored. */
  async enqueue(db: Db, flow: Flow, payload: { id: string } & Record<string, unknown>, source: RecordSource | null, now: Date): Promise<void> {
    await db('funder_records')
      .insert({
        flow,
        record_id: payload.id,
        orientation_asd: typeof payload.orientation_asd === 'string' ? payload.orientation_asd : null,
        source_type: source?.sourceType ?? null,
        source_id: source?.sourceId ?? null,
        payload: JSON.stringify(payload),
        status: 'a_envoyer',
        created_at: now,
        updated_at: now,
      })
      .onConflict(['flow', 'record_id'])
      .ignore();
  }

  /** The records of a file that leaves: inserted or updated `envoye`, linked to the file. */
  async sent(
    db: Db,
    flow: Flow,
    fileId: string,
    records: ReadonlyArray<{ id: string } & Record<string, unknown>>,
    sources: ReadonlyMap<string, RecordSource>,
    now: Date,
  ): Promise<void> {
    for (let i = 0; i < records.length; i += CHUNK) {
      const rows = records.slice(i, i + CHUNK).map((r) => ({
        flow,
        record_id: r.id,
        orientation_asd: typeof r.orientation_asd === 'string' ? r.orientation_asd : null,
        source_type: sources.get(r.id)?.sourceType ?? null,
        source_id: sources.get(r.id)?.sourceId ?? null,
        payload: JSON.stringify(r),
        status: 'envoye',
        file_id: fileId,
        sendings: 1,
        created_at: now,
        updated_at: now,
      }));
      await db('funder_records')
        .insert(rows)
        .onConflict(['flow', 'record_id'])
        .merge({
          payload: db.raw('excluded.payload'),
          status: 'envoye',
          code: null,
          message: null,
          file_id: fileId,
          sendings: db.raw('funder_records.sendings + 1'),
          updated_at: now,
          // a source known only now (a record first written by the outbox keeps its own)
          source_type: db.raw('coalesce(funder_records.source_type, excluded.source_type)'),
          source_id: db.raw('coalesce(funder_records.source_id, excluded.source_id)'),
        });
    }
  }

  async ofFile(db: Db, fileId: string): Promise<FunderRecordRow[]> {
    return db<FunderRecordRow>('funder_records').where({ file_id: fileId });
  }

  /** What the funder's acknowledgement said of each record of a file (the records of other files are left alone). */
  async acknowledge(
    db: Db,
    fileId: string,
    acks: ReadonlyArray<{ id: string; statut: 'accepte' | 'rejete' | 'doublon'; code?: string; message?: string }>,
    now: Date,
  ): Promise<number> {
    let matched = 0;
    for (const ack of acks) {
      matched += await db('funder_records')
        .where({ file_id: fileId, record_id: ack.id })
        .update({ status: ack.statut, code: ack.code ?? null, message: ack.message ?? null, updated_at: now });
    }
    return matched;
  }
}
