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

export const toPayment = (r: Record<string, unknown>): Payment => ({
  id: r.id as string, requestId: r.request_id as string, organisationId: r.organisation_id as string, decisionId: r.decision_id as string,
  instalment: r.instalment as number, instalments: r.instalments as number, amountCents: Number(r.amount_cents), dueDate: r.due_date as string,
  payeeId: (r.payee_id as string | null) ?? null, payeeName: r.payee_name as string, payeeIban: r.payee_iban as string, status: r.status as PaymentStatus,
  endToEndId: (r.end_to_end_id as string | null) ?? null, reissueNo: (r.reissue_no as number) ?? 0, reissueOf: (r.reissue_of as string | null) ?? null,
  reissuedBy: (r.reissued_by as string | null) ?? null, rejectionCode: (r.rejection_code as string | null) ?? null, rejectionComment: (r.rejection_comment as string | null) ?? null,
  rejectedAt: (r.rejected_at as Date | null) ?? null, cancelReason: (r.cancel_reason as string | null) ?? null, version: (r.version as number) ?? 1,
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

  private toPayment(r: Record<string, unknown>): Payment {
    return toPayment({ ...r, payee_iban: this.cipher.decryptNullable(r.payee_iban, 'payments.payee_iban') });
  }

  async insertSchedule(
    db: Db,
    p: { requestId: string; decisionId: string; organisationId: string; reference: string; payeeId: string; payee: { kind: string; name: string; iban: string; bic: string | null } },
    schedule: Instalment[],
    now: Date,
  ): Promise<Array<{ id: string; instalment: number; amountCents: number }>> {
    const rows = await db('payments').insert(
      schedule.map((i) => ({
        request_id: p.requestId, decision_id: p.decisionId, organisation_id: p.organisationId, instalment: i.instalment, instalments: schedule.length,
        amount_cents: i.amountCents, due_date: i.dueDate, payee_kind: p.payee.kind, payee_name: p.payee.name, payee_iban: this.cipher.encrypt(p.payee.iban, 'payments.payee_iban'), payee_bic: p.payee.bic,
        payee_id: p.payeeId, end_to_end_id: endToEndId(p.reference, i.instalment), status: 'scheduled', created_at: now, updated_at: now,
      })),
    ).returning(['id', 'instalment', 'amount_cents']);
    return rows.map((r: Record<string, unknown>) => ({ id: r.id as string, instalment: r.instalment as number, amountCents: Number(r.amount_cents) }));
  }

  forRequestQuery(db: Db, requestId: string) {
    return db('payments').where({ request_id: requestId }).orderBy([{ column: 'due_date' }, { column: 'instalment' }, { column: 'reissue_no' }]).select('payments.*', WITH_REISSUE(db));
  }

  async forRequest(db: Db, requestId: string): Promise<Payment[]> {
    return (await this.forRequestQuery(db, requestId)).map((r: Record<string, unknown>) => this.toPayment(r));
  }

  async findById(db: Db, id: string, forUpdate = false): Promise<Payment | null> {
    const q = db('payments').where({ id }).select('payments.*', WITH_REISSUE(db));
    if (forUpdate) q.forUpdate();
    const row = await q.first();
    return row ? this.toPayment(row) : null;
  }

  async update(db: Db, id: string, version: number, from: PaymentStatus[], patch: Record<string, unknown>, now: Date): Promise<boolean> {
    const n = await db('payments').where({ id, version }).whereIn('status', from).update({ ...patch, version: version + 1, updated_at: now }).returning('id');
    return n.length === 1;
  }

  /** A new payment in place of a rejected one: same request, instalment and amount, next suffix. */
  async insertReissue(db: Db, rejected: Payment, dueDate: string, reference: string, now: Date): Promise<string> {
    const original = await db('payments').where({ id: rejected.id }).first();
    const reissueNo = rejected.reissueNo + 1;
    const [row] = await db('payments')
      .insert({
        request_id: original.request_id, decision_id: original.decision_id, organisation_id: original.organisation_id, instalment: original.instalment, instalments: original.instalments,
        amount_cents: original.amount_cents, due_date: dueDate, payee_kind: original.payee_kind, payee_name: original.payee_name, payee_iban: this.cipher.encrypt(this.cipher.decrypt(original.payee_iban as string, 'payments.payee_iban'), 'payments.payee_iban'), payee_bic: original.payee_bic,
        payee_id: original.payee_id, end_to_end_id: endToEndId(reference, original.instalment, reissueNo), reissue_no: reissueNo, reissue_of: rejected.id,
        status: 'scheduled', created_at: now, updated_at: now,
      })
      .returning('id');
    return (row as { id: string }).id;
  }

  async cancelScheduled(db: Db, requestId: string, reason: string, now: Date): Promise<Payment[]> {
    const rows = await db('payments').where({ request_id: requestId, status: 'scheduled' })
      .update({ status: 'cancelled', cancel_reason: reason, cancelled_at: now, updated_at: now, version: db.raw('version + 1') }).returning('*');
    return rows.map((r: Record<string, unknown>) => this.toPayment(r));
  }

  /** Whether every payment of a request is done with: settled or cancelled, a rejected one replaced by a re-issue. */
  async allSettled(db: Db, requestId: string): Promise<boolean> {
    const open = await db('payments as p').where('p.request_id', requestId)
      .where((w) => w.whereIn('p.status', ['scheduled', 'batched', 'sent']).orWhere((r) => r.where('p.status', 'rejected').whereNotExists((q) => q.from('payments as x').whereRaw('x.reissue_of = p.id'))))
      .first('p.id');
    const settled = await db('payments').where({ request_id: requestId, status: 'settled' }).first('id');
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
      .select(
        'p.id', 'p.request_id', 'r.reference', 'p.amount_cents', 'p.due_date', db.raw('coalesce(y.name, p.payee_name) as payee_name'),
        db.raw(`case
          when p.payee_id is null then 'Bénéficiaire inconnu'
          when exists (select 1 from bank_accounts w where w.payee_id = p.payee_id and w.status = 'pending') then 'Changement de RIB à confirmer'
          when not exists (select 1 from bank_accounts c where c.payee_id = p.payee_id and c.status = 'confirmed') then 'Aucun RIB confirmé'
          when r.status not in ('granted', 'in_payment', 'paid') then 'Demande ni accordée ni en paiement'
          else null end as reason`),
      );
    return rows.map((r: Record<string, unknown>) => ({
      id: r.id as string, requestId: r.request_id as string, reference: (r.reference as string | null) ?? null, payeeName: r.payee_name as string,
      amountCents: Number(r.amount_cents), dueDate: r.due_date as string, reason: (r.reason as string | null) ?? null,
    }));
  }

  /** Rejected payments an operator has not re-issued yet. */
  async rejectedOpen(db: Db): Promise<Array<Payment & { reference: string | null }>> {
    const rows = await db('payments as p').join('aid_requests as r', 'r.id', 'p.request_id')
      .where('p.status', 'rejected').whereNotExists((q) => q.from('payments as x').whereRaw('x.reissue_of = p.id'))
      .orderBy('p.rejected_at', 'desc').select('p.*', 'r.reference', db.raw('null as reissued_by'));
    return rows.map((r: Record<string, unknown>) => ({ ...this.toPayment(r), reference: (r.reference as string | null) ?? null }));
  }
}
