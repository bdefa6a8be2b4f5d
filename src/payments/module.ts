import type { Knex } from 'knex';
import type { UserRepository } from '../accounts/repository';
import type { AccessLogService } from '../audit/access-log';
import type { AuditService } from '../audit/service';
import type { BlobStore } from '../files/storage';
import type { Mailer } from '../notifications/mailer';
import type { SettingsService } from '../settings/service';
import type { Clock } from '../shared/clock';
import type { DomainEvents } from '../shared/domain-events';
import type { FieldCipher } from '../shared/field-cipher';
import { BatchService } from './transfers/batches';
import { RejectionService } from './transfers/rejections';
import { BatchRepository } from './transfers/batches-repository';
import { DebtorAccountService } from './accounts/debtor-accounts';
import { DebtorAccountRepository } from './accounts/debtor-accounts-repository';
import { GrantScheduler } from './grant-schedule';
import { PayeeService } from './accounts/payees';
import { PayeeRepository } from './accounts/payees-repository';
import type { RequestProgress } from './ports';
import { PaymentRepository } from './repository';

/** What is owed: payees and their bank details, the association's debtor accounts, the instalments of each grant. */
export function createPaymentsModule(deps: { db: Knex; cipher: FieldCipher; blobs: BlobStore; audit: AuditService; clock: Clock }) {
  const { db, cipher, blobs, audit, clock } = deps;
  const payments = new PaymentRepository(cipher);
  const payeeRepository = new PayeeRepository(cipher);
  const debtorAccountRepository = new DebtorAccountRepository(cipher);
  const payees = new PayeeService({ db, payees: payeeRepository, blobs, audit, clock });
  return {
    payments,
    payeeRepository,
    debtorAccountRepository,
    payees,
    debtorAccounts: new DebtorAccountService({ db, accounts: debtorAccountRepository, audit, clock }),
    grantScheduler: new GrantScheduler({ payees, payments }),
  };
}

/**
 * What leaves: SEPA batches (generation, approval, transmission, settlement) and the bank's
 * rejections. `requests` moves the paid requests (the aid-requests area provides it); the
 * ledger hangs on the events they announce.
 */
export function createTransfersModule(deps: {
  db: Knex;
  cipher: FieldCipher;
  owed: ReturnType<typeof createPaymentsModule>;
  requests: RequestProgress;
  accounts: UserRepository;
  blobs: BlobStore;
  mailer: Mailer;
  settings: SettingsService;
  audit: AuditService;
  accessLog: AccessLogService;
  clock: Clock;
  events: DomainEvents;
  baseUrl: string;
}) {
  const { db, owed, requests, accounts, blobs, mailer, settings, audit, clock, events } = deps;
  const batchRepository = new BatchRepository(deps.cipher);
  const batches = new BatchService({
    db,
    batches: batchRepository,
    debtors: owed.debtorAccountRepository,
    payments: owed.payments,
    payees: owed.payeeRepository,
    requests,
    users: accounts,
    blobs,
    mailer,
    settings,
    audit,
    clock,
    events,
  });
  const rejections = new RejectionService({
    db,
    payments: owed.payments,
    batchRepository,
    batches,
    requests,
    users: accounts,
    mailer,
    audit,
    clock,
    baseUrl: deps.baseUrl,
    events,
    accessLog: deps.accessLog,
  });
  return { batches, rejections };
}
