import type { Knex } from 'knex';
import type { UserRepository } from '../accounts/repository';
import type { AccessLogService } from '../audit/access-log';
import type { AuditService } from '../audit/service';
import type { Mailer } from '../notifications/mailer';
import type { Clock } from '../shared/clock';
import type { DomainEvents } from '../shared/domain-events';
import { Budget } from './budget';
import { FundRepository } from './repository';
import { FundService } from './service';

/**
 * Budget envelopes. The decisions reach them through their budget port (`budget`); the money
 * events move them in the transaction that announces them: a transfer sent consumes, a rejection
 * unconsumes, cancelled instalments release.
 */
export function createFundsModule(deps: {
  db: Knex;
  clock: Clock;
  accounts: UserRepository;
  mailer: Mailer;
  audit: AuditService;
  accessLog: AccessLogService;
  events: DomainEvents;
  baseUrl: string;
}) {
  const repository = new FundRepository();
  const budget = new Budget({ funds: repository, accounts: deps.accounts, mailer: deps.mailer, baseUrl: deps.baseUrl });
  deps.events.on('batch.transmitted', (trx, e, now) => budget.onBatchTransmitted(trx, e, now));
  deps.events.on('payment.rejected', (trx, e, now) => budget.onPaymentRejected(trx, e, now));
  deps.events.on('instalments.cancelled', async (trx, e, now) => {
    await budget.onInstalmentsCancelled(trx, e, now);
  });
  return {
    budget,
    funds: new FundService({ db: deps.db, funds: repository, budget, audit: deps.audit, accessLog: deps.accessLog, clock: deps.clock }),
    fundRepository: repository,
  };
}
