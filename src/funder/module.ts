import type { Knex } from 'knex';
import type { AccessLogService } from '../audit/access-log';
import type { AuditService } from '../audit/service';
import type { FunderPgpConfig, FunderTransportConfig } from '../config';
import type { BlobStore } from '../files/storage';
import type { DuplicateService } from '../households/duplicates/service';
import type { Logger } from '../logger';
import type { Clock } from '../shared/clock';
import type { SettingsRepository } from '../settings/repository';
import type { SettingsService } from '../settings/service';
import { FunderBilling } from './billing/service';
import { FunderBillingSettingsStore } from './billing/settings';
import { FunderFileRepository } from './files-repository';
import { FunderPgp } from './formats/pgp';
import { FunderLedgerFlow, type LedgerSource } from './ledger-flow/flow';
import { type DossierOpeners, type IdentityMatcher, OrientationFollowUp } from './orientations/follow-up';
import { OrientationIntake } from './orientations/intake';
import { OrientationQueue } from './orientations/queue';
import { OrientationRepository } from './orientations/repository';
import type { DomainEvents } from '../shared/domain-events';
import { createFunderExchanges } from './exchanges/service';
import { FollowUpOutbox } from './followup/outbox';
import { FollowUpFiles } from './followup/sender';
import { AcknowledgementReader } from './outbound/acknowledgement-reader';
import { FunderRecordRepository } from './outbound/records-repository';
import { OutboundSender } from './outbound/sender';
import { FunderReporting } from './reporting/service';
import { createFunderTransport } from './transport';

/**
 * The exchanges with Action Logement (docs/echanges): the transport the configuration names,
 * the intake of the ASD orientations, their queue and follow-up, the sender of the outbound files and
 * the flows that fill them (ECRITURES, FACTURATION with its invoice, REPORTING). A transport is opened per run and closed after it.
 */
export function createFunderModule(deps: {
  db: Knex;
  clock: Clock;
  audit: AuditService;
  accessLog: AccessLogService;
  duplicates: DuplicateService & IdentityMatcher;
  openers: DossierOpeners;
  blobs: BlobStore;
  logger: Logger;
  transport: FunderTransportConfig;
  /** OpenPGP with the funder (null: files in clear) */
  pgp: FunderPgpConfig | null;
  /** the closed months and their FEC lines (ECRITURES) */
  ledger: LedgerSource;
  /** the business events the SUIVI outbox hangs on */
  events: DomainEvents;
  /** the registered jobs (the « Échanges » page offers to run a flow's job) */
  jobNames: () => readonly string[];
  /** the association's letterhead (invoices) and the settings table (billing settings) */
  settings: SettingsService;
  settingsRepository: SettingsRepository;
}) {
  const files = new FunderFileRepository();
  const pgp = deps.pgp ? new FunderPgp(deps.pgp) : null;
  const records = new FunderRecordRepository();
  const outbox = new FollowUpOutbox(records);
  outbox.register(deps.events);
  const orientations = new OrientationRepository();
  const orientationIntake = new OrientationIntake({
    db: deps.db,
    transport: () => createFunderTransport(deps.transport),
    files,
    orientations,
    outbox,
    pgp,
    blobs: deps.blobs,
    audit: deps.audit,
    clock: deps.clock,
    logger: deps.logger,
  });
  const funderOutbound = new OutboundSender({
    db: deps.db,
    pgp,
    transport: () => createFunderTransport(deps.transport),
    files,
    blobs: deps.blobs,
    audit: deps.audit,
    clock: deps.clock,
    logger: deps.logger,
  });
  const funderAcknowledgements = new AcknowledgementReader({
    db: deps.db,
    transport: () => createFunderTransport(deps.transport),
    files,
    records,
    blobs: deps.blobs,
    audit: deps.audit,
    clock: deps.clock,
    logger: deps.logger,
  });
  const orientationQueue = new OrientationQueue({
    db: deps.db,
    orientations,
    outbox,
    duplicates: deps.duplicates,
    audit: deps.audit,
    accessLog: deps.accessLog,
    clock: deps.clock,
  });
  const orientationFollowUp = new OrientationFollowUp({
    db: deps.db,
    orientations,
    openers: deps.openers,
    matcher: deps.duplicates,
    audit: deps.audit,
    accessLog: deps.accessLog,
    clock: deps.clock,
  });
  const funderFollowUp = new FollowUpFiles({ db: deps.db, clock: deps.clock, records, outbound: funderOutbound });
  const funderLedger = new FunderLedgerFlow({ db: deps.db, ledger: deps.ledger, outbound: funderOutbound });
  const funderBillingSettings = new FunderBillingSettingsStore({ db: deps.db, repository: deps.settingsRepository, audit: deps.audit, clock: deps.clock });
  const funderBilling = new FunderBilling({
    db: deps.db,
    clock: deps.clock,
    blobs: deps.blobs,
    outbound: funderOutbound,
    settings: deps.settings,
    billingSettings: funderBillingSettings,
    audit: deps.audit,
    logger: deps.logger,
  });
  const funderReporting = new FunderReporting({ db: deps.db, clock: deps.clock, outbound: funderOutbound });
  const funderExchanges = createFunderExchanges({
    db: deps.db,
    blobs: deps.blobs,
    audit: deps.audit,
    accessLog: deps.accessLog,
    clock: deps.clock,
    outbound: funderOutbound,
    jobNames: deps.jobNames,
    reportingSheet: (month) => funderReporting.xlsx(month),
    // a REPORTING cell is figures: after a correction, recomputed; the other flows' records are facts
    currentRecord: async (db, flow, payload) =>
      flow === 'REPORTING' ? ((await funderReporting.indicators(String(payload.mois), db)).find((r) => r.id === payload.id) ?? null) : undefined,
  });
  return {
    funderExchanges,
    orientationIntake,
    orientationQueue,
    orientationFollowUp,
    funderOutbound,
    funderAcknowledgements,
    funderFollowUp,
    funderLedger,
    funderBilling,
    funderBillingSettings,
    funderReporting,
  };
}
