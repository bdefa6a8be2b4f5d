import type { Db } from '../db/types';
import type { Instalment } from './schedule';

export type PaymentStatus = 'scheduled' | 'batched' | 'sent' | 'settled' | 'rejected' | 'cancelled';

export interface Payment {
  id: string;
  requestId: string;
  instalment: number;
  instalments: number;
  amountCents: number;
  dueDate: string;
  payeeName: string;
  payeeIban: string;
  status: PaymentStatus;
}

/** Payments of granted aids: created `scheduled` by the decision, taken by the payment jobs. */
export class PaymentRepository {
  async insertSchedule(
    db: Db,
    p: { requestId: string; decisionId: string; organisationId: string; payee: { kind: string; name: string; iban: string; bic: string | null } },
    schedule: Instalment[],
    now: Date,
  ): Promise<void> {
    await db('payments').insert(
      schedule.map((i) => ({
        request_id: p.requestId, decision_id: p.decisionId, organisation_id: p.organisationId, instalment: i.instalment, instalments: schedule.length,
        amount_cents: i.amountCents, due_date: i.dueDate, payee_kind: p.payee.kind, payee_name: p.payee.name, payee_iban: p.payee.iban, payee_bic: p.payee.bic,
        status: 'scheduled', created_at: now, updated_at: now,
      })),
    );
  }

  async forRequest(db: Db, requestId: string): Promise<Payment[]> {
    const rows = await db('payments').where({ request_id: requestId }).orderBy([{ column: 'due_date' }, { column: 'instalment' }]);
    return rows.map((r: Record<string, unknown>) => ({
      id: r.id as string, requestId: r.request_id as string, instalment: r.instalment as number, instalments: r.instalments as number,
      amountCents: Number(r.amount_cents), dueDate: r.due_date as string, payeeName: r.payee_name as string, payeeIban: r.payee_iban as string, status: r.status as PaymentStatus,
    }));
  }
}
