import type { Db } from '../db/types';
import type { EventPayment } from '../shared/domain-events';
import type { PayeeService } from './accounts/payees';
import type { PaymentRepository } from './repository';
import type { Instalment } from './schedule';

/** A granted aid as the payments need it to schedule its instalments. */
export interface Grant {
  requestId: string;
  decisionId: string;
  organisationId: string;
  organisationName: string;
  reference: string;
  payee: { kind: string; name: string; iban: string; bic: string | null };
}

/** What the decisions call to pay a grant: the payee resolved (or created) and the instalments stored, in the caller's transaction. */
export class GrantScheduler {
  private readonly payees: PayeeService;
  private readonly payments: PaymentRepository;

  constructor(deps: { payees: PayeeService; payments: PaymentRepository }) {
    this.payees = deps.payees;
    this.payments = deps.payments;
  }

  /** Schedules the grant's instalments; returns them as the `aid.granted` event carries them. */
  async schedule(trx: Db, grant: Grant, instalments: Instalment[], now: Date): Promise<EventPayment[]> {
    const payeeId = await this.payees.resolveForGrant(trx, grant);
    const payments = await this.payments.insertSchedule(
      trx,
      {
        requestId: grant.requestId,
        decisionId: grant.decisionId,
        organisationId: grant.organisationId,
        reference: grant.reference,
        payeeId,
        payee: grant.payee,
      },
      instalments,
      now,
    );
    return payments.map((p) => ({ ...p, payeeId, instalments: payments.length }));
  }
}
