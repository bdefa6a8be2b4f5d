import type { Knex } from 'knex';
import type { AuditService } from '../../audit/service';
import { isUuid } from '../../db/types';
import { type Actor, scopeFor } from '../../permissions/index';
import type { Clock } from '../../shared/clock';
import { ConflictError, NotFoundError, ValidationError } from '../../shared/errors';
import { compactIban, maskIban } from '../../shared/iban';
import type { DebtorAccount, DebtorAccountInput, DebtorAccountRepository } from './debtor-accounts-repository';

/** The association's own accounts, that transfers leave from (administrators). */
export class DebtorAccountService {
  private readonly db: Knex;
  private readonly accounts: DebtorAccountRepository;
  private readonly audit: AuditService;
  private readonly clock: Clock;

  constructor(deps: { db: Knex; accounts: DebtorAccountRepository; audit: AuditService; clock: Clock }) {
    this.db = deps.db;
    this.accounts = deps.accounts;
    this.audit = deps.audit;
    this.clock = deps.clock;
  }

  list(actor: Actor): Promise<DebtorAccount[]> {
    scopeFor(actor, 'settings:manage');
    return this.accounts.list(this.db);
  }

  async get(actor: Actor, id: string): Promise<DebtorAccount> {
    scopeFor(actor, 'settings:manage');
    const account = isUuid(id) ? await this.accounts.findById(this.db, id) : null;
    if (!account) throw new NotFoundError();
    return account;
  }

  async create(actor: Actor, input: DebtorAccountInput): Promise<void> {
    scopeFor(actor, 'settings:manage');
    await this.db.transaction(async (trx) => {
      const values = { ...input, iban: compactIban(input.iban), bic: input.bic ? input.bic.replace(/\s/g, '').toUpperCase() : null };
      if ((await this.accounts.list(trx)).some((a) => a.iban === values.iban)) throw new ValidationError({ iban: 'Ce compte est déjà enregistré' });
      const account = await this.accounts.insert(trx, values, this.clock.now());
      await this.audit.record(trx, actor, {
        entityType: 'debtor_account',
        entityId: account.id,
        organisationId: actor.organisationId,
        action: 'debtor_account.created',
        after: { ...values, iban: maskIban(values.iban) },
      });
    });
  }

  async update(actor: Actor, id: string, input: DebtorAccountInput & { version: number }): Promise<void> {
    scopeFor(actor, 'settings:manage');
    await this.db.transaction(async (trx) => {
      const before = isUuid(id) ? await this.accounts.findById(trx, id) : null;
      if (!before) throw new NotFoundError();
      const values = { ...input, iban: compactIban(input.iban), bic: input.bic ? input.bic.replace(/\s/g, '').toUpperCase() : null };
      if ((await this.accounts.list(trx)).some((a) => a.id !== id && a.iban === values.iban))
        throw new ValidationError({ iban: 'Ce compte est déjà enregistré' });
      if (!(await this.accounts.update(trx, id, input.version, values, this.clock.now()))) throw new ConflictError();
      await this.audit.record(trx, actor, {
        entityType: 'debtor_account',
        entityId: id,
        organisationId: actor.organisationId,
        action: 'debtor_account.updated',
        // the audit trail is immutable and outlives a key: it keeps the IBAN masked, the account holds it encrypted
        before: {
          label: before.label,
          holderName: before.holderName,
          iban: maskIban(before.iban),
          bic: before.bic,
          isDefault: before.isDefault,
          active: before.active,
        },
        after: {
          label: values.label,
          holderName: values.holderName,
          iban: maskIban(values.iban),
          bic: values.bic,
          isDefault: values.isDefault,
          active: values.active,
        },
      });
    });
  }

  /** Which account pays which aid type (none: the default account). */
  async aidTypeMapping(actor: Actor): Promise<Map<string, string>> {
    scopeFor(actor, 'settings:manage');
    return this.accounts.aidTypeAccounts(this.db);
  }

  async mapAidType(actor: Actor, aidTypeId: string, accountId: string | null): Promise<void> {
    scopeFor(actor, 'settings:manage');
    await this.db.transaction(async (trx) => {
      if (accountId && !(await this.accounts.findById(trx, accountId))) throw new ValidationError({ account: 'Compte inconnu' });
      await this.accounts.setAidTypeAccount(trx, aidTypeId, accountId);
      await this.audit.record(trx, actor, {
        entityType: 'aid_type',
        entityId: aidTypeId,
        organisationId: actor.organisationId,
        action: 'aid_type.debtor_account',
        after: { debtorAccountId: accountId },
      });
    });
  }
}
