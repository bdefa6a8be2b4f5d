import type { Knex } from 'knex';
import type { AuditService } from '../audit/service';
import { isUuid } from '../db/types';
import { safeFilename, uploadProblem } from '../files/sniff';
import type { BlobStore } from '../files/storage';
import type { Actor } from '../permissions';
import type { Clock } from '../shared/clock';
import { ConflictError, NotFoundError, ValidationError } from '../shared/errors';
import type { RequestDocument, RequestDocumentRepository } from './documents-repository';
import type { AidRequestService } from './service';

/** Statuses in which the landlord may add or replace documents. */
const EDITABLE = new Set(['draft', 'awaiting_information']);

/** Supporting documents: checked by content, stored with a checksum, replaced without losing the old one. */
export class RequestDocumentService {
  constructor(
    private readonly db: Knex,
    private readonly requests: AidRequestService,
    private readonly documents: RequestDocumentRepository,
    private readonly blobs: BlobStore,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  async list(actor: Actor, requestId: string): Promise<RequestDocument[]> {
    const request = await this.requests.get(actor, requestId);
    return this.documents.list(this.db, request.id);
  }

  async add(actor: Actor, requestId: string, kind: string, file: { originalname: string; buffer: Buffer } | undefined): Promise<void> {
    if (!file || file.buffer.length === 0) throw new ValidationError({ file: 'Choisissez un fichier' });
    const checked = uploadProblem(file);
    if ('problem' in checked) throw new ValidationError({ file: checked.problem });
    const { type } = checked;
    await this.db.transaction(async (trx) => {
      const request = await this.requests.get(actor, requestId, trx, 'requests:file');
      if (!EDITABLE.has(request.status)) throw new ConflictError('Les pièces de cette demande ne se modifient plus à ce stade.');
      const blob = await this.blobs.put(trx, file.buffer, type);
      const previous = await this.documents.retireCurrent(trx, requestId, kind);
      const version = await this.documents.nextVersion(trx, requestId, kind);
      const filename = safeFilename(file.originalname);
      await this.documents.insert(trx, { requestId, kind, filename, blobId: blob.id, version, uploadedBy: actor.userId, uploadedAt: this.clock.now() });
      await this.audit.record(trx, actor, {
        entityType: 'aid_request', entityId: requestId, organisationId: request.organisationId, action: previous ? 'document.replaced' : 'document.added',
        before: null, after: { kind, filename, sha256: blob.sha256, size: blob.size },
      });
    });
  }

  /** A document of a request the actor may read, to download. */
  async download(actor: Actor, requestId: string, documentId: string): Promise<{ filename: string; contentType: string; data: Buffer }> {
    const request = await this.requests.get(actor, requestId);
    if (!isUuid(documentId)) throw new NotFoundError();
    const doc = (await this.documents.list(this.db, request.id)).find((d) => d.id === documentId);
    if (!doc) throw new NotFoundError();
    const blob = await this.blobs.get(this.db, doc.blobId);
    if (!blob) throw new NotFoundError();
    return { filename: doc.filename, contentType: blob.contentType, data: blob.data };
  }
}
