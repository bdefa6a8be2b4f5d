import type { Knex } from 'knex';
import type { AuditService } from '../audit/service';
import type { Db } from '../db/types';
import type { Actor } from '../permissions';
import type { SettingsRepository } from '../settings/repository';
import type { Clock } from '../shared/clock';
import { ConflictError } from '../shared/errors';
import { type AccountingSettings, DEFAULT_ACCOUNTING } from './settings';

/** The accountant's settings, stored under the `accounting` key of the settings table: defaults until saved, every change audited. */
export class AccountingSettingsStore {
  private readonly db: Knex;
  private readonly repository: SettingsRepository;
  private readonly audit: AuditService;
  private readonly clock: Clock;

  constructor(deps: { db: Knex; repository: SettingsRepository; audit: AuditService; clock: Clock }) {
    this.db = deps.db;
    this.repository = deps.repository;
    this.audit = deps.audit;
    this.clock = deps.clock;
  }

  /** Stored values over the defaults, and the version a form sends back. */
  async accountingCurrent(db: Db = this.db): Promise<{ settings: AccountingSettings; version: number }> {
    const row = (await this.repository.all(db)).get('accounting');
    const stored = (row?.value as Partial<AccountingSettings> | undefined) ?? {};
    return {
      settings: {
        ...DEFAULT_ACCOUNTING,
        ...stored,
        journals: { ...DEFAULT_ACCOUNTING.journals, ...stored.journals },
        accounts: { ...DEFAULT_ACCOUNTING.accounts, ...stored.accounts },
        aidTypeAccounts: { ...stored.aidTypeAccounts },
        csv: { ...DEFAULT_ACCOUNTING.csv, ...stored.csv },
      },
      version: row?.version ?? 0,
    };
  }

  async accounting(db: Db = this.db): Promise<AccountingSettings> {
    return (await this.accountingCurrent(db)).settings;
  }

  /** Saves the accountant's settings under optimistic locking, audited. */
  async saveAccounting(trx: Db, actor: Actor, next: AccountingSettings, version: number): Promise<void> {
    const { settings: before, version: current } = await this.accountingCurrent(trx);
    if (current !== version) throw new ConflictError();
    if (!(await this.repository.save(trx, 'accounting', next, version, this.clock.now()))) throw new ConflictError();
    await this.audit.record(trx, actor, {
      entityType: 'settings',
      entityId: 'accounting',
      organisationId: actor.organisationId,
      action: 'settings.accounting_updated',
      before: flatten(before),
      after: flatten(next),
    });
  }
}

/** Settings as field → value for the audit trail. */
function flatten(s: AccountingSettings): Record<string, unknown> {
  return {
    siren: s.siren,
    fiscalYearStartMonth: s.fiscalYearStartMonth,
    numbering: s.numbering,
    grantsJournal: s.journals.grants,
    bankJournal: s.journals.bank,
    expenseAccount: s.accounts.expense,
    payableAccount: s.accounts.payable,
    bankAccount: s.accounts.bank,
    aidTypeAccounts: JSON.stringify(s.aidTypeAccounts),
    csv: JSON.stringify(s.csv),
  };
}
