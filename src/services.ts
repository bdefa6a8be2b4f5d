import type { Knex } from 'knex';
import { AuditRepository } from './audit/repository';
import { AuditService } from './audit/service';
import { AuthService } from './auth/service';
import { jobFailureNotice } from './jobs/failure-notice';
import { AccessWatchService } from './access-watch/service';
import { AccessWatchRepository } from './access-watch/repository';
import { RightsRepository } from './rights/repository';
import { RightsService } from './rights/service';
import { SupportRetentionService } from './missions/retention';
import { RetentionRepository } from './missions/retention-repository';
import { BackupService } from './backup/service';
import { SecondFactorService } from './auth/second-factor';
import { PasswordTokenRepository } from './auth/tokens';
import type { Config } from './config';
import type { Database } from './db/database';
import { HealthService } from './health/service';
import { AidTypeRepository } from './aid-types/repository';
import { AidRequestRepository } from './aid-requests/repository';
import { AidRequestService } from './aid-requests/service';
import { RequestDocumentService } from './aid-requests/documents';
import { RequestDocumentRepository } from './aid-requests/documents-repository';
import { type BlobStore, DatabaseBlobStore } from './files/storage';
import { DecisionRepository } from './aid-requests/decisions-repository';
import { DecisionService } from './aid-requests/decisions';
import { InstructionService } from './aid-requests/instruction';
import { RequestListRepository } from './aid-requests/list-repository';
import { RequestListService } from './aid-requests/list-service';
import { SavedFilterRepository } from './aid-requests/saved-filters-repository';
import { PaymentRepository } from './payments/repository';
import { PayeeRepository } from './payments/payees-repository';
import { PayeeService } from './payments/payees';
import { DebtorAccountRepository, DebtorAccountService } from './payments/debtor-accounts';
import { BatchRepository } from './payments/batches-repository';
import { BatchService } from './payments/batches';
import { RejectionService } from './payments/rejections';
import { LedgerRepository } from './accounting/repository';
import { LedgerService } from './accounting/ledger';
import { AccountingService } from './accounting/service';
import { AccountingSettingsStore } from './accounting/settings-store';
import { SettingsRepository } from './settings/repository';
import { SettingsService } from './settings/service';
import { DashboardRepository } from './dashboard/repository';
import { DashboardService } from './dashboard/service';
import { HomeRepository } from './home/repository';
import { HomeService } from './home/service';
import { JOBS } from './jobs/registry';
import { JobRunRepository } from './jobs/repository';
import { JobRunner } from './jobs/runner';
import { AidTypeService } from './aid-types/service';
import { AccessLogRepository } from './audit/access-repository';
import { DuplicateService } from './households/duplicates-service';
import { MembershipService } from './households/membership-service';
import { PersonRepository } from './households/persons-repository';
import { HouseholdRepository } from './households/repository';
import { HouseholdService } from './households/service';
import { SuspicionRepository } from './households/suspicions-repository';
import type { Logger } from './logger';
import { Mailer } from './notifications/mailer';
import { MailRepository } from './notifications/repository';
import { OrganisationRepository } from './organisations/repository';
import { AppointmentRepository } from './missions/appointments-repository';
import { AppointmentService } from './missions/appointments';
import { MissionRepository } from './missions/repository';
import { MissionService } from './missions/service';
import { OrganisationService } from './organisations/service';
import type { Clock } from './shared/clock';
import { FieldCipher } from './shared/field-cipher';
import { ReferenceCache } from './shared/reference-cache';
import { UserRepository } from './accounts/repository';
import { UserService } from './users/service';

export interface Services {
  readonly config: Config;
  readonly db: Database;
  readonly knex: Knex;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly audit: AuditService;
  readonly auth: AuthService;
  readonly secondFactor: SecondFactorService;
  readonly accessWatch: AccessWatchService;
  readonly rights: RightsService;
  readonly supportRetention: SupportRetentionService;
  readonly backups: BackupService;
  readonly mailer: Mailer;
  /** Stored files (encrypted at rest): what services and tools read and write files through. */
  readonly blobs: BlobStore;
  readonly organisations: OrganisationService;
  readonly users: UserService;
  readonly health: HealthService;
  readonly households: HouseholdService;
  readonly memberships: MembershipService;
  readonly duplicates: DuplicateService;
  readonly aidTypes: AidTypeService;
  readonly aidRequests: AidRequestService;
  readonly requestDocuments: RequestDocumentService;
  readonly requestLists: RequestListService;
  readonly decisions: DecisionService;
  readonly instruction: InstructionService;
  readonly payments: PaymentRepository;
  readonly settings: SettingsService;
  readonly dashboard: DashboardService;
  readonly home: HomeService;
  readonly jobs: JobRunner;
  readonly payees: PayeeService;
  readonly debtorAccounts: DebtorAccountService;
  readonly batches: BatchService;
  readonly rejections: RejectionService;
  readonly ledger: LedgerService;
  readonly accounting: AccountingService;
  readonly accountingSettings: AccountingSettingsStore;
  readonly missions: MissionService;
  readonly appointments: AppointmentService;
}

/** Builds every repository and service once; handlers receive them, never import singletons. */
export function createServices(db: Database, config: Config, clock: Clock, logger: Logger): Services {
  const knex = db.knex;
  const auditRepository = new AuditRepository();
  const organisationRepository = new OrganisationRepository();
  // one cipher for the columns encrypted at rest (IBANs, second-factor keys, notes): repositories encrypt on write, decrypt on read
  const cipher = new FieldCipher(config.dataEncryption);
  const userRepository = new UserRepository(cipher);
  const tokenRepository = new PasswordTokenRepository();

  const cache = new ReferenceCache(config.referenceCacheSeconds * 1000);
  const audit = new AuditService(auditRepository, clock, (entityType) => cache.changed(entityType));
  const blobs = new DatabaseBlobStore(cipher);
  const mailRepository = new MailRepository();
  const mailer = new Mailer(knex, mailRepository, clock, logger, config, blobs);
  const secondFactorRoles = config.secondFactorRoles;
  const auth = new AuthService(knex, userRepository, tokenRepository, audit, mailer, clock, logger, config.baseUrl, secondFactorRoles);
  // the mailed enrolment codes are hashed with a key derived from the session secret
  const secondFactor = new SecondFactorService(knex, userRepository, auth, audit, clock, logger, secondFactorRoles, mailer, `enrolment-codes:${config.session.secret}`);
  const organisations = new OrganisationService(knex, organisationRepository, audit, clock);
  const users = new UserService(knex, userRepository, organisationRepository, tokenRepository, audit, mailer, clock, (t) =>
    auth.setPasswordLink(t),
  );
  const health = new HealthService(knex);
  const householdRepository = new HouseholdRepository();
  const personRepository = new PersonRepository();
  const duplicates = new DuplicateService(knex, personRepository, householdRepository, new SuspicionRepository(), audit, clock);
  const memberships = new MembershipService(knex, householdRepository, personRepository, audit, clock);
  const households = new HouseholdService(knex, householdRepository, personRepository, organisationRepository, duplicates, memberships, audit, new AccessLogRepository(), clock, cache);
  const aidTypeRepository = new AidTypeRepository();
  const aidTypes = new AidTypeService(knex, aidTypeRepository, audit, clock);
  const aidRequestRepository = new AidRequestRepository(cipher);
  const documentRepository = new RequestDocumentRepository();
  const decisionRepository = new DecisionRepository(cipher);
  const settingsRepository = new SettingsRepository();
  const settings = new SettingsService(knex, settingsRepository, audit, clock);
  const payments = new PaymentRepository(cipher);
  const payeeRepository = new PayeeRepository(cipher);
  const aidRequests = new AidRequestService(knex, aidRequestRepository, householdRepository, personRepository, aidTypeRepository, documentRepository, decisionRepository, audit, clock, cache, payments, payeeRepository);
  const requestDocuments = new RequestDocumentService(knex, aidRequests, documentRepository, blobs, audit, clock);
  const requestLists = new RequestListService(knex, new RequestListRepository(), new SavedFilterRepository(), aidRequests, clock, cache);
  const payees = new PayeeService(knex, payeeRepository, blobs, audit, clock);
  const debtorAccountRepository = new DebtorAccountRepository(cipher);
  const debtorAccounts = new DebtorAccountService(knex, debtorAccountRepository, audit, clock);
  const ledgerRepository = new LedgerRepository();
  const accountingSettings = new AccountingSettingsStore({ db: knex, repository: settingsRepository, audit, clock });
  const ledger = new LedgerService(ledgerRepository, accountingSettings);
  const decisions = new DecisionService(knex, aidRequestRepository, decisionRepository, payments, aidRequests, householdRepository, organisationRepository, userRepository, blobs, mailer, settings, audit, clock, config.baseUrl, payees, ledger);
  const batchRepository = new BatchRepository(cipher);
  const batches = new BatchService(knex, batchRepository, debtorAccountRepository, payments, payeeRepository, aidRequests, aidRequestRepository, userRepository, blobs, mailer, settings, audit, clock, ledger);
  const rejections = new RejectionService(knex, payments, batchRepository, batches, aidRequestRepository, userRepository, mailer, audit, clock, config.baseUrl, ledger);
  const instruction = new InstructionService(knex, aidRequestRepository, decisionRepository, aidRequests, userRepository, blobs, mailer, settings, audit, clock, config.baseUrl, cache);
  const dashboard = new DashboardService(knex, new DashboardRepository(), settings, clock);
  const home = new HomeService(knex, new HomeRepository(), new RequestListRepository(), aidRequests, () => JOBS.map((j) => j.name), clock);
  const jobs = new JobRunner(knex, new JobRunRepository(), clock, logger, blobs, audit);
  const accounting = new AccountingService(knex, ledgerRepository, accountingSettings, blobs, audit, clock, config.exportDir);
  const missionRepository = new MissionRepository(cipher);
  households.assigned.allow((db, adviserId, householdId) => missionRepository.adviserHasHousehold(db, adviserId, householdId));
  aidRequests.assigned.allow((db, adviserId, requestId) => missionRepository.adviserHasRequest(db, adviserId, requestId));
  const missions = new MissionService(knex, missionRepository, householdRepository, aidRequestRepository, userRepository, blobs, settings, audit, clock);
  const appointments = new AppointmentService(knex, new AppointmentRepository(), missions, mailer, blobs, settings, audit, clock, config.baseUrl, config.linkSigningSecret);
  missions.onClose((trx, actor, mission) => appointments.cancelForClosedMission(trx, actor, mission));
  // a failed batch job is mailed to the association's administrators, once a day per job at most
  jobs.onFailure(jobFailureNotice(knex, mailer, mailRepository, organisationRepository, userRepository, config.baseUrl));
  return {
    config, db, knex, clock, logger, audit, auth, secondFactor, accessWatch: new AccessWatchService(knex, new AccessWatchRepository(), organisationRepository, userRepository, mailer, logger, config.baseUrl), rights: new RightsService(knex, new RightsRepository(), audit, new AccessLogRepository(), clock, cipher), supportRetention: new SupportRetentionService(knex, new RetentionRepository(cipher), audit, logger), backups: new BackupService(db, config.backup.dir, config.backup.keep, logger), mailer, organisations, users, health, households, memberships, duplicates, aidTypes, aidRequests, requestDocuments,
    requestLists, decisions, instruction, payments, settings, dashboard, home, jobs, payees, debtorAccounts, batches, rejections, ledger, accounting, accountingSettings,
    missions, appointments, blobs,
  };
}
