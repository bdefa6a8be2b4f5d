import { createAccessWatchModule } from './access-watch/module';
import { createAccountingModule } from './accounting/module';
import { createAccountsModule } from './accounts/module';
import { createAidRequestsModule } from './aid-requests/module';
import { createAidTypesModule } from './aid-types/module';
import { createAuditModule } from './audit/module';
import { LedgerRepository } from './accounting/repository';
import { createFunderModule } from './funder/module';
import { createAuthModule } from './auth/module';
import { BackupService } from './backup/service';
import { offsiteFromConfig } from './backup/offsite';
import { RestoreDrillService } from './backup/drill';
import type { Config } from './config';
import { createDashboardModule } from './dashboard/module';
import { createESignatureModule } from './e-signature/module';
import { createStatisticsModule } from './statistics/module';
import { createSatisfactionModule } from './satisfaction/module';
import { createReportsModule } from './reports/module';
import { createSelfAuditModule } from './self-audit/module';
import { ADVISORY_FILES } from './self-audit/checks/advisories';
import { LOCK_MINUTES } from './auth/service';
import { createFundsModule } from './funds/module';
import { Metrics } from './monitoring/metrics';
import { MetricsLogTransport } from './monitoring/log-transport';
import { poolUse } from './monitoring/pool';
import { CAUSES } from './aid-requests/filing/schemas';
import type { Database } from './db/database';
import { DatabaseBlobStore } from './files/storage';
import { UploadScreen } from './files/upload-screen';
import { virusScannerFor } from './files/virus-scan';
import { HealthService } from './health/service';
import { createHomeModule } from './home/module';
import { createHouseholdsModule } from './households/module';
import { createJobsModule } from './jobs/module';
import { JOBS } from './jobs/registry';
import type { JobStarter, RunOutcome } from './jobs/runner';
import type { Logger } from './logger';
import { createAdviserReach, createMissionsModule } from './missions/module';
import { createAvailabilityModule } from './missions/availability/module';
import { createNotificationsModule } from './notifications/module';
import { createOrganisationsModule } from './organisations/module';
import { createPaymentsModule, createTransfersModule } from './payments/module';
import { createRightsModule } from './rights/module';
import { createHouseholdSpaceModule } from './household-space/module';
import { createAssistanceModule } from './assistance/module';
import { createSettingsModule } from './settings/module';
import type { Clock } from './shared/clock';
import { DomainEvents } from './shared/domain-events';
import { FieldCipher } from './shared/field-cipher';
import { ReferenceCache } from './shared/reference-cache';
import { createUsersModule } from './users/module';
import { createHouseholdDocumentsModule } from './household-space/documents/module';

/** Everything the root assembles: what routes, jobs and tools receive (never `knex` or a repository in a route). */
export type Services = ReturnType<typeof createServices>;

/**
 * The composition root: each area's module builds its repositories and services from what the
 * areas below it expose (docs/architecture.md draws the arrows). Built once; handlers receive it.
 */
export function createServices(db: Database, config: Config, clock: Clock, logger: Logger) {
  const knex = db.knex;
  const backups = new BackupService({ db, dir: config.backup.dir, keep: config.backup.keep, logger });
  // off-site copies of the backups (S3-compatible storage, encrypted), or null when BACKUP_S3_… is not set
  const offsite = offsiteFromConfig(config, { logger, db: knex, clock });
  const metrics = new Metrics({ knex, clock, latestBackup: () => backups.latest(), poolUse: () => poolUse(knex) });
  MetricsLogTransport.attach(logger, metrics);
  // one cipher for the columns encrypted at rest (IBANs, second-factor keys, notes): repositories encrypt on write, decrypt on read
  const cipher = new FieldCipher(config.dataEncryption);
  const cache = new ReferenceCache({ ttlMs: config.referenceCacheSeconds * 1000 });
  /** Stored files (encrypted at rest): what services and tools read and write files through. */
  const blobs = new DatabaseBlobStore(cipher);
  // the business events several areas react to (the ledger, the appointments of a closed mission)
  const events = new DomainEvents();
  const base = { db: knex, clock };

  const { audit, accessLog } = createAuditModule({ ...base, cache });
  const { accounts } = createAccountsModule({ cipher });
  const { mailer, mails } = createNotificationsModule({ ...base, logger, config, blobs });
  const rightsModule = createRightsModule({ ...base, audit, accessLog, cipher });
  // the household's own space (/mon-espace): its links and codes, its dossier; its GDPR requests land in the rights register
  const householdSpaceModule = createHouseholdSpaceModule({
    ...base,
    mailer,
    audit,
    blobs,
    logger,
    events,
    baseUrl: config.baseUrl,
    secret: config.session.secret,
    rightsRegister: (trx, r) => rightsModule.rights.recordFromPerson(trx, r),
    cipher,
  });
  const { organisations, organisationRepository } = createOrganisationsModule({ ...base, audit, cache });
  const { auth, secondFactor, tokens } = createAuthModule({ ...base, accounts, audit, mailer, logger, config });
  const { users } = createUsersModule({ ...base, accounts, organisationRepository, tokens, auth, audit, mailer });
  const { settings, settingsRepository } = createSettingsModule({ ...base, audit });
  const reach = createAdviserReach({ cipher });
  const householdsModule = createHouseholdsModule({ ...base, organisationRepository, audit, accessLog, cache, assignedCheck: reach.households });
  const { aidTypes, aidTypeRepository } = createAidTypesModule({ ...base, audit });
  const owed = createPaymentsModule({ ...base, cipher, blobs, audit });
  const fundsModule = createFundsModule({ ...base, accounts, mailer, audit, accessLog, events, baseUrl: config.baseUrl });
  const requestsModule = createAidRequestsModule({
    ...base,
    cipher,
    households: householdsModule.householdRepository,
    persons: householdsModule.personRepository,
    aidTypes: aidTypeRepository,
    organisations: organisationRepository,
    accounts,
    owed,
    blobs,
    mailer,
    settings,
    audit,
    accessLog,
    cache,
    events,
    budget: fundsModule.budget,
    assignedCheck: reach.requests,
    baseUrl: config.baseUrl,
  });
  const transfers = createTransfersModule({
    ...base,
    cipher,
    owed,
    requests: requestsModule.paymentProgress,
    accounts,
    blobs,
    mailer,
    settings,
    audit,
    accessLog,
    events,
    baseUrl: config.baseUrl,
  });
  const accountingModule = createAccountingModule({ ...base, settingsRepository, blobs, audit, events, exportDir: config.exportDir });
  const missionsModule = createMissionsModule({
    ...base,
    cipher,
    households: householdsModule.householdRepository,
    requests: requestsModule.requestRepository,
    accounts,
    blobs,
    mailer,
    settings,
    audit,
    accessLog,
    logger,
    events,
    baseUrl: config.baseUrl,
    linkSecret: config.linkSigningSecret,
  });
  const funder = createFunderModule({
    ...base,
    audit,
    accessLog,
    duplicates: householdsModule.duplicates,
    // the follow-up of an orientation opens a request draft or a mission in its own transaction
    openers: {
      requestDraft: async (actor, input, db) => ({
        id: await requestsModule.aidRequests.createDraft(actor, input.householdId, input.aidTypeId, { orientationAsd: input.orientationAsd, db }),
        reference: null,
      }),
      mission: async (actor, input, db) => {
        const id = await missionsModule.missions.order(actor, input, { orientationAsd: input.orientationAsd, db });
        return { id, reference: (await missionsModule.missions.get(actor, id, db)).reference };
      },
      aidTypes: async () => (await aidTypeRepository.types(knex)).filter((t) => t.status === 'active'),
      missionTypes: async () => (await missionsModule.missions.types()).filter((t) => t.active),
    },
    blobs,
    logger,
    transport: config.funder.transport,
    pgp: config.funder.pgp,
    ledger: new LedgerRepository(),
    events,
    jobNames: (): string[] => JOBS.map((j) => j.name),
    settings,
    settingsRepository,
  });
  const { jobs, funderOverdueNotice } = createJobsModule({
    ...base,
    accounts,
    organisationRepository,
    mailer,
    mails,
    blobs,
    audit,
    logger,
    baseUrl: config.baseUrl,
    claimUnacknowledgedFunderFiles: (trx, sentBefore, now) => funder.funderOutbound.claimUnacknowledged(trx, sentBefore, now),
  });

  const statisticsModule = createStatisticsModule({ ...base, audit, causeLabels: CAUSES });
  // the monthly restore drill (docs/continuite.md): the newest off-site backup — the newest local one when no off-site storage is configured — restored into a scratch database and checked
  const restoreDrills = new RestoreDrillService({
    db,
    clock,
    logger,
    backups,
    offsite: () => offsite,
    blobs,
    mailer,
    organisations: organisationRepository,
    users: accounts,
    baseUrl: config.baseUrl,
  });
  // issue 17: papers asked of the household and sent from its space (its traces and links: the household space's)
  const { householdDocuments } = createHouseholdDocumentsModule({
    ...base,
    requests: requestsModule.requestRepository,
    instruction: requestsModule.instruction,
    users: accounts,
    blobs,
    mailer,
    settings,
    audit,
    baseUrl: config.baseUrl,
    space: householdSpaceModule.householdSpace,
  });
  // issue 17: the household signs its consent online, with an evidence file (src/e-signature); its link and read traces: the household space's
  const { consentSignatures } = createESignatureModule({
    ...base,
    logger,
    blobs,
    mailer,
    audit,
    accessLog,
    settings,
    aidRequests: requestsModule.aidRequests,
    config,
    ports: () => ({ issueLink: householdSpaceModule.householdSpace.links.issueFor, trace: householdSpaceModule.householdSpace.trace }),
  });
  const services = {
    config,
    db,
    knex,
    clock,
    logger,
    audit,
    accessLog,
    blobs,
    mailer,
    events,
    auth,
    secondFactor,
    organisations,
    users,
    settings,
    aidTypes,
    households: householdsModule.households,
    memberships: householdsModule.memberships,
    duplicates: householdsModule.duplicates,
    aidRequests: requestsModule.aidRequests,
    requestDocuments: requestsModule.requestDocuments,
    requestDossiers: requestsModule.requestDossiers,
    requestLists: requestsModule.requestLists,
    listSubscriptions: requestsModule.listSubscriptions,
    decisions: requestsModule.decisions,
    instruction: requestsModule.instruction,
    householdDocuments,
    payees: owed.payees,
    debtorAccounts: owed.debtorAccounts,
    batches: transfers.batches,
    rejections: transfers.rejections,
    ledger: accountingModule.ledger,
    accounting: accountingModule.accounting,
    accountingSettings: accountingModule.accountingSettings,
    missions: missionsModule.missions,
    appointments: missionsModule.appointments,
    supportRetention: missionsModule.supportRetention,
    ...createAvailabilityModule({ ...base, mailer, blobs, settings, audit, appointments: missionsModule.appointments, baseUrl: config.baseUrl }),
    ...funder,
    funderOverdueNotice,
    ...createAccessWatchModule({ ...base, organisationRepository, accounts, mailer, logger, baseUrl: config.baseUrl }),
    ...rightsModule,
    ...householdSpaceModule,
    consentSignatures,
    ...createAssistanceModule({ ...base, cipher, accounts, organisationRepository, blobs, mailer, audit, accessLog, baseUrl: config.baseUrl }),
    ...createDashboardModule({ ...base, settings }),
    ...statisticsModule,
    // satisfaction questionnaires (issue 17): invitations after a mission or an appointment, anonymous answers, results
    ...createSatisfactionModule({ ...base, mailer, audit, baseUrl: config.baseUrl, associationName: async (db) => (await settings.get(db)).letterhead.name }),
    funds: fundsModule.funds,
    budget: fundsModule.budget,
    ...createReportsModule({
      ...base,
      statistics: statisticsModule.statistics,
      statisticsRefresher: statisticsModule.statisticsRefresher,
      settings,
      mailer,
      blobs,
      audit,
      logger,
      baseUrl: config.baseUrl,
    }),
    ...createHomeModule({ ...base, aidRequests: requestsModule.aidRequests, jobNames: (): string[] => JOBS.map((j) => j.name) }),
    health: new HealthService(knex, { data: config.dataDir, backups: config.backup.dir, minFreeMb: config.readyMinFreeMb }),
    ...createSelfAuditModule({
      ...base,
      config,
      audit,
      mailer,
      logger,
      sources: {
        latestBackup: () => backups.latest(),
        // the same measure as /readyz
        diskSpace: async () =>
          (await new HealthService(knex, { data: config.dataDir, backups: config.backup.dir, minFreeMb: config.readyMinFreeMb }).readiness()).disk,
        advisoryFiles: ADVISORY_FILES,
        lockMinutes: LOCK_MINUTES,
      },
      deactivateUser: (actor, userId) => users.setStatus(actor, userId, 'deactivated'),
    }),
    metrics,
    /** Every uploaded file is scanned for viruses before a handler sees it (src/http/uploads.ts). */
    uploadScreen: new UploadScreen(virusScannerFor(config.uploadScan), logger),
    backups,
    offsite,
    restoreDrills,
    jobs,
    /** Runs a scheduled job now, by name, as a person (the payments page prepares the day's batches this way). */
    runJob: (name: string, starter: JobStarter): Promise<RunOutcome> => {
      const job = JOBS.find((j) => j.name === name);
      if (!job) throw new Error(`unknown job: ${name}`);
      return jobs.run(job, services, starter);
    },
  };
  return services;
}
