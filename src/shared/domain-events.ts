import type { Db } from '../db/types';
import type { Actor } from '../permissions';

/** A payment as the events carry it: integer cents, which instalment of how many, and what it re-issues. */
export interface EventPayment {
  id: string;
  amountCents: number;
  payeeId: string | null;
  instalment: number;
  instalments: number;
  reissueOf?: string | null;
  requestId?: string;
  reference?: string | null;
}

/**
 * The business events several areas react to, by name, with what they carry. An area announces
 * one inside its transaction; the areas that hang on it (the ledger, the funder's follow-up outbox,
 * the appointments) are registered at the root, never called by hand.
 */
export interface DomainEventMap {
  /** A decision granting an aid was validated: its instalments are scheduled. */
  'aid.granted': {
    requestId: string;
    reference: string;
    aidCode: string;
    rulesAccounts: { expenseAccount: string; thirdPartyAccount: string } | null;
    /** the analytic code of the fund the grant commits on (null: no fund pays it) */
    analyticCode: string | null;
    payments: EventPayment[];
    by: string;
  };
  /** A SEPA batch left for the bank. */
  'batch.transmitted': { batchId: string; msgId: string; items: Array<EventPayment & { requestId: string; reference: string | null }>; by: string };
  /** The bank returned a transfer. */
  'payment.rejected': EventPayment & { reason: string; by: string; reference: string; requestId: string };
  /** Scheduled instalments of a request were cancelled. */
  'instalments.cancelled': { requestId: string; reference: string; payments: EventPayment[]; reason: string; by: string };
  /** A mission was completed or interrupted. */
  'mission.closed': { actor: Actor; missionId: string; organisationId: string };
  /** A request changed status (filed, information asked, decided…); `after` is what its audit line says of the change. */
  'request.moved': { requestId: string; from: string; to: string; after: Record<string, unknown> };
  /** A mission changed status (accepted, declined, started, completed, interrupted). */
  'mission.moved': { missionId: string; from: string; to: string };
  /** a mission proposed to a household (the household space sends its members their link) */
  'mission.ordered': { missionId: string; householdId: string };
  /** A session was held with the household. */
  'mission.session_recorded': { missionId: string; heldOn: string; minutes: number };
}

export type DomainEventName = keyof DomainEventMap;

/** What runs once the transaction has committed (a mail delivery): a handler may return one. */
export type AfterCommit = () => Promise<void>;

export type DomainEventHandler<K extends DomainEventName> = (trx: Db, event: DomainEventMap[K], now: Date) => Promise<void | AfterCommit>;

/**
 * The in-process dispatcher: `emit` runs the handlers of an event in their order of registration,
 * awaited, in the caller's transaction (a failing handler rolls the business change back), and
 * returns what the handlers asked to run after the commit.
 */
export class DomainEvents {
  private readonly handlers = new Map<DomainEventName, Array<DomainEventHandler<DomainEventName>>>();

  on<K extends DomainEventName>(name: K, handler: DomainEventHandler<K>): void {
    const list = this.handlers.get(name) ?? [];
    list.push(handler as unknown as DomainEventHandler<DomainEventName>);
    this.handlers.set(name, list);
  }

  async emit<K extends DomainEventName>(trx: Db, name: K, event: DomainEventMap[K], now: Date): Promise<AfterCommit[]> {
    const after: AfterCommit[] = [];
    for (const handler of this.handlers.get(name) ?? []) {
      const run = await handler(trx, event, now);
      if (run) after.push(run);
    }
    return after;
  }

  /** The names that have at least one handler (the architecture test reads them). */
  subscribed(): DomainEventName[] {
    return [...this.handlers.keys()];
  }
}
