import type { Knex } from 'knex';
import type { AuditService } from '../audit/service';
import type { BlobStore } from '../files/storage';
import type { SettingsRepository } from '../settings/repository';
import type { Clock } from '../shared/clock';
import type { DomainEvents } from '../shared/domain-events';
import { LedgerService } from './ledger';
import { LedgerRepository } from './repository';
import { AccountingService } from './service';
import { AccountingSettingsStore } from './settings-store';

/**
 * The double-entry ledger and its exports (FEC, accounting software CSV). The ledger is written by
 * the events it hangs on, in the transaction that announces them: a grant, a batch transmitted,
 * a transfer rejected, instalments cancelled.
 */
export function createAccountingModule(deps: {
  db: Knex;
  settingsRepository: SettingsRepository;
  blobs: BlobStore;
  audit: AuditService;
  clock: Clock;
  events: DomainEvents;
  exportDir: string;
}) {
  const { db, audit, clock, events } = deps;
  const ledgerRepository = new LedgerRepository();
  const accountingSettings = new AccountingSettingsStore({ db, repository: deps.settingsRepository, audit, clock });
  const ledger = new LedgerService({ ledger: ledgerRepository, settings: accountingSettings });
  events.on('aid.granted', (trx, e, now) => ledger.onGrant(trx, e, now));
  events.on('batch.transmitted', (trx, e, now) => ledger.onBatchTransmitted(trx, e, now));
  events.on('payment.rejected', (trx, e, now) => ledger.onPaymentRejected(trx, e, now));
  events.on('instalments.cancelled', (trx, e, now) => ledger.onInstalmentsCancelled(trx, e, now));
  const accounting = new AccountingService({
    db,
    ledger: ledgerRepository,
    settings: accountingSettings,
    blobs: deps.blobs,
    audit,
    clock,
    exportDir: deps.exportDir,
  });
  return { ledger, accounting, accountingSettings };
}
