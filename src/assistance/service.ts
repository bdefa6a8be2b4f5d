import type { Knex } from 'knex';
import type { UserRepository } from '../accounts/repository';
import type { AccessLogService } from '../audit/access-log';
import type { AuditService } from '../audit/service';
import type { Db } from '../db/types';
import type { BlobStore } from '../files/storage';
import { safeFilename, uploadProblem } from '../files/sniff';
import type { Mailer } from '../notifications/mailer';
import type { OrganisationRepository } from '../organisations/repository';
import { type Actor, can, scopeFor } from '../permissions';
import type { Clock } from '../shared/clock';
import { ConflictError, NotFoundError, ValidationError } from '../shared/errors';
import { urls } from '../urls';
import { ASSISTANCE_PRIORITIES, ASSISTANCE_STATUSES, ASSOCIATION_TURN, type AssistanceStatus, DUE_HOURS, initialPriority, OPEN_STATUSES } from './labels';
import { formatDuration } from './breach-deadline';
import { assistanceAnswerMail, securityIncidentMail } from './mails';
import type { AssistanceAttachment, AssistanceEvent, AssistanceRepository, AssistanceRequest } from './repository';
import type { OpenInput, ReplyInput, TriageInput } from './schemas';

export interface UploadedFile {
  originalname: string;
  buffer: Buffer;
}

/** What the thread page shows: the request, its events and files (internal ones for the association only). */
export interface AssistanceThread {
  request: AssistanceRequest;
  events: Array<AssistanceEvent & { attachments: AssistanceAttachment[] }>;
  manages: boolean;
  open: boolean;
  overdue: boolean;
}

const HOUR = 3_600_000;

/**
 * The assistance desk: every user opens requests to the association and follows their own; the
 * association's administrators see them all, triage them (priority and its due time, assignee,
 * status), answer in the thread (the requester is mailed) and keep internal notes. Another user's
 * request answers 404, like a missing one. Every change is audited; every read of a thread traced.
 */
export class AssistanceService {
  private readonly db: Knex;
  private readonly requests: AssistanceRepository;
  private readonly users: UserRepository;
  private readonly organisations: OrganisationRepository;
  private readonly blobs: BlobStore;
  private readonly mailer: Mailer;
  private readonly audit: AuditService;
  private readonly accessLog: AccessLogService;
  private readonly clock: Clock;
  private readonly baseUrl: string;

  constructor(deps: {
    db: Knex;
    requests: AssistanceRepository;
    users: UserRepository;
    organisations: OrganisationRepository;
    blobs: BlobStore;
    mailer: Mailer;
    audit: AuditService;
    accessLog: AccessLogService;
    clock: Clock;
    baseUrl: string;
  }) {
    this.db = deps.db;
    this.requests = deps.requests;
    this.users = deps.users;
    this.organisations = deps.organisations;
    this.blobs = deps.blobs;
    this.mailer = deps.mailer;
    this.audit = deps.audit;
    this.accessLog = deps.accessLog;
    this.clock = deps.clock;
    this.baseUrl = deps.baseUrl;
  }

  now(): Date {
    return this.clock.now();
  }

  /** Opens a request with its first message and files; a security incident also alerts the association's administrators. */
  async open(actor: Actor, input: OpenInput, files: UploadedFile[]): Promise<string> {
    scopeFor(actor, 'assistance:use');
    const checked = checkFiles(files);
    const mails: string[] = [];
    const id = await this.db.transaction(async (trx) => {
      const now = this.clock.now();
      const priority = initialPriority(input.category);
      const requestId = await this.requests.insert(
        trx,
        {
          requesterId: actor.userId,
          organisationId: actor.organisationId,
          category: input.category,
          subject: input.subject,
          fromPath: input.from ?? null,
          priority,
          dueAt: new Date(now.getTime() + DUE_HOURS[priority] * HOUR),
        },
        now,
      );
      const eventId = await this.requests.addEvent(
        trx,
        { requestId, kind: 'message', visibility: 'shared', authorId: actor.userId, authorLabel: actor.name, fromAssociation: false, message: input.message },
        now,
      );
      await this.attach(trx, requestId, eventId, checked, now);
      await this.audit.record(trx, actor, {
        entityType: 'assistance_request',
        entityId: requestId,
        organisationId: actor.organisationId,
        action: 'assistance.opened',
        before: null,
        after: { category: input.category, priority, fromPath: input.from ?? null, attachments: checked.length },
      });
      if (input.category === 'security_incident') {
        const request = (await this.requests.findById(trx, requestId)) as AssistanceRequest;
        const association = await this.organisations.firstAssociation(trx);
        const admins = association ? await this.users.activeWithRoles(trx, association.id, ['admin']) : [];
        for (const admin of admins.filter((a) => a.id !== actor.userId))
          mails.push(
            await this.mailer.queue(
              trx,
              securityIncidentMail(admin.email, admin.firstName, {
                number: request.number,
                organisationName: request.organisationName,
                link: `${this.baseUrl}${urls.assistanceRequest(requestId)}`,
              }),
            ),
          );
      }
      return requestId;
    });
    await this.mailer.deliver(mails);
    return id;
  }

  /** « Mes demandes d'assistance »: the actor's own requests, whatever their role. */
  mine(actor: Actor): Promise<AssistanceRequest[]> {
    scopeFor(actor, 'assistance:use');
    return this.requests.list(this.db, { requesterId: actor.userId });
  }

  /** The association's queue: open requests by default, or those of one status, or all. */
  queue(actor: Actor, filter: string): Promise<AssistanceRequest[]> {
    scopeFor(actor, 'assistance:manage');
    const statuses = filter === 'toutes' ? undefined : filter in ASSISTANCE_STATUSES ? [filter as AssistanceStatus] : OPEN_STATUSES;
    return this.requests.list(this.db, { statuses });
  }

  /** A request the actor may see: their own, or any for the association's administrators; 404 otherwise. */
  async get(actor: Actor, id: string, db: Db = this.db, forUpdate = false): Promise<AssistanceRequest> {
    scopeFor(actor, 'assistance:use');
    const found = await this.requests.findById(db, id, { forUpdate });
    if (!found || (found.requesterId !== actor.userId && !can(actor, 'assistance:manage'))) throw new NotFoundError();
    return found;
  }

  /** The thread of a request, read: traced like any read of someone's file. */
  async view(actor: Actor, id: string): Promise<AssistanceThread> {
    const request = await this.get(actor, id);
    const manages = can(actor, 'assistance:manage');
    const events = await this.requests.events(this.db, request.id, manages);
    const files = await this.requests.attachments(this.db, request.id, manages);
    await this.accessLog.read(actor, { action: 'assistance.view', entityType: 'assistance_request', entityId: request.id });
    return {
      request,
      events: events.map((e) => ({ ...e, attachments: files.filter((f) => f.eventId === e.id) })),
      manages,
      open: OPEN_STATUSES.includes(request.status),
      overdue: this.overdue(request),
    };
  }

  overdue(request: Pick<AssistanceRequest, 'status' | 'dueAt'>): boolean {
    return ASSOCIATION_TURN.includes(request.status) && request.dueAt.getTime() < this.clock.now().getTime();
  }

  /**
   * A message in the thread. From the requester: only while the request is open (a request waiting
   * for them goes back to the association). From the association: its answer, which mails the
   * requester and moves the request on (waiting for the requester unless another status is chosen).
   */
  async reply(actor: Actor, id: string, input: ReplyInput, files: UploadedFile[]): Promise<void> {
    const checked = checkFiles(files);
    const mails: string[] = [];
    await this.db.transaction(async (trx) => {
      const request = await this.get(actor, id, trx, true);
      const fromAssociation = can(actor, 'assistance:manage') && request.requesterId !== actor.userId;
      if (!fromAssociation && !OPEN_STATUSES.includes(request.status))
        throw new ConflictError('Cette demande est résolue ou fermée : ouvrez une nouvelle demande d’assistance si besoin.');
      if (input.statusAfter && !fromAssociation) throw new ValidationError({ statusAfter: 'Seule l’association change le statut d’une demande' });
      const now = this.clock.now();
      const eventId = await this.requests.addEvent(
        trx,
        {
          requestId: request.id,
          kind: 'message',
          visibility: 'shared',
          authorId: actor.userId,
          authorLabel: fromAssociation ? `${actor.name} (association)` : actor.name,
          fromAssociation,
          message: input.message,
        },
        now,
      );
      await this.attach(trx, request.id, eventId, checked, now);
      const to: AssistanceStatus = fromAssociation
        ? (input.statusAfter ?? 'waiting_requester')
        : request.status === 'waiting_requester'
          ? 'in_progress'
          : request.status;
      await this.requests.update(trx, request.id, null, { status: to, closedAt: to === 'closed' ? now : null }, now);
      if (to !== request.status)
        await this.changeEvent(trx, actor, request.id, `Statut : ${ASSISTANCE_STATUSES[request.status]} → ${ASSISTANCE_STATUSES[to]}`, 'shared', now);
      await this.audit.record(trx, actor, {
        entityType: 'assistance_request',
        entityId: request.id,
        organisationId: request.organisationId,
        action: fromAssociation ? 'assistance.answered' : 'assistance.replied',
        before: { status: request.status },
        after: { status: to, attachments: checked.length },
      });
      if (fromAssociation && request.requesterActive)
        mails.push(
          await this.mailer.queue(
            trx,
            assistanceAnswerMail(request.requesterEmail, request.requesterFirstName, {
              number: request.number,
              subject: request.subject,
              link: `${this.baseUrl}${urls.assistanceRequest(request.id)}`,
            }),
          ),
        );
    });
    await this.mailer.deliver(mails);
  }

  /** A note for the association's administrators only: never shown to the requester. */
  async addNote(actor: Actor, id: string, note: string): Promise<void> {
    scopeFor(actor, 'assistance:manage');
    await this.db.transaction(async (trx) => {
      const request = await this.get(actor, id, trx, true);
      const now = this.clock.now();
      await this.requests.addEvent(
        trx,
        { requestId: request.id, kind: 'note', visibility: 'internal', authorId: actor.userId, authorLabel: actor.name, fromAssociation: true, message: note },
        now,
      );
      await this.audit.record(trx, actor, {
        entityType: 'assistance_request',
        entityId: request.id,
        organisationId: request.organisationId,
        action: 'assistance.note_added',
        before: null,
        after: { length: note.length },
      });
    });
  }

  /** Priority (its due time counted again from the opening), assignee (an administrator of the association) and status. */
  async triage(actor: Actor, id: string, input: TriageInput): Promise<void> {
    scopeFor(actor, 'assistance:manage');
    await this.db.transaction(async (trx) => {
      const request = await this.get(actor, id, trx, true);
      if (request.version !== input.version)
        throw new ConflictError('La demande a été modifiée entre-temps par quelqu’un d’autre : vérifiez-la puis recommencez.');
      const assigneeId = input.assigneeId ?? null;
      if (assigneeId && !(await this.assignees(actor, trx)).some((a) => a.id === assigneeId))
        throw new ValidationError({ assigneeId: 'Choisissez un administrateur actif de l’association' });
      const now = this.clock.now();
      const dueAt = new Date(request.createdAt.getTime() + DUE_HOURS[input.priority] * HOUR);
      const closedAt = input.status === 'closed' ? (request.closedAt ?? now) : null;
      if (!(await this.requests.update(trx, request.id, input.version, { priority: input.priority, dueAt, assigneeId, status: input.status, closedAt }, now)))
        throw new ConflictError('La demande a été modifiée entre-temps par quelqu’un d’autre : vérifiez-la puis recommencez.');
      if (input.status !== request.status)
        await this.changeEvent(trx, actor, request.id, `Statut : ${ASSISTANCE_STATUSES[request.status]} → ${ASSISTANCE_STATUSES[input.status]}`, 'shared', now);
      if (input.priority !== request.priority || assigneeId !== request.assigneeId) {
        const who = assigneeId ? ((await this.assignees(actor, trx)).find((a) => a.id === assigneeId)?.name ?? '') : 'personne';
        await this.changeEvent(trx, actor, request.id, `Priorité : ${ASSISTANCE_PRIORITIES[input.priority]} ; attribuée à ${who}`, 'internal', now);
      }
      await this.audit.record(trx, actor, {
        entityType: 'assistance_request',
        entityId: request.id,
        organisationId: request.organisationId,
        action: 'assistance.triaged',
        before: { priority: request.priority, dueAt: request.dueAt, assigneeId: request.assigneeId, status: request.status },
        after: { priority: input.priority, dueAt, assigneeId, status: input.status },
      });
    });
  }

  /** The administrators a request may be given to: the association's active admins. */
  async assignees(actor: Actor, db: Db = this.db): Promise<Array<{ id: string; name: string }>> {
    scopeFor(actor, 'assistance:manage');
    const admins = await this.users.activeWithRoles(db, actor.organisationId, ['admin']);
    return admins.map((a) => ({ id: a.id, name: `${a.firstName} ${a.lastName}` }));
  }

  /** A file of the thread, for the requester and the association's administrators: traced. */
  async attachment(actor: Actor, id: string, attachmentId: string): Promise<{ filename: string; contentType: string; data: Buffer }> {
    const request = await this.get(actor, id);
    const found = (await this.requests.attachments(this.db, request.id, can(actor, 'assistance:manage'))).find((a) => a.id === attachmentId);
    const blob = found ? await this.blobs.get(this.db, found.blobId) : null;
    if (!found || !blob) throw new NotFoundError();
    await this.accessLog.read(actor, { action: 'assistance.attachment', entityType: 'assistance_request', entityId: request.id });
    return { filename: found.filename, contentType: blob.contentType, data: blob.data };
  }

  /** The association administrators' home: new requests, overdue ones, the age of the oldest open one. */
  async summary(actor: Actor): Promise<{ newCount: number; overdueCount: number; openCount: number; oldestOpenAt: Date | null; oldestOpenAge: string | null }> {
    scopeFor(actor, 'assistance:manage');
    const now = this.clock.now();
    const counts = await this.requests.summary(this.db, now, OPEN_STATUSES, ASSOCIATION_TURN);
    return { ...counts, oldestOpenAge: counts.oldestOpenAt ? formatDuration(now.getTime() - counts.oldestOpenAt.getTime()) : null };
  }

  private async changeEvent(trx: Db, actor: Actor, requestId: string, message: string, visibility: 'shared' | 'internal', now: Date): Promise<void> {
    await this.requests.addEvent(
      trx,
      { requestId, kind: 'change', visibility, authorId: actor.userId, authorLabel: actor.name, fromAssociation: true, message },
      now,
    );
  }

  private async attach(trx: Db, requestId: string, eventId: string, files: Array<UploadedFile & { type: string }>, now: Date): Promise<void> {
    for (const f of files) {
      const blob = await this.blobs.put(trx, f.buffer, f.type);
      await this.requests.addAttachment(trx, { requestId, eventId, blobId: blob.id, filename: safeFilename(f.originalname, 'piece-jointe') }, now);
    }
  }
}

/** The files of a message, each checked by its content (PDF, JPEG, PNG), or the French reason it is refused. */
function checkFiles(files: UploadedFile[]): Array<UploadedFile & { type: string }> {
  return files.map((f) => {
    const checked = uploadProblem(f);
    if ('problem' in checked) throw new ValidationError({ files: checked.problem });
    return { ...f, type: checked.type };
  });
}
