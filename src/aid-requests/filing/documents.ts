import type { Knex } from 'knex';
import type { AccessLogService } from '../../audit/access-log';
import type { AuditService } from '../../audit/service';
import { isUuid } from '../../db/types';
import { safeFilename, uploadProblem } from '../../files/sniff';
import type { BlobStore } from '../../files/storage';
import type { Actor } from '../../permissions/index';
import type { Clock } from '../../shared/clock';
import { ConflictError, NotFoundError, ValidationError } from '../../shared/errors';
import type { DocumentKind } from '../../aid-types/rules';
import { type RequestDocument, type RequestDocumentRepository, type StagedUpload, StagedUploadRepository } from './documents-repository';
import type { AidRequest } from '../repository';
import type { ConsentInput } from './schemas';
import type { AidRequestService } from '../service';

type UploadedFile = { originalname: string; buffer: Buffer } | undefined;

/** The documents form: new files, the type of a single one, types given to received files, one to discard. */
export interface DocumentsInput {
  kind: DocumentKind | null;
  files: Array<{ originalname: string; buffer: Buffer }>;
  classify: Array<{ uploadId: string; kind: DocumentKind }>;
  discard: string | null;
}

/** Statuses in which the landlord may add or replace documents. */
const EDITABLE = new Set(['draft', 'awaiting_information']);

/** Supporting documents: checked by content, stored with a checksum, replaced without losing the old one. */
export class RequestDocumentService {
  private readonly db: Knex;
  private readonly requests: AidRequestService;
  private readonly documents: RequestDocumentRepository;
  private readonly blobs: BlobStore;
  private readonly audit: AuditService;
  private readonly clock: Clock;
  private readonly staged: StagedUploadRepository;
  private readonly accessLog: AccessLogService;

  constructor(deps: {
    db: Knex;
    requests: AidRequestService;
    documents: RequestDocumentRepository;
    blobs: BlobStore;
    audit: AuditService;
    clock: Clock;
    staged?: StagedUploadRepository;
    accessLog: AccessLogService;
  }) {
    this.accessLog = deps.accessLog;
    this.db = deps.db;
    this.requests = deps.requests;
    this.documents = deps.documents;
    this.blobs = deps.blobs;
    this.audit = deps.audit;
    this.clock = deps.clock;
    this.staged = deps.staged ?? new StagedUploadRepository();
  }

  async list(actor: Actor, requestId: string): Promise<RequestDocument[]> {
    const request = await this.requests.get(actor, requestId);
    return this.documents.list(this.db, request.id);
  }

  async add(actor: Actor, requestId: string, kind: string, file: UploadedFile): Promise<void> {
    await this.db.transaction((trx) => this.addIn(trx, actor, requestId, kind, file));
  }

  /**
   * The consent step's "Joindre": the signed form and, when complete, the consent typed beside it,
   * saved together so that attaching the form never loses what was typed.
   */
  async attachSignedConsent(actor: Actor, requestId: string, file: UploadedFile, consent: ConsentInput | null): Promise<void> {
    if (!file || (file.buffer.length === 0 && !file.originalname)) throw new ValidationError({ file: 'Choisissez le formulaire signé à joindre' });
    await this.db.transaction(async (trx) => {
      await this.addIn(trx, actor, requestId, 'consent', file);
      if (consent) await this.requests.saveStep(actor, requestId, { step: 'consentement', input: consent }, trx);
    });
  }

  private async addIn(trx: Knex.Transaction, actor: Actor, requestId: string, kind: string, file: UploadedFile): Promise<void> {
    if (!file || file.buffer.length === 0) throw new ValidationError({ file: 'Choisissez un fichier' });
    const checked = uploadProblem(file);
    if ('problem' in checked) throw new ValidationError({ file: checked.problem });
    const request = await this.editable(trx, actor, requestId);
    const blob = await this.blobs.put(trx, file.buffer, checked.type);
    await this.store(trx, actor, request, kind, blob, safeFilename(file.originalname));
  }

  /** The request when its landlord may still add documents to it (draft, or information asked). */
  private async editable(trx: Knex.Transaction, actor: Actor, requestId: string): Promise<AidRequest> {
    const request = await this.requests.get(actor, requestId, trx, 'requests:file');
    if (!EDITABLE.has(request.status)) throw new ConflictError('Les pièces de cette demande ne se modifient plus à ce stade.');
    return request;
  }

  /** A stored file becomes the current document of its kind (the previous one is kept as replaced). */
  private async store(
    trx: Knex.Transaction,
    actor: Actor,
    request: AidRequest,
    kind: string,
    blob: { id: string; sha256: string; size: number },
    filename: string,
  ): Promise<void> {
    const previous = await this.documents.retireCurrent(trx, request.id, kind);
    const version = await this.documents.nextVersion(trx, request.id, kind);
    await this.documents.insert(trx, {
      requestId: request.id,
      kind,
      filename,
      blobId: blob.id,
      version,
      uploadedBy: actor.userId,
      uploadedAt: this.clock.now(),
    });
    await this.audit.record(trx, actor, {
      entityType: 'aid_request',
      entityId: request.id,
      organisationId: request.organisationId,
      action: previous ? 'document.replaced' : 'document.added',
      before: null,
      after: { kind, filename, sha256: blob.sha256, size: blob.size },
    });
  }

  /** Files received and not classified yet, listed with a type to choose for each. */
  async received(actor: Actor, requestId: string): Promise<StagedUpload[]> {
    const request = await this.requests.get(actor, requestId);
    return this.staged.list(this.db, request.id);
  }

  /**
   * What the documents form posts: new files (one file with its type becomes that document; several
   * files, or a file without a type, are kept as received, to classify), the types given to files
   * received before, or one of them discarded. Every valid file is kept even when another one is
   * refused: the refusals come back as errors once the rest is saved.
   */
  async receive(actor: Actor, requestId: string, input: DocumentsInput): Promise<{ added: number; received: number; discarded: number }> {
    const errors: Record<string, string> = {};
    const files = input.files.filter((f) => f.originalname || f.buffer.length > 0);
    if (!files.length && !input.classify.length && !input.discard) throw new ValidationError({ files: 'Choisissez un ou plusieurs fichiers' });
    const result = await this.db.transaction(async (trx) => {
      const request = await this.editable(trx, actor, requestId);
      const out = { added: 0, received: 0, discarded: 0 };
      if (input.discard) {
        const upload = await this.staged.take(trx, request.id, input.discard);
        if (!upload) throw new NotFoundError();
        await this.blobs.remove(trx, upload.blobId);
        await this.audit.record(trx, actor, {
          entityType: 'aid_request',
          entityId: request.id,
          organisationId: request.organisationId,
          action: 'document.discarded',
          before: { filename: upload.filename, sha256: upload.sha256 },
          after: null,
        });
        out.discarded++;
      }
      for (const c of input.classify) {
        const upload = await this.staged.take(trx, request.id, c.uploadId);
        if (!upload) throw new NotFoundError();
        await this.store(trx, actor, request, c.kind, { id: upload.blobId, sha256: upload.sha256, size: upload.size }, upload.filename);
        out.added++;
      }
      const refused: string[] = [];
      for (const file of files) {
        const checked = file.buffer.length === 0 ? { problem: 'le fichier est vide' } : uploadProblem(file);
        const filename = safeFilename(file.originalname);
        if ('problem' in checked) {
          refused.push(files.length > 1 ? `${filename} : ${checked.problem}` : checked.problem);
          continue;
        }
        const blob = await this.blobs.put(trx, file.buffer, checked.type);
        if (input.kind && files.length === 1) {
          await this.store(trx, actor, request, input.kind, blob, filename);
          out.added++;
        } else {
          await this.staged.insert(trx, { requestId: request.id, blobId: blob.id, filename, uploadedBy: actor.userId, uploadedAt: this.clock.now() });
          await this.audit.record(trx, actor, {
            entityType: 'aid_request',
            entityId: request.id,
            organisationId: request.organisationId,
            action: 'document.received',
            before: null,
            after: { filename, sha256: blob.sha256, size: blob.size },
          });
          out.received++;
        }
      }
      if (refused.length) errors.files = refused.join(' ; ');
      return out;
    });
    // what was valid is saved; what was refused is said next to the field
    if (Object.keys(errors).length) throw new ValidationError(errors);
    return result;
  }

  /** A document of a request the actor may read, to download. */
  async download(actor: Actor, requestId: string, documentId: string): Promise<{ filename: string; contentType: string; data: Buffer }> {
    const request = await this.requests.get(actor, requestId);
    if (!isUuid(documentId)) throw new NotFoundError();
    const doc = (await this.documents.list(this.db, request.id)).find((d) => d.id === documentId);
    if (!doc) throw new NotFoundError();
    const blob = await this.blobs.get(this.db, doc.blobId);
    if (!blob) throw new NotFoundError();
    await this.accessLog.read(actor, { action: 'request.document', entityType: 'aid_request', entityId: request.id });
    return { filename: doc.filename, contentType: blob.contentType, data: blob.data };
  }
}
