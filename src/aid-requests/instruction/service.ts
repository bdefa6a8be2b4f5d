import type { Knex } from 'knex';
import type { AccessLogService } from '../../audit/access-log';
import type { AuditService } from '../../audit/service';
import type { Db } from '../../db/types';
import { safeFilename, uploadProblem } from '../../files/sniff';
import type { BlobStore } from '../../files/storage';
import type { Mailer } from '../../notifications/mailer';
import { type Actor, can, scopeFor } from '../../permissions/index';
import type { SettingsService } from '../../settings/service';
import type { Clock } from '../../shared/clock';
import { ConflictError, NotFoundError, ValidationError } from '../../shared/errors';
import type { UserRepository } from '../../accounts/repository';
import type { DecisionRepository } from './decisions-repository';
import { aboutRequest, informationAnsweredMail, informationRequestedMail, informationReminderMail, newMessageMail } from './mails';
import type { AidRequest, AidRequestRepository } from '../repository';
import type { HouseholdAskInput } from './household-ask';
import type { AidRequestService } from '../service';
import { type RequestStatus, transition } from '../state-machine';
import { ReferenceCache } from '../../shared/reference-cache';

/** The household-space side of an information request: what the household is asked (issue 17). */
export interface HouseholdDocumentsPort {
  ask(trx: Db, actor: Actor, request: AidRequest, input: HouseholdAskInput, message: string): Promise<string[]>;
}

export interface UploadedFile {
  originalname: string;
  buffer: Buffer;
}

/** Statuses where an operator may (re)assign a request. */
const ASSIGNABLE: readonly RequestStatus[] = ['submitted', 'in_review', 'awaiting_information', 'adjourned'];

/**
 * Instruction: assignment, information asked and answered, exchanges with attachments, private
 * notes, reopening and closing, and the reminders of information still awaited. Each change is
 * checked against the state machine, writes the timeline and the audit trail in one transaction.
 */
export class InstructionService {
  private readonly db: Knex;
  private readonly requests: AidRequestRepository;
  private readonly decisions: DecisionRepository;
  private readonly aidRequests: AidRequestService;
  private readonly users: UserRepository;
  private readonly blobs: BlobStore;
  private readonly mailer: Mailer;
  private readonly settings: SettingsService;
  private readonly audit: AuditService;
  private readonly clock: Clock;
  private readonly baseUrl: string;
  private readonly cache: ReferenceCache;
  private readonly accessLog: AccessLogService;

  constructor(deps: {
    db: Knex;
    requests: AidRequestRepository;
    decisions: DecisionRepository;
    aidRequests: AidRequestService;
    users: UserRepository;
    blobs: BlobStore;
    mailer: Mailer;
    settings: SettingsService;
    audit: AuditService;
    clock: Clock;
    baseUrl: string;
    cache?: ReferenceCache;
    accessLog: AccessLogService;
  }) {
    this.accessLog = deps.accessLog;
    this.db = deps.db;
    this.requests = deps.requests;
    this.decisions = deps.decisions;
    this.aidRequests = deps.aidRequests;
    this.users = deps.users;
    this.blobs = deps.blobs;
    this.mailer = deps.mailer;
    this.settings = deps.settings;
    this.audit = deps.audit;
    this.clock = deps.clock;
    this.baseUrl = deps.baseUrl;
    this.cache = deps.cache ?? new ReferenceCache({ ttlMs: 0 });
  }

  /** Active operators and admins of the association, to assign requests to. */
  async instructors(actor: Actor): Promise<Array<{ value: string; text: string }>> {
    scopeFor(actor, 'requests:instruct');
    const people = await this.cache.get(`instructors:${actor.organisationId}`, ['user'], () =>
      this.users.activeWithRoles(this.db, actor.organisationId, ['operator', 'admin']),
    );
    return people.map((u) => ({ value: u.id, text: `${u.firstName} ${u.lastName}` }));
  }

  /**
   * Assigns requests to an instructor (the actor when none is chosen). A submitted request is taken
   * into review by its assignment. With a version (request page), a stale page is a conflict.
   */
  async assign(actor: Actor, ids: string[], assigneeId: string | undefined, version?: number): Promise<number> {
    scopeFor(actor, 'requests:instruct');
    const assignee = await this.users.findById(this.db, { all: true }, assigneeId ?? actor.userId);
    if (!assignee || assignee.status !== 'active' || !['operator', 'admin'].includes(assignee.role) || assignee.organisationKind !== 'association') {
      throw new ValidationError({ assignee: 'Choisissez un chargé d’instruction actif de l’association' });
    }
    const name = `${assignee.firstName} ${assignee.lastName}`;
    return this.db.transaction(async (trx) => {
      let count = 0;
      for (const id of ids) {
        const request = await this.aidRequests.lock(actor, id, trx, 'requests:instruct');
        if (version !== undefined && request.version !== version) throw new ConflictError();
        if (!ASSIGNABLE.includes(request.status))
          throw new ConflictError(
            `La demande ${request.reference} n’est plus à instruire (${request.status === 'draft' ? 'brouillon' : 'décidée ou retirée'}).`,
          );
        if (request.assignedTo === assignee.id && request.status !== 'submitted') continue;
        const now = this.clock.now();
        const to = request.status === 'submitted' ? transition(actor.role, request.status, 'take') : request.status;
        const ok = await this.requests.changeStatus(trx, id, request.version, request.status, to, { assigned_to: assignee.id, assigned_at: now }, now);
        if (!ok) throw new ConflictError();
        if (to !== request.status)
          await this.requests.addEvent(
            trx,
            id,
            { actorUserId: actor.userId, actorLabel: actor.name, kind: 'status_change', fromStatus: request.status, toStatus: to, visibility: 'shared' },
            now,
          );
        await this.requests.addEvent(
          trx,
          id,
          { actorUserId: actor.userId, actorLabel: actor.name, kind: 'assignment', message: `Attribuée à ${name}`, visibility: 'internal' },
          now,
        );
        await this.audit.record(trx, actor, {
          entityType: 'aid_request',
          entityId: id,
          organisationId: request.organisationId,
          action: 'request.assigned',
          before: { assignedTo: request.assignedToName, status: request.status },
          after: { assignedTo: name, status: to },
        });
        count++;
      }
      return count;
    });
  }

  /** Asks the household too (issue 17, src/household-space/documents): wired by src/services.ts. */
  private householdDocuments: HouseholdDocumentsPort | null = null;

  useHouseholdDocuments(port: HouseholdDocumentsPort): void {
    this.householdDocuments = port;
  }

  async askInformation(actor: Actor, id: string, input: { message: string; version: number; household?: HouseholdAskInput | null }): Promise<void> {
    const mails: string[] = [];
    await this.db.transaction(async (trx) => {
      const request = await this.aidRequests.lock(actor, id, trx, 'requests:instruct');
      const to = transition(actor.role, request.status, 'ask_information');
      if (await this.decisions.pending(trx, id))
        throw new ConflictError('Une proposition de décision attend sa validation : renvoyez-la avant de demander des informations.');
      const now = this.clock.now();
      const patch: Record<string, unknown> = { information_requested_at: now, information_reminded_at: null, information_answered_at: null };
      if (!request.assignedTo) Object.assign(patch, { assigned_to: actor.userId, assigned_at: now });
      await this.aidRequests.move(
        trx,
        actor,
        request,
        { to, version: input.version, patch, action: 'request.information_requested', event: { kind: 'information_request', message: input.message } },
        now,
      );
      const days = (await this.settings.get(trx)).instruction.informationReminderDays;
      const creator = await this.users.findById(trx, { all: true }, request.createdBy);
      if (creator?.status === 'active')
        mails.push(await this.mailer.queue(trx, informationRequestedMail(creator.email, creator.firstName, aboutRequest(request, this.baseUrl), days)));
      if (input.household) {
        if (!this.householdDocuments) throw new ConflictError('Demander des pièces au ménage n’est pas possible pour le moment : demandez-les au bailleur.');
        mails.push(...(await this.householdDocuments.ask(trx, actor, request, input.household, input.message)));
      }
    });
    await this.mailer.deliver(mails);
  }

  /** The landlord answers what was asked (with files): the request returns to its instructor's queue. */
  async answerInformation(actor: Actor, id: string, input: { message: string; version: number }, files: UploadedFile[]): Promise<void> {
    const checked = this.checkFiles(files);
    const mails: string[] = [];
    await this.db.transaction(async (trx) => {
      const request = await this.aidRequests.lock(actor, id, trx, 'requests:message');
      const to = transition(actor.role, request.status, 'answer_information');
      const now = this.clock.now();
      const eventId = await this.aidRequests.move(
        trx,
        actor,
        request,
        {
          to,
          version: input.version,
          patch: { information_answered_at: now },
          action: 'request.information_answered',
          event: { kind: 'information_answer', message: input.message },
          after: { attachments: checked.length },
        },
        now,
      );
      await this.attach(trx, request.id, eventId, checked, now);
      if (request.assignedTo) {
        const instructor = await this.users.findById(trx, { all: true }, request.assignedTo);
        if (instructor?.status === 'active')
          mails.push(
            await this.mailer.queue(
              trx,
              informationAnsweredMail(instructor.email, instructor.firstName, aboutRequest(request, this.baseUrl), request.organisationName),
            ),
          );
      }
    });
    await this.mailer.deliver(mails);
  }

  /** A message of the exchanges, from the landlord or the association, with attachments; the other side is told. */
  async postMessage(actor: Actor, id: string, message: string, files: UploadedFile[]): Promise<void> {
    const checked = this.checkFiles(files);
    const mails: string[] = [];
    await this.db.transaction(async (trx) => {
      const request = await this.aidRequests.lock(actor, id, trx, 'requests:message');
      if (request.status === 'draft') throw new ConflictError('Les échanges avec l’association s’ouvrent quand la demande est déposée.');
      const now = this.clock.now();
      const eventId = await this.requests.addEvent(
        trx,
        id,
        { actorUserId: actor.userId, actorLabel: actor.name, kind: 'message', message, visibility: 'shared' },
        now,
      );
      await this.attach(trx, request.id, eventId, checked, now);
      await this.audit.record(trx, actor, {
        entityType: 'aid_request',
        entityId: id,
        organisationId: request.organisationId,
        action: 'request.message_posted',
        before: null,
        after: { attachments: checked.length },
      });
      const fromAssociation = can(actor, 'requests:instruct');
      const recipientId = fromAssociation ? request.createdBy : request.assignedTo;
      const recipient = recipientId ? await this.users.findById(trx, { all: true }, recipientId) : null;
      if (recipient?.status === 'active' && recipient.id !== actor.userId) {
        mails.push(
          await this.mailer.queue(
            trx,
            newMessageMail(
              recipient.email,
              recipient.firstName,
              aboutRequest(request, this.baseUrl),
              fromAssociation ? 'L’association' : request.organisationName,
            ),
          ),
        );
      }
    });
    await this.mailer.deliver(mails);
  }

  /** A private note: never shown to the landlord. */
  async addNote(actor: Actor, id: string, note: string): Promise<void> {
    await this.db.transaction(async (trx) => {
      const request = await this.aidRequests.lock(actor, id, trx, 'requests:instruct');
      const now = this.clock.now();
      await this.requests.addEvent(trx, id, { actorUserId: actor.userId, actorLabel: actor.name, kind: 'note', message: note, visibility: 'internal' }, now);
      await this.audit.record(trx, actor, {
        entityType: 'aid_request',
        entityId: id,
        organisationId: request.organisationId,
        action: 'request.note_added',
        before: null,
        after: { length: note.length },
      });
    });
  }

  async reopen(actor: Actor, id: string, version: number): Promise<void> {
    await this.simpleTransition(actor, id, version, 'reopen', { adjourned_until: null, assigned_to: actor.userId, assigned_at: this.clock.now() });
  }

  async close(actor: Actor, id: string, version: number): Promise<void> {
    await this.simpleTransition(actor, id, version, 'close', { closed_at: this.clock.now() });
  }

  /** An attachment of a message, for whoever may read the request (internal ones for the association only). */
  async attachment(actor: Actor, requestId: string, attachmentId: string): Promise<{ filename: string; contentType: string; data: Buffer }> {
    const request = await this.aidRequests.get(actor, requestId);
    const found = await this.requests.attachment(this.db, request.id, attachmentId, can(actor, 'requests:instruct'));
    const blob = found ? await this.blobs.get(this.db, found.blobId) : null;
    if (!found || !blob) throw new NotFoundError();
    await this.accessLog.read(actor, { action: 'request.attachment', entityType: 'aid_request', entityId: request.id });
    return { filename: found.filename, contentType: blob.contentType, data: blob.data };
  }

  /**
   * Reminds landlords of information still awaited after the configured delay: each request is
   * reminded once per request for information (the update claims it; a second run finds nothing).
   */
  async sendInformationReminders(now: Date): Promise<{ reminded: number }> {
    const days = (await this.settings.get()).instruction.informationReminderDays;
    const before = new Date(now.getTime() - days * 86_400_000);
    const mails: string[] = [];
    const reminded = await this.db.transaction(async (trx) => {
      const due = await this.requests.claimInformationReminders(trx, before, now);
      for (const id of due) {
        const request = await this.requests.findById(trx, { all: true }, id);
        if (!request) continue;
        await this.requests.addEvent(
          trx,
          id,
          {
            actorUserId: null,
            actorLabel: 'Entraide (relance automatique)',
            kind: 'reminder',
            message: `Rappel envoyé au bailleur : informations demandées il y a ${days} jours`,
            visibility: 'shared',
          },
          now,
        );
        await this.audit.record(
          trx,
          { userId: null, name: 'Tâche planifiée' },
          {
            entityType: 'aid_request',
            entityId: id,
            organisationId: request.organisationId,
            action: 'request.information_reminded',
            before: null,
            after: { days },
          },
        );
        const creator = await this.users.findById(trx, { all: true }, request.createdBy);
        if (creator?.status === 'active')
          mails.push(
            await this.mailer.queue(
              trx,
              informationReminderMail(creator.email, creator.firstName, aboutRequest(request, this.baseUrl), request.informationRequestedAt ?? now),
            ),
          );
      }
      return due.length;
    });
    await this.mailer.deliver(mails);
    return { reminded };
  }

  private async simpleTransition(actor: Actor, id: string, version: number, action: 'reopen' | 'close', patch: Record<string, unknown>): Promise<void> {
    await this.db.transaction(async (trx) => {
      const request = await this.aidRequests.lock(actor, id, trx, 'requests:instruct');
      const to = transition(actor.role, request.status, action);
      const now = this.clock.now();
      await this.aidRequests.move(trx, actor, request, { to, version, patch, action: `request.${action === 'reopen' ? 'reopened' : 'closed'}` }, now);
    });
  }

  private checkFiles(files: UploadedFile[]): Array<UploadedFile & { type: string }> {
    return files.map((f) => {
      const checked = uploadProblem(f);
      if ('problem' in checked) throw new ValidationError({ files: checked.problem });
      return { ...f, type: checked.type };
    });
  }

  private async attach(trx: Db, requestId: string, eventId: string, files: Array<UploadedFile & { type: string }>, now: Date): Promise<void> {
    for (const f of files) {
      const blob = await this.blobs.put(trx, f.buffer, f.type);
      await this.requests.addAttachment(trx, { requestId, eventId, blobId: blob.id, filename: safeFilename(f.originalname, 'piece-jointe') }, now);
    }
  }
}
