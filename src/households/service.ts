import type { Knex } from 'knex';
import type { AccessLogService } from '../audit/access-log';
import type { AuditEvent } from '../audit/repository';
import type { AuditService } from '../audit/service';
import type { Db, Page } from '../db/types';
import type { OrganisationRepository } from '../organisations/repository';
import { type Actor, type Scope, scopeFor } from '../permissions';
import { type AssignedCheck, AssignedReach } from '../permissions/assigned';
import type { Clock } from '../shared/clock';
import { ConflictError, NotFoundError, ValidationError } from '../shared/errors';
import type { DuplicateService } from './duplicates/service';
import type { MembershipService } from './memberships';
import type { Relationship } from './labels';
import type { Person, PersonRepository } from './persons-repository';
import type { Household, HouseholdRepository, HouseholdRequest, HouseholdSummary, Membership } from './repository';
import type { CreateHouseholdInput, HouseholdListQuery, PersonInput, UpdateHouseholdInput, UpdatePersonInput } from './schemas';
import { dwellingSnapshot, personSnapshot, toDwelling, toPersonFields } from './snapshots';
import { parisDate } from '../shared/dates';
import { ReferenceCache } from '../shared/reference-cache';

export interface MemberView extends Membership {
  person: Person;
}

export interface HouseholdDetail {
  household: Household;
  current: MemberView[];
  former: MemberView[];
  history: AuditEvent[];
}

/** Households and their people: registry, history, access traces. Membership moves live in MembershipService. */
export class HouseholdService {
  /** Advisers read the households of their missions (the mission area registers the check). */
  readonly assigned: AssignedReach;

  private readonly db: Knex;
  private readonly households: HouseholdRepository;
  private readonly persons: PersonRepository;
  private readonly organisations: OrganisationRepository;
  private readonly duplicates: DuplicateService;
  private readonly memberships: MembershipService;
  private readonly audit: AuditService;
  private readonly accessLog: AccessLogService;
  private readonly clock: Clock;
  private readonly cache: ReferenceCache;

  constructor(deps: {
    db: Knex;
    households: HouseholdRepository;
    persons: PersonRepository;
    organisations: OrganisationRepository;
    duplicates: DuplicateService;
    memberships: MembershipService;
    audit: AuditService;
    accessLog: AccessLogService;
    clock: Clock;
    cache?: ReferenceCache;
    assignedCheck?: AssignedCheck;
  }) {
    this.assigned = new AssignedReach({ general: 'households:read', assigned: 'households:read-assigned', check: deps.assignedCheck });
    this.db = deps.db;
    this.households = deps.households;
    this.persons = deps.persons;
    this.organisations = deps.organisations;
    this.duplicates = deps.duplicates;
    this.memberships = deps.memberships;
    this.audit = deps.audit;
    this.accessLog = deps.accessLog;
    this.clock = deps.clock;
    this.cache = deps.cache ?? new ReferenceCache({ ttlMs: 0 });
  }

  today(): string {
    return parisDate(this.clock.now());
  }

  /** The scope for one household: an adviser without the general read reaches only their missions' households. */
  private async scopeOf(actor: Actor, id: string, permission: 'households:read' | 'households:manage', db: Db): Promise<Scope> {
    return (permission === 'households:read' ? await this.assigned.scope(actor, id, db) : null) ?? scopeFor(actor, permission);
  }

  list(actor: Actor, query: HouseholdListQuery): Promise<Page<HouseholdSummary>> {
    return this.households.list(this.db, scopeFor(actor, 'households:read'), query, query.page);
  }

  /** The whole filtered list, page by page (CSV export): never loads every row at once. */
  async *exportRows(actor: Actor, query: HouseholdListQuery) {
    // an export reads many records at once: one trace naming the export (its filters are not kept: a search may hold a name)
    await this.logRead(actor, 'households.export', 'export', 'menages.csv');
    const scope = scopeFor(actor, 'households:read');
    let after: string | null = null;
    for (;;) {
      const rows = await this.households.listAll(this.db, scope, query, after, 1000);
      if (rows.length === 0) return;
      yield* rows;
      after = rows[rows.length - 1]?.id ?? null;
    }
  }

  /** A household the actor may see (merged ones too, to follow the link); 404 otherwise. */
  async get(actor: Actor, id: string, permission: 'households:read' | 'households:manage' = 'households:read', db: Db = this.db): Promise<Household> {
    const household = await this.households.findById(db, await this.scopeOf(actor, id, permission, db), id);
    if (!household) throw new NotFoundError();
    return household;
  }

  /** A household shown on a page or a form: read traced. */
  async read(actor: Actor, id: string, permission: 'households:read' | 'households:manage' = 'households:read'): Promise<Household> {
    const household = await this.get(actor, id, permission);
    await this.logRead(actor, 'household.view', 'household', id);
    return household;
  }

  /** The household page: members now and before, the history of the household and its people. Logged as a read. */
  async detail(actor: Actor, id: string): Promise<HouseholdDetail> {
    const household = await this.get(actor, id);
    const memberships = await this.households.members(this.db, id);
    const people = new Map((await this.persons.findManyByIds(this.db, [...new Set(memberships.map((m) => m.personId))])).map((p) => [p.id, p]));
    const views = memberships.map((m) => ({ ...m, person: people.get(m.personId) as Person }));
    const history = await this.audit.historyOf(this.db, [
      { type: 'household', ids: [id] },
      // a person may also be known at another landlord (a move, a merge): a landlord reads only its own lines of them
      { type: 'person', ids: [...people.keys()], organisationId: actor.organisationKind === 'landlord' ? household.organisationId : undefined },
    ]);
    await this.logRead(actor, 'household.view', 'household', id);
    return { household, current: views.filter((v) => v.toDate === null), former: views.filter((v) => v.toDate !== null), history };
  }

  /**
   * The household's submitted requests for an adviser, who reads the household through one of its
   * missions and has no list of requests; empty for anyone else (they read the request lists).
   */
  async requestsForAssigned(actor: Actor, householdId: string): Promise<HouseholdRequest[]> {
    if (!(await this.assigned.scope(actor, householdId, this.db))) return [];
    return this.households.submittedRequestsOf(this.db, householdId);
  }

  private logRead(actor: Actor, action: string, entityType: string, entityId: string): Promise<void> {
    return this.accessLog.read(actor, { action, entityType, entityId });
  }

  /**
   * Creates a household with its holder. When the holder looks like someone already known
   * (any organisation), the form asks for a confirmation first; once confirmed, the suspicion is
   * handed to the association.
   */
  async create(actor: Actor, input: CreateHouseholdInput, confirmedNotDuplicate: boolean): Promise<string> {
    const scope = scopeFor(actor, 'households:manage');
    const organisationId = scope.all ? input.organisationId : actor.organisationId;
    if (!organisationId) throw new ValidationError({ organisationId: 'Choisissez le bailleur' });
    const organisation = await this.organisations.findById(this.db, scope, organisationId);
    if (!organisation || organisation.kind !== 'landlord') throw new ValidationError({ organisationId: 'Choisissez un bailleur de la liste' });
    const person = toPersonFields(input);
    const matches = await this.duplicates.findFor(person);
    if (!confirmedNotDuplicate && this.duplicates.asksConfirmation(actor, matches)) throw this.duplicates.warning(actor, matches);
    const dwelling = toDwelling(input);
    const now = this.clock.now();
    return this.db.transaction(async (trx) => {
      const householdId = await this.households.insert(trx, organisationId, dwelling, actor.userId, now);
      const personId = await this.persons.insert(trx, person, now);
      await this.households.addMember(trx, householdId, personId, 'holder', dwelling.entryDate ?? this.today(), now);
      await this.audit.record(trx, actor, {
        entityType: 'household',
        entityId: householdId,
        organisationId,
        action: 'household.created',
        before: null,
        after: dwellingSnapshot(dwelling),
      });
      await this.audit.record(trx, actor, {
        entityType: 'person',
        entityId: personId,
        organisationId,
        action: 'person.created',
        before: null,
        after: personSnapshot(person),
      });
      await this.duplicates.report(trx, actor, personId, matches);
      return householdId;
    });
  }

  async update(actor: Actor, id: string, input: UpdateHouseholdInput): Promise<void> {
    const dwelling = toDwelling(input);
    await this.db.transaction(async (trx) => {
      const current = await this.get(actor, id, 'households:manage', trx);
      if (current.status !== 'active') throw new ConflictError('Ce ménage a été fusionné : modifiez le ménage qui l’a absorbé.');
      if (current.version !== input.version) throw new ConflictError();
      if (!(await this.households.update(trx, id, input.version, dwelling, this.clock.now()))) throw new ConflictError();
      await this.audit.record(trx, actor, {
        entityType: 'household',
        entityId: id,
        organisationId: current.organisationId,
        action: 'household.updated',
        before: dwellingSnapshot(current),
        after: dwellingSnapshot(dwelling),
      });
    });
  }

  /** A person the actor may edit: a current member of one of its households (association: anyone). */
  /** A person shown to be edited: read traced. */
  async readPerson(actor: Actor, personId: string): Promise<{ person: Person; householdId: string | null }> {
    const found = await this.getPerson(actor, personId, 'households:manage');
    await this.logRead(actor, 'person.view', 'person', found.person.id);
    return found;
  }

  async getPerson(
    actor: Actor,
    personId: string,
    permission: 'households:read' | 'households:manage' = 'households:read',
  ): Promise<{ person: Person; householdId: string | null }> {
    const person = await this.persons.findById(this.db, scopeFor(actor, permission), personId);
    if (!person) throw new NotFoundError();
    const membership = await this.households.currentMembership(this.db, personId);
    return { person, householdId: membership?.householdId ?? null };
  }

  async addPerson(
    actor: Actor,
    householdId: string,
    input: PersonInput & { relationship: Relationship; fromDate: string },
    confirmedNotDuplicate: boolean,
  ): Promise<string> {
    const person = toPersonFields(input);
    const matches = await this.duplicates.findFor(person);
    if (!confirmedNotDuplicate && this.duplicates.asksConfirmation(actor, matches)) throw this.duplicates.warning(actor, matches);
    return this.db.transaction(async (trx) => {
      const household = await this.get(actor, householdId, 'households:manage', trx);
      if (household.status !== 'active') throw new ConflictError('Ce ménage a été fusionné.');
      const now = this.clock.now();
      const personId = await this.persons.insert(trx, person, now);
      await this.audit.record(trx, actor, {
        entityType: 'person',
        entityId: personId,
        organisationId: household.organisationId,
        action: 'person.created',
        before: null,
        after: personSnapshot(person),
      });
      await this.memberships.arrive(trx, actor, household, { ...person, id: personId }, input.relationship, input.fromDate);
      await this.duplicates.report(trx, actor, personId, matches);
      return personId;
    });
  }

  async updatePerson(actor: Actor, personId: string, input: UpdatePersonInput): Promise<string | null> {
    const fields = toPersonFields(input);
    const scope = scopeFor(actor, 'households:manage');
    return this.db.transaction(async (trx) => {
      const current = await this.persons.findById(trx, scope, personId);
      if (!current) throw new NotFoundError();
      if (current.version !== input.version) throw new ConflictError();
      if (!(await this.persons.update(trx, personId, input.version, fields, this.clock.now()))) throw new ConflictError();
      const membership = await this.households.currentMembership(trx, personId);
      const household = membership ? await this.households.findById(trx, { all: true }, membership.householdId) : null;
      if (household) await this.households.touch(trx, household.id, this.clock.now());
      await this.audit.record(trx, actor, {
        entityType: 'person',
        entityId: personId,
        organisationId: household?.organisationId ?? null,
        action: 'person.updated',
        before: personSnapshot(current),
        after: personSnapshot(fields),
      });
      return household?.id ?? null;
    });
  }

  /** Landlord organisations the actor may create a household for (association users choose). */
  async landlordOptions(actor: Actor): Promise<Array<{ id: string; name: string }>> {
    const scope = scopeFor(actor, 'households:manage');
    const all = await this.cache.get('organisations', ['organisation'], () => this.organisations.listOptions(this.db, { all: true }));
    return all.filter((o) => o.kind === 'landlord' && (scope.all || o.id === scope.organisationId));
  }
}
