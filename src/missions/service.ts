import type { Knex } from 'knex';
import type { AccessLogService } from '../audit/access-log';
import type { AuditService } from '../audit/service';
import type { AidRequestRepository } from '../aid-requests/repository';
import { type Db, isUuid, type Page } from '../db/types';
import { zipArchive } from '../shared/zip';
import { missionDossierEntries } from './dossier-export';
import type { BlobStore } from '../files/storage';
import type { HouseholdRepository } from '../households/repository';
import { type Actor, can, scopeFor } from '../permissions';
import type { SettingsService } from '../settings/service';
import type { Clock } from '../shared/clock';
import type { AfterCommit, DomainEvents } from '../shared/domain-events';
import { parisDate } from '../shared/dates';
import { ConflictError, NotFoundError, ValidationError } from '../shared/errors';
import type { UserRepository } from '../accounts/repository';
import type { Mission, MissionFilter, MissionRepository, MissionScope, MissionSession, MissionType, Objective } from './repository';
import { buildMissionReport } from './report';
import {
  INTERRUPTION_REASONS,
  OPEN_MISSION_STATUSES,
  missionActions,
  missionTransition,
  type MissionAction,
  type MissionStatus,
  type ObjectiveResult,
} from './state-machine';

/** Runs inside the closing transaction; returns what to do once it is committed (deliver mails). */

const CLOSED_STATUSES: readonly MissionStatus[] = ['declined', 'completed', 'interrupted'];

export interface MissionView {
  mission: Mission;
  objectives: Objective[];
  /** the sessions, private notes for the association only; none for landlords */
  sessions: MissionSession[];
  sessionCount: number;
  minutes: number;
  actions: MissionAction[];
}

/** Billing of a finished mission: hours × rate (to the cent, rounded half up) or the flat fee. */
export function billingAmount(type: Pick<MissionType, 'billingMode' | 'rateCents'>, minutes: number): number {
  return type.billingMode === 'flat' ? type.rateCents : Math.floor((minutes * type.rateCents * 2 + 60) / 120);
}

/**
 * A session as this actor may read it: everything for the association's people (private notes
 * included), the date, kind and length only for the landlord.
 */
export function sessionFor<S extends MissionSession>(actor: Actor, s: S): S {
  if (actor.organisationKind === 'association') return s;
  return { ...s, participants: '', summary: '', privateNotes: null, nextSteps: null };
}

/** Support missions: ordered, accepted with the household's consent, run by an adviser, closed with a report and a billing line. */
export class MissionService {
  private readonly db: Knex;
  private readonly missions: MissionRepository;
  private readonly households: HouseholdRepository;
  private readonly requests: AidRequestRepository;
  private readonly users: UserRepository;
  private readonly blobs: BlobStore;
  private readonly settings: SettingsService;
  private readonly audit: AuditService;
  private readonly clock: Clock;
  private readonly events: DomainEvents;
  private readonly accessLog: AccessLogService;

  constructor(deps: {
    db: Knex;
    missions: MissionRepository;
    households: HouseholdRepository;
    requests: AidRequestRepository;
    users: UserRepository;
    blobs: BlobStore;
    settings: SettingsService;
    audit: AuditService;
    clock: Clock;
    events: DomainEvents;
    accessLog: AccessLogService;
  }) {
    this.accessLog = deps.accessLog;
    this.db = deps.db;
    this.missions = deps.missions;
    this.households = deps.households;
    this.requests = deps.requests;
    this.users = deps.users;
    this.blobs = deps.blobs;
    this.settings = deps.settings;
    this.audit = deps.audit;
    this.clock = deps.clock;
    this.events = deps.events;
  }

  /** The association sees every mission, an adviser the ones assigned to them, a landlord its households'. */
  scope(actor: Actor): MissionScope {
    scopeFor(actor, 'missions:read');
    if (can(actor, 'missions:manage')) return { all: true };
    if (actor.role === 'social_adviser') return { adviserId: actor.userId };
    // a landlord user tied to one agency follows that agency's households only, as for aid requests
    return { organisationId: actor.organisationId, agencyId: actor.agencyRestricted && actor.agencyId ? actor.agencyId : undefined };
  }

  list(actor: Actor, filter: MissionFilter, page: number): Promise<Page<Mission>> {
    return this.missions.list(this.db, this.scope(actor), filter, page);
  }

  async forHousehold(actor: Actor, householdId: string, options: { openOnly?: boolean } = {}): Promise<Mission[]> {
    const missions = await this.missions.forHousehold(this.db, this.scope(actor), householdId);
    return options.openOnly ? missions.filter((m) => OPEN_MISSION_STATUSES.includes(m.status)) : missions;
  }

  async get(actor: Actor, id: string, db: Db = this.db, forUpdate = false): Promise<Mission> {
    const mission = isUuid(id) ? await this.missions.findById(db, this.scope(actor), id, forUpdate) : null;
    if (!mission) throw new NotFoundError();
    return mission;
  }

  async view(actor: Actor, id: string): Promise<MissionView> {
    const mission = await this.get(actor, id);
    // every reader is traced, the landlord reading its summary too (CNIL: who read which record, when)
    const [objectives, sessions] = await Promise.all([
      this.missions.objectives(this.db, mission.id),
      this.missions.sessions(this.db, mission.id),
      this.accessLog.read(actor, { action: 'mission.view', entityType: 'mission', entityId: mission.id }),
    ]);
    return {
      mission,
      objectives,
      sessions: sessions.map((s) => sessionFor(actor, s)),
      sessionCount: sessions.length,
      minutes: sessions.reduce((a, s) => a + s.durationMinutes, 0),
      actions: missionActions(actor.role, mission.status),
    };
  }

  /**
   * Who to meet: the household's current members and how to reach them, for the people working on
   * the mission (an adviser has no access to the household pages, only to what their missions link to).
   */
  async contacts(actor: Actor, mission: Mission): Promise<Array<{ name: string; relationship: string; phone: string | null; email: string | null }>> {
    scopeFor(actor, 'missions:work');
    return this.missions.currentMembers(this.db, mission.householdId);
  }

  /** The mission's audit trail (its transitions, sessions, appointments); the mission was read under the actor's scope. */
  history(mission: Mission) {
    return this.audit.historyOf(this.db, [{ type: 'mission', ids: [mission.id] }]);
  }

  /** The household page's "Accompagnement" section: its missions, their sessions and appointments. */
  async householdOverview(actor: Actor, householdId: string) {
    const missions = await this.forHousehold(actor, householdId);
    const ids = missions.map((m) => m.id);
    const [sessions, appointments] = await Promise.all([this.missions.sessionsOf(this.db, ids), this.missions.appointmentsOf(this.db, ids)]);
    return missions.map((m) => ({
      mission: m,
      sessions: sessions.filter((s) => s.missionId === m.id).map((s) => sessionFor(actor, s)),
      appointments: appointments.filter((a) => a.missionId === m.id),
    }));
  }

  /** An operator orders a mission, or a landlord asks the association for one, for a household it reaches. */
  async order(
    actor: Actor,
    input: { householdId: string; missionTypeId: string; reason: string; requestId?: string | undefined; adviserId?: string | undefined },
    /** from an ASD orientation: its case number, and the follow-up's transaction to run in */
    options: { orientationAsd?: string; db?: Db } = {},
  ): Promise<string> {
    const scope = scopeFor(actor, 'missions:order');
    return (options.db ?? this.db).transaction(async (trx) => {
      const household = await this.households.findById(trx, scope, input.householdId);
      if (!household) throw new ValidationError({ householdId: 'Choisissez un ménage de la liste' });
      // a landlord user tied to one agency follows that agency's missions only: it asks for those
      if (actor.agencyRestricted && actor.agencyId && household.agencyId !== actor.agencyId)
        throw new ValidationError({ householdId: 'Ce ménage relève d’une autre agence que la vôtre' });
      const type = await this.missions.type(trx, input.missionTypeId);
      if (!type?.active) throw new ValidationError({ missionTypeId: 'Choisissez un type d’accompagnement' });
      if (input.requestId) {
        const request = await this.requests.findById(trx, scope.all ? { all: true } : { all: false, organisationId: scope.organisationId }, input.requestId);
        if (!request || request.householdId !== household.id) throw new ValidationError({ requestId: 'Cette demande n’est pas celle de ce ménage' });
      }
      const adviserId = input.adviserId && can(actor, 'missions:manage') ? await this.adviser(trx, actor, input.adviserId) : null;
      const now = this.clock.now();
      const reference = await this.missions.nextReference(trx, Number(parisDate(now).slice(0, 4)));
      const id = await this.missions.insert(
        trx,
        {
          reference,
          organisationId: household.organisationId,
          householdId: household.id,
          requestId: input.requestId ?? null,
          missionTypeId: type.id,
          origin: actor.organisationKind === 'landlord' ? 'landlord' : 'association',
          reason: input.reason,
          plannedMinutes: type.defaultMinutes,
          orderedBy: actor.userId,
          orderedByLabel: actor.name,
          adviserId,
          orientationAsd: options.orientationAsd ?? null,
        },
        now,
      );
      await this.audit.record(trx, actor, {
        entityType: 'mission',
        entityId: id,
        organisationId: household.organisationId,
        action: 'mission.ordered',
        after: {
          reference,
          type: type.code,
          requestId: input.requestId ?? null,
          adviserId,
          ...(options.orientationAsd ? { orientationAsd: options.orientationAsd } : {}),
        },
      });
      await this.events.emit(trx, 'mission.ordered', { missionId: id, householdId: household.id }, now);
      return id;
    });
  }

  /** The aid requests of a household the actor reaches, that a new mission may be linked to. */
  async requestsOfHousehold(actor: Actor, householdId: string) {
    const household = await this.households.findById(this.db, scopeFor(actor, 'missions:order'), householdId);
    return household ? this.missions.requestsOfHousehold(this.db, household.id) : [];
  }

  async assign(actor: Actor, id: string, version: number, adviserId: string): Promise<void> {
    scopeFor(actor, 'missions:manage');
    await this.change(actor, id, version, async (trx, m) => {
      if (['declined', 'completed', 'interrupted'].includes(m.status)) throw new ConflictError('Cette mission est close : elle ne change plus de conseiller.');
      const adviser = await this.adviser(trx, actor, adviserId);
      return { patch: { adviser_id: adviser }, action: 'mission.assigned', before: { adviserId: m.adviserId }, after: { adviserId: adviser } };
    });
  }

  /** The household agreed: its consent, and the objectives of the support. */
  async accept(
    actor: Actor,
    id: string,
    version: number,
    input: { consentDate: string; consentMethod: string; objectives: Array<{ category: string; text: string }> },
  ): Promise<void> {
    await this.change(actor, id, version, async (trx, m) => {
      const to = missionTransition(actor.role, m.status, 'accept');
      if (input.consentDate > parisDate(this.clock.now())) throw new ValidationError({ consentDate: 'La date de l’accord ne peut pas être dans le futur' });
      if (input.objectives.length === 0) throw new ValidationError({ objectives: 'Fixez au moins un objectif avec le ménage' });
      await this.missions.replaceObjectives(trx, m.id, input.objectives);
      const consent = { date: input.consentDate, method: input.consentMethod, recordedBy: actor.name };
      return {
        patch: { status: to, consent: JSON.stringify(consent), accepted_at: this.clock.now() },
        action: 'mission.accepted',
        before: { status: m.status },
        after: { status: to, consentDate: consent.date, consentMethod: consent.method, objectives: input.objectives.length },
      };
    });
  }

  async decline(actor: Actor, id: string, version: number, reason: string): Promise<void> {
    await this.change(actor, id, version, async (_trx, m) => {
      const to = missionTransition(actor.role, m.status, 'decline');
      return {
        patch: { status: to, decline_reason: reason, ended_at: this.clock.now() },
        action: 'mission.declined',
        before: { status: m.status },
        after: { status: to, reason },
      };
    });
  }

  async start(actor: Actor, id: string, version: number): Promise<void> {
    await this.change(actor, id, version, async (_trx, m) => {
      const to = missionTransition(actor.role, m.status, 'start');
      if (!m.adviserId) throw new ConflictError('Attribuez d’abord la mission à un conseiller ou une conseillère.');
      return { patch: { status: to, started_at: this.clock.now() }, action: 'mission.started', before: { status: m.status }, after: { status: to } };
    });
  }

  /** A session held with the household; the first one starts an accepted mission. */
  async recordSession(
    actor: Actor,
    id: string,
    s: {
      heldOn: string;
      durationMinutes: number;
      kind: string;
      participants: string;
      summary: string;
      privateNotes?: string | undefined;
      nextSteps?: string | undefined;
      shareWithHousehold?: boolean;
    },
  ): Promise<void> {
    scopeFor(actor, 'missions:work');
    await this.db.transaction(async (trx) => {
      const m = await this.get(actor, id, trx, true);
      if (!['accepted', 'in_progress'].includes(m.status)) throw new ConflictError('Un entretien s’enregistre sur une mission acceptée ou en cours.');
      if (s.heldOn > parisDate(this.clock.now()))
        throw new ValidationError({ heldOn: 'Un entretien s’enregistre une fois tenu : la date ne peut pas être dans le futur' });
      const now = this.clock.now();
      const sessionId = await this.missions.insertSession(
        trx,
        m.id,
        {
          heldOn: s.heldOn,
          durationMinutes: s.durationMinutes,
          kind: s.kind,
          participants: s.participants,
          summary: s.summary,
          privateNotes: s.privateNotes ?? null,
          nextSteps: s.nextSteps ?? null,
          sharedWithHousehold: s.shareWithHousehold ?? false,
        },
        { id: actor.userId, label: actor.name },
        now,
      );
      if (m.status === 'accepted') {
        if (!(await this.missions.update(trx, m.id, m.version, { status: 'in_progress', started_at: now, adviser_id: m.adviserId ?? actor.userId }, now)))
          throw new ConflictError();
        await this.events.emit(trx, 'mission.moved', { missionId: m.id, from: m.status, to: 'in_progress' }, now);
      }
      await this.events.emit(trx, 'mission.session_recorded', { missionId: m.id, heldOn: s.heldOn, minutes: s.durationMinutes }, now);
      await this.audit.record(trx, actor, {
        entityType: 'mission',
        entityId: m.id,
        organisationId: m.organisationId,
        action: 'mission.session_recorded',
        after: { sessionId, heldOn: s.heldOn, minutes: s.durationMinutes, kind: s.kind },
      });
    });
  }

  /** The end: each objective's result, the outcome, the report (PDF) and the billing line. */
  async complete(
    actor: Actor,
    id: string,
    version: number,
    input: { results: Record<number, ObjectiveResult>; outcome: string; recommendations?: string | undefined },
  ): Promise<void> {
    await this.change(actor, id, version, async (trx, m) => {
      const to = missionTransition(actor.role, m.status, 'complete');
      const objectives = await this.missions.objectives(trx, m.id);
      const missing = objectives.filter((o) => !input.results[o.position]);
      if (missing.length) throw new ValidationError({ results: `Indiquez le résultat de chaque objectif (${missing.map((o) => o.position).join(', ')})` });
      await this.missions.setObjectiveResults(trx, m.id, input.results);
      const closed = { ...m, status: to, outcome: input.outcome, recommendations: input.recommendations ?? null, endedAt: this.clock.now() } as Mission;
      const reportId = await this.close(trx, closed);
      return {
        patch: { status: to, outcome: input.outcome, recommendations: input.recommendations ?? null, ended_at: closed.endedAt, report_blob_id: reportId },
        action: 'mission.completed',
        before: { status: m.status },
        after: { status: to },
      };
    });
  }

  async interrupt(
    actor: Actor,
    id: string,
    version: number,
    input: { reason: keyof typeof INTERRUPTION_REASONS; comment?: string | undefined },
  ): Promise<void> {
    await this.change(actor, id, version, async (trx, m) => {
      const to = missionTransition(actor.role, m.status, 'interrupt');
      const reason = `${INTERRUPTION_REASONS[input.reason]}${input.comment ? ` : ${input.comment}` : ''}`;
      const closed = { ...m, status: to, interruptionReason: reason, endedAt: this.clock.now() } as Mission;
      const reportId = await this.close(trx, closed);
      return {
        patch: { status: to, interruption_reason: reason, ended_at: closed.endedAt, report_blob_id: reportId },
        action: 'mission.interrupted',
        before: { status: m.status },
        after: { status: to, reason },
      };
    });
  }

  /** The mission's dossier as one ZIP for the funder's case worker (association; a traced read). */
  async dossier(actor: Actor, id: string): Promise<{ fileName: string; data: Buffer }> {
    scopeFor(actor, 'missions:manage');
    const m = await this.get(actor, id);
    const [objectives, sessions] = await Promise.all([this.missions.objectives(this.db, m.id), this.missions.sessions(this.db, m.id)]);
    const report = m.reportBlobId ? await this.blobs.get(this.db, m.reportBlobId) : null;
    await this.accessLog.read(actor, { action: 'mission.dossier_export', entityType: 'mission', entityId: m.id });
    const now = this.clock.now();
    return {
      fileName: `dossier-${m.reference}-${parisDate(now)}.zip`,
      data: await zipArchive(missionDossierEntries(m, objectives, sessions, report?.data ?? null, now)),
    };
  }

  /** The closing report, in the summary form a landlord may read. */
  async report(actor: Actor, id: string): Promise<{ filename: string; data: Buffer }> {
    const m = await this.get(actor, id);
    const blob = m.reportBlobId ? await this.blobs.get(this.db, m.reportBlobId) : null;
    if (!blob) throw new NotFoundError('Le bilan est établi à la fin de la mission.');
    await this.accessLog.read(actor, { action: 'mission.report', entityType: 'mission', entityId: m.id });
    return { filename: `bilan-${m.reference}.pdf`, data: blob.data };
  }

  // --- mission types (administrators) and billing ---
  types(): Promise<MissionType[]> {
    return this.missions.types(this.db);
  }

  async saveType(
    actor: Actor,
    id: string | null,
    input: {
      code: string;
      label: string;
      description?: string | undefined;
      defaultMinutes: number;
      billingMode: 'hourly' | 'flat';
      rateCents: number;
      active: boolean;
      version?: number | undefined;
    },
  ): Promise<string> {
    scopeFor(actor, 'mission-types:manage');
    return this.db.transaction(async (trx) => {
      const now = this.clock.now();
      const values = {
        code: input.code,
        label: input.label,
        description: input.description ?? null,
        defaultMinutes: input.defaultMinutes,
        billingMode: input.billingMode,
        rateCents: input.rateCents,
        active: input.active,
      };
      if (!id) {
        if ((await this.missions.types(trx)).some((t) => t.code === input.code)) throw new ValidationError({ code: 'Ce code existe déjà' });
        const created = await this.missions.insertType(trx, values, now);
        await this.audit.record(trx, actor, {
          entityType: 'mission_type',
          entityId: created,
          organisationId: actor.organisationId,
          action: 'mission_type.created',
          after: values,
        });
        return created;
      }
      const before = await this.missions.type(trx, id);
      if (!before) throw new NotFoundError();
      if (!(await this.missions.updateType(trx, id, input.version ?? 0, values, now))) throw new ConflictError();
      await this.audit.record(trx, actor, {
        entityType: 'mission_type',
        entityId: id,
        organisationId: actor.organisationId,
        action: 'mission_type.updated',
        before: { ...before },
        after: values,
      });
      return id;
    });
  }

  async type(actor: Actor, id: string): Promise<MissionType> {
    scopeFor(actor, 'mission-types:manage');
    const t = isUuid(id) ? await this.missions.type(this.db, id) : null;
    if (!t) throw new NotFoundError();
    return t;
  }

  billingLines(actor: Actor, period?: string) {
    scopeFor(actor, 'missions:billing');
    return this.missions.billingLines(this.db, period);
  }

  /** The months that have billing lines, latest first. */
  billingPeriods(actor: Actor): Promise<string[]> {
    scopeFor(actor, 'missions:billing');
    return this.missions.billingPeriods(this.db);
  }

  stats(actor: Actor) {
    scopeFor(actor, 'missions:manage');
    return this.missions.stats(this.db);
  }

  /** Active social advisers of the association, to assign missions to. */
  advisers(actor: Actor) {
    scopeFor(actor, 'missions:manage');
    return this.users.activeWithRoles(this.db, actor.organisationId, ['social_adviser']);
  }

  private async adviser(trx: Db, actor: Actor, adviserId: string): Promise<string> {
    const advisers = await this.users.activeWithRoles(trx, actor.organisationId, ['social_adviser']);
    if (!advisers.some((a) => a.id === adviserId)) throw new ValidationError({ adviserId: 'Choisissez une conseillère ou un conseiller actif' });
    return adviserId;
  }

  private async close(trx: Db, m: Mission): Promise<string> {
    // one connection in a transaction: its queries run one after the other
    const objectives = await this.missions.objectives(trx, m.id);
    const sessions = await this.missions.sessions(trx, m.id);
    const type = await this.missions.type(trx, m.missionTypeId);
    const minutes = sessions.reduce((a, s) => a + s.durationMinutes, 0);
    const now = this.clock.now();
    const pdf = await buildMissionReport({
      letterhead: (await this.settings.get(trx)).letterhead,
      reference: m.reference,
      typeLabel: m.typeLabel,
      status: m.status,
      landlordName: m.organisationName,
      householdAddress: m.householdAddress,
      holderName: m.holderName,
      adviserName: m.adviserName,
      acceptedAt: m.acceptedAt,
      endedAt: m.endedAt,
      objectives,
      sessions: sessions.length,
      minutes,
      outcome: m.outcome,
      interruptionReason: m.interruptionReason,
      recommendations: m.recommendations,
      date: parisDate(now),
    });
    const blob = await this.blobs.put(trx, pdf, 'application/pdf');
    if (type && (minutes > 0 || type.billingMode === 'flat')) {
      await this.missions.insertBillingLine(
        trx,
        {
          missionId: m.id,
          organisationId: m.organisationId,
          period: parisDate(now).slice(0, 7),
          missionTypeId: type.id,
          billingMode: type.billingMode,
          minutes,
          rateCents: type.rateCents,
          amountCents: billingAmount(type, minutes),
        },
        now,
      );
    }
    return blob.id;
  }

  /** One change of a mission under its version, in a transaction, with its audit line; a closing change announces `mission.closed`. */
  private async change(
    actor: Actor,
    id: string,
    version: number,
    apply: (
      trx: Db,
      m: Mission,
    ) => Promise<{ patch: Record<string, unknown>; action: string; before?: Record<string, unknown>; after: Record<string, unknown> }>,
  ): Promise<void> {
    const afterCommit: AfterCommit[] = [];
    await this.db.transaction(async (trx) => {
      const m = await this.get(actor, id, trx, true);
      if (m.version !== version) throw new ConflictError();
      const c = await apply(trx, m);
      if (!(await this.missions.update(trx, m.id, version, c.patch, this.clock.now()))) throw new ConflictError();
      await this.audit.record(trx, actor, {
        entityType: 'mission',
        entityId: m.id,
        organisationId: m.organisationId,
        action: c.action,
        before: c.before ?? null,
        after: c.after,
      });
      if (typeof c.patch.status === 'string' && c.patch.status !== m.status)
        await this.events.emit(trx, 'mission.moved', { missionId: m.id, from: m.status, to: c.patch.status }, this.clock.now());
      // a closing change is announced: the appointments call themselves off (their mails leave after the commit)
      if (CLOSED_STATUSES.includes(c.patch.status as MissionStatus))
        afterCommit.push(...(await this.events.emit(trx, 'mission.closed', { actor, missionId: m.id, organisationId: m.organisationId }, this.clock.now())));
    });
    for (const run of afterCommit) await run();
  }
}
