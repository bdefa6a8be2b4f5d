import type { Knex } from 'knex';
import type { AccessLogService } from '../audit/access-log';
import type { AuditService } from '../audit/service';
import type { OrganisationRepository } from '../organisations/repository';
import type { AssignedCheck } from '../permissions/assigned';
import type { Clock } from '../shared/clock';
import type { ReferenceCache } from '../shared/reference-cache';
import { DuplicateService } from './duplicates/service';
import { MembershipService } from './memberships';
import { PersonRepository } from './persons-repository';
import { HouseholdRepository } from './repository';
import { HouseholdService } from './service';
import { SuspicionRepository } from './duplicates/suspicions-repository';

/**
 * Households, their members and the people known to Entraide (duplicates, merges). `assignedCheck`
 * says which households an adviser reaches through its missions (the missions area provides it).
 */
export function createHouseholdsModule(deps: {
  db: Knex;
  organisationRepository: OrganisationRepository;
  audit: AuditService;
  accessLog: AccessLogService;
  clock: Clock;
  cache: ReferenceCache;
  assignedCheck: AssignedCheck;
}) {
  const { db, audit, accessLog, clock, cache } = deps;
  const householdRepository = new HouseholdRepository();
  const personRepository = new PersonRepository();
  const duplicates = new DuplicateService({
    db,
    persons: personRepository,
    households: householdRepository,
    suspicions: new SuspicionRepository(),
    audit,
    clock,
    accessLog,
  });
  const memberships = new MembershipService({ db, households: householdRepository, persons: personRepository, audit, clock, accessLog });
  const households = new HouseholdService({
    db,
    households: householdRepository,
    persons: personRepository,
    organisations: deps.organisationRepository,
    duplicates,
    memberships,
    audit,
    accessLog,
    clock,
    cache,
    assignedCheck: deps.assignedCheck,
  });
  return { households, memberships, duplicates, householdRepository, personRepository };
}
