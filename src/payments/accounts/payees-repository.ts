import type { Db } from '../../db/types';
import type { FieldCipher } from '../../shared/field-cipher';

export type PayeeKind = 'landlord' | 'supplier';
export type BankAccountStatus = 'pending' | 'confirmed' | 'rejected' | 'replaced';

export interface Payee {
  id: string;
  kind: PayeeKind;
  organisationId: string | null;
  name: string;
  noticeEmail: string | null;
  status: 'active' | 'archived';
  version: number;
}

export interface BankAccount {
  id: string;
  payeeId: string;
  holderName: string;
  iban: string;
  bic: string | null;
  ribBlobId: string | null;
  ribFilename: string | null;
  status: BankAccountStatus;
  submittedBy: string | null;
  submittedByLabel: string;
  submittedAt: Date;
  reviewedByLabel: string | null;
  reviewedAt: Date | null;
  reviewComment: string | null;
  version: number;
}

/** A payee with its confirmed account and the change waiting for confirmation, if any. */
export interface PayeeWithAccounts extends Payee {
  confirmed: BankAccount | null;
  pending: BankAccount | null;
}

interface PayeeRow {
  id: string;
  kind: PayeeKind;
  organisation_id: string | null;
  name: string;
  notice_email: string | null;
  status: Payee['status'];
  version: number;
  created_at: Date;
  updated_at: Date;
}

/** A row of bank_accounts; iban is encrypted at rest (or plaintext before rotate-key), iban_hash its keyed hash. */
interface BankAccountRow {
  id: string;
  payee_id: string;
  holder_name: string;
  iban: string;
  iban_hash: string | null;
  bic: string | null;
  rib_blob_id: string | null;
  rib_filename: string | null;
  status: BankAccountStatus;
  submitted_by: string | null;
  submitted_by_label: string;
  submitted_at: Date;
  reviewed_by: string | null;
  reviewed_by_label: string | null;
  reviewed_at: Date | null;
  review_comment: string | null;
  version: number;
}

const toPayee = (r: PayeeRow): Payee => ({
  id: r.id,
  kind: r.kind,
  organisationId: r.organisation_id ?? null,
  name: r.name,
  noticeEmail: r.notice_email ?? null,
  status: r.status,
  version: r.version,
});

const toAccount = (r: BankAccountRow): BankAccount => ({
  id: r.id,
  payeeId: r.payee_id,
  holderName: r.holder_name,
  iban: r.iban,
  bic: r.bic ?? null,
  ribBlobId: r.rib_blob_id ?? null,
  ribFilename: r.rib_filename ?? null,
  status: r.status,
  submittedBy: r.submitted_by ?? null,
  submittedByLabel: r.submitted_by_label,
  submittedAt: r.submitted_at,
  reviewedByLabel: r.reviewed_by_label ?? null,
  reviewedAt: r.reviewed_at ?? null,
  reviewComment: r.review_comment ?? null,
  version: r.version,
});

/** Payees and their bank accounts. An account's IBAN is stored encrypted, with its keyed hash for the lookups. */
export class PayeeRepository {
  constructor(private readonly cipher: FieldCipher) {}

  private toAccount(r: BankAccountRow): BankAccount {
    return toAccount({ ...r, iban: this.cipher.decrypt(r.iban, 'bank_accounts.iban') });
  }

  async findById(db: Db, id: string): Promise<Payee | null> {
    const row = await db<PayeeRow>('payees').where({ id }).first();
    return row ? toPayee(row) : null;
  }

  async findByOrganisation(db: Db, organisationId: string): Promise<Payee | null> {
    const row = await db<PayeeRow>('payees').where({ organisation_id: organisationId }).first();
    return row ? toPayee(row) : null;
  }

  async organisationName(db: Db, organisationId: string): Promise<string | null> {
    const row = await db('organisations').where({ id: organisationId }).first<{ name: string } | undefined>('name');
    return row ? row.name : null;
  }

  /** The landlord's payee, created the first time it is needed (concurrent callers get the same row). */
  async ensureLandlord(db: Db, organisationId: string, name: string, now: Date): Promise<Payee> {
    await db('payees')
      .insert({ kind: 'landlord', organisation_id: organisationId, name, created_at: now, updated_at: now })
      .onConflict('organisation_id')
      .ignore();
    return (await this.findByOrganisation(db, organisationId)) as Payee;
  }

  async insertSupplier(db: Db, p: { name: string; noticeEmail: string | null }, now: Date): Promise<Payee> {
    const [row] = await db<PayeeRow>('payees')
      .insert({ kind: 'supplier', name: p.name, notice_email: p.noticeEmail, created_at: now, updated_at: now })
      .returning<PayeeRow[]>('*');
    return toPayee(row!);
  }

  async update(db: Db, id: string, version: number, patch: { name?: string; notice_email?: string | null; status?: string }, now: Date): Promise<boolean> {
    const n = await db('payees')
      .where({ id, version })
      .update({ ...patch, version: version + 1, updated_at: now })
      .returning<Array<Pick<PayeeRow, 'id'>>>('id');
    return n.length === 1;
  }

  async suppliers(db: Db): Promise<PayeeWithAccounts[]> {
    return this.withAccounts(db, (await db<PayeeRow>('payees').where({ kind: 'supplier' }).orderByRaw('status, lower(name)')).map(toPayee));
  }

  async withAccounts(db: Db, payees: Payee[]): Promise<PayeeWithAccounts[]> {
    if (payees.length === 0) return [];
    const accounts = (
      await db<BankAccountRow>('bank_accounts')
        .whereIn(
          'payee_id',
          payees.map((p) => p.id),
        )
        .whereIn('status', ['confirmed', 'pending'])
    ).map((r) => this.toAccount(r));
    return payees.map((p) => ({
      ...p,
      confirmed: accounts.find((a) => a.payeeId === p.id && a.status === 'confirmed') ?? null,
      pending: accounts.find((a) => a.payeeId === p.id && a.status === 'pending') ?? null,
    }));
  }

  /**
   * A supplier already known with this IBAN (confirmed or waiting), to pay a new grant to: by the
   * keyed hash under every known key, or among accounts still in plaintext (before rotate-key).
   */
  async supplierByIban(db: Db, iban: string): Promise<Payee | null> {
    const row = await db('payees as y')
      .join('bank_accounts as a', 'a.payee_id', 'y.id')
      .where('y.kind', 'supplier')
      .where((w) => w.whereIn('a.iban_hash', this.cipher.blindIndexes(iban)).orWhere((x) => x.where('a.iban', iban).whereRaw("a.iban not like 'enc:%'")))
      .whereIn('a.status', ['confirmed', 'pending'])
      .orderByRaw("a.status = 'confirmed' desc")
      .first<PayeeRow | undefined>('y.*');
    return row ? toPayee(row) : null;
  }

  async accounts(db: Db, payeeId: string): Promise<BankAccount[]> {
    return (await db<BankAccountRow>('bank_accounts').where({ payee_id: payeeId }).orderBy('submitted_at', 'desc')).map((r) => this.toAccount(r));
  }

  async account(db: Db, id: string, forUpdate = false): Promise<BankAccount | null> {
    const q = db<BankAccountRow>('bank_accounts').where({ id });
    if (forUpdate) q.forUpdate();
    const row = await q.first();
    return row ? this.toAccount(row) : null;
  }

  async insertAccount(
    db: Db,
    a: {
      payeeId: string;
      holderName: string;
      iban: string;
      bic: string | null;
      ribBlobId: string | null;
      ribFilename: string | null;
      status: 'pending' | 'confirmed';
      submittedBy: string | null;
      submittedByLabel: string;
      reviewed?: { by: string | null; label: string };
    },
    now: Date,
  ): Promise<BankAccount> {
    const [row] = await db('bank_accounts')
      .insert({
        payee_id: a.payeeId,
        holder_name: a.holderName,
        iban: this.cipher.encrypt(a.iban, 'bank_accounts.iban'),
        iban_hash: this.cipher.blindIndex(a.iban),
        bic: a.bic,
        rib_blob_id: a.ribBlobId,
        rib_filename: a.ribFilename,
        status: a.status,
        submitted_by: a.submittedBy,
        submitted_by_label: a.submittedByLabel,
        submitted_at: now,
        reviewed_by: a.reviewed?.by ?? null,
        reviewed_by_label: a.reviewed?.label ?? null,
        reviewed_at: a.reviewed ? now : null,
      })
      .returning<BankAccountRow[]>('*');
    return this.toAccount(row!);
  }

  /** Withdraws the change waiting for confirmation (replaced by a newer one). */
  async dropPending(db: Db, payeeId: string, label: string, now: Date): Promise<void> {
    await db('bank_accounts')
      .where({ payee_id: payeeId, status: 'pending' })
      .update({
        status: 'rejected',
        reviewed_by_label: label,
        reviewed_at: now,
        review_comment: 'Remplacé par une saisie plus récente',
        version: db.raw('version + 1'),
      });
  }

  async review(
    db: Db,
    id: string,
    version: number,
    status: 'confirmed' | 'rejected',
    by: { id: string; label: string },
    comment: string | null,
    now: Date,
  ): Promise<boolean> {
    const n = await db('bank_accounts')
      .where({ id, version, status: 'pending' })
      .update({ status, reviewed_by: by.id, reviewed_by_label: by.label, reviewed_at: now, review_comment: comment, version: version + 1 })
      .returning<Array<Pick<BankAccountRow, 'id'>>>('id');
    return n.length === 1;
  }

  async replaceConfirmed(db: Db, payeeId: string): Promise<void> {
    await db('bank_accounts')
      .where({ payee_id: payeeId, status: 'confirmed' })
      .update({ status: 'replaced', version: db.raw('version + 1') });
  }

  /** Changes waiting for someone of the association, oldest first. */
  async pendingReviews(db: Db): Promise<Array<BankAccount & { payeeName: string; payeeKind: PayeeKind; previousIban: string | null }>> {
    const rows = await db('bank_accounts as a')
      .join('payees as y', 'y.id', 'a.payee_id')
      .where('a.status', 'pending')
      .orderBy('a.submitted_at')
      .select<Array<BankAccountRow & { payee_name: string; payee_kind: PayeeKind; previous_iban: string | null }>>(
        'a.*',
        'y.name as payee_name',
        'y.kind as payee_kind',
        db.raw("(select c.iban from bank_accounts c where c.payee_id = a.payee_id and c.status = 'confirmed') as previous_iban"),
      );
    return rows.map((r) => ({
      ...this.toAccount(r),
      payeeName: r.payee_name,
      payeeKind: r.payee_kind,
      previousIban: this.cipher.decryptNullable(r.previous_iban, 'bank_accounts.iban'),
    }));
  }
}
