import type { Db, Page } from '../../db/types';
import { toPage } from '../../db/types';
import type { FieldCipher } from '../../shared/field-cipher';

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

/** A row of payment_batches (bigint as string, date as 'YYYY-MM-DD'). */
interface BatchRow {
  id: string;
  number: string;
  debtor_account_id: string;
  execution_date: string;
  msg_id: string;
  payment_info_id: string;
  status: BatchStatus;
  transaction_count: number;
  control_sum_cents: string;
  file_blob_id: string;
  file_name: string;
  file_sha256: string;
  generated_by: string | null;
  generated_by_label: string;
  generated_at: Date;
  job_run_id: string | null;
  approved_by: string | null;
  approved_by_label: string | null;
  approved_at: Date | null;
  transmitted_by: string | null;
  transmitted_by_label: string | null;
  transmitted_at: Date | null;
  settled_by: string | null;
  settled_by_label: string | null;
  settled_at: Date | null;
  cancelled_by: string | null;
  cancelled_by_label: string | null;
  cancelled_at: Date | null;
  cancel_reason: string | null;
  version: number;
}

/** A batch with its debtor account's label. */
type BatchListRow = BatchRow & { debtor_label: string };

/** A row of payment_batch_items; iban is encrypted at rest. */
interface BatchItemRow {
  id: string;
  batch_id: string;
  payment_id: string;
  end_to_end_id: string;
  amount_cents: string;
  bank_account_id: string;
  creditor_name: string;
  iban: string;
  bic: string | null;
  remittance: string;
  live: boolean;
}

const toBatch = (r: BatchListRow): Batch => ({
  id: r.id,
  number: Number(r.number),
  debtorAccountId: r.debtor_account_id,
  debtorLabel: r.debtor_label ?? '',
  executionDate: r.execution_date,
  msgId: r.msg_id,
  paymentInfoId: r.payment_info_id,
  status: r.status,
  transactionCount: r.transaction_count,
  controlSumCents: Number(r.control_sum_cents),
  fileBlobId: r.file_blob_id,
  fileName: r.file_name,
  fileSha256: r.file_sha256,
  generatedBy: r.generated_by ?? null,
  generatedByLabel: r.generated_by_label,
  generatedAt: r.generated_at,
  approvedByLabel: r.approved_by_label ?? null,
  approvedAt: r.approved_at ?? null,
  transmittedByLabel: r.transmitted_by_label ?? null,
  transmittedAt: r.transmitted_at ?? null,
  settledByLabel: r.settled_by_label ?? null,
  settledAt: r.settled_at ?? null,
  cancelledByLabel: r.cancelled_by_label ?? null,
  cancelledAt: r.cancelled_at ?? null,
  cancelReason: r.cancel_reason ?? null,
  version: r.version,
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
      .select<
        Array<{
          id: string;
          request_id: string;
          reference: string;
          aid_type_id: string;
          aid_code: string;
          organisation_id: string;
          instalment: number;
          instalments: number;
          amount_cents: string;
          due_date: string;
          end_to_end_id: string;
          payee_id: string;
          account_id: string;
          holder_name: string;
          iban: string;
          bic: string | null;
        }>
      >(
        'p.id',
        'p.request_id',
        'r.reference',
        'r.aid_type_id',
        't.code as aid_code',
        'p.organisation_id',
        'p.instalment',
        'p.instalments',
        'p.amount_cents',
        'p.due_date',
        'p.end_to_end_id',
        'p.payee_id',
        'a.id as account_id',
        'a.holder_name',
        'a.iban',
        'a.bic',
      );
    return rows.map((r) => ({
      id: r.id,
      requestId: r.request_id,
      reference: r.reference,
      aidTypeId: r.aid_type_id,
      aidCode: r.aid_code,
      organisationId: r.organisation_id,
      instalment: r.instalment,
      instalments: r.instalments,
      amountCents: Number(r.amount_cents),
      dueDate: r.due_date,
      endToEndId: r.end_to_end_id,
      payeeId: r.payee_id,
      accountId: r.account_id,
      holderName: r.holder_name,
      iban: this.cipher.decrypt(r.iban, 'bank_accounts.iban'),
      bic: r.bic ?? null,
    }));
  }

  async liveBatchExists(trx: Db, debtorAccountId: string, executionDate: string): Promise<boolean> {
    return Boolean(
      await trx('payment_batches')
        .where({ debtor_account_id: debtorAccountId, execution_date: executionDate })
        .whereNot('status', 'cancelled')
        .first<Pick<BatchRow, 'id'> | undefined>('id'),
    );
  }

  async insert(
    trx: Db,
    b: {
      number: number;
      debtorAccountId: string;
      executionDate: string;
      msgId: string;
      paymentInfoId: string;
      count: number;
      controlSumCents: bigint;
      fileBlobId: string;
      fileName: string;
      fileSha256: string;
      by: { userId: string | null; label: string };
      jobRunId: string | null;
    },
    now: Date,
  ): Promise<string> {
    const [row] = await trx('payment_batches')
      .insert({
        number: b.number,
        debtor_account_id: b.debtorAccountId,
        execution_date: b.executionDate,
        msg_id: b.msgId,
        payment_info_id: b.paymentInfoId,
        status: 'generated',
        transaction_count: b.count,
        control_sum_cents: b.controlSumCents.toString(),
        file_blob_id: b.fileBlobId,
        file_name: b.fileName,
        file_sha256: b.fileSha256,
        generated_by: b.by.userId,
        generated_by_label: b.by.label,
        generated_at: now,
        job_run_id: b.jobRunId,
      })
      .returning<Array<Pick<BatchRow, 'id'>>>('id');
    return row!.id;
  }

  async insertItems(
    trx: Db,
    batchId: string,
    items: Array<{
      paymentId: string;
      endToEndId: string;
      amountCents: number;
      accountId: string;
      creditorName: string;
      iban: string;
      bic: string | null;
      remittance: string;
    }>,
  ): Promise<void> {
    const rows = items.map((i) => ({
      batch_id: batchId,
      payment_id: i.paymentId,
      end_to_end_id: i.endToEndId,
      amount_cents: i.amountCents,
      bank_account_id: i.accountId,
      creditor_name: i.creditorName,
      iban: this.cipher.encrypt(i.iban, 'payment_batch_items.iban'),
      bic: i.bic,
      remittance: i.remittance,
    }));
    for (let i = 0; i < rows.length; i += 1000) await trx('payment_batch_items').insert(rows.slice(i, i + 1000));
  }

  async setPaymentStatus(trx: Db, paymentIds: string[], from: string, to: string, now: Date, extra: Record<string, unknown> = {}): Promise<number> {
    let n = 0;
    for (let i = 0; i < paymentIds.length; i += 5000) {
      n += (
        await trx('payments')
          .whereIn('id', paymentIds.slice(i, i + 5000))
          .where('status', from)
          .update({ status: to, updated_at: now, version: trx.raw('version + 1'), ...extra })
          .returning<Array<{ id: string }>>('id')
      ).length;
    }
    return n;
  }

  async findById(db: Db, id: string, forUpdate = false): Promise<Batch | null> {
    const q = db('payment_batches as b')
      .join('debtor_accounts as d', 'd.id', 'b.debtor_account_id')
      .where('b.id', id)
      .select<BatchListRow[]>('b.*', 'd.label as debtor_label');
    if (forUpdate) q.forUpdate('b');
    const row = await q.first<BatchListRow | undefined>();
    return row ? toBatch(row) : null;
  }

  async list(db: Db, page: number, pageSize = 30): Promise<Page<Batch>> {
    const [count] = await db('payment_batches').count<{ n: string }[]>('* as n');
    const rows = await db('payment_batches as b')
      .join('debtor_accounts as d', 'd.id', 'b.debtor_account_id')
      .orderBy([{ column: 'b.number', order: 'desc' }])
      .limit(pageSize)
      .offset((page - 1) * pageSize)
      .select<BatchListRow[]>('b.*', 'd.label as debtor_label');
    return toPage(rows.map(toBatch), Number(count?.n ?? 0), page, pageSize);
  }

  async items(db: Db, batchId: string, limit?: number): Promise<BatchItem[]> {
    const q = db('payment_batch_items as i')
      .join('payments as p', 'p.id', 'i.payment_id')
      .join('aid_requests as r', 'r.id', 'p.request_id')
      .where('i.batch_id', batchId)
      .orderBy('i.end_to_end_id')
      .select<
        Array<
          BatchItemRow & {
            payment_status: string;
            request_id: string;
            payee_id: string;
            instalment: number;
            instalments: number;
            reissue_of: string | null;
            reference: string | null;
          }
        >
      >('i.*', 'p.status as payment_status', 'p.request_id', 'p.payee_id', 'p.instalment', 'p.instalments', 'p.reissue_of', 'r.reference');
    if (limit) q.limit(limit);
    return (await q).map((r) => ({
      paymentId: r.payment_id,
      endToEndId: r.end_to_end_id,
      amountCents: Number(r.amount_cents),
      creditorName: r.creditor_name,
      iban: this.cipher.decrypt(r.iban, 'payment_batch_items.iban'),
      bic: r.bic ?? null,
      remittance: r.remittance,
      paymentStatus: r.payment_status,
      requestId: r.request_id,
      reference: r.reference ?? null,
      payeeId: r.payee_id,
      instalment: r.instalment,
      instalments: r.instalments,
      reissueOf: r.reissue_of ?? null,
    }));
  }

  /** Moves a batch's status under its version; false when someone else moved it first. */
  async move(trx: Db, id: string, version: number, from: BatchStatus[], to: BatchStatus, patch: Record<string, unknown>): Promise<boolean> {
    const n = await trx('payment_batches')
      .where({ id, version })
      .whereIn('status', from)
      .update({ ...patch, status: to, version: version + 1 })
      .returning<Array<Pick<BatchRow, 'id'>>>('id');
    return n.length === 1;
  }

  async retireItems(trx: Db, batchId: string): Promise<void> {
    await trx('payment_batch_items').where({ batch_id: batchId, live: true }).update({ live: false });
  }

  /** The payment behind an EndToEndId in a batch (bank status reports name them so). */
  async itemByEndToEnd(db: Db, msgId: string, endToEndId: string): Promise<{ paymentId: string; batchId: string } | null> {
    const row = await db('payment_batch_items as i')
      .join('payment_batches as b', 'b.id', 'i.batch_id')
      .where({ 'b.msg_id': msgId, 'i.end_to_end_id': endToEndId })
      .first<Pick<BatchItemRow, 'payment_id' | 'batch_id'> | undefined>('i.payment_id', 'i.batch_id');
    return row ? { paymentId: row.payment_id, batchId: row.batch_id } : null;
  }

  async batchByMsgId(db: Db, msgId: string): Promise<string | null> {
    const row = await db('payment_batches').where({ msg_id: msgId }).first<Pick<BatchRow, 'id'> | undefined>('id');
    return row ? row.id : null;
  }
}
