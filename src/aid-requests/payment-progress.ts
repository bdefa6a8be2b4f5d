import type { Db } from '../db/types';
import type { Actor } from '../permissions';
import type { PaidRequest, RequestProgress } from '../payments/ports';
import type { AidRequestRepository } from './repository';
import type { AidRequestService } from './service';
import { transition } from './state-machine';

/** The requests' side of the payments: their status and timeline move as transfers leave and settle. */
export class RequestPaymentProgress implements RequestProgress {
  private readonly requests: AidRequestRepository;
  private readonly aidRequests: AidRequestService;

  constructor(deps: { requests: AidRequestRepository; aidRequests: AidRequestService }) {
    this.requests = deps.requests;
    this.aidRequests = deps.aidRequests;
  }

  async find(db: Db, requestId: string, forUpdate = false): Promise<PaidRequest | null> {
    const request = await this.requests.findById(db, { all: true }, requestId, forUpdate);
    return request
      ? {
          id: request.id,
          reference: request.reference,
          organisationId: request.organisationId,
          aidTypeLabel: request.aidTypeLabel,
          inPayment: request.status === 'in_payment',
        }
      : null;
  }

  async transferSent(trx: Db, actor: Actor, requestId: string, message: string, now: Date): Promise<void> {
    const request = await this.requests.findById(trx, { all: true }, requestId, true);
    if (!request) return;
    if (request.status === 'granted') {
      await this.aidRequests.move(
        trx,
        actor,
        request,
        { to: transition(actor.role, 'granted', 'start_payment'), version: request.version, action: 'request.in_payment', event: { kind: 'payment', message } },
        now,
      );
    } else {
      await this.note(trx, actor, requestId, message, now);
    }
  }

  async paid(trx: Db, actor: Actor, requestId: string, now: Date): Promise<void> {
    const request = await this.requests.findById(trx, { all: true }, requestId, true);
    if (!request || request.status !== 'in_payment') return;
    await this.aidRequests.move(
      trx,
      actor,
      request,
      {
        to: transition(actor.role, request.status, 'complete_payment'),
        version: request.version,
        action: 'request.paid',
        event: { kind: 'payment', message: 'Tous les versements ont été effectués.' },
      },
      now,
    );
  }

  async note(trx: Db, actor: Actor, requestId: string, message: string, now: Date): Promise<void> {
    await this.requests.addEvent(trx, requestId, { actorUserId: actor.userId, actorLabel: actor.name, kind: 'payment', message, visibility: 'shared' }, now);
  }

  noticeDetails(db: Db, requestIds: string[]): Promise<Map<string, { tenantName: string; aidLabel: string }>> {
    return this.requests.noticeDetails(db, requestIds);
  }
}
