import type { Knex } from 'knex';
import type { UserRepository } from '../accounts/repository';
import type { AidRequestRepository } from '../aid-requests/repository';
import type { AccessLogService } from '../audit/access-log';
import type { AuditService } from '../audit/service';
import type { BlobStore } from '../files/storage';
import type { HouseholdRepository } from '../households/repository';
import type { Logger } from '../logger';
import type { Mailer } from '../notifications/mailer';
import type { AssignedCheck } from '../permissions/assigned';
import type { SettingsService } from '../settings/service';
import type { Clock } from '../shared/clock';
import type { DomainEvents } from '../shared/domain-events';
import type { FieldCipher } from '../shared/field-cipher';
import { AppointmentService } from './appointments/service';
import { AppointmentRepository } from './appointments/repository';
import { MissionRepository } from './repository';
import { SupportRetentionService } from './retention';
import { RetentionRepository } from './retention-repository';
import { MissionService } from './service';

/** What an adviser reaches through its missions: the households and requests they are about (given to those areas at the root). */
export function createAdviserReach(deps: { cipher: FieldCipher }): { households: AssignedCheck; requests: AssignedCheck } {
  const missions = new MissionRepository(deps.cipher);
  return {
    households: (db, adviserId, householdId) => missions.adviserHasHousehold(db, adviserId, householdId),
    requests: (db, adviserId, requestId) => missions.adviserHasRequest(db, adviserId, requestId),
  };
}

/** Social support missions, their sessions and objectives, appointments with signed links and reminders, and the retention of their notes. */
export function createMissionsModule(deps: {
  db: Knex;
  cipher: FieldCipher;
  households: HouseholdRepository;
  requests: AidRequestRepository;
  accounts: UserRepository;
  blobs: BlobStore;
  mailer: Mailer;
  settings: SettingsService;
  audit: AuditService;
  accessLog: AccessLogService;
  clock: Clock;
  logger: Logger;
  events: DomainEvents;
  baseUrl: string;
  linkSecret: string;
}) {
  const { db, cipher, blobs, mailer, settings, audit, clock, events } = deps;
  const missions = new MissionService({
    db,
    missions: new MissionRepository(cipher),
    households: deps.households,
    requests: deps.requests,
    users: deps.accounts,
    blobs,
    settings,
    audit,
    clock,
    events,
    accessLog: deps.accessLog,
  });
  const appointments = new AppointmentService({
    db,
    appointments: new AppointmentRepository(),
    missions,
    mailer,
    blobs,
    settings,
    audit,
    clock,
    baseUrl: deps.baseUrl,
    linkSecret: deps.linkSecret,
  });
  // a mission that closes calls its upcoming appointments off (the mails leave after the commit)
  events.on('mission.closed', (trx, e) => appointments.cancelForClosedMission(trx, e.actor, { id: e.missionId, organisationId: e.organisationId }));
  const supportRetention = new SupportRetentionService({ db, retention: new RetentionRepository(cipher), audit, logger: deps.logger });
  return { missions, appointments, supportRetention };
}
