import type { Db } from '../../db/types';
import { isUuid } from '../../db/types';

export interface RequestDocument {
  id: string;
  kind: string;
  filename: string;
  blobId: string;
  version: number;
  current: boolean;
  size: number;
  sha256: string;
  uploadedAt: Date;
}

/** Documents of a request, every version kept; one current version per kind. */
export const toDocument = (r: Record<string, unknown>): RequestDocument => ({
  id: r.id as string,
  kind: r.kind as string,
  filename: r.filename as string,
  blobId: r.blob_id as string,
  version: r.version as number,
  current: r.current as boolean,
  size: Number(r.size),
  sha256: r.sha256 as string,
  uploadedAt: r.uploaded_at as Date,
});

export class RequestDocumentRepository {
  listQuery(db: Db, requestId: string) {
    return db('request_documents as d')
      .join('blobs as b', 'b.id', 'd.blob_id')
      .where('d.request_id', requestId)
      .select('d.id', 'd.kind', 'd.filename', 'd.blob_id', 'd.version', 'd.current', 'b.size', 'b.sha256', 'd.uploaded_at')
      .orderBy([{ column: 'd.kind' }, { column: 'd.version', order: 'desc' }]);
  }

  async list(db: Db, requestId: string): Promise<RequestDocument[]> {
    return (await this.listQuery(db, requestId)).map(toDocument);
  }

  /** Marks the current document of a kind as replaced; returns whether there was one. */
  async retireCurrent(db: Db, requestId: string, kind: string): Promise<boolean> {
    return (await db('request_documents').where({ request_id: requestId, kind, current: true }).update({ current: false })) > 0;
  }

  async nextVersion(db: Db, requestId: string, kind: string): Promise<number> {
    const [row] = await db('request_documents').where({ request_id: requestId, kind }).max<{ max: number | null }[]>('version as max');
    return (row?.max ?? 0) + 1;
  }

  async insert(
    db: Db,
    d: { requestId: string; kind: string; filename: string; blobId: string; version: number; uploadedBy: string; uploadedAt: Date },
  ): Promise<void> {
    await db('request_documents').insert({
      request_id: d.requestId,
      kind: d.kind,
      filename: d.filename,
      blob_id: d.blobId,
      version: d.version,
      uploaded_by: d.uploadedBy,
      uploaded_at: d.uploadedAt,
    });
  }
}

/** A file received for a request whose type is still to choose. */
export interface StagedUpload {
  id: string;
  filename: string;
  blobId: string;
  size: number;
  sha256: string;
  uploadedAt: Date;
  /** sent by the household from its space (issue 17), not by the landlord */
  sentByHousehold?: boolean;
}

const toStaged = (r: Record<string, unknown>): StagedUpload => ({
  id: r.id as string,
  filename: r.filename as string,
  blobId: r.blob_id as string,
  size: Number(r.size),
  sha256: r.sha256 as string,
  uploadedAt: r.uploaded_at as Date,
  sentByHousehold: r.uploaded_by_person_id != null,
});

/** Files received before their type was chosen: kept until classified (they become documents) or discarded. */
export class StagedUploadRepository {
  async list(db: Db, requestId: string): Promise<StagedUpload[]> {
    const rows = await db('request_uploads as u')
      .join('blobs as b', 'b.id', 'u.blob_id')
      .where('u.request_id', requestId)
      .select('u.id', 'u.filename', 'u.blob_id', 'b.size', 'b.sha256', 'u.uploaded_at', 'u.uploaded_by_person_id')
      .orderBy([{ column: 'u.uploaded_at' }, { column: 'u.filename' }]);
    return rows.map(toStaged);
  }

  async insert(db: Db, u: { requestId: string; blobId: string; filename: string; uploadedBy: string; uploadedAt: Date }): Promise<void> {
    await db('request_uploads').insert({
      request_id: u.requestId,
      blob_id: u.blobId,
      filename: u.filename,
      uploaded_by: u.uploadedBy,
      uploaded_at: u.uploadedAt,
    });
  }

  /** Removes a received file of this request (to classify or discard it); null when it is not one of its files. */
  async take(db: Db, requestId: string, id: string): Promise<StagedUpload | null> {
    if (!isUuid(id)) return null;
    const [found] = await this.listWhere(db, requestId, id);
    if (!found) return null;
    await db('request_uploads').where({ id, request_id: requestId }).delete();
    return found;
  }

  private async listWhere(db: Db, requestId: string, id: string): Promise<StagedUpload[]> {
    const rows = await db('request_uploads as u')
      .join('blobs as b', 'b.id', 'u.blob_id')
      .where({ 'u.request_id': requestId, 'u.id': id })
      .forUpdate('u')
      .select('u.id', 'u.filename', 'u.blob_id', 'b.size', 'b.sha256', 'u.uploaded_at');
    return rows.map(toStaged);
  }
}
