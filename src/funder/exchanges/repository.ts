import type { Db } from '../../db/types';
import type { FileDirection, FunderFileRow } from '../files-repository';
import type { Flow } from '../formats/names';
import type { FunderRecordRow as StoredRecordRow, RecordSource, RecordStatus } from '../outbound/records-repository';

/** A row of funder_records as the page reads it: never the payload (the page shows ids, codes and messages). */
export type FunderRecordRow = Omit<StoredRecordRow, 'payload' | 'position'>;
export type { RecordStatus };
export type SourceType = RecordSource['sourceType'];

/** A rejected record with what its source is called (request or mission reference, entry number, ASD case number). */
export interface RejectedRecordRow extends FunderRecordRow {
  file_name: string | null;
  request_reference: string | null;
  mission_reference: string | null;
  entry_number: string | null;
  billing_mission_id: string | null;
  billing_mission_reference: string | null;
  orientation_number: string | null;
}

/** The columns read (never the payload: the page shows ids, codes and messages). */
const RECORD_COLUMNS = [
  'id',
  'flow',
  'record_id',
  'orientation_asd',
  'source_type',
  'source_id',
  'status',
  'code',
  'message',
  'file_id',
  'sendings',
  'created_at',
  'updated_at',
];

export interface FlowFileCounts {
  flow: Flow;
  status: string;
  n: number;
}

/**
 * The « Échanges » page's reads over `funder_files`, `funder_records` and `funder_invoices`, and
 * the one write it makes: a rejected record put back in its flow's outbox.
 */
export class ExchangesRepository {
  async files(db: Db, filter: { flow?: Flow; direction?: FileDirection }, offset: number, limit: number): Promise<{ rows: FunderFileRow[]; total: number }> {
    const where = (q: ReturnType<Db>) => {
      if (filter.flow) void q.where('flow', filter.flow);
      if (filter.direction) void q.where('direction', filter.direction);
      return q;
    };
    const rows = await where(db('funder_files'))
      .orderBy([
        { column: 'created_at', order: 'desc' },
        { column: 'sequence', order: 'desc' },
      ])
      .offset(offset)
      .limit(limit)
      .select<FunderFileRow[]>('*');
    const count = await where(db('funder_files')).count<Array<{ n: string | number }>>({ n: '*' }).first();
    return { rows, total: Number(count?.n ?? 0) };
  }

  async file(db: Db, id: string): Promise<FunderFileRow | undefined> {
    return db<FunderFileRow>('funder_files').where({ id }).first();
  }

  /** The PDF invoice a FACTURATION file carries. */
  async invoiceOf(db: Db, fileId: string): Promise<{ number: string; pdfBlobId: string } | undefined> {
    const row = await db('funder_invoices')
      .where({ funder_file_id: fileId })
      .first<{ number: string; pdf_blob_id: string } | undefined>('number', 'pdf_blob_id');
    return row ? { number: row.number, pdfBlobId: row.pdf_blob_id } : undefined;
  }

  /** How many of the records that last left in a file stand at each status. */
  async recordCountsOfFile(db: Db, fileId: string): Promise<Partial<Record<RecordStatus, number>>> {
    const rows = await db('funder_records')
      .where({ file_id: fileId })
      .groupBy('status')
      .select<Array<{ status: RecordStatus; n: string | number }>>('status', db.raw('count(*) as n'));
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  }

  /** The records of a file the funder refused, in the order of their ids. */
  async rejectedOfFile(db: Db, fileId: string, limit: number): Promise<FunderRecordRow[]> {
    return db('funder_records').where({ file_id: fileId, status: 'rejete' }).orderBy('record_id').limit(limit).select<FunderRecordRow[]>(RECORD_COLUMNS);
  }

  /** The records the funder refused, newest first, each with what its source is called. */
  async rejected(db: Db, limit: number): Promise<{ rows: RejectedRecordRow[]; total: number }> {
    // counted first: most days there is none, and the list's seven joins cost PostgreSQL ~3 ms to plan on every view
    const count = await db('funder_records').where({ status: 'rejete' }).count<Array<{ n: string | number }>>({ n: '*' }).first();
    const total = Number(count?.n ?? 0);
    if (total === 0) return { rows: [], total };
    const rows = await db('funder_records as r')
      .leftJoin('funder_files as f', 'f.id', 'r.file_id')
      .leftJoin('aid_requests as ar', function () {
        this.on('ar.id', '=', 'r.source_id').andOnVal('r.source_type', '=', 'aid_request');
      })
      .leftJoin('missions as m', function () {
        this.on('m.id', '=', 'r.source_id').andOnVal('r.source_type', '=', 'mission');
      })
      .leftJoin('ledger_entries as le', function () {
        this.on('le.id', '=', 'r.source_id').andOnVal('r.source_type', '=', 'ledger_entry');
      })
      .leftJoin('mission_billing_lines as bl', function () {
        this.on('bl.id', '=', 'r.source_id').andOnVal('r.source_type', '=', 'mission_billing_line');
      })
      .leftJoin('missions as bm', 'bm.id', 'bl.mission_id')
      .leftJoin('funder_orientations as o', function () {
        this.on('o.id', '=', 'r.source_id').andOnVal('r.source_type', '=', 'funder_orientation');
      })
      .where('r.status', 'rejete')
      .orderBy([
        { column: 'r.updated_at', order: 'desc' },
        { column: 'r.record_id', order: 'asc' },
      ])
      .limit(limit)
      .select<RejectedRecordRow[]>(
        ...RECORD_COLUMNS.map((c) => `r.${c}`),
        'f.name as file_name',
        'ar.reference as request_reference',
        'm.reference as mission_reference',
        'le.number_text as entry_number',
        'bl.mission_id as billing_mission_id',
        'bm.reference as billing_mission_reference',
        'o.orientation_asd as orientation_number',
      );
    return { rows, total };
  }

  /** One record, locked until the transaction ends (two people resending it at once: the second waits, then sees it). */
  async recordForUpdate(db: Db, id: string): Promise<(FunderRecordRow & Pick<StoredRecordRow, 'payload'>) | undefined> {
    return db('funder_records')
      .where({ id })
      .forUpdate()
      .first<(FunderRecordRow & Pick<StoredRecordRow, 'payload'>) | undefined>([...RECORD_COLUMNS, 'payload']);
  }

  /** A rejected record back in its flow's outbox: it leaves again, under the same id, in the next file. */
  async putBackToSend(db: Db, id: string, now: Date, payload?: StoredRecordRow['payload']): Promise<boolean> {
    const n = await db('funder_records')
      .where({ id, status: 'rejete' })
      .update({ status: 'a_envoyer', updated_at: now, ...(payload ? { payload: JSON.stringify(payload) } : {}) });
    return n === 1;
  }

  /** The newest file of each flow. */
  async lastFileOfEachFlow(db: Db): Promise<FunderFileRow[]> {
    return db
      .select<FunderFileRow[]>('*')
      .from(db('funder_files').select('*', db.raw('row_number() over (partition by flow order by created_at desc, sequence desc) as rank')).as('ranked'))
      .where('rank', 1);
  }

  /** How many files of each flow stand at each status. */
  async fileCounts(db: Db): Promise<FlowFileCounts[]> {
    const rows = await db('funder_files')
      .groupBy('flow', 'status')
      .select<Array<{ flow: Flow; status: string; n: string | number }>>('flow', 'status', db.raw('count(*) as n'));
    return rows.map((r) => ({ flow: r.flow, status: r.status, n: Number(r.n) }));
  }

  async rejectedCountByFlow(db: Db): Promise<Map<Flow, number>> {
    const rows = await db('funder_records')
      .where({ status: 'rejete' })
      .groupBy('flow')
      .select<Array<{ flow: Flow; n: string | number }>>('flow', db.raw('count(*) as n'));
    return new Map(rows.map((r) => [r.flow, Number(r.n)]));
  }

  /** Outbound files on the funder's server since before `before`, still without acknowledgement. */
  async unacknowledgedSince(db: Db, before: Date): Promise<FunderFileRow[]> {
    return db<FunderFileRow>('funder_files')
      .where({ direction: 'out', status: 'depose' })
      .whereNull('acknowledged_at')
      .where('sent_at', '<', before)
      .orderBy('sent_at');
  }
}
