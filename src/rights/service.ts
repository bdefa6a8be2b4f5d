import type { Knex } from 'knex';
import { isUuid } from '../db/types';
import type { AccessLogService } from '../audit/access-log';
import type { AuditService } from '../audit/service';
import { type Actor, scopeFor } from '../permissions';
import type { Clock } from '../shared/clock';
import { addMonths, parisDate } from '../shared/dates';
import { ConflictError, NotFoundError, ValidationError } from '../shared/errors';
import type { FieldCipher } from '../shared/field-cipher';
import type { RightsRepository, RightsRequest } from './repository';
import type { RightsAnswerInput, RightsRequestInput } from './schemas';
import { subjectExport } from './subject-export';
import type { SubjectExportRepository } from './subject-export-repository';

/**
 * The register of rights requests (GDPR art. 12 to 21), kept by the association's administrators:
 * each request recorded with its one-month deadline, answered with a date and a summary, and for
 * access or portability the export of everything held on the person. Every step is audited; an
 * export is also traced as a read of the person.
 */
export class RightsService {
  private readonly db: Knex;
  private readonly rights: RightsRepository;
  private readonly subjects: SubjectExportRepository;
  private readonly audit: AuditService;
  private readonly accessLog: AccessLogService;
  private readonly clock: Clock;
  private readonly cipher: FieldCipher;

  constructor(deps: {
    db: Knex;
    rights: RightsRepository;
    subjects: SubjectExportRepository;
    audit: AuditService;
    accessLog: AccessLogService;
    clock: Clock;
    cipher: FieldCipher;
  }) {
    this.db = deps.db;
    this.rights = deps.rights;
    this.subjects = deps.subjects;
    this.audit = deps.audit;
    this.accessLog = deps.accessLog;
    this.clock = deps.clock;
    this.cipher = deps.cipher;
  }

  today(): string {
    return parisDate(this.clock.now());
  }

  list(actor: Actor): Promise<RightsRequest[]> {
    scopeFor(actor, 'rights:manage');
    return this.rights.list(this.db);
  }

  async get(actor: Actor, id: string): Promise<RightsRequest> {
    scopeFor(actor, 'rights:manage');
    const found = await this.rights.findById(this.db, id);
    if (!found) throw new NotFoundError();
    return found;
  }

  /** A request of the register and the person it is about, shown on its page: a read of that person, traced. */
  async view(actor: Actor, id: string): Promise<{ request: RightsRequest; person: { id: string; name: string; householdId: string | null } | null }> {
    const request = await this.get(actor, id);
    const person = await this.person(actor, request.personId);
    await this.accessLog.read(actor, { action: 'rights.view', entityType: 'person', entityId: request.personId });
    return { request, person };
  }

  /** The person a new request is about (name for the form), or null when the id names nobody. */
  async person(actor: Actor, personId: string | undefined): Promise<{ id: string; name: string; householdId: string | null } | null> {
    scopeFor(actor, 'rights:manage');
    if (!personId || !isUuid(personId)) return null;
    return this.rights.person(this.db, personId);
  }

  async record(actor: Actor, input: RightsRequestInput): Promise<string> {
    scopeFor(actor, 'rights:manage');
    if (!(await this.person(actor, input.personId))) throw new ValidationError({ personId: 'Cette personne n’existe pas' });
    const dueOn = addMonths(input.receivedOn, 1);
    return this.db.transaction(async (trx) => {
      const id = await this.rights.insert(trx, { ...input, details: input.details ?? null, dueOn, createdBy: actor.userId }, this.clock.now());
      await this.audit.record(trx, actor, {
        entityType: 'rights_request',
        entityId: id,
        organisationId: actor.organisationId,
        action: 'rights.request_recorded',
        before: null,
        after: { personId: input.personId, kind: input.kind, receivedOn: input.receivedOn, dueOn, channel: input.channel },
      });
      return id;
    });
  }

  /** A request the person made from their own space (no staff author): into the register, in the caller's transaction, one month to answer. */
  async recordFromPerson(
    trx: Knex.Transaction,
    r: { personId: string; kind: RightsRequestInput['kind']; details: string | null; requester: string; now: Date },
  ): Promise<string> {
    const receivedOn = parisDate(r.now);
    return this.rights.insert(
      trx,
      {
        personId: r.personId,
        kind: r.kind,
        receivedOn,
        dueOn: addMonths(receivedOn, 1),
        channel: 'household_space',
        requester: r.requester,
        details: r.details,
        createdBy: null,
      },
      r.now,
    );
  }

  async answer(actor: Actor, id: string, input: RightsAnswerInput): Promise<void> {
    const current = await this.get(actor, id);
    if (current.answeredOn) throw new ConflictError('Cette demande a déjà reçu sa réponse.');
    if (input.answeredOn < current.receivedOn) throw new ValidationError({ answeredOn: 'La réponse ne peut pas précéder la réception de la demande' });
    await this.db.transaction(async (trx) => {
      if (!(await this.rights.answer(trx, id, input.version, input.answeredOn, input.answer))) throw new ConflictError();
      await this.audit.record(trx, actor, {
        entityType: 'rights_request',
        entityId: id,
        organisationId: actor.organisationId,
        action: 'rights.request_answered',
        before: null,
        after: { answeredOn: input.answeredOn, late: input.answeredOn > current.dueOn },
      });
    });
  }

  /** Everything held on the request's person, as JSON; audited and traced as a read of the person. */
  async exportData(actor: Actor, id: string): Promise<{ fileName: string; body: string }> {
    const request = await this.get(actor, id);
    const now = this.clock.now();
    const data = await subjectExport(this.db, this.cipher, request.personId, now, this.subjects);
    if (!data) throw new NotFoundError();
    await this.db.transaction(async (trx) => {
      await this.audit.record(trx, actor, {
        entityType: 'rights_request',
        entityId: id,
        organisationId: actor.organisationId,
        action: 'rights.data_exported',
        before: null,
        after: null,
      });
      await this.accessLog.read(actor, { action: 'person.export', entityType: 'person', entityId: request.personId }, trx);
    });
    return { fileName: `donnees-personnelles-${parisDate(now)}.json`, body: `${JSON.stringify(data, null, 2)}\n` };
  }
}
