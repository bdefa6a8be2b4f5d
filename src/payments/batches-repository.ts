import type { Db, Page } from '../db/types';
import { toPage } from '../db/types';
import type { FieldCipher } from '../shared/field-cipher';

export type BatchStatus = 'generated' | 'approved' | 'transmitted' | 'settled' | 'cancelled';

export interface Batch {
  id: string;
  number: number;
  debtorAccountId: string;
  debtorLabel: string;
  executionDate: string;
  msgId: string;
  paymentInfoId: string;
  status: BatchStatus;
  transactionCount: number;
  controlSumCents: number;
  fileBlobId: string;
  fileName: string;
  fileSha256: string;
  generatedBy: string | null;
  generatedByLabel: string;
  generatedAt: Date;
  approvedByLabel: string | null;
  approvedAt: Date | null;
  transmittedByLabel: string | null;
  transmittedAt: Date | null;
  settledByLabel: string | null;
  settledAt: Date | null;
  cancelledByLabel: string | null;
  cancelledAt: Date | null;
  cancelReason: string | null;
  version: number;
}

export interface BatchItem {
  paymentId: string;
  endToEndId: string;
  amountCents: number;
  creditorName: string;
  iban: string;
  bic: string | null;
  remittance: string;
  paymentStatus: string;
  requestId: string;
  reference: string | null;
  payeeId: string;
  instalment: number;
  instalments: number;
  reissueOf: string | null;
}

/** A payment the nightly job may pay: due, its request still granted, its payee's account confirmed. */
export interface DuePayment {
  id: string;
  requestId: string;
  reference: string;
  aidTypeId: string;
  aidCode: string;
  organisationId: string;
  instalment: number;
  instalments: number;
  amountCents: number;
  dueDate: string;
  endToEndId: string;
  payeeId: string;
  accountId: string;
  holderName: string;
  iban: string;
  bic: string | null;
}

const toBatch = (r: Record<string, unknown>): Batch => ({
  id: r.id as string, number: Number(r.number), debtorAccountId: r.debtor_account_id as string, debtorLabel: (r.debtor_label as string) ?? '',
  executionDate: r.execution_date as string, msgId: r.msg_id as string, paymentInfoId: r.payment_info_id as string, status: r.status as BatchStatus,
  transactionCount: r.transaction_count as number, controlSumCents: Number(r.control_sum_cents), fileBlobId: r.file_blob_id as string, fileName: r.file_name as string,
  fileSha256: r.file_sha256 as string, generatedBy: (r.generated_by as string | null) ?? null, generatedByLabel: r.generated_by_label as string, generatedAt: r.generated_at as Date,
  approvedByLabel: (r.approved_by_label as string | null) ?? null, approvedAt: (r.approved_at as Date | null) ?? null,
  transmittedByLabel: (r.transmitted_by_label as string | null) ?? null, transmittedAt: (r.transmitted_at as Date | null) ?? null,
  settledByLabel: (r.settled_by_label as string | null) ?? null, settledAt: (r.settled_at as Date | null) ?? null,
  cancelledByLabel: (r.cancelled_by_label as string | null) ?? null, cancelledAt: (r.cancelled_at as Date | null) ?? null, cancelReason: (r.cancel_reason as string | null) ?? null,
  version: r.version as number,
});

const PAYABLE_REQUEST_STATUSES = ['granted', 'in_payment', 'paid'];

/** Payment batches and their items. The creditors' IBANs are stored encrypted, in the items as in the accounts. */
export class BatchRepository {
  constructor(private readonly cipher: FieldCipher) {}

  /** Takes the lock that serialises every batch generation (two replicas, a night run and an operator's). */
  async lockGeneration(trx: Db): Promise<void> {
    await trx.raw("select pg_advisory_xact_lock(hashtext('entraide:sepa-batches'))");
  }

  async nextNumber(trx: Db): Promise<number> {
    const { rows } = await trx.raw<{ rows: Array<{ n: string }> }>("select nextval('payment_batch_seq') as n");
    return Number(rows[0]?.n);
  }

  /** Payments due by the execution date that can leave now, locked for this transaction, in a stable order. */
  async duePayments(trx: Db, executionDate: string): Promise<DuePayment[]> {
    const rows = await trx('payments as p')
      .join('aid_requests as r', 'r.id', 'p.request_id')
      .join('aid_types as t', 't.id', 'r.aid_type_id')
      .join('bank_accounts as a', function () {
        this.on('a.payee_id', 'p.payee_id').andOnVal('a.status', 'confirmed');
      })
      .where('p.status', 'scheduled')
      .where('p.due_date', '<=', executionDate)
      .whereIn('r.status', PAYABLE_REQUEST_STATUSES)
      // a change of IBAN waiting for confirmation holds the payee's payments
      .whereNotExists((q) => q.from('bank_accounts as w').whereRaw('w.payee_id = p.payee_id').where('w.status', 'pending'))
      .whereNotExists((q) => q.from('payment_batch_items as i').whereRaw('i.payment_id = p.id').where('i.live', true))
      .orderBy([{ column: 'p.due_date' }, { column: 'p.end_to_end_id' }])
      .forUpdate('p')
      .select(
        'p.id', 'p.request_id', 'r.reference', 'r.aid_type_id', 't.code as aid_code', 'p.organisation_id', 'p.instalment', 'p.instalments', 'p.amount_cents', 'p.due_date', 'p.end_to_end_id',
        'p.payee_id', 'a.id as account_id', 'a.holder_name', 'a.iban', 'a.bic',
      );
    return rows.map((r: Record<string, unknown>) => ({
      id: r.id as string, requestId: r.request_id as string, reference: r.reference as string, aidTypeId: r.aid_type_id as string, aidCode: r.aid_code as string,
      organisationId: r.organisation_id as string, instalment: r.instalment as number, instalments: r.instalments as number, amountCents: Number(r.amount_cents),
      dueDate: r.due_date as string, endToEndId: r.end_to_end_id as string, payeeId: r.payee_id as string, accountId: r.account_id as string,
      holderName: r.holder_name as string, iban: this.cipher.decrypt(r.iban as string, 'bank_accounts.iban'), bic: (r.bic as string | null) ?? null,
    }));
  }

  async liveBatchExists(trx: Db, debtorAccountId: string, executionDate: string): Promise<boolean> {
    return Boolean(await trx('payment_batches').where({ debtor_account_id: debtorAccountId, execution_date: executionDate }).whereNot('status', 'cancelled').first('id'));
  }

  async insert(
    trx: Db,
    b: { number: number; debtorAccountId: string; executionDate: string; msgId: string; paymentInfoId: string; count: number; controlSumCents: bigint; fileBlobId: string; fileName: string; fileSha256: string; by: { userId: string | null; label: string }; jobRunId: string | null },
    now: Date,
  ): Promise<string> {
    const [row] = await trx('payment_batches')
      .insert({
        number: b.number, debtor_account_id: b.debtorAccountId, execution_date: b.executionDate, msg_id: b.msgId, payment_info_id: b.paymentInfoId, status: 'generated',
        transaction_count: b.count, control_sum_cents: b.controlSumCents.toString(), file_blob_id: b.fileBlobId, file_name: b.fileName, file_sha256: b.fileSha256,
        generated_by: b.by.userId, generated_by_label: b.by.label, generated_at: now, job_run_id: b.jobRunId,
      })
      .returning('id');
    return (row as { id: string }).id;
  }

  async insertItems(trx: Db, batchId: string, items: Array<{ paymentId: string; endToEndId: string; amountCents: number; accountId: string; creditorName: string; iban: string; bic: string | null; remittance: string }>): Promise<void> {
    const rows = items.map((i) => ({
      batch_id: batchId, payment_id: i.paymentId, end_to_end_id: i.endToEndId, amount_cents: i.amountCents, bank_account_id: i.accountId,
      creditor_name: i.creditorName, iban: this.cipher.encrypt(i.iban, 'payment_batch_items.iban'), bic: i.bic, remittance: i.remittance,
    }));
    for (let i = 0; i < rows.length; i += 1000) await trx('payment_batch_items').insert(rows.slice(i, i + 1000));
  }

  async setPaymentStatus(trx: Db, paymentIds: string[], from: string, to: string, now: Date, extra: Record<string, unknown> = {}): Promise<number> {
    let n = 0;
    for (let i = 0; i < paymentIds.length; i += 5000) {
      n += (await trx('payments').whereIn('id', paymentIds.slice(i, i + 5000)).where('status', from).update({ status: to, updated_at: now, version: trx.raw('version + 1'), ...extra }).returning('id')).length;
    }
    return n;
  }

  async findById(db: Db, id: string, forUpdate = false): Promise<Batch | null> {
    const q = db('payment_batches as b').join('debtor_accounts as d', 'd.id', 'b.debtor_account_id').where('b.id', id).select('b.*', 'd.label as debtor_label');
    if (forUpdate) q.forUpdate('b');
    const row = await q.first();
    return row ? toBatch(row) : null;
  }

  async list(db: Db, page: number, pageSize = 30): Promise<Page<Batch>> {
    const [count] = await db('payment_batches').count<{ n: string }[]>('* as n');
    const rows = await db('payment_batches as b').join('debtor_accounts as d', 'd.id', 'b.debtor_account_id')
      .orderBy([{ column: 'b.number', order: 'desc' }]).limit(pageSize).offset((page - 1) * pageSize).select('b.*', 'd.label as debtor_label');
    return toPage(rows.map(toBatch), Number(count?.n ?? 0), page, pageSize);
  }

  async items(db: Db, batchId: string, limit?: number): Promise<BatchItem[]> {
    const q = db('payment_batch_items as i').join('payments as p', 'p.id', 'i.payment_id').join('aid_requests as r', 'r.id', 'p.request_id')
      .where('i.batch_id', batchId).orderBy('i.end_to_end_id')
      .select('i.*', 'p.status as payment_status', 'p.request_id', 'p.payee_id', 'p.instalment', 'p.instalments', 'p.reissue_of', 'r.reference');
    if (limit) q.limit(limit);
    return (await q).map((r: Record<string, unknown>) => ({
      paymentId: r.payment_id as string, endToEndId: r.end_to_end_id as string, amountCents: Number(r.amount_cents), creditorName: r.creditor_name as string,
      iban: this.cipher.decrypt(r.iban as string, 'payment_batch_items.iban'), bic: (r.bic as string | null) ?? null, remittance: r.remittance as string, paymentStatus: r.payment_status as string,
      requestId: r.request_id as string, reference: (r.reference as string | null) ?? null, payeeId: r.payee_id as string,
      instalment: r.instalment as number, instalments: r.instalments as number, reissueOf: (r.reissue_of as string | null) ?? null,
    }));
  }

  /** Moves a batch's status under its version; false when someone else moved it first. */
  async move(trx: Db, id: string, version: number, from: BatchStatus[], to: BatchStatus, patch: Record<string, unknown>): Promise<boolean> {
    const n = await trx('payment_batches').where({ id, version }).whereIn('status', from).update({ ...patch, status: to, version: version + 1 }).returning('id');
    return n.length === 1;
  }

  async retireItems(trx: Db, batchId: string): Promise<void> {
    await trx('payment_batch_items').where({ batch_id: batchId, live: true }).update({ live: false });
  }

  /** The payment behind an EndToEndId in a batch (bank status reports name them so). */
  async itemByEndToEnd(db: Db, msgId: string, endToEndId: string): Promise<{ paymentId: string; batchId: string } | null> {
    const row = await db('payment_batch_items as i').join('payment_batches as b', 'b.id', 'i.batch_id')
      .where({ 'b.msg_id': msgId, 'i.end_to_end_id': endToEndId }).first('i.payment_id', 'i.batch_id');
    return row ? { paymentId: row.payment_id as string, batchId: row.batch_id as string } : null;
  }

  async batchByMsgId(db: Db, msgId: string): Promise<string | null> {
    const row = await db('payment_batches').where({ msg_id: msgId }).first('id');
    return row ? (row.id as string) : null;
  }
}
