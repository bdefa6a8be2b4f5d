import type { Knex } from 'knex';
import type { AuditService } from '../audit/service';
import { type Db, isUuid } from '../db/types';
import { type Actor, scopeFor } from '../permissions';
import type { Clock } from '../shared/clock';
import type { FieldCipher } from '../shared/field-cipher';
import { ConflictError, NotFoundError, ValidationError } from '../shared/errors';
import { compactIban, maskIban } from '../shared/iban';

export interface DebtorAccount {
  id: string;
  label: string;
  holderName: string;
  iban: string;
  bic: string | null;
  isDefault: boolean;
  active: boolean;
  version: number;
}

export interface DebtorAccountInput {
  label: string;
  holderName: string;
  iban: string;
  bic?: string | undefined;
  isDefault: boolean;
  active: boolean;
}

const toAccount = (r: Record<string, unknown>): DebtorAccount => ({
  id: r.id as string, label: r.label as string, holderName: r.holder_name as string, iban: r.iban as string, bic: (r.bic as string | null) ?? null,
  isDefault: r.is_default as boolean, active: r.active as boolean, version: r.version as number,
});

/** The debtor accounts; the IBAN is stored encrypted, its keyed hash unique (one account per IBAN). */
export class DebtorAccountRepository {
  constructor(private readonly cipher: FieldCipher) {}

  private toAccount(r: Record<string, unknown>): DebtorAccount {
    return toAccount({ ...r, iban: this.cipher.decrypt(r.iban as string, 'debtor_accounts.iban') });
  }

  async list(db: Db): Promise<DebtorAccount[]> {
    return (await db('debtor_accounts').orderByRaw('is_default desc, lower(label)')).map((r: Record<string, unknown>) => this.toAccount(r));
  }

  async findById(db: Db, id: string): Promise<DebtorAccount | null> {
    const row = await db('debtor_accounts').where({ id }).first();
    return row ? this.toAccount(row) : null;
  }

  async insert(db: Db, a: Omit<DebtorAccountInput, 'bic'> & { bic: string | null }, now: Date): Promise<DebtorAccount> {
    if (a.isDefault) await db('debtor_accounts').where({ is_default: true }).update({ is_default: false, version: db.raw('version + 1') });
    const [row] = await db('debtor_accounts')
      .insert({ label: a.label, holder_name: a.holderName, iban: this.cipher.encrypt(a.iban, 'debtor_accounts.iban'), iban_hash: this.cipher.blindIndex(a.iban), bic: a.bic, is_default: a.isDefault, active: a.active, created_at: now, updated_at: now })
      .returning('*');
    return this.toAccount(row);
  }

  async update(db: Db, id: string, version: number, a: Omit<DebtorAccountInput, 'bic'> & { bic: string | null }, now: Date): Promise<boolean> {
    if (a.isDefault) await db('debtor_accounts').where({ is_default: true }).whereNot({ id }).update({ is_default: false, version: db.raw('version + 1') });
    const n = await db('debtor_accounts').where({ id, version })
      .update({ label: a.label, holder_name: a.holderName, iban: this.cipher.encrypt(a.iban, 'debtor_accounts.iban'), iban_hash: this.cipher.blindIndex(a.iban), bic: a.bic, is_default: a.isDefault, active: a.active, version: version + 1, updated_at: now })
      .returning('id');
    return n.length === 1;
  }

  /** Aid types paid from another account than the default one. */
  async aidTypeAccounts(db: Db): Promise<Map<string, string>> {
    const rows = await db('aid_types').whereNotNull('debtor_account_id').select('id', 'debtor_account_id');
    return new Map(rows.map((r: Record<string, string>) => [r.id as string, r.debtor_account_id as string]));
  }

  async setAidTypeAccount(db: Db, aidTypeId: string, accountId: string | null): Promise<void> {
    await db('aid_types').where({ id: aidTypeId }).update({ debtor_account_id: accountId });
  }
}

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
      await this.audit.record(trx, actor, { entityType: 'debtor_account', entityId: account.id, organisationId: actor.organisationId, action: 'debtor_account.created', after: { ...values, iban: maskIban(values.iban) } });
    });
  }

  async update(actor: Actor, id: string, input: DebtorAccountInput & { version: number }): Promise<void> {
    scopeFor(actor, 'settings:manage');
    await this.db.transaction(async (trx) => {
      const before = isUuid(id) ? await this.accounts.findById(trx, id) : null;
      if (!before) throw new NotFoundError();
      const values = { ...input, iban: compactIban(input.iban), bic: input.bic ? input.bic.replace(/\s/g, '').toUpperCase() : null };
      if ((await this.accounts.list(trx)).some((a) => a.id !== id && a.iban === values.iban)) throw new ValidationError({ iban: 'Ce compte est déjà enregistré' });
      if (!(await this.accounts.update(trx, id, input.version, values, this.clock.now()))) throw new ConflictError();
      await this.audit.record(trx, actor, {
        entityType: 'debtor_account', entityId: id, organisationId: actor.organisationId, action: 'debtor_account.updated',
        // the audit trail is immutable and outlives a key: it keeps the IBAN masked, the account holds it encrypted
        before: { label: before.label, holderName: before.holderName, iban: maskIban(before.iban), bic: before.bic, isDefault: before.isDefault, active: before.active },
        after: { label: values.label, holderName: values.holderName, iban: maskIban(values.iban), bic: values.bic, isDefault: values.isDefault, active: values.active },
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
      await this.audit.record(trx, actor, { entityType: 'aid_type', entityId: aidTypeId, organisationId: actor.organisationId, action: 'aid_type.debtor_account', after: { debtorAccountId: accountId } });
    });
  }
}
