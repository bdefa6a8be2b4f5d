import type { Knex } from 'knex';
import { evaluateEligibility, type Evaluation } from '../aid-types/eligibility';
import type { DocumentKind } from '../aid-types/rules';
import type { AidTypeRepository } from '../aid-types/repository';
import type { AuditService } from '../audit/service';
import type { Db, Page } from '../db/types';
import type { PersonRepository } from '../households/persons-repository';
import type { HouseholdRepository } from '../households/repository';
import type { OrganisationRepository } from '../organisations/repository';
import { type Actor, can, scopeFor } from '../permissions';
import type { Clock } from '../shared/clock';
import { parisDate } from '../shared/dates';
import { ConflictError, NotFoundError, ValidationError } from '../shared/errors';
import { formatEuros } from '../shared/format';
import { nextRequestReference } from './references';
import type { RequestDocumentRepository } from './documents-repository';
import type { AidRequest, AidRequestRepository, RequestEvent } from './repository';
import { CONSENT_METHODS, type SituationInput } from './schemas';
import { applySituation, snapshotFromHousehold, type SituationSnapshot, toEligibilitySituation } from './situation';
import { OPEN_STATUSES, type RequestStatus, STATUS_LABELS, transition } from './state-machine';

/** Version of the information notice on data processing shown to tenants (GDPR art. 13). */
export const CONSENT_NOTICE_VERSION = '2026-01';

/** One line of the live check: green, amber or red, with a French sentence. */
export interface CheckLine {
  code: string;
  level: 'ok' | 'warn' | 'error';
  message: string;
}

export interface CheckResult {
  lines: CheckLine[];
  evaluation: Evaluation | null;
  /** Red lines that stop a submission (the amounts asked: the landlord can fix them). */
  blocking: CheckLine[];
}

const BLOCKING = new Set(['ceiling', 'months', 'rolling_ceiling', 'version', 'documents']);

/** Aid requests: drafts filed by landlords, live checks, submission with consent, withdrawal. */
export class AidRequestService {
  constructor(
    private readonly db: Knex,
    private readonly requests: AidRequestRepository,
    private readonly households: HouseholdRepository,
    private readonly persons: PersonRepository,
    private readonly aidTypes: AidTypeRepository,
    private readonly organisations: OrganisationRepository,
    private readonly documents: RequestDocumentRepository,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  list(actor: Actor, filters: { status?: RequestStatus; householdId?: string }, page: number): Promise<Page<AidRequest>> {
    return this.requests.list(this.db, scopeFor(actor, 'requests:read'), filters, page);
  }

  async get(actor: Actor, id: string, db: Db = this.db): Promise<AidRequest> {
    const request = await this.requests.findById(db, scopeFor(actor, 'requests:read'), id);
    if (!request) throw new NotFoundError();
    return request;
  }

  events(actor: Actor, request: AidRequest): Promise<RequestEvent[]> {
    return this.requests.events(this.db, request.id, can(actor, 'households:merge'));
  }

  /** The rules that apply to a request: its bound version once submitted, the one in force today before. */
  async rulesOf(request: AidRequest) {
    if (request.aidTypeVersionId) return (await this.aidTypes.versions(this.db, request.aidTypeId)).find((v) => v.id === request.aidTypeVersionId) ?? null;
    return this.aidTypes.versionOn(this.db, request.aidTypeId, parisDate(this.clock.now()));
  }

  /** Active aid types in force today, to choose from. */
  async aidTypeOptions(): Promise<Array<{ value: string; text: string }>> {
    const today = parisDate(this.clock.now());
    const out: Array<{ value: string; text: string }> = [];
    for (const t of await this.aidTypes.list(this.db)) {
      if (t.status === 'active' && (await this.aidTypes.versionOn(this.db, t.id, today))) out.push({ value: t.id, text: t.label });
    }
    return out;
  }

  /** A new draft for a household of the actor's organisation, its situation taken from the household. */
  async createDraft(actor: Actor, householdId: string, aidTypeId: string): Promise<string> {
    const scope = scopeFor(actor, 'requests:file');
    return this.db.transaction(async (trx) => {
      const household = await this.households.findById(trx, scope, householdId);
      if (!household || household.status !== 'active') throw new ValidationError({ householdId: 'Choisissez un ménage de votre organisation' });
      const aidType = await this.aidTypes.findById(trx, aidTypeId);
      if (!aidType || aidType.status !== 'active' || !(await this.aidTypes.versionOn(trx, aidTypeId, parisDate(this.clock.now())))) {
        throw new ValidationError({ aidTypeId: 'Cette aide n’est pas proposée aujourd’hui' });
      }
      const members = (await this.households.members(trx, householdId)).filter((m) => m.toDate === null);
      const people = await this.persons.findManyByIds(trx, members.map((m) => m.personId));
      const ordered = members.map((m) => people.find((p) => p.id === m.personId)).filter((p) => p !== undefined);
      const now = this.clock.now();
      const id = await this.requests.insert(trx, { organisationId: household.organisationId, householdId, aidTypeId, situation: snapshotFromHousehold(household, ordered), createdBy: actor.userId }, now);
      await this.requests.addEvent(trx, id, { actorUserId: actor.userId, actorLabel: actor.name, kind: 'status_change', fromStatus: null, toStatus: 'draft', message: null, visibility: 'shared' }, now);
      await this.audit.record(trx, actor, { entityType: 'aid_request', entityId: id, organisationId: household.organisationId, action: 'request.created', before: null, after: { aidType: aidType.code, householdId } });
      return id;
    });
  }

  /** Saves the situation step of a draft. */
  async saveSituation(actor: Actor, id: string, input: SituationInput): Promise<void> {
    scopeFor(actor, 'requests:file');
    await this.db.transaction(async (trx) => {
      const request = await this.get(actor, id, trx);
      if (request.status !== 'draft') throw new ConflictError('Cette demande est déposée : sa situation ne se modifie plus.');
      if (request.version !== input.version) throw new ConflictError();
      const situation = applySituation(request.situation, input);
      if (!(await this.requests.saveSituation(trx, id, input.version, situation, input.requested || null, input.requestedMonths ?? null, this.clock.now()))) throw new ConflictError();
    });
  }

  /**
   * The live check, same code as on submit: eligibility rules of the version in force today,
   * plus coherence checks (arrears vs rent, another open request of the same aid).
   */
  async check(actor: Actor, id: string, input?: SituationInput): Promise<CheckResult> {
    const request = await this.get(actor, id);
    const situation = input ? applySituation(request.situation, input) : request.situation;
    const requestedCents = input ? input.requested || null : request.requestedCents;
    const requestedMonths = input ? (input.requestedMonths ?? null) : request.requestedMonths;
    return this.evaluate(request, situation, requestedCents, requestedMonths);
  }

  private async evaluate(request: AidRequest, situation: SituationSnapshot, requestedCents: number | null, requestedMonths: number | null): Promise<CheckResult> {
    const today = parisDate(this.clock.now());
    const lines: CheckLine[] = [];
    const version = await this.rulesOf(request);
    let evaluation: Evaluation | null = null;
    if (!version) {
      lines.push({ code: 'version', level: 'error', message: 'Cette aide n’est pas en vigueur aujourd’hui' });
    } else {
      const aidType = await this.aidTypes.findById(this.db, request.aidTypeId);
      const landlord = await this.organisations.findById(this.db, { all: true }, request.organisationId);
      evaluation = evaluateEligibility(
        { code: aidType?.code ?? '', groupCode: aidType?.groupCode ?? null },
        version.rules,
        toEligibilitySituation(situation, {
          today,
          landlordActive: landlord?.status === 'active',
          requestedCents,
          requestedMonths,
          previousAids: await this.requests.grantedAidsOf(this.db, request.householdId),
          documents: (await this.documents.list(this.db, request.id)).filter((d) => d.current).map((d) => d.kind as DocumentKind),
        }),
      );
      for (const c of evaluation.checks) lines.push({ code: c.code, level: c.ok ? 'ok' : 'error', message: c.message });
      if (requestedCents === null) lines.push({ code: 'amount_missing', level: 'warn', message: 'Indiquez le montant demandé' });
    }
    const other = await this.requests.openOfSameType(this.db, request.householdId, request.aidTypeId, request.id, OPEN_STATUSES);
    if (other) lines.push({ code: 'open_request', level: 'warn', message: `Une autre demande de cette aide est déjà ouverte pour ce ménage (${other})` });
    const monthly = situation.rentCents + situation.chargesCents;
    if (situation.arrearsCents > 0 && situation.arrearsMonths && monthly > 0 && situation.arrearsCents > situation.arrearsMonths * monthly) {
      lines.push({ code: 'arrears', level: 'warn', message: `La dette (${formatEuros(situation.arrearsCents)}) dépasse ${situation.arrearsMonths} mois de loyer et charges (${formatEuros(situation.arrearsMonths * monthly)}) : vérifiez les montants` });
    }
    return { lines, evaluation, blocking: lines.filter((l) => l.level === 'error' && BLOCKING.has(l.code)) };
  }

  /** Submission: consent recorded, reference and rules version bound, timeline and audit. */
  async submit(actor: Actor, id: string, input: { consentDate: string; consentMethod: keyof typeof CONSENT_METHODS; version: number }): Promise<string> {
    scopeFor(actor, 'requests:file');
    const request = await this.get(actor, id);
    const to = transition(actor.role, request.status, 'submit');
    const result = await this.evaluate(request, request.situation, request.requestedCents, request.requestedMonths);
    if (request.requestedCents === null) throw new ValidationError({ _form: 'Indiquez le montant demandé dans la situation avant de déposer la demande.' });
    if (result.blocking.length) throw new ValidationError({ _form: `La demande ne peut pas être déposée : ${result.blocking.map((l) => l.message).join(' ; ')}` });
    return this.db.transaction(async (trx) => {
      const now = this.clock.now();
      const today = parisDate(now);
      const version = await this.aidTypes.versionOn(trx, request.aidTypeId, today);
      if (!version) throw new ValidationError({ _form: 'Cette aide n’est pas en vigueur aujourd’hui' });
      const reference = await nextRequestReference(trx, Number(today.slice(0, 4)));
      const consent = { date: input.consentDate, method: input.consentMethod, recordedBy: actor.name, noticeVersion: CONSENT_NOTICE_VERSION };
      const ok = await this.requests.changeStatus(trx, id, input.version, request.status, to, { reference, aid_type_version_id: version.id, consent: JSON.stringify(consent), submitted_at: now }, now);
      if (!ok) throw new ConflictError();
      await this.requests.addEvent(trx, id, { actorUserId: actor.userId, actorLabel: actor.name, kind: 'status_change', fromStatus: request.status, toStatus: to, message: null, visibility: 'shared' }, now);
      await this.audit.record(trx, actor, {
        entityType: 'aid_request', entityId: id, organisationId: request.organisationId, action: 'request.submitted',
        before: { status: request.status }, after: { status: to, reference, rulesVersion: version.number, consentDate: input.consentDate },
      });
      return reference;
    });
  }

  async withdraw(actor: Actor, id: string, version: number): Promise<void> {
    await this.db.transaction(async (trx) => {
      const request = await this.get(actor, id, trx);
      const to = transition(actor.role, request.status, 'withdraw');
      const now = this.clock.now();
      if (!(await this.requests.changeStatus(trx, id, version, request.status, to, {}, now))) throw new ConflictError();
      await this.requests.addEvent(trx, id, { actorUserId: actor.userId, actorLabel: actor.name, kind: 'status_change', fromStatus: request.status, toStatus: to, message: null, visibility: 'shared' }, now);
      await this.audit.record(trx, actor, { entityType: 'aid_request', entityId: id, organisationId: request.organisationId, action: 'request.withdrawn', before: { status: request.status }, after: { status: to } });
    });
  }

  statusLabel(status: RequestStatus): string {
    return STATUS_LABELS[status];
  }
}
