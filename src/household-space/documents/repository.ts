import type { Db } from '../../db/types';
import { isUuid } from '../../db/types';

/** What the association asked the household to send, on one request. */
export interface DocumentAsk {
  id: string;
  requestId: string;
  reference: string | null;
  aidTypeLabel: string;
  requestStatus: string;
  householdId: string;
  organisationId: string;
  kinds: string[];
  other: string | null;
  message: string;
  expectedBy: string;
  askedAt: Date;
  answeredAt: Date | null;
}

/** A file the household may see: one it sent (still to classify), or a document of one of its requests. */
export interface HouseholdFile {
  id: string;
  requestId: string;
  reference: string | null;
  filename: string;
  kind: string | null;
  size: number;
  at: Date;
  /** sent from the household space (not by the landlord or the association) */
  sentByHousehold: boolean;
  blobId: string;
}

const dateOnly = (v: unknown): string => (v instanceof Date ? v.toISOString().slice(0, 10) : String(v).slice(0, 10));

const toAsk = (r: Record<string, unknown>): DocumentAsk => ({
  id: r.id as string,
  requestId: r.request_id as string,
  reference: (r.reference as string | null) ?? null,
  aidTypeLabel: r.aid_type_label as string,
  requestStatus: r.status as string,
  householdId: r.household_id as string,
  organisationId: r.organisation_id as string,
  kinds: Array.isArray(r.kinds) ? (r.kinds as string[]) : (JSON.parse(String(r.kinds)) as string[]),
  other: (r.other as string | null) ?? null,
  message: r.message as string,
  expectedBy: dateOnly(r.expected_by),
  askedAt: r.asked_at as Date,
  answeredAt: (r.answered_at as Date | null) ?? null,
});

/**
 * Papers asked of households and the files they sent. Every read is scoped by the household (the
 * household space's only scope) of the request itself — whatever household was recorded at the ask,
 * should the request move with a merge: another household's ask or file is simply not found.
 */
export class HouseholdDocumentRepository {
  private asks(db: Db) {
    return db('household_document_requests as q')
      .join('aid_requests as r', 'r.id', 'q.request_id')
      .join('aid_types as t', 't.id', 'r.aid_type_id')
      .select('q.*', 'r.reference', 'r.status', 't.label as aid_type_label');
  }

  /** The current members of a household who have an e-mail (those who can receive their personal link). */
  async membersWithEmail(db: Db, householdId: string): Promise<string[]> {
    const rows = await db('household_members as m')
      .join('persons as p', 'p.id', 'm.person_id')
      .where('m.household_id', householdId)
      .whereNull('m.to_date')
      .where('p.status', 'active')
      .whereNotNull('p.email')
      .whereRaw("p.email <> ''")
      .orderBy('p.id')
      .select<Array<{ id: string }>>('p.id');
    return rows.map((r) => r.id);
  }

  async insertAsk(
    db: Db,
    a: {
      requestId: string;
      householdId: string;
      organisationId: string;
      kinds: string[];
      other: string | null;
      message: string;
      expectedBy: string;
      askedAt: Date;
      askedBy: string;
    },
  ): Promise<string> {
    const [row] = await db('household_document_requests')
      .insert({
        request_id: a.requestId,
        household_id: a.householdId,
        organisation_id: a.organisationId,
        kinds: JSON.stringify(a.kinds),
        other: a.other,
        message: a.message,
        expected_by: a.expectedBy,
        asked_at: a.askedAt,
        asked_by: a.askedBy,
      })
      .returning<Array<{ id: string }>>('id');
    return row!.id;
  }

  /** The asks of a household, newest first. */
  async asksOf(db: Db, householdId: string): Promise<DocumentAsk[]> {
    return (await this.asks(db).where('r.household_id', householdId).orderBy('q.asked_at', 'desc')).map(toAsk);
  }

  /** One ask of this household (locked when asked), or null — whatever the id typed in the address. */
  async askOf(db: Db, householdId: string, askId: string, lock = false): Promise<DocumentAsk | null> {
    if (!isUuid(askId)) return null;
    const q = this.asks(db).where({ 'r.household_id': householdId, 'q.id': askId });
    const row: Record<string, unknown> | undefined = await (lock ? q.forUpdate('q') : q).first<Record<string, unknown> | undefined>();
    return row ? toAsk(row) : null;
  }

  /** Claims the arrival mail of an ask unless one left since `quietSince`: true when this caller sends it. */
  async claimAnnouncement(db: Db, askId: string, at: Date, quietSince: Date): Promise<boolean> {
    const claimed = await db('household_document_requests')
      .where({ id: askId })
      .where((q) => q.whereNull('announced_at').orWhere('announced_at', '<', quietSince))
      .update({ announced_at: at });
    return claimed > 0;
  }

  async markAnswered(db: Db, askId: string, at: Date): Promise<void> {
    await db('household_document_requests').where({ id: askId }).whereNull('answered_at').update({ answered_at: at });
  }

  async insertUpload(db: Db, u: { requestId: string; askId: string; blobId: string; filename: string; personId: string; at: Date }): Promise<string> {
    const [row] = await db('request_uploads')
      .insert({
        request_id: u.requestId,
        household_document_request_id: u.askId,
        blob_id: u.blobId,
        filename: u.filename,
        uploaded_by: null,
        uploaded_by_person_id: u.personId,
        uploaded_at: u.at,
      })
      .returning<Array<{ id: string }>>('id');
    return row!.id;
  }

  /**
   * The files of the household's requests it may see: those it sent that are still to classify,
   * and the documents of its requests (which concern it), newest first.
   */
  async filesOf(db: Db, householdId: string): Promise<HouseholdFile[]> {
    const sent = await db('request_uploads as u')
      .join('aid_requests as r', 'r.id', 'u.request_id')
      .join('blobs as b', 'b.id', 'u.blob_id')
      .where('r.household_id', householdId)
      .whereNotNull('u.uploaded_by_person_id')
      .select('u.id', 'u.request_id', 'r.reference', 'u.filename', 'b.size', 'u.uploaded_at as at', 'u.blob_id');
    const documents = await db('request_documents as d')
      .join('aid_requests as r', 'r.id', 'd.request_id')
      .join('blobs as b', 'b.id', 'd.blob_id')
      .where('r.household_id', householdId)
      .where('d.current', true)
      // the payee's bank details are the landlord's or the supplier's, not the household's
      .whereNot('d.kind', 'bank_details')
      .select('d.id', 'd.request_id', 'r.reference', 'd.filename', 'd.kind', 'b.size', 'd.uploaded_at as at', 'd.blob_id');
    const files: HouseholdFile[] = [
      ...sent.map((r: Record<string, unknown>) => ({ ...fileOf(r), kind: null, sentByHousehold: true })),
      ...documents.map((r: Record<string, unknown>) => ({ ...fileOf(r), kind: r.kind as string, sentByHousehold: false })),
    ];
    return files.sort((a, b) => b.at.getTime() - a.at.getTime());
  }

  /** One of those files by its id, or null (another household's file is not found). */
  async fileOf(db: Db, householdId: string, fileId: string): Promise<HouseholdFile | null> {
    if (!isUuid(fileId)) return null;
    return (await this.filesOf(db, householdId)).find((f) => f.id === fileId) ?? null;
  }
}

const fileOf = (r: Record<string, unknown>) => ({
  id: r.id as string,
  requestId: r.request_id as string,
  reference: (r.reference as string | null) ?? null,
  filename: r.filename as string,
  size: Number(r.size),
  at: r.at as Date,
  blobId: r.blob_id as string,
});
