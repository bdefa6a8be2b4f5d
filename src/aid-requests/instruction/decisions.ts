import type { Knex } from 'knex';
import { evaluateEligibility } from '../../aid-types/eligibility';
import type { AccessLogService } from '../../audit/access-log';
import type { AuditService } from '../../audit/service';
import type { Db } from '../../db/types';
import type { BlobStore } from '../../files/storage';
import type { HouseholdRepository } from '../../households/repository';
import type { Mailer } from '../../notifications/mailer';
import type { OrganisationRepository } from '../../organisations/repository';
import { type Actor, scopeFor } from '../../permissions/index';
import type { GrantScheduler } from '../../payments/grant-schedule';
import { buildSchedule } from '../../payments/schedule';
import type { SettingsService } from '../../settings/service';
import type { Clock } from '../../shared/clock';
import type { DomainEvents } from '../../shared/domain-events';
import { parisDate } from '../../shared/dates';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../shared/errors';
import { formatDate, formatEuros } from '../../shared/format';
import type { UserRepository } from '../../accounts/repository';
import type { Decision, DecisionRepository, NewDecision } from './decisions-repository';
import type { BudgetPort, FundChoice } from './budget-port';
import { type ProposalInput, REFUSAL_REASONS, type ValidationInput } from './schemas';
import { buildDecisionLetter } from './letter';
import { aboutRequest, decisionMail } from './mails';
import type { AidRequest, AidRequestRepository } from '../repository';
import type { AidRequestService } from '../service';
import { toEligibilitySituation } from '../filing/situation';
import { transition } from '../state-machine';

/** The amount a decision puts at stake: granted, or asked for when refused; an adjournment decides nothing. */
export function amountAtStake(kind: Decision['kind'], amountCents: number | null, requestedCents: number | null): number | null {
  if (kind === 'grant') return amountCents;
  if (kind === 'refuse') return requestedCents;
  return null;
}

/** Two levels apply when the aid type has a threshold and the amount at stake is above it. */
export function needsSecondLevel(thresholdCents: number | null, stake: number | null): boolean {
  return thresholdCents !== null && stake !== null && stake > thresholdCents;
}

/**
 * Decisions: an operator proposes; below the aid type's threshold the proposal is the decision,
 * above it a second operator or an admin validates it (never the proposer: the database refuses it
 * too). Applying a decision changes the status, schedules the payments of a grant, writes the
 * letter, mails the landlord's instructor, the timeline and the audit trail, in one transaction.
 */
export class DecisionService {
  private readonly db: Knex;
  private readonly requests: AidRequestRepository;
  private readonly decisions: DecisionRepository;
  private readonly aidRequests: AidRequestService;
  private readonly households: HouseholdRepository;
  private readonly organisations: OrganisationRepository;
  private readonly users: UserRepository;
  private readonly blobs: BlobStore;
  private readonly mailer: Mailer;
  private readonly settings: SettingsService;
  private readonly audit: AuditService;
  private readonly clock: Clock;
  private readonly baseUrl: string;
  private readonly instalments: GrantScheduler;
  private readonly events: DomainEvents;
  private readonly accessLog: AccessLogService;
  private readonly budget: BudgetPort;

  constructor(deps: {
    db: Knex;
    requests: AidRequestRepository;
    decisions: DecisionRepository;
    aidRequests: AidRequestService;
    households: HouseholdRepository;
    organisations: OrganisationRepository;
    users: UserRepository;
    blobs: BlobStore;
    mailer: Mailer;
    settings: SettingsService;
    audit: AuditService;
    clock: Clock;
    baseUrl: string;
    instalments: GrantScheduler;
    events: DomainEvents;
    accessLog: AccessLogService;
    budget: BudgetPort;
  }) {
    this.accessLog = deps.accessLog;
    this.budget = deps.budget;
    this.db = deps.db;
    this.requests = deps.requests;
    this.decisions = deps.decisions;
    this.aidRequests = deps.aidRequests;
    this.households = deps.households;
    this.organisations = deps.organisations;
    this.users = deps.users;
    this.blobs = deps.blobs;
    this.mailer = deps.mailer;
    this.settings = deps.settings;
    this.audit = deps.audit;
    this.clock = deps.clock;
    this.baseUrl = deps.baseUrl;
    this.instalments = deps.instalments;
    this.events = deps.events;
  }

  pending(requestId: string): Promise<Decision | null> {
    return this.decisions.pending(this.db, requestId);
  }

  history(requestId: string): Promise<Decision[]> {
    return this.decisions.forRequest(this.db, requestId);
  }

  async propose(actor: Actor, id: string, input: ProposalInput): Promise<'applied' | 'pending'> {
    scopeFor(actor, 'requests:instruct');
    const mails: string[] = [];
    const outcome = await this.db.transaction(async (trx) => {
      const request = await this.aidRequests.lock(actor, id, trx, 'requests:instruct');
      // someone changed the request since the page was opened: say so before anything else
      if (request.version !== input.version) throw new ConflictError();
      transition(actor.role, request.status, input.kind);
      if (await this.decisions.pending(trx, id)) throw new ConflictError('Une proposition de décision attend déjà sa validation sur cette demande.');
      if (input.kind === 'grant') await this.checkGrant(trx, request, input.amountCents as number, input.instalments as number);
      const now = this.clock.now();
      const fund = input.kind === 'grant' ? await this.chooseFund(trx, actor, request, input, now) : null;
      const stake = amountAtStake(input.kind, input.amountCents, request.requestedCents);
      const proposal: NewDecision = {
        requestId: id,
        kind: input.kind,
        amountCents: input.amountCents,
        instalments: input.kind === 'grant' ? (input.instalments ?? 1) : null,
        firstDueDate: input.kind === 'grant' ? (input.firstDueDate ?? null) : null,
        reasonCode: input.kind === 'refuse' ? (input.reasonCode ?? null) : null,
        comment: input.comment ?? null,
        adjournedUntil: input.kind === 'adjourn' ? (input.adjournedUntil ?? null) : null,
        // above what remains in the fund, an administrator's grant is validated by a second person whatever the amount
        needsValidation: needsSecondLevel(request.validationThresholdCents, stake) || Boolean(fund?.over),
        proposedBy: actor.userId,
        proposedByLabel: actor.name,
        proposedAt: now,
        fundId: fund?.fundId ?? null,
        budgetOverrideReason: fund?.over ? (input.budgetOverride ?? null) : null,
      };
      if (!proposal.needsValidation) {
        const decisionId = await this.decisions.insert(trx, proposal, 'applied');
        await this.apply(trx, actor, request, { ...proposal, id: decisionId }, null, mails);
        return 'applied' as const;
      }
      const decisionId = await this.decisions.insert(trx, proposal, 'pending');
      if (!(await this.requests.touch(trx, id, input.version, {}, now))) throw new ConflictError();
      await this.requests.addEvent(
        trx,
        id,
        {
          actorUserId: actor.userId,
          actorLabel: actor.name,
          kind: 'proposal',
          message: `Proposition à valider : ${this.summary(proposal)}`,
          visibility: 'internal',
        },
        now,
      );
      await this.audit.record(trx, actor, {
        entityType: 'aid_request',
        entityId: id,
        organisationId: request.organisationId,
        action: 'request.decision_proposed',
        before: null,
        after: {
          decisionId,
          decision: proposal.kind,
          amountCents: proposal.amountCents,
          threshold: request.validationThresholdCents,
          fundId: proposal.fundId,
          budgetOverride: proposal.budgetOverrideReason,
        },
      });
      return 'pending' as const;
    });
    await this.mailer.deliver(mails);
    return outcome;
  }

  /** The second level: validate (the decision applies) or return the proposal to its author. */
  async validate(actor: Actor, id: string, input: ValidationInput): Promise<'applied' | 'returned'> {
    scopeFor(actor, 'requests:instruct');
    const mails: string[] = [];
    const outcome = await this.db.transaction(async (trx) => {
      const request = await this.aidRequests.lock(actor, id, trx, 'requests:instruct');
      if (request.version !== input.version) throw new ConflictError();
      const proposal = await this.decisions.pending(trx, id);
      if (!proposal) throw new ConflictError('Aucune proposition n’attend de validation sur cette demande.');
      if (proposal.proposedBy === actor.userId)
        throw new ForbiddenError('Vous ne pouvez pas valider votre propre proposition : un autre chargé d’instruction ou un administrateur doit le faire.');
      const now = this.clock.now();
      if (input.outcome === 'return') {
        await this.decisions.markReturned(trx, proposal.id, { userId: actor.userId, label: actor.name }, input.validationComment ?? '', now);
        if (!(await this.requests.touch(trx, id, input.version, {}, now))) throw new ConflictError();
        await this.requests.addEvent(
          trx,
          id,
          {
            actorUserId: actor.userId,
            actorLabel: actor.name,
            kind: 'proposal',
            message: `Proposition renvoyée à ${proposal.proposedByLabel} : ${input.validationComment}`,
            visibility: 'internal',
          },
          now,
        );
        await this.audit.record(trx, actor, {
          entityType: 'aid_request',
          entityId: id,
          organisationId: request.organisationId,
          action: 'request.decision_returned',
          before: { decisionId: proposal.id },
          after: { commented: Boolean(input.validationComment) },
        }); // the comment is an internal note: encrypted in the timeline, never in the immutable trail
        return 'returned' as const;
      }
      transition(actor.role, request.status, proposal.kind);
      if (proposal.kind === 'grant') await this.checkGrant(trx, request, proposal.amountCents as number, proposal.instalments as number);
      await this.apply(trx, actor, request, proposal, input.validationComment ?? null, mails);
      return 'applied' as const;
    });
    await this.mailer.deliver(mails);
    return outcome;
  }

  /**
   * The proposer takes back a proposal still waiting for validation (to correct it, or because the
   * situation changed): the request stays in review, the internal timeline and the audit say so.
   */
  async withdrawProposal(actor: Actor, id: string, version: number): Promise<void> {
    scopeFor(actor, 'requests:instruct');
    await this.db.transaction(async (trx) => {
      const request = await this.aidRequests.lock(actor, id, trx, 'requests:instruct');
      if (request.version !== version) throw new ConflictError();
      const proposal = await this.decisions.pending(trx, id);
      if (!proposal) throw new ConflictError('Aucune proposition n’attend de validation sur cette demande.');
      if (proposal.proposedBy !== actor.userId)
        throw new ForbiddenError('Seul l’auteur d’une proposition peut la retirer : vous pouvez la valider ou la renvoyer à son auteur.');
      const now = this.clock.now();
      await this.decisions.cancelPending(trx, id, 'Retirée par son auteur', now);
      if (!(await this.requests.touch(trx, id, version, {}, now))) throw new ConflictError();
      await this.requests.addEvent(
        trx,
        id,
        {
          actorUserId: actor.userId,
          actorLabel: actor.name,
          kind: 'proposal',
          message: `Proposition retirée par son auteur : ${this.summary(proposal)}`,
          visibility: 'internal',
        },
        now,
      );
      await this.audit.record(trx, actor, {
        entityType: 'aid_request',
        entityId: id,
        organisationId: request.organisationId,
        action: 'request.decision_withdrawn',
        before: { decisionId: proposal.id, decision: proposal.kind, amountCents: proposal.amountCents },
        after: { status: request.status },
      });
    });
  }

  /**
   * The funds the decision form shows for a request the actor may decide: what each has left, what
   * would be left after granting `amountCents`, the 80 % warning; an administrator may go above.
   */
  async fundOptions(actor: Actor, request: AidRequest, amountCents: number | null, fundIds: Array<string | null> = []) {
    scopeFor(actor, 'requests:instruct');
    const on = parisDate(this.clock.now());
    const options = await this.budget.options(this.db, { aidTypeCode: request.aidTypeCode, organisationId: request.organisationId, on });
    const names = new Map(options.map((o) => [o.id, o.name]));
    return {
      fundOptions: options.map((o) => ({
        ...o,
        afterCents: amountCents === null ? null : o.availableCents - amountCents,
      })),
      fundChoices: options.map((o) => ({ value: o.id, text: `${o.name} — reste ${formatEuros(o.availableCents)}` })),
      fundNames: Object.fromEntries(
        fundIds.filter((x): x is string => Boolean(x)).map((id) => [id, names.get(id) ?? 'fonds qui ne paie plus cette aide aujourd’hui']),
      ),
      canOverrideBudget: actor.role === 'admin',
    };
  }

  /** A decision's letter, for whoever may read the request. */
  async letter(actor: Actor, requestId: string, decisionId: string): Promise<{ filename: string; data: Buffer }> {
    const request = await this.aidRequests.get(actor, requestId);
    const decision = await this.decisions.find(this.db, request.id, decisionId);
    if (!decision?.letterBlobId) throw new NotFoundError();
    const blob = await this.blobs.get(this.db, decision.letterBlobId);
    if (!blob) throw new NotFoundError();
    await this.accessLog.read(actor, { action: 'request.letter', entityType: 'aid_request', entityId: request.id });
    return { filename: `decision-${request.reference}.pdf`, data: blob.data };
  }

  /** A grant stays within the aid's ceilings (amount, instalments, 12 rolling months) and has a valid payee. */
  private async checkGrant(trx: Db, request: AidRequest, amountCents: number, instalments: number): Promise<void> {
    const version = await this.aidRequests.rulesOf(request, trx);
    if (!version) throw new ValidationError({ _form: 'Les règles de cette aide sont introuvables.' });
    const evaluation = evaluateEligibility(
      { code: request.aidTypeCode, groupCode: request.aidTypeGroup },
      version.rules,
      toEligibilitySituation(request.situation, {
        today: parisDate(this.clock.now()),
        landlordActive: request.organisationActive,
        requestedCents: amountCents,
        requestedMonths: version.rules.monthly ? instalments : null,
        previousAids: await this.requests.grantedAidsOf(trx, request.householdId, request.id),
      }),
    );
    const failed = evaluation.checks.filter((c) => !c.ok && ['ceiling', 'rolling_ceiling'].includes(c.code));
    if (failed.length) throw new ValidationError({ amount: failed.map((c) => c.message).join(' ; ') });
    const months = evaluation.checks.find((c) => c.code === 'months' && !c.ok);
    if (months) throw new ValidationError({ instalments: months.message });
    const max = version.rules.maxInstalments ?? (version.rules.monthly ? version.rules.maxMonths : 1) ?? 1;
    if (instalments > max) throw new ValidationError({ instalments: `Cette aide se verse en ${max} échéance${max > 1 ? 's' : ''} au plus` });
    if (instalments > amountCents) throw new ValidationError({ instalments: 'Trop d’échéances pour ce montant' });
    if (!request.payee?.iban)
      throw new ValidationError({ _form: 'Le bénéficiaire du versement et son IBAN manquent : demandez-les au bailleur avant d’accorder l’aide.' });
  }

  /**
   * The fund a proposed grant goes on, checked against what remains: above it, only an
   * administrator may grant, with a reason (the budget refuses anyone else in French).
   */
  private async chooseFund(trx: Db, actor: Actor, request: AidRequest, input: ProposalInput, now: Date): Promise<FundChoice | null> {
    const override = input.budgetOverride ?? null;
    if (override && actor.role !== 'admin')
      throw new ValidationError({ budgetOverride: 'Seul un administrateur peut accorder au-delà de ce qui reste dans le fonds.' });
    return this.budget.choose(trx, {
      requestId: request.id,
      organisationId: request.organisationId,
      aidTypeCode: request.aidTypeCode,
      amountCents: input.amountCents as number,
      fundId: input.fundId ?? null,
      overrideReason: override,
      on: parisDate(now),
    });
  }

  private summary(d: Pick<Decision, 'kind' | 'amountCents' | 'instalments' | 'reasonCode' | 'adjournedUntil'>): string {
    if (d.kind === 'grant') return `accorder ${formatEuros(d.amountCents)}${d.instalments && d.instalments > 1 ? ` en ${d.instalments} échéances` : ''}`;
    if (d.kind === 'refuse') return `refuser (${REFUSAL_REASONS[d.reasonCode as keyof typeof REFUSAL_REASONS] ?? d.reasonCode})`;
    return `ajourner jusqu’au ${formatDate(d.adjournedUntil)}`;
  }

  private async apply(
    trx: Knex.Transaction,
    actor: Actor,
    request: AidRequest,
    d: NewDecision & { id: string },
    comment: string | null,
    mails: string[],
  ): Promise<void> {
    const to = transition(actor.role, request.status, d.kind);
    const now = this.clock.now();
    const schedule = d.kind === 'grant' ? buildSchedule(d.amountCents as number, d.instalments as number, d.firstDueDate as string) : [];
    const patch = {
      decided_at: now,
      granted_cents: d.kind === 'grant' ? d.amountCents : null,
      adjourned_until: d.kind === 'adjourn' ? d.adjournedUntil : null,
    };
    const secondLevel = d.needsValidation ? { userId: actor.userId, label: actor.name } : null;
    // the fund first: a grant above what remains stops here, before anything changed
    const fund =
      d.kind === 'grant'
        ? await this.budget.commit(
            trx,
            {
              requestId: request.id,
              decisionId: d.id,
              organisationId: request.organisationId,
              aidTypeCode: request.aidTypeCode,
              amountCents: d.amountCents as number,
              fundId: d.fundId,
              overrideReason: d.budgetOverrideReason,
              on: parisDate(now),
              by: actor.name,
            },
            now,
          )
        : null;
    if (fund) mails.push(...fund.mails);
    const letter = await this.blobs.put(trx, await this.buildLetter(trx, request, d, schedule, now), 'application/pdf');
    await this.aidRequests.move(
      trx,
      actor,
      request,
      {
        to,
        version: request.version,
        patch,
        action: `request.${to}`,
        event: { kind: 'status_change', message: `Décision : ${this.summary(d)}` },
        after: {
          decisionId: d.id,
          grantedCents: patch.granted_cents,
          instalments: schedule.length || null,
          reason: d.reasonCode,
          adjournedUntil: patch.adjourned_until,
          proposedBy: d.proposedByLabel,
          validatedBy: secondLevel?.label ?? null,
          letterSha256: letter.sha256,
          ...(fund ? { fundId: fund.fundId, budgetOverride: d.budgetOverrideReason } : {}),
        },
      },
      now,
    );
    await this.decisions.markApplied(trx, d.id, secondLevel, comment, now);
    await this.decisions.setLetter(trx, d.id, letter.id);
    if (d.kind === 'grant' && request.payee) {
      const payments = await this.instalments.schedule(
        trx,
        {
          requestId: request.id,
          decisionId: d.id,
          organisationId: request.organisationId,
          organisationName: request.organisationName,
          reference: request.reference as string,
          payee: request.payee,
        },
        schedule,
        now,
      );
      const rules = await this.aidRequests.rulesOf(request, trx);
      await this.events.emit(
        trx,
        'aid.granted',
        {
          requestId: request.id,
          reference: request.reference as string,
          aidCode: request.aidTypeCode,
          rulesAccounts: rules?.rules.accounting ?? null,
          analyticCode: fund?.analyticCode ?? null,
          by: actor.name,
          payments,
        },
        now,
      );
    }
    if (secondLevel) {
      await this.requests.addEvent(
        trx,
        request.id,
        {
          actorUserId: actor.userId,
          actorLabel: actor.name,
          kind: 'proposal',
          message: `Décision proposée par ${d.proposedByLabel}, validée par ${actor.name}`,
          visibility: 'internal',
        },
        now,
      );
    }
    const creator = await this.users.findById(trx, { all: true }, request.createdBy);
    if (creator?.status === 'active') {
      mails.push(
        await this.mailer.queue(
          trx,
          decisionMail(creator.email, creator.firstName, aboutRequest(request, this.baseUrl), {
            kind: d.kind,
            grantedCents: patch.granted_cents,
            adjournedUntil: patch.adjourned_until,
          }),
        ),
      );
    }
  }

  private async buildLetter(trx: Db, request: AidRequest, d: NewDecision, schedule: ReturnType<typeof buildSchedule>, now: Date): Promise<Buffer> {
    const household = await this.households.findById(trx, { all: true }, request.householdId);
    const landlord = await this.organisations.findById(trx, { all: true }, request.organisationId);
    const settings = await this.settings.get(trx);
    return buildDecisionLetter({
      letterhead: settings.letterhead,
      date: parisDate(now),
      reference: request.reference ?? '',
      landlord: {
        name: request.organisationName,
        addressLines: [landlord?.addressLine1, landlord?.addressLine2, [landlord?.postcode, landlord?.city].filter(Boolean).join(' ')].filter(
          (l): l is string => Boolean(l),
        ),
      },
      household: {
        holderName: request.tenantName ?? request.situation.members[0]?.name ?? '',
        addressLines: household
          ? [household.addressLine1, household.addressLine2, `${household.postcode} ${household.city}`].filter((l): l is string => Boolean(l))
          : [],
        tenancyReference: household?.tenancyReference ?? '',
      },
      aidLabel: request.aidTypeLabel,
      kind: d.kind,
      requestedCents: request.requestedCents,
      grantedCents: d.amountCents,
      schedule,
      payeeName: request.payee?.name ?? null,
      reasonLabel: d.reasonCode ? (REFUSAL_REASONS[d.reasonCode as keyof typeof REFUSAL_REASONS] ?? d.reasonCode) : null,
      comment: d.comment,
      adjournedUntil: d.adjournedUntil,
    });
  }
}
