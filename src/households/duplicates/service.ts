import type { Knex } from 'knex';
import type { Options } from 'express-rate-limit';
import type { AccessLogService } from '../../audit/access-log';
import type { AuditService } from '../../audit/service';
import { DatabaseRateLimitStore } from '../../http/rate-limit-store';
import { type Db, isUuid } from '../../db/types';
import { type Actor, can, scopeFor } from '../../permissions/index';
import type { Clock } from '../../shared/clock';
import { NotFoundError, ValidationError } from '../../shared/errors';
import type { DuplicateProbe, Person, PersonMatch, PersonRepository } from '../persons-repository';
import type { Household, HouseholdRepository, Membership } from '../repository';
import { personSnapshot } from '../snapshots';
import type { SuspicionRepository } from './suspicions-repository';
import { parisDate } from '../../shared/dates';
import { recordDeparture } from '../departure';

export interface MergeSide {
  person: Person;
  membership: Membership | null;
  household: Household | null;
  members: Array<Membership & { person: Person }>;
}

export interface PersonMergePreview {
  suspicionId: string;
  reasons: string[];
  survivor: MergeSide;
  merged: MergeSide;
  /** both live in two different households: the merge records a departure from one of them */
  conflict: boolean;
}

export interface Suspicion {
  id: string;
  reasons: string[];
  reportedAt: Date;
  person: PersonMatch;
  match: PersonMatch;
}

/** The field a duplicate warning is attached to: ticking it confirms the save. */
export const CONFIRM_FIELD = 'confirmNotDuplicate';

/** How many duplicate probes a landlord user may make per window (live check and re-rendered forms alike). */
export const PROBE_LIMIT = 30;
export const PROBE_WINDOW_MS = 15 * 60_000;

export interface DuplicateCheck {
  known: boolean;
  /** who matched: the association only */
  matches: PersonMatch[];
  /** the actor made too many probes in the window: nothing is said until it ends */
  limited: boolean;
}

/**
 * Whether the actor is told about a match on a contact detail alone. Only the association: being
 * known to Entraide means being helped (sensitive, RGPD art. 9), so a landlord user typing someone
 * else's tenant's e-mail or phone must learn nothing; it is told only about the same identity
 * (normalised names and birth date), which it must already know to type it.
 */
const fullMatching = (actor: Actor): boolean => can(actor, 'households:merge');

/**
 * Likely duplicates across every organisation. Landlord users only learn that a person with the
 * same identity is known (no one else's data), within a rate limit, and every probe that found
 * someone is traced as a read of that person; the association sees the matches (identity, e-mail,
 * phone) and merges or dismisses them.
 */
export class DuplicateService {
  /** Probe counters in PostgreSQL (table rate_limits), so every replica counts the same probes. */
  private readonly probes: DatabaseRateLimitStore;

  private readonly db: Knex;
  private readonly persons: PersonRepository;
  private readonly households: HouseholdRepository;
  private readonly suspicions: SuspicionRepository;
  private readonly audit: AuditService;
  private readonly clock: Clock;
  private readonly accessLog: AccessLogService;

  constructor(deps: {
    db: Knex;
    persons: PersonRepository;
    households: HouseholdRepository;
    suspicions: SuspicionRepository;
    audit: AuditService;
    clock: Clock;
    accessLog: AccessLogService;
  }) {
    this.db = deps.db;
    this.persons = deps.persons;
    this.households = deps.households;
    this.suspicions = deps.suspicions;
    this.audit = deps.audit;
    this.clock = deps.clock;
    this.accessLog = deps.accessLog;
    this.probes = new DatabaseRateLimitStore(deps.db, 'duplicate-probe:', false);
    this.probes.init({ windowMs: PROBE_WINDOW_MS } as Options);
  }

  /** Every likely duplicate, whatever the reason (for the association's suspicions). */
  findFor(probe: DuplicateProbe, excludeIds: string[] = []): Promise<PersonMatch[]> {
    return this.persons.findDuplicates(this.db, probe, excludeIds);
  }

  /** The matches this actor may be warned about: all of them for the association, the same identity only for a landlord. */
  visibleTo(actor: Actor, matches: PersonMatch[]): PersonMatch[] {
    return fullMatching(actor) ? matches : matches.filter((m) => m.reasons.includes('identity'));
  }

  /** Whether saving this person must first ask the actor to confirm (a match the actor may be told about). */
  asksConfirmation(actor: Actor, matches: PersonMatch[]): boolean {
    return this.visibleTo(actor, matches).length > 0;
  }

  /**
   * The check while typing (and on a re-rendered form): what this actor may be told. A landlord
   * user's probe never looks at the e-mail or phone at all (same answer, same work, whatever they
   * hold) and counts against its limit; a probe that found someone is traced as a read of them.
   */
  async check(actor: Actor, probe: DuplicateProbe, excludeIds: string[] = []): Promise<DuplicateCheck> {
    scopeFor(actor, 'households:manage');
    const full = fullMatching(actor);
    if (!full && (await this.probes.increment(actor.userId)).totalHits > PROBE_LIMIT) return { known: false, matches: [], limited: true };
    const matches = this.visibleTo(actor, await this.findFor(full ? probe : { ...probe, email: null, phone: null }, excludeIds));
    for (const m of matches) {
      await this.accessLog.read(actor, { action: 'person.duplicate_check', entityType: 'person', entityId: m.id });
    }
    return { known: matches.length > 0, matches: full ? matches : [], limited: false };
  }

  /** The warning shown on save, asking for a confirmation (a landlord user is told nothing about who). */
  warning(actor: Actor, matches: PersonMatch[]): ValidationError {
    const detail = fullMatching(actor)
      ? ` : ${this.visibleTo(actor, matches)
          .map((m) => `${m.firstNames} ${m.lastName}${m.organisationName ? ` (${m.organisationName})` : ''}`)
          .join(', ')}`
      : '';
    return new ValidationError({
      [CONFIRM_FIELD]: `Une personne avec ces informations est déjà connue d’Entraide${detail}. Si c’est bien la même, l’association peut la rattacher : cochez la case pour enregistrer quand même, l’association sera prévenue.`,
    });
  }

  /** Hands the matches of a saved person to the association (once per pair). */
  async report(trx: Db, actor: Actor, personId: string, matches: PersonMatch[]): Promise<void> {
    for (const m of matches) await this.suspicions.report(trx, personId, m.id, m.reasons, actor.userId, this.clock.now());
  }

  async openSuspicions(actor: Actor): Promise<Suspicion[]> {
    scopeFor(actor, 'households:merge');
    const out: Suspicion[] = [];
    for (const r of await this.suspicions.listOpen(this.db)) {
      const [person] = await this.describe([r.personId]);
      const [match] = await this.describe([r.matchId]);
      if (person && match) out.push({ id: r.id, reasons: r.reasons, reportedAt: r.reportedAt, person, match });
    }
    return out;
  }

  private async describe(ids: string[]): Promise<PersonMatch[]> {
    const people = await this.persons.findManyByIds(this.db, ids);
    const out: PersonMatch[] = [];
    for (const p of people) {
      const m = await this.households.currentMembership(this.db, p.id);
      const h = m ? await this.households.findById(this.db, { all: true }, m.householdId) : null;
      out.push({
        id: p.id,
        lastName: p.lastName,
        firstNames: p.firstNames,
        birthDate: p.birthDate,
        email: p.email,
        phone: p.phone,
        householdId: h?.id ?? null,
        organisationId: h?.organisationId ?? null,
        organisationName: h?.organisationName ?? null,
        reasons: [],
      });
    }
    return out;
  }

  async dismiss(actor: Actor, suspicionId: string): Promise<void> {
    scopeFor(actor, 'households:merge');
    if (!isUuid(suspicionId) || !(await this.suspicions.dismiss(this.db, suspicionId, actor.userId, this.clock.now()))) throw new NotFoundError();
  }

  /**
   * What merging the two persons of an open suspicion will do, for its confirmation page: the fiche
   * kept (`keepId`, the earlier one by default) and the one merged into it, each with its current
   * household; `conflict` when they live in two different households (one of them must leave).
   */
  async personMergePreview(actor: Actor, suspicionId: string, keepId?: string): Promise<PersonMergePreview> {
    scopeFor(actor, 'households:merge');
    const suspicion = isUuid(suspicionId) ? await this.suspicions.findOpen(this.db, suspicionId) : null;
    if (!suspicion) throw new NotFoundError();
    const survivorId = keepId === suspicion.personId ? suspicion.personId : suspicion.matchId;
    const mergedId = survivorId === suspicion.personId ? suspicion.matchId : suspicion.personId;
    const side = async (id: string): Promise<MergeSide> => {
      const [person] = await this.persons.findManyByIds(this.db, [id]);
      if (!person || person.status !== 'active') throw new NotFoundError();
      const membership = await this.households.currentMembership(this.db, id);
      const household = membership ? await this.households.findById(this.db, { all: true }, membership.householdId) : null;
      const current = household ? (await this.households.members(this.db, household.id)).filter((m) => m.toDate === null) : [];
      const people = new Map(
        (
          await this.persons.findManyByIds(
            this.db,
            current.map((m) => m.personId),
          )
        ).map((p) => [p.id, p]),
      );
      return { person, membership, household, members: current.map((m) => ({ ...m, person: people.get(m.personId) as Person })) };
    };
    const survivor = await side(survivorId);
    const merged = await side(mergedId);
    const conflict = Boolean(survivor.household && merged.household && survivor.household.id !== merged.household.id);
    // both people are shown side by side: two reads
    for (const id of [survivorId, mergedId]) await this.accessLog.read(actor, { action: 'person.view', entityType: 'person', entityId: id });
    return { suspicionId: suspicion.id, reasons: suspicion.reasons, survivor, merged, conflict };
  }

  /**
   * Merges `mergedId` into `survivorId`: every membership (history included) moves to the
   * survivor, the merged person is kept, marked merged, and the merge is recorded with a snapshot.
   * When both live in two different households, `departure` says which one the person leaves and
   * when: the departure and the merge are one transaction.
   */
  /** Merges the two persons of an open report, and only them (a posted pair that is not the report's is not found). */
  async mergeReported(
    actor: Actor,
    suspicionId: string,
    survivorId: string,
    mergedId: string,
    departure?: { householdId?: string | undefined; date?: string | undefined },
  ): Promise<void> {
    scopeFor(actor, 'households:merge');
    const suspicion = isUuid(suspicionId) ? await this.suspicions.findOpen(this.db, suspicionId) : null;
    const pair = suspicion ? [suspicion.personId, suspicion.matchId].sort().join() : null;
    if (!pair || pair !== [survivorId, mergedId].sort().join()) throw new NotFoundError();
    await this.mergePersons(actor, survivorId, mergedId, departure);
  }

  async mergePersons(
    actor: Actor,
    survivorId: string,
    mergedId: string,
    departure?: { householdId?: string | undefined; date?: string | undefined },
  ): Promise<void> {
    const scope = scopeFor(actor, 'households:merge');
    if (survivorId === mergedId) throw new ValidationError({ _form: 'Choisissez deux personnes différentes' });
    await this.db.transaction(async (trx) => {
      const survivor = await this.persons.findById(trx, scope, survivorId);
      const merged = await this.persons.findById(trx, scope, mergedId);
      if (!survivor || !merged || survivor.status !== 'active' || merged.status !== 'active') throw new NotFoundError();
      const a = await this.households.currentMembership(trx, survivorId);
      const b = await this.households.currentMembership(trx, mergedId);
      const today = parisDate(this.clock.now());
      if (a && b && a.householdId !== b.householdId) {
        const leaving = [a, b].find((m) => m.householdId === departure?.householdId);
        const errors: Record<string, string> = {};
        if (!leaving) errors.leaveFrom = 'Ces deux fiches vivent dans deux ménages différents : choisissez celui que la personne quitte';
        if (!departure?.date) errors.leaveDate = 'Saisissez la date de départ';
        else if (departure.date > today) errors.leaveDate = 'La date de départ ne peut pas être dans le futur';
        else if (leaving && departure.date < leaving.fromDate) errors.leaveDate = 'La date de départ ne peut pas précéder son arrivée dans ce ménage';
        if (!leaving || Object.keys(errors).length > 0) throw new ValidationError(errors);
        await this.recordDeparture(trx, actor, leaving, leaving === a ? survivor : merged, departure?.date as string);
      } else if (a && b) {
        await this.households.endMembership(trx, b.id, today < b.fromDate ? b.fromDate : today);
      }
      const moved = await this.households.reassignMemberships(trx, 'person_id', mergedId, survivorId);
      await this.persons.markMerged(trx, mergedId, survivorId, this.clock.now());
      await this.suspicions.resolvePair(trx, survivorId, mergedId, actor.userId, this.clock.now());
      await this.suspicions.recordMerge(trx, {
        entityType: 'person',
        survivorId,
        mergedId,
        snapshot: personSnapshot(merged),
        moved: { memberships: moved },
        by: actor.userId,
        at: this.clock.now(),
      });
      const label = `${merged.firstNames} ${merged.lastName} (${merged.birthDate})`;
      await this.audit.record(trx, actor, {
        entityType: 'person',
        entityId: survivorId,
        organisationId: null,
        action: 'person.absorbed',
        before: null,
        after: { merged: label },
      });
      await this.audit.record(trx, actor, {
        entityType: 'person',
        entityId: mergedId,
        organisationId: null,
        action: 'person.merged',
        before: null,
        after: { mergedInto: `${survivor.firstNames} ${survivor.lastName}` },
      });
    });
  }

  /** The household to keep and the one its tenancy reference names (same landlord, active). */
  private async householdPair(db: Db, actor: Actor, survivorId: string, mergedReference: string): Promise<{ survivor: Household; merged: Household }> {
    const scope = scopeFor(actor, 'households:merge');
    const survivor = await this.households.findById(db, scope, survivorId);
    if (!survivor || survivor.status !== 'active') throw new NotFoundError();
    const candidates = await this.households.findByReference(db, survivor.organisationId, mergedReference, survivorId);
    if (candidates.length !== 1) {
      throw new ValidationError({
        mergedReference: candidates.length
          ? 'Plusieurs ménages ont cette référence : précisez-la'
          : 'Aucun autre ménage de ce bailleur n’a cette référence de bail',
      });
    }
    const merged = await this.households.findById(db, scope, candidates[0] as string);
    if (!merged) throw new NotFoundError();
    return { survivor, merged };
  }

  /** What a household merge will do, for its confirmation page: both households and their current members. */
  async householdMergePreview(actor: Actor, survivorId: string, mergedReference: string) {
    const { survivor, merged } = await this.householdPair(this.db, actor, survivorId, mergedReference);
    const currentOf = async (h: Household) => {
      const members = (await this.households.members(this.db, h.id)).filter((m) => m.toDate === null);
      const people = new Map(
        (
          await this.persons.findManyByIds(
            this.db,
            members.map((m) => m.personId),
          )
        ).map((p) => [p.id, p]),
      );
      return members.map((m) => ({ ...m, person: people.get(m.personId) as Person }));
    };
    return { survivor, merged, survivorMembers: await currentOf(survivor), mergedMembers: await currentOf(merged) };
  }

  /** A current member leaves a household on a date (the merge's departure), in the caller's transaction. */
  private async recordDeparture(trx: Db, actor: Actor, membership: Membership, person: Person, date: string): Promise<void> {
    const household = await this.households.findById(trx, { all: true }, membership.householdId);
    await recordDeparture(trx, { households: this.households, audit: this.audit, clock: this.clock }, actor, {
      membership,
      organisationId: household?.organisationId ?? null,
      member: `${person.firstNames} ${person.lastName}`,
      date,
    });
  }

  /** Merges two households of the same landlord: the absorbed one's members (and their history) move over. */
  async mergeHouseholds(actor: Actor, survivorId: string, mergedReference: string): Promise<string> {
    return this.db.transaction(async (trx) => {
      const { survivor, merged } = await this.householdPair(trx, actor, survivorId, mergedReference);
      const moved = await this.households.reassignMemberships(trx, 'household_id', merged.id, survivorId);
      const requests = await this.households.reassignRequests(trx, merged.id, survivorId);
      await this.households.markMerged(trx, merged.id, survivorId, this.clock.now());
      await this.households.touch(trx, survivorId, this.clock.now());
      await this.suspicions.recordMerge(trx, {
        entityType: 'household',
        survivorId,
        mergedId: merged.id,
        snapshot: merged,
        moved: { memberships: moved, requests },
        by: actor.userId,
        at: this.clock.now(),
      });
      await this.audit.record(trx, actor, {
        entityType: 'household',
        entityId: survivorId,
        organisationId: survivor.organisationId,
        action: 'household.absorbed',
        before: null,
        after: { merged: merged.tenancyReference },
      });
      await this.audit.record(trx, actor, {
        entityType: 'household',
        entityId: merged.id,
        organisationId: merged.organisationId,
        action: 'household.merged',
        before: null,
        after: { mergedInto: survivor.tenancyReference },
      });
      return merged.id;
    });
  }
}
