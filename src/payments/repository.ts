import type { Db } from '../db/types';
import type { FieldCipher } from '../shared/field-cipher';
import type { Instalment } from './schedule';

export type PaymentStatus = 'scheduled' | 'batched' | 'sent' | 'settled' | 'rejected' | 'cancelled';

export interface Payment {
  id: string;
  requestId: string;
  organisationId: string;
  decisionId: string;
  instalment: number;
  instalments: number;
  amountCents: number;
  dueDate: string;
  payeeId: string | null;
  payeeName: string;
  payeeIban: string;
  status: PaymentStatus;
  endToEndId: string | null;
  reissueNo: number;
  reissueOf: string | null;
  reissuedBy: string | null;
  rejectionCode: string | null;
  rejectionComment: string | null;
  rejectedAt: Date | null;
  cancelReason: string | null;
  version: number;
}

/** A row of payments (bigint as string, date as 'YYYY-MM-DD'); payee_iban is encrypted at rest. */
export interface PaymentRow {
  id: string;
  request_id: string;
  decision_id: string;
  organisation_id: string;
  instalment: number;
  instalments: number;
  amount_cents: string;
  due_date: string;
  payee_kind: string;
  payee_name: string;
  payee_iban: string;
  payee_bic: string | null;
  payee_id: string | null;
  status: PaymentStatus;
  end_to_end_id: string | null;
  reissue_no: number;
  reissue_of: string | null;
  rejection_code: string | null;
  rejection_comment: string | null;
  rejected_at: Date | null;
  cancel_reason: string | null;
  cancelled_at: Date | null;
  settled_at: Date | null;
  version: number;
  created_at: Date;
  updated_at: Date;
}

/** A payment as read: with the id of the payment re-issued in its place (when the query asks for it). */
export type PaymentReadRow = PaymentRow & { reissued_by?: string | null };

export const toPayment = (r: PaymentReadRow): Payment => ({
  id: r.id,
  requestId: r.request_id,
  organisationId: r.organisation_id,
  decisionId: r.decision_id,
  instalment: r.instalment,
  instalments: r.instalments,
  amountCents: Number(r.amount_cents),
  dueDate: r.due_date,
  payeeId: r.payee_id ?? null,
  payeeName: r.payee_name,
  payeeIban: r.payee_iban,
  status: r.status,
  endToEndId: r.end_to_end_id ?? null,
  reissueNo: r.reissue_no ?? 0,
  reissueOf: r.reissue_of ?? null,
  reissuedBy: r.reissued_by ?? null,
  rejectionCode: r.rejection_code ?? null,
  rejectionComment: r.rejection_comment ?? null,
  rejectedAt: r.rejected_at ?? null,
  cancelReason: r.cancel_reason ?? null,
  version: r.version ?? 1,
});

/** "2026-00042", instalment 3 → "E2026-00042-03"; its re-issues end in -R1, -R2… (stable EndToEndIds). */
export function endToEndId(reference: string, instalment: number, reissueNo = 0): string {
  return `E${reference}-${String(instalment).padStart(2, '0')}${reissueNo ? `-R${reissueNo}` : ''}`;
}

/** Why a scheduled payment cannot leave yet, in French (the payments page shows it). */
export interface WaitingPayment {
  id: string;
  requestId: string;
  reference: string | null;
  payeeName: string;
  amountCents: number;
  dueDate: string;
  reason: string | null;
}

const WITH_REISSUE = (db: Db) => db.raw('(select x.id from payments x where x.reissue_of = payments.id) as reissued_by');

/** Payments of granted aids: created `scheduled` by the decision, taken by the payment batches. The payee's IBAN is stored encrypted. */
export class PaymentRepository {
  constructor(private readonly cipher: FieldCipher) {}

  private toPayment(r: PaymentReadRow): Payment {
    return toPayment({ ...r, payee_iban: this.cipher.decrypt(r.payee_iban, 'payments.payee_iban') });
  }

  async insertSchedule(
    db: Db,
    p: {
      requestId: string;
      decisionId: string;
      organisationId: string;
      reference: string;
      payeeId: string;
      payee: { kind: string; name: string; iban: string; bic: string | null };
    },
    schedule: Instalment[],
    now: Date,
  ): Promise<Array<{ id: string; instalment: number; amountCents: number }>> {
    const rows = await db('payments')
      .insert(
        schedule.map((i) => ({
          request_id: p.requestId,
          decision_id: p.decisionId,
          organisation_id: p.organisationId,
          instalment: i.instalment,
          instalments: schedule.length,
          amount_cents: i.amountCents,
          due_date: i.dueDate,
          payee_kind: p.payee.kind,
          payee_name: p.payee.name,
          payee_iban: this.cipher.encrypt(p.payee.iban, 'payments.payee_iban'),
          payee_bic: p.payee.bic,
          payee_id: p.payeeId,
          end_to_end_id: endToEndId(p.reference, i.instalment),
          status: 'scheduled',
          created_at: now,
          updated_at: now,
        })),
      )
      .returning<Array<Pick<PaymentRow, 'id' | 'instalment' | 'amount_cents'>>>(['id', 'instalment', 'amount_cents']);
    return rows.map((r) => ({ id: r.id, instalment: r.instalment, amountCents: Number(r.amount_cents) }));
  }

  forRequestQuery(db: Db, requestId: string) {
    return db('payments')
      .where({ request_id: requestId })
      .orderBy([{ column: 'due_date' }, { column: 'instalment' }, { column: 'reissue_no' }])
      .select<PaymentReadRow[]>('payments.*', WITH_REISSUE(db));
  }

  async forRequest(db: Db, requestId: string): Promise<Payment[]> {
    return (await this.forRequestQuery(db, requestId)).map((r) => this.toPayment(r));
  }

  async findById(db: Db, id: string, forUpdate = false): Promise<Payment | null> {
    const q = db('payments').where({ id }).select<PaymentReadRow[]>('payments.*', WITH_REISSUE(db));
    if (forUpdate) q.forUpdate();
    const row = await q.first<PaymentReadRow | undefined>();
    return row ? this.toPayment(row) : null;
  }

  async update(db: Db, id: string, version: number, from: PaymentStatus[], patch: Record<string, unknown>, now: Date): Promise<boolean> {
    const n = await db('payments')
      .where({ id, version })
      .whereIn('status', from)
      .update({ ...patch, version: version + 1, updated_at: now })
      .returning<Array<Pick<PaymentRow, 'id'>>>('id');
    return n.length === 1;
  }

  /** A new payment in place of a rejected one: same request, instalment and amount, next suffix. */
  async insertReissue(db: Db, rejected: Payment, dueDate: string, reference: string, now: Date): Promise<string> {
    // `rejected` was read from this table: its row is there.
    const original = (await db<PaymentRow>('payments').where({ id: rejected.id }).first())!;
    const reissueNo = rejected.reissueNo + 1;
    const [row] = await db('payments')
      .insert({
        request_id: original.request_id,
        decision_id: original.decision_id,
        organisation_id: original.organisation_id,
        instalment: original.instalment,
        instalments: original.instalments,
        amount_cents: original.amount_cents,
        due_date: dueDate,
        payee_kind: original.payee_kind,
        payee_name: original.payee_name,
        payee_iban: this.cipher.encrypt(this.cipher.decrypt(original.payee_iban, 'payments.payee_iban'), 'payments.payee_iban'),
        payee_bic: original.payee_bic,
        payee_id: original.payee_id,
        end_to_end_id: endToEndId(reference, original.instalment, reissueNo),
        reissue_no: reissueNo,
        reissue_of: rejected.id,
        status: 'scheduled',
        created_at: now,
        updated_at: now,
      })
      .returning<Array<Pick<PaymentRow, 'id'>>>('id');
    return row!.id;
  }

  async cancelScheduled(db: Db, requestId: string, reason: string, now: Date): Promise<Payment[]> {
    const rows = await db('payments')
      .where({ request_id: requestId, status: 'scheduled' })
      .update({ status: 'cancelled', cancel_reason: reason, cancelled_at: now, updated_at: now, version: db.raw('version + 1') })
      .returning<PaymentRow[]>('*');
    return rows.map((r) => this.toPayment(r));
  }

  /** Whether every payment of a request is done with: settled or cancelled, a rejected one replaced by a re-issue. */
  async allSettled(db: Db, requestId: string): Promise<boolean> {
    const open = await db('payments as p')
      .where('p.request_id', requestId)
      .where((w) =>
        w
          .whereIn('p.status', ['scheduled', 'batched', 'sent'])
          .orWhere((r) => r.where('p.status', 'rejected').whereNotExists((q) => q.from('payments as x').whereRaw('x.reissue_of = p.id'))),
      )
      .first<Pick<PaymentRow, 'id'> | undefined>('p.id');
    const settled = await db('payments').where({ request_id: requestId, status: 'settled' }).first<Pick<PaymentRow, 'id'> | undefined>('id');
    return !open && Boolean(settled);
  }

  /**
   * Scheduled payments due by a date, with why each one cannot leave now (null: it will go in the
   * next batch). Rejected payments not yet re-issued come too: they wait for an operator.
   */
  async waiting(db: Db, until: string, limit = 200): Promise<WaitingPayment[]> {
    const rows = await db('payments as p')
      .join('aid_requests as r', 'r.id', 'p.request_id')
      .leftJoin('payees as y', 'y.id', 'p.payee_id')
      .where('p.status', 'scheduled')
      .where('p.due_date', '<=', until)
      .orderBy([{ column: 'p.due_date' }, { column: 'p.end_to_end_id' }])
      .limit(limit)
      .select<
        Array<{ id: string; request_id: string; reference: string | null; amount_cents: string; due_date: string; payee_name: string; reason: string | null }>
      >(
        'p.id',
        'p.request_id',
        'r.reference',
        'p.amount_cents',
        'p.due_date',
        db.raw('coalesce(y.name, p.payee_name) as payee_name'),
        db.raw(`case
          when p.payee_id is null then 'Bénéficiaire inconnu'
          when exists (select 1 from bank_accounts w where w.payee_id = p.payee_id and w.status = 'pending') then 'Changement de RIB à confirmer'
          when not exists (select 1 from bank_accounts c where c.payee_id = p.payee_id and c.status = 'confirmed') then 'Aucun RIB confirmé'
          when r.status not in ('granted', 'in_payment', 'paid') then 'Demande ni accordée ni en paiement'
          else null end as reason`),
      );
    return rows.map((r) => ({
      id: r.id,
      requestId: r.request_id,
      reference: r.reference ?? null,
      payeeName: r.payee_name,
      amountCents: Number(r.amount_cents),
      dueDate: r.due_date,
      reason: r.reason ?? null,
    }));
  }

  /** Rejected payments an operator has not re-issued yet. */
  async rejectedOpen(db: Db): Promise<Array<Payment & { reference: string | null }>> {
    const rows = await db('payments as p')
      .join('aid_requests as r', 'r.id', 'p.request_id')
      .where('p.status', 'rejected')
      .whereNotExists((q) => q.from('payments as x').whereRaw('x.reissue_of = p.id'))
      .orderBy('p.rejected_at', 'desc')
      .select<Array<PaymentReadRow & { reference: string | null }>>('p.*', 'r.reference', db.raw('null as reissued_by'));
    return rows.map((r) => ({ ...this.toPayment(r), reference: r.reference ?? null }));
  }
}
