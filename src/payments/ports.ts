import type { Db } from '../db/types';
import type { Actor } from '../permissions';

/** A request as the payments see it. */
export interface PaidRequest {
  id: string;
  reference: string | null;
  organisationId: string;
  aidTypeLabel: string;
  /** all its instalments went out: it waits for the last settlement to be paid */
  inPayment: boolean;
}

/**
 * What the payments ask of the requests they pay. The aid-requests area provides it
 * (`aid-requests/payment-progress.ts`); payments never import that area.
 */
export interface RequestProgress {
  /** The request (locked for update when asked), whatever the actor's scope: the payments are the association's. */
  find(db: Db, requestId: string, forUpdate?: boolean): Promise<PaidRequest | null>;
  /** A transfer of the request left: a granted request moves to « en paiement », any other gets the timeline event alone. */
  transferSent(trx: Db, actor: Actor, requestId: string, message: string, now: Date): Promise<void>;
  /** Every payment of a request in payment is settled: the request is paid. */
  paid(trx: Db, actor: Actor, requestId: string, now: Date): Promise<void>;
  /** A payment event on the request's timeline, shared with the landlord. */
  note(trx: Db, actor: Actor, requestId: string, message: string, now: Date): Promise<void>;
  /** Tenant and aid of each request, for the payment notices. */
  noticeDetails(db: Db, requestIds: string[]): Promise<Map<string, { tenantName: string; aidLabel: string }>>;
}
