import type { Knex } from 'knex';
import type { DocumentKind } from '../aid-types/rules';
import { evaluateEligibility } from '../aid-types/eligibility';
import type { AidTypeRepository, AidTypeVersion } from '../aid-types/repository';
import type { Payment, PaymentRepository } from '../payments/repository';
import type { PayeeRepository } from '../payments/accounts/payees-repository';
import type { AccessLogService } from '../audit/access-log';
import type { AuditEvent } from '../audit/repository';
import type { AuditService } from '../audit/service';
import type { Db } from '../db/types';
import type { DomainEvents } from '../shared/domain-events';
import { type AssignedCheck, AssignedReach } from '../permissions/assigned';
import { normalizeName } from '../households/duplicates/normalize';
import type { PersonRepository } from '../households/persons-repository';
import type { HouseholdRepository } from '../households/repository';
import { type Actor, can, type Permission, scopeFor } from '../permissions';
import type { Clock } from '../shared/clock';
import { parisDate } from '../shared/dates';
import { ConflictError, NotFoundError, ValidationError } from '../shared/errors';
import { buildChecks, type CheckContext, type CheckResult } from './filing/checks';
import type { Decision, DecisionRepository } from './instruction/decisions-repository';
import type { RequestDocument, RequestDocumentRepository } from './filing/documents-repository';
import { nextRequestReference } from './references';
import type { AidRequest, AidRequestRepository, Consent, EventKind, Payee, RequestEvent, RequestScope, toGrantedAid } from './repository';
import type { AmountInput, ConsentInput, PayeeInput, SituationInput } from './filing/schemas';
import { applySituation, snapshotFromHousehold, tenantOf, toEligibilitySituation } from './filing/situation';
import { availableActions, GRANTED_STATUSES, OPEN_STATUSES, type RequestStatus, transition } from './state-machine';
import { ReferenceCache } from '../shared/reference-cache';

/** An aid to choose, with what decides the choice (ceiling, instalments, the household's eligibility). */
export interface AidTypeChoice {
  value: string;
  text: string;
  ceilingCents: number | null;
  monthly: boolean;
  maxInstalments: number;
  /** From the household's record, before any amount is typed; null without a household. */
  eligibility: { ok: boolean; problems: string[] } | null;
}

/** The conditions that depend on the household alone, known before the request is filled in. */
const HOUSEHOLD_CONDITIONS = new Set(['frequency', 'private_sector', 'effort_rate', 'remaining_income']);

/** Statuses of a request whose aid is granted: its own grant counts in the 12-month checks. */
const GRANTED = new Set<RequestStatus>(GRANTED_STATUSES);

/** Version of the information notice on data processing shown to tenants (GDPR art. 13). */
export const CONSENT_NOTICE_VERSION = '2026-01';

/** What a step's form changes on the draft, before it is saved or checked. */
export type StepInput =
  | { step: 'situation'; input: SituationInput }
  | { step: 'aide'; input: AmountInput }
  | { step: 'versement'; input: PayeeInput }
  | { step: 'consentement'; input: ConsentInput };

/** The normalised "last first" of a tenant, for prefix searches ("garnier lucie"). */
export function searchNameOf(lastName: string, firstNames: string): string {
  return `${normalizeName(lastName)} ${normalizeName(firstNames)}`.trim();
}

/** Aid requests as landlords file them: drafts saved step by step, live checks, submission, withdrawal. */
export class AidRequestService {
  private readonly db: Knex;
  private readonly requests: AidRequestRepository;
  private readonly households: HouseholdRepository;
  private readonly persons: PersonRepository;
  private readonly aidTypes: AidTypeRepository;
  private readonly documents: RequestDocumentRepository;
  private readonly decisions: DecisionRepository;
  private readonly audit: AuditService;
  private readonly clock: Clock;
  private readonly cache: ReferenceCache;
  private readonly payments: PaymentRepository;
  private readonly payees: PayeeRepository;
  private readonly accessLog: AccessLogService;
  private readonly domainEvents: DomainEvents;

  constructor(deps: {
    db: Knex;
    requests: AidRequestRepository;
    households: HouseholdRepository;
    persons: PersonRepository;
    aidTypes: AidTypeRepository;
    documents: RequestDocumentRepository;
    decisions: DecisionRepository;
    audit: AuditService;
    clock: Clock;
    cache?: ReferenceCache;
    payments: PaymentRepository;
    payees: PayeeRepository;
    assignedCheck?: AssignedCheck;
    accessLog: AccessLogService;
    events: DomainEvents;
  }) {
    this.domainEvents = deps.events;
    this.accessLog = deps.accessLog;
    this.assigned = new AssignedReach({ general: 'requests:read', assigned: 'requests:read-assigned', check: deps.assignedCheck });
    this.db = deps.db;
    this.requests = deps.requests;
    this.households = deps.households;
    this.persons = deps.persons;
    this.aidTypes = deps.aidTypes;
    this.documents = deps.documents;
    this.decisions = deps.decisions;
    this.audit = deps.audit;
    this.clock = deps.clock;
    this.cache = deps.cache ?? new ReferenceCache({ ttlMs: 0 });
    this.payments = deps.payments;
    this.payees = deps.payees;
  }

  /** Advisers read the requests their missions are linked to (the mission area registers the check). */
  readonly assigned: AssignedReach;

  /** The requests a permission lets the actor reach; restricted landlord users stay in their agency. */
  scope(actor: Actor, permission: Permission = 'requests:read'): RequestScope {
    const scope = scopeFor(actor, permission);
    return actor.agencyRestricted && actor.agencyId && !scope.all ? { ...scope, agencyId: actor.agencyId } : scope;
  }

  /** What the actor may do on a request's page, given its pending proposal (the page shows only what the rules allow). */
  abilities(actor: Actor, request: AidRequest, pending: Decision | null): RequestAbilities {
    const forAssociation = can(actor, 'requests:instruct');
    const isLandlord = can(actor, 'requests:file');
    return {
      forAssociation,
      isLandlord,
      // an adviser reads the request of its mission: no instruction tools, the association's wording
      isAdviser: !forAssociation && !isLandlord,
      actions: availableActions(actor.role, request.status).map((x) => x.action),
      // a proposal is validated by someone else than its author, withdrawn by its author only
      canValidate: forAssociation && pending !== null && pending.proposedBy !== actor.userId,
      canWithdrawProposal: forAssociation && pending !== null && pending.proposedBy === actor.userId,
      canAddDocuments: isLandlord && DOCUMENTS_OPEN.includes(request.status),
      canMessage: can(actor, 'requests:message') && request.status !== 'draft',
      canAnswer: isLandlord && request.status === 'awaiting_information',
      canManagePayments: can(actor, 'payments:manage'),
      canOwnAccount: can(actor, 'bank-accounts:own'),
      canOpenHousehold: can(actor, 'households:read') || can(actor, 'households:read-assigned'),
    };
  }

  /** The request's audit history (the page's « Historique » tab). */
  history(request: AidRequest): Promise<AuditEvent[]> {
    return this.audit.history(this.db, 'aid_request', request.id);
  }

  /** A request shown on a page or a step of the wizard (`view` names it in the read trace). */
  async read(actor: Actor, id: string, view: string, permission: Permission = 'requests:read'): Promise<AidRequest> {
    const request = await this.get(actor, id, this.db, permission);
    await this.accessLog.read(actor, { action: `request.view.${view}`, entityType: 'aid_request', entityId: request.id });
    return request;
  }

  async get(actor: Actor, id: string, db: Db = this.db, permission: Permission = 'requests:read'): Promise<AidRequest> {
    const request = await this.requests.findById(db, await this.scopeOf(actor, id, permission, db), id);
    if (!request) throw new NotFoundError();
    return request;
  }

  /** The scope for one request: an adviser without the general read reaches only its missions' requests. */
  private async scopeOf(actor: Actor, id: string, permission: Permission, db: Db): Promise<RequestScope> {
    return (permission === 'requests:read' ? await this.assigned.scope(actor, id, db) : null) ?? this.scope(actor, permission);
  }

  /** The request locked for the rest of the caller's transaction (decisions and instruction steps). */
  async lock(actor: Actor, id: string, trx: Db, permission: Permission): Promise<AidRequest> {
    const request = await this.requests.findById(trx, this.scope(actor, permission), id, true);
    if (!request) throw new NotFoundError();
    return request;
  }

  /**
   * Moves a request to a status (the caller checked the state machine) when it is still in the
   * version the person saw, with its timeline event and its audit line, in the caller's transaction.
   * Returns the timeline event's id (attachments hang on it).
   */
  async move(
    trx: Db,
    actor: Actor,
    request: AidRequest,
    m: {
      to: RequestStatus;
      version: number;
      action: string;
      patch?: Record<string, unknown>;
      event?: { kind: EventKind; message: string | null };
      after?: Record<string, unknown>;
    },
    now: Date,
  ): Promise<string> {
    if (!(await this.requests.changeStatus(trx, request.id, m.version, request.status, m.to, m.patch ?? {}, now))) throw new ConflictError();
    const eventId = await this.requests.addEvent(
      trx,
      request.id,
      {
        actorUserId: actor.userId,
        actorLabel: actor.name,
        kind: m.event?.kind ?? 'status_change',
        fromStatus: request.status,
        toStatus: m.to,
        message: m.event?.message ?? null,
        visibility: 'shared',
      },
      now,
    );
    await this.audit.record(trx, actor, {
      entityType: 'aid_request',
      entityId: request.id,
      organisationId: request.organisationId,
      action: m.action,
      before: { status: request.status },
      after: { status: m.to, ...m.after },
    });
    // the funder's follow-up outbox hangs on it (a request from an ASD orientation); nothing runs after the commit
    await this.domainEvents.emit(trx, 'request.moved', { requestId: request.id, from: request.status, to: m.to, after: m.after ?? {} }, now);
    return eventId;
  }

  /** The timeline; internal notes and proposals only for the association. */
  events(actor: Actor, request: AidRequest): Promise<RequestEvent[]> {
    return this.requests.events(this.db, request.id, can(actor, 'requests:instruct'));
  }

  /** The rules that apply to a request: its bound version once submitted, the one in force today before. */
  async rulesOf(request: AidRequest, db: Db = this.db) {
    if (request.aidTypeVersionId) return this.aidTypes.versionById(db, request.aidTypeId, request.aidTypeVersionId);
    return this.aidTypes.versionOn(db, request.aidTypeId, parisDate(this.clock.now()));
  }

  /** Every aid type, for list filters (archived ones too: old requests have them). */
  async aidTypeFilterOptions(): Promise<Array<{ value: string; text: string }>> {
    const types = await this.cache.get('aid-types', ['aid_type'], () => this.aidTypes.types(this.db));
    return types.map((t) => ({ value: t.id, text: t.label }));
  }

  /** Every aid type's code and label (the accountant maps each to its accounts). */
  async aidTypeCodes(): Promise<Array<{ code: string; label: string }>> {
    const types = await this.cache.get('aid-types', ['aid_type'], () => this.aidTypes.types(this.db));
    return types.map((t) => ({ code: t.code, label: t.label }));
  }

  /**
   * The aids to choose from, each with its ceiling and instalments and, for the household, what its
   * record already says of the conditions that are the household's (employment, effort rate,
   * remaining income, aids already received), so that an ineligible household is seen before the choice.
   */
  async aidTypeChoices(actor: Actor, householdId: string | null): Promise<AidTypeChoice[]> {
    const today = parisDate(this.clock.now());
    const household = householdId ? await this.households.findById(this.db, scopeFor(actor, 'requests:file'), householdId) : null;
    const situation = household ? snapshotFromHousehold(household, await this.currentPeople(this.db, household.id)) : null;
    const previousAids = household ? await this.requests.grantedAidsOf(this.db, household.id) : [];
    const out: AidTypeChoice[] = [];
    for (const t of await this.aidTypes.list(this.db)) {
      const version = t.status === 'active' ? await this.aidTypes.versionOn(this.db, t.id, today) : null;
      if (!version) continue;
      const r = version.rules;
      const problems = situation
        ? evaluateEligibility(
            { code: t.code, groupCode: t.groupCode },
            r,
            toEligibilitySituation(situation, { today, landlordActive: true, requestedCents: null, requestedMonths: null, previousAids }),
          )
            .checks.filter((c) => !c.ok && HOUSEHOLD_CONDITIONS.has(c.code))
            .map((c) => c.message)
        : null;
      out.push({
        value: t.id,
        text: t.label,
        ceilingCents: r.ceilingCents,
        monthly: r.monthly,
        maxInstalments: (r.monthly ? (r.maxMonths ?? r.maxInstalments) : r.maxInstalments) ?? 1,
        eligibility: problems === null ? null : { ok: problems.length === 0, problems },
      });
    }
    return out;
  }

  /** The current members of a household, in their order (the first is the holder). */
  private async currentPeople(db: Db, householdId: string) {
    const members = (await this.households.members(db, householdId)).filter((m) => m.toDate === null);
    const people = await this.persons.findManyByIds(
      db,
      members.map((m) => m.personId),
    );
    return members.map((m) => people.find((p) => p.id === m.personId)).filter((p) => p !== undefined);
  }

  /** A new draft for a household of the actor's organisation, its situation taken from the household. */
  /**
   * From an ASD orientation (`options.orientationAsd`), the association prepares the draft for the
   * household's landlord, who completes and files it; it runs in the follow-up's transaction.
   */
  async createDraft(actor: Actor, householdId: string, aidTypeId: string, options: { orientationAsd?: string; db?: Db } = {}): Promise<string> {
    const scope = options.orientationAsd && !can(actor, 'requests:file') ? scopeFor(actor, 'orientations:manage') : scopeFor(actor, 'requests:file');
    return (options.db ?? this.db).transaction(async (trx) => {
      const household = await this.households.findById(trx, scope, householdId);
      if (!household || household.status !== 'active') throw new ValidationError({ householdId: 'Choisissez un ménage de votre organisation' });
      const aidType = await this.aidTypes.findById(trx, aidTypeId);
      if (!aidType || aidType.status !== 'active' || !(await this.aidTypes.versionOn(trx, aidTypeId, parisDate(this.clock.now())))) {
        throw new ValidationError({ aidTypeId: 'Cette aide n’est pas proposée aujourd’hui' });
      }
      const ordered = await this.currentPeople(trx, householdId);
      const holder = ordered[0];
      const now = this.clock.now();
      const situation = snapshotFromHousehold(household, ordered);
      const agencyId = household.agencyId ?? (actor.agencyId && actor.organisationId === household.organisationId ? actor.agencyId : null);
      const id = await this.requests.insert(
        trx,
        {
          organisationId: household.organisationId,
          agencyId,
          householdId,
          aidTypeId,
          situation,
          createdBy: actor.userId,
          orientationAsd: options.orientationAsd ?? null,
          tenantName: tenantOf(situation),
          searchName: holder ? searchNameOf(holder.lastName, holder.firstNames) : '',
        },
        now,
      );
      await this.requests.addEvent(
        trx,
        id,
        { actorUserId: actor.userId, actorLabel: actor.name, kind: 'status_change', toStatus: 'draft', visibility: 'shared' },
        now,
      );
      await this.audit.record(trx, actor, {
        entityType: 'aid_request',
        entityId: id,
        organisationId: household.organisationId,
        action: 'request.created',
        before: null,
        after: { aidType: aidType.code, householdId, ...(options.orientationAsd ? { orientationAsd: options.orientationAsd } : {}) },
      });
      return id;
    });
  }

  /** The draft with a step's input applied, in memory (what the live check evaluates). */
  private applyStep(request: AidRequest, change: StepInput): AidRequest {
    switch (change.step) {
      case 'situation':
        return { ...request, situation: applySituation(request.situation, change.input) };
      case 'aide':
        return { ...request, requestedCents: change.input.requested || null, requestedMonths: change.input.requestedMonths ?? null };
      case 'versement':
        return {
          ...request,
          payee: { kind: change.input.payeeKind, name: change.input.payeeName, iban: change.input.payeeIban, bic: change.input.payeeBic ?? null },
        };
      case 'consentement':
        return { ...request, consent: this.consentOf(change.input, request.consent?.recordedBy ?? '') };
    }
  }

  private consentOf(input: ConsentInput, recordedBy: string): Consent {
    return { informed: true, date: input.consentDate, method: input.consentMethod, recordedBy, noticeVersion: CONSENT_NOTICE_VERSION };
  }

  /** Saves one step of a draft (a draft is saved at every step), under optimistic locking. */
  async saveStep(actor: Actor, id: string, change: StepInput, db: Knex = this.db): Promise<void> {
    await db.transaction(async (trx) => {
      const request = await this.get(actor, id, trx, 'requests:file');
      if (request.status !== 'draft')
        throw new ConflictError('Cette demande est déposée : elle ne se modifie plus. Pour compléter le dossier, utilisez les échanges.');
      if (change.step === 'versement' && !request.aidTypePayees.includes(change.input.payeeKind)) {
        throw new ValidationError({ payeeKind: 'Cette aide n’est pas versée à ce bénéficiaire' });
      }
      const next = this.applyStep(request, change);
      const patch: Record<string, unknown> = {
        situation: change.step === 'situation' ? JSON.stringify(next.situation) : undefined,
        requested_cents: change.step === 'aide' ? next.requestedCents : undefined,
        requested_months: change.step === 'aide' ? next.requestedMonths : undefined,
        payee_kind: next.payee?.kind,
        payee_name: next.payee?.name,
        payee_iban: next.payee?.iban,
        payee_bic: change.step === 'versement' ? (next.payee?.bic ?? null) : undefined,
        consent: change.step === 'consentement' ? JSON.stringify(this.consentOf(change.input, actor.name)) : undefined,
      };
      for (const k of Object.keys(patch)) if (patch[k] === undefined) delete patch[k];
      if (!(await this.requests.saveDraft(trx, id, change.input.version, patch, this.clock.now()))) throw new ConflictError();
      if (change.step === 'versement' || change.step === 'consentement') {
        await this.audit.record(trx, actor, {
          entityType: 'aid_request',
          entityId: id,
          organisationId: request.organisationId,
          action: change.step === 'versement' ? 'request.payee_set' : 'request.consent_recorded',
          before: change.step === 'versement' ? { payeeName: request.payee?.name, payeeIban: request.payee?.iban } : { consentDate: request.consent?.date },
          after:
            change.step === 'versement'
              ? { payeeName: next.payee?.name, payeeIban: next.payee?.iban }
              : { consentDate: next.consent?.date, consentMethod: next.consent?.method },
        });
      }
    });
  }

  /** What the payee step shows first: the request's payee, or the landlord's registered (else last known) bank details. */
  async payeeDefaults(request: AidRequest): Promise<Payee | null> {
    if (request.payee) return request.payee;
    if (!request.aidTypePayees.includes('landlord')) return null;
    const registered = await this.landlordAccount(request.organisationId);
    const account = registered?.confirmed ?? registered?.pending;
    if (account) return { kind: 'landlord', name: account.holderName, iban: account.iban, bic: account.bic };
    const known = await this.requests.lastLandlordPayee(this.db, request.organisationId);
    return { kind: 'landlord', name: known?.name ?? request.organisationName, iban: known?.iban ?? '', bic: known?.bic ?? null };
  }

  /** The landlord's registered bank account: the confirmed one payments go to, and a change waiting for a check. */
  async landlordAccount(organisationId: string, db: Db = this.db) {
    const payee = await this.payees.findByOrganisation(db, organisationId);
    if (!payee) return null;
    const [withAccounts] = await this.payees.withAccounts(db, [payee]);
    return withAccounts ? { confirmed: withAccounts.confirmed, pending: withAccounts.pending } : null;
  }

  /**
   * The checks of a request, with what is being typed applied when given: the same function runs
   * while typing, on the recap, at submission and on the operator's panel.
   */
  async check(actor: Actor, id: string, change?: StepInput): Promise<CheckResult> {
    const request = await this.get(actor, id);
    return this.evaluate(actor, change ? this.applyStep(request, change) : request);
  }

  async evaluate(actor: Actor, request: AidRequest, db: Db = this.db): Promise<CheckResult> {
    const [version, household, history, documents, sameIban, account] = await Promise.all([
      // a version's rules never change once written: kept the reference cache's few seconds outside transactions
      db === this.db && request.aidTypeVersionId
        ? this.cache.get(`aid-type-version:${request.aidTypeVersionId}`, ['aid_type'], () => this.rulesOf(request, db))
        : this.rulesOf(request, db),
      // read with the request when it came from selectRequest (one round trip fewer on every request page)
      request.householdEntryDate !== undefined
        ? Promise.resolve({ entryDate: request.householdEntryDate })
        : this.households.findById(db, { all: true }, request.householdId),
      this.requests.householdHistory(db, request.householdId, request.aidTypeId, request.id, OPEN_STATUSES),
      this.documents.list(db, request.id),
      this.sameIban(actor, request, db),
      request.payee?.kind === 'landlord' ? this.landlordAccount(request.organisationId, db) : Promise.resolve(null),
    ]);
    const landlordAccount = account ? { confirmedIban: account.confirmed?.iban ?? null, pendingIban: account.pending?.iban ?? null } : null;
    return this.checksFrom(request, {
      rules: version?.rules ?? null,
      householdEntryDate: household?.entryDate ?? null,
      previousAids: history.previousAids,
      documents,
      openOther: history.openOther,
      sameIban,
      landlordAccount,
    });
  }

  /**
   * What a request's page shows (its tab named in the read trace), read concurrently: the checks (the same as `evaluate`), its
   * decisions, payments and timeline. (Read in one round trip as JSON columns instead, PostgreSQL
   * spent more than the round trips saved: 1.05 ms against 0.57 ms for four parts.)
   */
  async pageData(
    actor: Actor,
    request: AidRequest,
    tab: string,
  ): Promise<{ check: CheckResult; decisions: Decision[]; payments: Payment[]; events: RequestEvent[] }> {
    const db = this.db;
    // the read trace is written alongside the reads
    const [check, decisions, payments, events] = await Promise.all([
      this.evaluate(actor, request, db),
      this.decisions.forRequest(db, request.id),
      this.payments.forRequest(db, request.id),
      this.requests.events(db, request.id, can(actor, 'requests:instruct')),
      this.accessLog.read(actor, { action: `request.view.${tab}`, entityType: 'aid_request', entityId: request.id }),
    ]);
    return { check, decisions, payments, events };
  }

  /** "The same IBAN pays other households", for the association only and never for the landlord's own account. */
  private sameIban(actor: Actor, request: AidRequest, db: Db) {
    const compare = can(actor, 'requests:instruct') && request.payee?.iban && request.payee.kind !== 'landlord' ? request.payee.iban : null;
    return compare ? this.requests.sameIbanElsewhere(db, compare, request.householdId) : Promise.resolve(null);
  }

  private checksFrom(
    request: AidRequest,
    r: {
      rules: AidTypeVersion['rules'] | null;
      householdEntryDate: string | null;
      previousAids: ReturnType<typeof toGrantedAid>[];
      documents: RequestDocument[];
      openOther: string | null;
      sameIban: Awaited<ReturnType<AidRequestRepository['sameIbanElsewhere']>> | null;
      landlordAccount: CheckContext['landlordAccount'];
    },
  ): CheckResult {
    return buildChecks({
      aidType: { code: request.aidTypeCode, groupCode: request.aidTypeGroup },
      rules: r.rules,
      situation: request.situation,
      requestedCents: request.requestedCents,
      requestedMonths: request.requestedMonths,
      payee: request.payee,
      consent: request.consent,
      today: parisDate(this.clock.now()),
      landlordActive: request.organisationActive,
      previousAids: r.previousAids,
      documents: r.documents.filter((d) => d.current).map((d) => d.kind as DocumentKind),
      householdEntryDate: r.householdEntryDate,
      openOther: r.openOther,
      sameIban: r.sameIban,
      landlordAccount: r.landlordAccount,
      ownGrant:
        GRANTED.has(request.status) && request.decidedAt && request.grantedCents !== null
          ? { grantedOn: parisDate(request.decidedAt), amountCents: request.grantedCents }
          : null,
    });
  }

  /** Submission: every blocking check passed, reference and rules version bound, checks kept as they were. */
  async submit(actor: Actor, id: string, version: number): Promise<string> {
    scopeFor(actor, 'requests:file');
    const request = await this.get(actor, id, this.db, 'requests:file');
    const to = transition(actor.role, request.status, 'submit');
    const [result, unclassified] = await Promise.all([this.evaluate(actor, request), this.requests.unclassifiedUploads(this.db, request.id)]);
    // a file received without its type would never reach the association: it is classified or discarded first
    const waiting =
      unclassified === 0
        ? []
        : unclassified === 1
          ? ['un fichier reçu attend son type (étape « Pièces » : classez-le ou écartez-le)']
          : [`${unclassified} fichiers reçus attendent leur type (étape « Pièces » : classez-les ou écartez-les)`];
    const blocking = [...result.blocking.map((l) => l.message), ...waiting];
    if (blocking.length) throw new ValidationError({ _form: `La demande ne peut pas être déposée : ${blocking.join(' ; ')}` });
    return this.db.transaction(async (trx) => {
      const now = this.clock.now();
      const today = parisDate(now);
      const rules = await this.aidTypes.versionOn(trx, request.aidTypeId, today);
      if (!rules) throw new ValidationError({ _form: 'Cette aide n’est pas en vigueur aujourd’hui' });
      const reference = await nextRequestReference(trx, Number(today.slice(0, 4)));
      const checks = JSON.stringify(result.lines.map((l) => ({ code: l.code, level: l.level, message: l.message })));
      await this.move(
        trx,
        actor,
        request,
        {
          to,
          version,
          action: 'request.submitted',
          patch: { reference, aid_type_version_id: rules.id, submitted_at: now, submit_checks: checks },
          after: { reference, rulesVersion: rules.number, consentDate: request.consent?.date },
        },
        now,
      );
      return reference;
    });
  }

  /** The landlord withdraws its request, any time before the decision. */
  async withdraw(actor: Actor, id: string, version: number): Promise<void> {
    await this.db.transaction(async (trx) => {
      const request = await this.get(actor, id, trx, 'requests:file');
      const to = transition(actor.role, request.status, 'withdraw');
      const now = this.clock.now();
      await this.move(trx, actor, request, { to, version, action: 'request.withdrawn' }, now);
      await this.decisions.cancelPending(trx, id, 'Demande retirée par le bailleur', now);
    });
  }
}

/** The statuses in which a landlord still adds documents to its request. */
const DOCUMENTS_OPEN: readonly RequestStatus[] = ['draft', 'awaiting_information'];

/** What an actor may do on a request's page. */
export interface RequestAbilities {
  forAssociation: boolean;
  isLandlord: boolean;
  isAdviser: boolean;
  actions: string[];
  canValidate: boolean;
  canWithdrawProposal: boolean;
  canAddDocuments: boolean;
  canMessage: boolean;
  canAnswer: boolean;
  canManagePayments: boolean;
  canOwnAccount: boolean;
  canOpenHousehold: boolean;
}
