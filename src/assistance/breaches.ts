import type { Knex } from 'knex';
import type { AccessLogService } from '../audit/access-log';
import type { AuditService } from '../audit/service';
import { type Actor, can, scopeFor } from '../permissions';
import type { Clock } from '../shared/clock';
import { parisDate, parisDateTime, parisTime } from '../shared/dates';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../shared/errors';
import type { FieldErrors } from '../shared/errors';
import { breachCountdown, type BreachCountdown, notifiedLate } from './breach-deadline';
import type { Breach, BreachFields, BreachRepository } from './breach-repository';
import type { AssistanceRepository } from './repository';
import type { BreachEditInput, BreachInput } from './schemas';

/**
 * The register of personal-data breaches (GDPR art. 33(5)): the association's administrators write
 * every breach in it, notified or not; the auditor reads it. The 72 hours to notify the CNIL run
 * from the awareness time, on the injected clock. An entry is never deleted; each change is
 * audited with its before and after.
 */
export class BreachService {
  private readonly db: Knex;
  private readonly breaches: BreachRepository;
  private readonly requests: AssistanceRepository;
  private readonly audit: AuditService;
  private readonly accessLog: AccessLogService;
  private readonly clock: Clock;

  constructor(deps: { db: Knex; breaches: BreachRepository; requests: AssistanceRepository; audit: AuditService; accessLog: AccessLogService; clock: Clock }) {
    this.db = deps.db;
    this.breaches = deps.breaches;
    this.requests = deps.requests;
    this.audit = deps.audit;
    this.accessLog = deps.accessLog;
    this.clock = deps.clock;
  }

  /** The register is the association's: read by its administrators and auditor, never by a funder's auditor. */
  private reader(actor: Actor): void {
    scopeFor(actor, 'breaches:read');
    if (actor.organisationKind !== 'association') throw new ForbiddenError();
  }

  private manager(actor: Actor): void {
    scopeFor(actor, 'breaches:manage');
    if (actor.organisationKind !== 'association') throw new ForbiddenError();
  }

  countdown(entry: Pick<Breach, 'awareAt' | 'cnilStatus' | 'cnilNotifiedAt'>): BreachCountdown {
    return breachCountdown(entry, this.clock.now());
  }

  async list(actor: Actor): Promise<Array<Breach & { countdown: BreachCountdown }>> {
    this.reader(actor);
    return (await this.breaches.list(this.db)).map((b) => ({ ...b, countdown: this.countdown(b) }));
  }

  /** One entry, read on its page: traced (it may describe people). */
  async view(actor: Actor, id: string): Promise<Breach & { countdown: BreachCountdown }> {
    const found = await this.get(actor, id);
    await this.accessLog.read(actor, { action: 'breach.view', entityType: 'data_breach', entityId: found.id });
    return { ...found, countdown: this.countdown(found) };
  }

  async get(actor: Actor, id: string): Promise<Breach> {
    this.reader(actor);
    const found = await this.breaches.findById(this.db, id);
    if (!found) throw new NotFoundError();
    return found;
  }

  /** The entries written from one assistance request (shown on it to those who read the register). */
  async forRequest(actor: Actor, requestId: string): Promise<Array<{ id: string; number: number }>> {
    if (actor.organisationKind !== 'association' || !can(actor, 'breaches:read')) return [];
    return this.breaches.forRequest(this.db, requestId);
  }

  /** The entries whose notification is still to decide, with their countdown (the administrators' home). */
  async undecided(actor: Actor): Promise<Array<{ id: string; number: number; countdown: BreachCountdown }>> {
    this.reader(actor);
    return (await this.breaches.undecided(this.db)).map((b) => ({
      id: b.id,
      number: b.number,
      countdown: this.countdown({ awareAt: b.awareAt, cnilStatus: 'pending', cnilNotifiedAt: null }),
    }));
  }

  /** The whole register for the CSV export: traced as one read of the register. */
  async exportRows(actor: Actor): Promise<Breach[]> {
    this.reader(actor);
    const rows = await this.breaches.list(this.db);
    await this.accessLog.read(actor, { action: 'breaches.export', entityType: 'export', entityId: 'registre-violations.csv' });
    return rows;
  }

  /** The values of a new entry's form: now as the awareness time, and the request it comes from (subject and first message). */
  async prefill(actor: Actor, requestId: string | undefined): Promise<Record<string, unknown>> {
    this.manager(actor);
    const now = this.clock.now();
    const values: Record<string, unknown> = { awareDate: parisDate(now), awareTime: parisTime(now), cnilStatus: 'pending', peopleStatus: 'pending' };
    const request = requestId ? await this.requests.findById(this.db, requestId) : null;
    if (request) {
      const first = (await this.requests.events(this.db, request.id, false)).find((e) => e.kind === 'message');
      values.sourceRequestId = request.id;
      values.nature = `${request.subject}${first ? `\n\n${first.message}` : ''}`.slice(0, 4000);
      values.awareDate = parisDate(request.createdAt);
      values.awareTime = parisTime(request.createdAt);
    }
    return values;
  }

  async record(actor: Actor, input: BreachInput): Promise<string> {
    this.manager(actor);
    const fields = await this.fields(input);
    return this.db.transaction(async (trx) => {
      const id = await this.breaches.insert(trx, fields, actor.userId, this.clock.now());
      await this.audit.record(trx, actor, {
        entityType: 'data_breach',
        entityId: id,
        organisationId: actor.organisationId,
        action: 'breach.recorded',
        before: null,
        after: snapshot(fields),
      });
      return id;
    });
  }

  async update(actor: Actor, id: string, input: BreachEditInput): Promise<void> {
    this.manager(actor);
    const fields = await this.fields(input);
    await this.db.transaction(async (trx) => {
      const before = await this.breaches.findById(trx, id);
      if (!before) throw new NotFoundError();
      if (!(await this.breaches.update(trx, id, input.version, fields, this.clock.now())))
        throw new ConflictError('L’inscription a été modifiée entre-temps par quelqu’un d’autre : vérifiez-la puis recommencez.');
      await this.audit.record(trx, actor, {
        entityType: 'data_breach',
        entityId: id,
        organisationId: actor.organisationId,
        action: 'breach.updated',
        before: snapshot(before),
        after: snapshot(fields),
      });
    });
  }

  /** The form's values as an entry, with the rules of time: nothing in the future, a notification not before awareness, a late one explained. */
  private async fields(input: BreachInput): Promise<BreachFields> {
    const now = this.clock.now();
    const errors: FieldErrors = {};
    const awareAt = parisDateTime(input.awareDate, input.awareTime);
    if (!awareAt) errors.awareTime = 'Saisissez une date et une heure qui existent';
    else if (awareAt.getTime() > now.getTime()) errors.awareDate = 'La prise de connaissance ne peut pas être dans le futur';
    let cnilNotifiedAt: Date | null = null;
    if (input.cnilStatus === 'notified' && input.cnilNotifiedDate && input.cnilNotifiedTime) {
      cnilNotifiedAt = parisDateTime(input.cnilNotifiedDate, input.cnilNotifiedTime);
      if (!cnilNotifiedAt) errors.cnilNotifiedTime = 'Saisissez une date et une heure qui existent';
      else if (cnilNotifiedAt.getTime() > now.getTime()) errors.cnilNotifiedDate = 'La notification ne peut pas être dans le futur';
      else if (awareAt && cnilNotifiedAt.getTime() < awareAt.getTime())
        errors.cnilNotifiedDate = 'La notification ne peut pas précéder la prise de connaissance';
      else if (awareAt && notifiedLate(awareAt, cnilNotifiedAt) && !input.delayReason)
        errors.delayReason = 'La notification est intervenue plus de 72 heures après la prise de connaissance : indiquez les motifs du retard (art. 33 §1)';
    }
    let peopleInformedAt: Date | null = null;
    if (input.peopleStatus === 'informed' && input.peopleInformedDate) {
      peopleInformedAt = parisDateTime(input.peopleInformedDate, '12:00');
      if (peopleInformedAt && input.peopleInformedDate > parisDate(now)) errors.peopleInformedDate = 'Cette date ne peut pas être dans le futur';
    }
    if (input.sourceRequestId && !(await this.requests.findById(this.db, input.sourceRequestId)))
      errors.sourceRequestId = 'Cette demande d’assistance n’existe pas';
    if (Object.keys(errors).length) throw new ValidationError(errors);
    const notified = input.cnilStatus === 'notified';
    const informed = input.peopleStatus === 'informed';
    return {
      sourceRequestId: input.sourceRequestId ?? null,
      nature: input.nature,
      peopleCategories: input.peopleCategories,
      peopleCount: input.peopleCount ?? null,
      recordCategories: input.recordCategories,
      recordCount: input.recordCount ?? null,
      consequences: input.consequences,
      measures: input.measures,
      awareAt: awareAt as Date,
      cnilStatus: input.cnilStatus,
      cnilNotifiedAt: notified ? cnilNotifiedAt : null,
      cnilReference: notified ? (input.cnilReference ?? null) : null,
      delayReason: notified ? (input.delayReason ?? null) : null,
      notNotifiedReason: input.cnilStatus === 'not_notified' ? (input.notNotifiedReason ?? null) : null,
      peopleStatus: input.peopleStatus,
      peopleInformedAt: informed ? peopleInformedAt : null,
      peopleInformedHow: informed ? (input.peopleInformedHow ?? null) : null,
      peopleNotInformedReason: input.peopleStatus === 'not_informed' ? (input.peopleNotInformedReason ?? null) : null,
    };
  }

  /** An entry's values as its edit form shows them. */
  formValues(b: Breach): Record<string, unknown> {
    return {
      sourceRequestId: b.sourceRequestId ?? '',
      nature: b.nature,
      peopleCategories: b.peopleCategories,
      peopleCount: b.peopleCount ?? '',
      recordCategories: b.recordCategories,
      recordCount: b.recordCount ?? '',
      consequences: b.consequences,
      measures: b.measures,
      awareDate: parisDate(b.awareAt),
      awareTime: parisTime(b.awareAt),
      cnilStatus: b.cnilStatus,
      cnilNotifiedDate: b.cnilNotifiedAt ? parisDate(b.cnilNotifiedAt) : '',
      cnilNotifiedTime: b.cnilNotifiedAt ? parisTime(b.cnilNotifiedAt) : '',
      cnilReference: b.cnilReference ?? '',
      delayReason: b.delayReason ?? '',
      notNotifiedReason: b.notNotifiedReason ?? '',
      peopleStatus: b.peopleStatus,
      peopleInformedDate: b.peopleInformedAt ? parisDate(b.peopleInformedAt) : '',
      peopleInformedHow: b.peopleInformedHow ?? '',
      peopleNotInformedReason: b.peopleNotInformedReason ?? '',
      version: b.version,
    };
  }
}

/** What the audit trail keeps of an entry (every field of the register, dates as ISO strings). */
function snapshot(f: BreachFields): Record<string, unknown> {
  return {
    sourceRequestId: f.sourceRequestId,
    nature: f.nature,
    peopleCategories: f.peopleCategories,
    peopleCount: f.peopleCount,
    recordCategories: f.recordCategories,
    recordCount: f.recordCount,
    consequences: f.consequences,
    measures: f.measures,
    awareAt: f.awareAt,
    cnilStatus: f.cnilStatus,
    cnilNotifiedAt: f.cnilNotifiedAt,
    cnilReference: f.cnilReference,
    delayReason: f.delayReason,
    notNotifiedReason: f.notNotifiedReason,
    peopleStatus: f.peopleStatus,
    peopleInformedAt: f.peopleInformedAt,
    peopleInformedHow: f.peopleInformedHow,
    peopleNotInformedReason: f.peopleNotInformedReason,
  };
}
