import type { Db } from '../db/types';
import type { Flow, Sender } from './formats/names';

export type FileDirection = 'in' | 'out';

/** A row of funder_files. */
export interface FunderFileRow {
  id: string;
  direction: FileDirection;
  name: string;
  flow: Flow;
  sender: Sender;
  sequence: number;
  period_start: string | null;
  period_end: string;
  status: string;
  records: number;
  accepted: number;
  rejected: number;
  duplicates: number;
  sha256: string;
  problem: string | null;
  data_blob_id: string | null;
  manifest_blob_id: string | null;
  ack_blob_id: string | null;
  ack_status: 'a_envoyer' | 'envoye' | null;
  ack_sent_at: Date | null;
  /** Control totals of the manifest (outbound files). */
  totals: Record<string, number> | null;
  sent_at: Date | null;
  acknowledged_at: Date | null;
  overdue_notified_at: Date | null;
  created_at: Date;
}

export type NewFunderFile = Omit<FunderFileRow, 'id' | 'created_at' | 'ack_sent_at' | 'totals' | 'sent_at' | 'acknowledged_at' | 'overdue_notified_at'> & {
  totals?: Record<string, number> | null;
};

/** The files exchanged with the funder, both ways. */
export class FunderFileRepository {
  async insert(db: Db, file: NewFunderFile, now: Date): Promise<string> {
    const [row] = await db('funder_files')
      .insert({ ...file, totals: file.totals ? JSON.stringify(file.totals) : null, created_at: now })
      .returning<Array<{ id: string }>>('id');
    return row!.id;
  }

  async find(db: Db, id: string): Promise<FunderFileRow | undefined> {
    return db<FunderFileRow>('funder_files').where({ id }).first();
  }

  async namesAmong(db: Db, names: readonly string[]): Promise<Set<string>> {
    if (names.length === 0) return new Set();
    const rows = await db('funder_files').whereIn('name', names).select<Array<{ name: string }>>('name');
    return new Set(rows.map((r) => r.name));
  }

  /** Received files whose acknowledgement has not reached the funder yet. */
  async acknowledgementsToSend(db: Db): Promise<FunderFileRow[]> {
    return db<FunderFileRow>('funder_files').where({ direction: 'in', ack_status: 'a_envoyer' }).orderBy('created_at');
  }

  async markAcknowledgementSent(db: Db, id: string, at: Date): Promise<void> {
    await db('funder_files').where({ id, ack_status: 'a_envoyer' }).update({ ack_status: 'envoye', ack_sent_at: at });
  }

  /** Outbound files built but not on the funder's server yet (a transport failure leaves them there). */
  async toDeliver(db: Db): Promise<FunderFileRow[]> {
    return db<FunderFileRow>('funder_files')
      .where({ direction: 'out', status: 'prepare' })
      .orderBy([{ column: 'created_at' }, { column: 'sequence' }]);
  }

  async markDelivered(db: Db, id: string, at: Date): Promise<void> {
    await db('funder_files').where({ id, status: 'prepare' }).update({ status: 'depose', sent_at: at, problem: null });
  }

  /** A failure that trying again will not mend (a name already taken on the server by another content…). */
  async markFailed(db: Db, id: string, problem: string): Promise<void> {
    await db('funder_files').where({ id, status: 'prepare' }).update({ status: 'en_echec', problem });
  }

  /** Outbound files on the funder's server whose acknowledgement has not been read yet. */
  async awaitingAcknowledgement(db: Db): Promise<FunderFileRow[]> {
    return db<FunderFileRow>('funder_files').where({ direction: 'out', status: 'depose' }).whereNull('acknowledged_at').orderBy('created_at');
  }

  async markAcknowledged(
    db: Db,
    id: string,
    ack: {
      status: 'accuse' | 'rejete_en_partie' | 'rejete';
      accepted: number;
      rejected: number;
      duplicates: number;
      problem: string | null;
      ackBlobId: string;
    },
    at: Date,
  ): Promise<void> {
    await db('funder_files').where({ id, status: 'depose' }).update({
      status: ack.status,
      accepted: ack.accepted,
      rejected: ack.rejected,
      duplicates: ack.duplicates,
      problem: ack.problem,
      ack_blob_id: ack.ackBlobId,
      acknowledged_at: at,
    });
  }

  async noteProblem(db: Db, id: string, problem: string): Promise<void> {
    await db('funder_files').where({ id }).update({ problem });
  }

  /** Outbound files on the server since before `sentBefore`, unacknowledged and not flagged yet: flagged at `at`, their names returned. */
  async claimOverdue(db: Db, sentBefore: Date, at: Date): Promise<string[]> {
    const rows = await db('funder_files')
      .where({ direction: 'out', status: 'depose' })
      .whereNull('acknowledged_at')
      .whereNull('overdue_notified_at')
      .where('sent_at', '<', sentBefore)
      .update({ overdue_notified_at: at })
      .returning<Array<{ name: string }>>('name');
    return rows.map((r) => r.name).sort();
  }

  async list(db: Db, filter: { direction?: FileDirection; flow?: Flow } = {}, limit = 100): Promise<FunderFileRow[]> {
    const q = db<FunderFileRow>('funder_files').orderBy('created_at', 'desc').limit(limit);
    if (filter.direction) void q.where('direction', filter.direction);
    if (filter.flow) void q.where('flow', filter.flow);
    return q;
  }
}
