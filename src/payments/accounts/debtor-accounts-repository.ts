import type { Db } from '../../db/types';
import type { FieldCipher } from '../../shared/field-cipher';

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

/** A row of debtor_accounts; iban is encrypted at rest, iban_hash its keyed hash. */
interface DebtorAccountRow {
  id: string;
  label: string;
  holder_name: string;
  iban: string;
  iban_hash: string | null;
  bic: string | null;
  is_default: boolean;
  active: boolean;
  version: number;
  created_at: Date;
  updated_at: Date;
}

const toAccount = (r: DebtorAccountRow): DebtorAccount => ({
  id: r.id,
  label: r.label,
  holderName: r.holder_name,
  iban: r.iban,
  bic: r.bic ?? null,
  isDefault: r.is_default,
  active: r.active,
  version: r.version,
});

/** The debtor accounts; the IBAN is stored encrypted, its keyed hash unique (one account per IBAN). */
export class DebtorAccountRepository {
  constructor(private readonly cipher: FieldCipher) {}

  private toAccount(r: DebtorAccountRow): DebtorAccount {
    return toAccount({ ...r, iban: this.cipher.decrypt(r.iban, 'debtor_accounts.iban') });
  }

  async list(db: Db): Promise<DebtorAccount[]> {
    return (await db<DebtorAccountRow>('debtor_accounts').orderByRaw('is_default desc, lower(label)')).map((r) => this.toAccount(r));
  }

  async findById(db: Db, id: string): Promise<DebtorAccount | null> {
    const row = await db<DebtorAccountRow>('debtor_accounts').where({ id }).first();
    return row ? this.toAccount(row) : null;
  }

  async insert(db: Db, a: Omit<DebtorAccountInput, 'bic'> & { bic: string | null }, now: Date): Promise<DebtorAccount> {
    if (a.isDefault)
      await db('debtor_accounts')
        .where({ is_default: true })
        .update({ is_default: false, version: db.raw('version + 1') });
    const [row] = await db<DebtorAccountRow>('debtor_accounts')
      .insert({
        label: a.label,
        holder_name: a.holderName,
        iban: this.cipher.encrypt(a.iban, 'debtor_accounts.iban'),
        iban_hash: this.cipher.blindIndex(a.iban),
        bic: a.bic,
        is_default: a.isDefault,
        active: a.active,
        created_at: now,
        updated_at: now,
      })
      .returning<DebtorAccountRow[]>('*');
    return this.toAccount(row!);
  }

  async update(db: Db, id: string, version: number, a: Omit<DebtorAccountInput, 'bic'> & { bic: string | null }, now: Date): Promise<boolean> {
    if (a.isDefault)
      await db('debtor_accounts')
        .where({ is_default: true })
        .whereNot({ id })
        .update({ is_default: false, version: db.raw('version + 1') });
    const n = await db('debtor_accounts')
      .where({ id, version })
      .update({
        label: a.label,
        holder_name: a.holderName,
        iban: this.cipher.encrypt(a.iban, 'debtor_accounts.iban'),
        iban_hash: this.cipher.blindIndex(a.iban),
        bic: a.bic,
        is_default: a.isDefault,
        active: a.active,
        version: version + 1,
        updated_at: now,
      })
      .returning<Array<Pick<DebtorAccountRow, 'id'>>>('id');
    return n.length === 1;
  }

  /** Aid types paid from another account than the default one. */
  async aidTypeAccounts(db: Db): Promise<Map<string, string>> {
    const rows = await db('aid_types').whereNotNull('debtor_account_id').select<Array<{ id: string; debtor_account_id: string }>>('id', 'debtor_account_id');
    return new Map(rows.map((r) => [r.id, r.debtor_account_id]));
  }

  async setAidTypeAccount(db: Db, aidTypeId: string, accountId: string | null): Promise<void> {
    await db('aid_types').where({ id: aidTypeId }).update({ debtor_account_id: accountId });
  }
}
