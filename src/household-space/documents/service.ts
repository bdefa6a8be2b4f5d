import type { Knex } from 'knex';
import type { UserRepository } from '../../accounts/repository';
import type { AidRequest, AidRequestRepository } from '../../aid-requests/repository';
import type { RequestStatus } from '../../aid-requests/state-machine';
import type { HouseholdAskInput } from '../../aid-requests/instruction/household-ask';
import { DOCUMENT_KINDS, type DocumentKind } from '../../aid-types/rules';
import type { AuditService } from '../../audit/service';
import type { Db } from '../../db/types';
import { type AcceptedType, safeFilename } from '../../files/sniff';
import type { BlobStore } from '../../files/storage';
import type { Mailer } from '../../notifications/mailer';
import type { Actor } from '../../permissions/index';
import type { SettingsService } from '../../settings/service';
import type { Clock } from '../../shared/clock';
import { addDays, parisDate } from '../../shared/dates';
import { ConflictError, NotFoundError, ValidationError } from '../../shared/errors';
import { type HouseholdActor, householdAuditActor } from '../actor';
import { householdFilesArrivedMail } from './mails';
import type { DocumentAsk, HouseholdDocumentRepository, HouseholdFile } from './repository';

/**
 * The household-space services this feature uses (src/household-space, the lead's contract):
 * traces of reads, and the personal link mailed to a person.
 */
export interface HouseholdSpacePort {
  trace(actor: HouseholdActor, read: { action: string; entityType: string; entityId: string; requestId?: string }, db?: Db): Promise<void>;
  links: { issueFor(personId: string, reason: 'documents', db: Db): Promise<string | null> };
}

/** No second arrival mail for an ask within this delay. */
const ANNOUNCE_QUIET_MS = 15 * 60_000;

/** Statuses in which the household can still send papers for a request (the association still instructs it). */
const RECEIVING: readonly RequestStatus[] = ['submitted', 'in_review', 'awaiting_information', 'adjourned'];

/** What the household page shows of an ask: which papers, why, by when, and whether files can still be sent. */
export interface AskView extends DocumentAsk {
  papers: string[];
  open: boolean;
}

/**
 * Papers asked of the household and sent from its phone (issue 17). The association's ask is made
 * inside the instruction's transaction (askInformation); each file the household sends is stored
 * on its own, in its own transaction, as soon as it is received and checked, so that an upload
 * broken midway keeps every file received before the break.
 */
export class HouseholdDocumentService {
  constructor(
    private readonly deps: {
      db: Knex;
      repository: HouseholdDocumentRepository;
      requests: AidRequestRepository;
      users: UserRepository;
      blobs: BlobStore;
      mailer: Mailer;
      settings: SettingsService;
      audit: AuditService;
      clock: Clock;
      baseUrl: string;
      /** the household space's services (read traces, personal links) */
      space: HouseholdSpacePort;
    },
  ) {}

  /**
   * The association asks the household too (in the instruction's transaction): what is expected is
   * kept, and each member with an e-mail receives their personal link. Returns the mails to deliver
   * once committed.
   */
  async ask(trx: Db, actor: Actor, request: AidRequest, input: HouseholdAskInput, message: string): Promise<string[]> {
    const members = await this.deps.repository.membersWithEmail(trx, request.householdId);
    if (!members.length)
      throw new ValidationError({
        household: 'Aucun membre du ménage n’a d’adresse électronique : demandez les pièces au bailleur, ou ajoutez une adresse dans la fiche du ménage.',
      });
    const now = this.deps.clock.now();
    const days = (await this.deps.settings.get(trx)).instruction.informationReminderDays;
    const expectedBy = addDays(parisDate(now), days);
    const kinds = [...new Set(input.kinds)];
    const askId = await this.deps.repository.insertAsk(trx, {
      requestId: request.id,
      householdId: request.householdId,
      organisationId: request.organisationId,
      kinds,
      other: input.other,
      message,
      expectedBy,
      askedAt: now,
      askedBy: actor.userId,
    });
    await this.deps.audit.record(trx, actor, {
      entityType: 'aid_request',
      entityId: request.id,
      organisationId: request.organisationId,
      action: 'request.household_documents_asked',
      before: null,
      after: { askId, kinds, other: input.other !== null, expectedBy, members: members.length },
    });
    const mails: string[] = [];
    for (const personId of members) {
      const mail = await this.deps.space.links.issueFor(personId, 'documents', trx);
      if (mail) mails.push(mail);
    }
    return mails;
  }

  /** « Mes documents »: what is expected of the household and the files it may see (a traced read). */
  async overview(actor: HouseholdActor): Promise<{ asks: AskView[]; files: HouseholdFile[] }> {
    const [asks, files] = await Promise.all([
      this.deps.repository.asksOf(this.deps.db, actor.householdId),
      this.deps.repository.filesOf(this.deps.db, actor.householdId),
    ]);
    await this.trace(actor, { action: 'household.documents.list', entityType: 'household', entityId: actor.householdId });
    return { asks: asks.map((a) => this.view(a)), files };
  }

  /** One ask of the household, to send files for it (another household's ask is not found). */
  async askFor(actor: HouseholdActor, askId: string): Promise<AskView> {
    const ask = await this.deps.repository.askOf(this.deps.db, actor.householdId, askId);
    if (!ask) throw new NotFoundError();
    return this.view(ask);
  }

  /**
   * One file sent by the household, already checked (type by its content, size, virus scan): kept
   * at once with the request's received files, to classify, marked as sent by the household, with
   * its line on the request's timeline and in the audit trail. Returns the stored file's id.
   */
  async receiveFile(actor: HouseholdActor, askId: string, file: { originalname: string; buffer: Buffer; type: AcceptedType }): Promise<string> {
    return this.deps.db.transaction(async (trx) => {
      const ask = await this.deps.repository.askOf(trx, actor.householdId, askId, true);
      if (!ask) throw new NotFoundError();
      if (!RECEIVING.includes(ask.requestStatus as RequestStatus))
        throw new ConflictError('Cette demande est déjà décidée : l’association n’attend plus de documents pour elle.');
      const now = this.deps.clock.now();
      const filename = safeFilename(file.originalname);
      const blob = await this.deps.blobs.put(trx, file.buffer, file.type);
      const id = await this.deps.repository.insertUpload(trx, {
        requestId: ask.requestId,
        askId,
        blobId: blob.id,
        filename,
        personId: actor.personId,
        at: now,
      });
      await this.deps.repository.markAnswered(trx, askId, now);
      await this.deps.requests.addEvent(
        trx,
        ask.requestId,
        {
          actorUserId: null,
          actorLabel: householdAuditActor(actor).name,
          kind: 'message',
          message: `Document envoyé par le ménage : « ${filename} » (dans les pièces, à classer)`,
          visibility: 'shared',
        },
        now,
      );
      await this.deps.audit.record(trx, householdAuditActor(actor), {
        entityType: 'aid_request',
        entityId: ask.requestId,
        organisationId: ask.organisationId,
        action: 'document.received',
        before: null,
        after: { filename, sha256: blob.sha256, size: blob.size, sentBy: 'household', askId },
      });
      return id;
    });
  }

  /**
   * Once a sending is over (complete or broken), the landlord who filed the request and its
   * instructor are told by mail that files arrived: one mail per sending, not per file, and none
   * again within a quarter of an hour (a phone sending its files one by one, a second try).
   */
  async announce(actor: HouseholdActor, askId: string, count: number): Promise<void> {
    if (count <= 0) return;
    const mails: string[] = [];
    await this.deps.db.transaction(async (trx) => {
      const ask = await this.deps.repository.askOf(trx, actor.householdId, askId);
      const now = this.deps.clock.now();
      if (!ask || !(await this.deps.repository.claimAnnouncement(trx, askId, now, new Date(now.getTime() - ANNOUNCE_QUIET_MS)))) return;
      const request = await this.deps.requests.findById(trx, { all: true }, ask.requestId);
      if (!request) return;
      const about = { reference: request.reference ?? '', aidLabel: request.aidTypeLabel, link: `${this.deps.baseUrl}/demandes/${request.id}` };
      const recipients = [...new Set([request.createdBy, request.assignedTo].filter((u): u is string => !!u))];
      for (const userId of recipients) {
        const user = await this.deps.users.findById(trx, { all: true }, userId);
        if (user?.status === 'active') mails.push(await this.deps.mailer.queue(trx, householdFilesArrivedMail(user.email, user.firstName, about, count)));
      }
    });
    await this.deps.mailer.deliver(mails);
  }

  /** A file of the household's requests, to download (a traced read); another household's is not found. */
  async download(actor: HouseholdActor, fileId: string): Promise<{ filename: string; contentType: string; data: Buffer }> {
    const file = await this.deps.repository.fileOf(this.deps.db, actor.householdId, fileId);
    const blob = file ? await this.deps.blobs.get(this.deps.db, file.blobId) : null;
    if (!file || !blob) throw new NotFoundError();
    await this.trace(actor, { action: 'household.document.download', entityType: 'request_document', entityId: file.id, requestId: file.requestId });
    return { filename: file.filename, contentType: blob.contentType, data: blob.data };
  }

  private view(ask: DocumentAsk): AskView {
    const papers: string[] = ask.kinds.filter((k): k is DocumentKind => k in DOCUMENT_KINDS).map((k) => DOCUMENT_KINDS[k]);
    if (ask.other) papers.push(ask.other);
    return { ...ask, papers, open: RECEIVING.includes(ask.requestStatus as RequestStatus) };
  }

  private async trace(actor: HouseholdActor, read: { action: string; entityType: string; entityId: string; requestId?: string }): Promise<void> {
    await this.deps.space.trace(actor, read);
  }
}
