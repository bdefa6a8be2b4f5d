import type { Knex } from 'knex';
import type { AccessLogService } from '../audit/access-log';
import type { AuditService } from '../audit/service';
import { type Actor, scopeFor } from '../permissions/index';
import type { Clock } from '../shared/clock';
import { NotFoundError, ValidationError } from '../shared/errors';
import type { Db } from '../db/types';
import type { Relationship } from './labels';
import type { Person, PersonRepository } from './persons-repository';
import type { Household, HouseholdRepository, Membership } from './repository';
import type { JoinInput, SplitInput } from './schemas';
import { parisDate } from '../shared/dates';
import { recordDeparture } from './departure';

/**
 * Who lives where, over time. A person has at most one current membership (a unique index
 * says so); moving ends the old one on the day of the move and starts the new one that day,
 * so the household pages keep former members with their dates.
 */
export class MembershipService {
  private readonly db: Knex;
  private readonly households: HouseholdRepository;
  private readonly persons: PersonRepository;
  private readonly audit: AuditService;
  private readonly clock: Clock;
  private readonly accessLog: AccessLogService;

  constructor(deps: { db: Knex; households: HouseholdRepository; persons: PersonRepository; audit: AuditService; clock: Clock; accessLog: AccessLogService }) {
    this.accessLog = deps.accessLog;
    this.db = deps.db;
    this.households = deps.households;
    this.persons = deps.persons;
    this.audit = deps.audit;
    this.clock = deps.clock;
  }

  /** People of the actor's households matching a name, to bring one into another household. */
  candidates(actor: Actor, name: string) {
    return this.persons.searchInScope(this.db, scopeFor(actor, 'households:manage'), name);
  }

  /** Brings a known person (couple, return) into this household from a date. */
  async join(actor: Actor, householdId: string, input: JoinInput): Promise<void> {
    const scope = scopeFor(actor, 'households:manage');
    this.notInFuture(input.fromDate, 'fromDate');
    await this.db.transaction(async (trx) => {
      const household = await this.households.findById(trx, scope, householdId);
      if (!household || household.status !== 'active') throw new NotFoundError();
      const person = await this.persons.findById(trx, scope, input.personId);
      if (!person) throw new ValidationError({ personId: 'Choisissez une personne de la liste' });
      const current = await this.households.currentMembership(trx, person.id);
      if (current?.householdId === householdId) throw new ValidationError({ personId: 'Cette personne fait déjà partie de ce ménage' });
      if (current) {
        if (input.fromDate < current.fromDate) {
          throw new ValidationError({ fromDate: 'La date d’arrivée ne peut pas précéder son arrivée dans son ménage actuel' });
        }
        await this.households.endMembership(trx, current.id, input.fromDate);
        const previous = await this.households.findById(trx, { all: true }, current.householdId);
        await this.households.touch(trx, current.householdId, this.clock.now());
        await this.audit.record(trx, actor, {
          entityType: 'household',
          entityId: current.householdId,
          organisationId: previous?.organisationId ?? null,
          action: 'member.left',
          before: { member: `${person.firstNames} ${person.lastName}` },
          after: { toDate: input.fromDate, movedTo: household.tenancyReference },
        });
      }
      await this.arrive(trx, actor, household, person, input.relationship, input.fromDate);
    });
  }

  /** A person starts living in a household from a date: membership, household touched, audit line. */
  async arrive(
    trx: Db,
    actor: Actor,
    household: Household,
    person: Pick<Person, 'id' | 'firstNames' | 'lastName'>,
    relationship: Relationship,
    fromDate: string,
  ): Promise<void> {
    await this.households.addMember(trx, household.id, person.id, relationship, fromDate, this.clock.now());
    await this.households.touch(trx, household.id, this.clock.now());
    await this.audit.record(trx, actor, {
      entityType: 'household',
      entityId: household.id,
      organisationId: household.organisationId,
      action: 'member.arrived',
      before: null,
      after: { member: `${person.firstNames} ${person.lastName}`, relationship, fromDate },
    });
  }

  /** Separation: the chosen members leave for a new household (same landlord, dwelling copied to be completed). */
  async split(actor: Actor, householdId: string, input: SplitInput): Promise<string> {
    const scope = scopeFor(actor, 'households:manage');
    this.notInFuture(input.date, 'date');
    return this.db.transaction(async (trx) => {
      const household = await this.households.findById(trx, scope, householdId);
      if (!household || household.status !== 'active') throw new NotFoundError();
      const current = (await this.households.members(trx, householdId)).filter((m) => m.toDate === null);
      const leaving = current.filter((m) => input.memberIds.includes(m.id));
      if (leaving.length !== input.memberIds.length) throw new ValidationError({ memberIds: 'Cochez des personnes qui font partie du ménage' });
      if (leaving.length === current.length) throw new ValidationError({ memberIds: 'Au moins une personne doit rester dans le ménage actuel' });
      if (leaving.some((m) => input.date < m.fromDate))
        throw new ValidationError({ date: 'La date de séparation ne peut pas précéder l’arrivée d’une de ces personnes' });
      const now = this.clock.now();
      const newId = await this.households.insert(
        trx,
        household.organisationId,
        { ...household, tenancyReference: input.tenancyReference, entryDate: input.date },
        actor.userId,
        now,
      );
      const names: string[] = [];
      // the new holder: the leaving holder, co-holder or spouse first, children last
      const rank: Record<string, number> = { holder: 0, co_holder: 1, spouse: 2, other: 3, child: 4 };
      const ordered = [...leaving].sort((x, y) => (rank[x.relationship] ?? 9) - (rank[y.relationship] ?? 9));
      for (const [index, m] of ordered.entries()) {
        await this.households.endMembership(trx, m.id, input.date);
        const relationship = index === 0 ? 'holder' : m.relationship === 'holder' ? 'co_holder' : m.relationship;
        await this.households.addMember(trx, newId, m.personId, relationship, input.date, now);
        const [p] = await this.persons.findManyByIds(trx, [m.personId]);
        names.push(p ? `${p.firstNames} ${p.lastName}` : m.personId);
      }
      await this.households.touch(trx, householdId, now);
      await this.audit.record(trx, actor, {
        entityType: 'household',
        entityId: householdId,
        organisationId: household.organisationId,
        action: 'household.split',
        before: { members: names.join(', ') },
        after: { toDate: input.date, movedTo: input.tenancyReference },
      });
      await this.audit.record(trx, actor, {
        entityType: 'household',
        entityId: newId,
        organisationId: household.organisationId,
        action: 'household.created_by_split',
        before: null,
        after: { members: names.join(', '), fromDate: input.date, splitFrom: household.tenancyReference },
      });
      return newId;
    });
  }

  /** The current member about to leave, for the confirmation page (404 outside the actor's households). */
  async departure(actor: Actor, householdId: string, membershipId: string): Promise<{ household: Household; membership: Membership; person: Person }> {
    const household = await this.households.findById(this.db, scopeFor(actor, 'households:manage'), householdId);
    if (!household || household.status !== 'active') throw new NotFoundError();
    const membership = (await this.households.members(this.db, householdId)).find((m) => m.id === membershipId && m.toDate === null);
    const [person] = membership ? await this.persons.findManyByIds(this.db, [membership.personId]) : [];
    if (!membership || !person) throw new NotFoundError();
    await this.accessLog.read(actor, { action: 'household.view', entityType: 'household', entityId: household.id });
    return { household, membership, person };
  }

  /** A person leaves (moved out of the landlord's housing, died…): the membership ends at the date. */
  async leave(actor: Actor, householdId: string, membershipId: string, date: string): Promise<void> {
    const scope = scopeFor(actor, 'households:manage');
    this.notInFuture(date, 'date');
    await this.db.transaction(async (trx) => {
      const household = await this.households.findById(trx, scope, householdId);
      if (!household || household.status !== 'active') throw new NotFoundError();
      const membership = (await this.households.members(trx, householdId)).find((m) => m.id === membershipId && m.toDate === null);
      if (!membership) throw new NotFoundError();
      if (date < membership.fromDate) throw new ValidationError({ date: 'La date de départ ne peut pas précéder la date d’arrivée' });
      const [p] = await this.persons.findManyByIds(trx, [membership.personId]);
      await recordDeparture(trx, { households: this.households, audit: this.audit, clock: this.clock }, actor, {
        membership,
        organisationId: household.organisationId,
        member: p ? `${p.firstNames} ${p.lastName}` : membership.personId,
        date,
      });
    });
  }

  private notInFuture(date: string, field: string): void {
    if (date > parisDate(this.clock.now())) throw new ValidationError({ [field]: 'La date ne peut pas être dans le futur' });
  }
}
