import type { Db } from '../../db/types';

/** A fund that can pay a grant, as the decision form shows it. */
export interface FundOption {
  id: string;
  name: string;
  totalCents: number;
  committedCents: number;
  /** what the fund can still commit */
  remainingCents: number;
  /** what this landlord's allocation can still commit, when the fund allocates per landlord */
  allocationRemainingCents: number | null;
  /** the smaller of the two: what a grant may commit without an override */
  availableCents: number;
  /** committed ÷ total in basis points, and whether the fund reached its warning (80 %) */
  usedBp: number;
  warning: boolean;
}

/** A grant as the budget sees it. */
export interface GrantOnFund {
  requestId: string;
  organisationId: string;
  aidTypeCode: string;
  amountCents: number;
  /** the fund chosen by the operator (when several apply), or the one recorded on the proposal */
  fundId: string | null;
  /** an administrator's reason to grant above what remains */
  overrideReason: string | null;
  /** the Paris date of the decision: the fund's period must hold it */
  on: string;
}

/** The fund a grant goes on, and whether it fits in what remains. */
export interface FundChoice {
  fundId: string;
  name: string;
  availableCents: number;
  /** the amount is above what remains (allowed only with an administrator's override) */
  over: boolean;
}

/**
 * What the decisions ask of the budget envelopes. The funds area provides it (`funds/budget.ts`);
 * the decisions never import that area.
 */
export interface BudgetPort {
  /** The funds that can pay this aid type for this landlord on this date. */
  options(db: Db, q: { aidTypeCode: string; organisationId: string; on: string }): Promise<FundOption[]>;
  /**
   * The fund a grant goes on (null: no fund pays this aid type then), checked without a lock.
   * Throws a ValidationError when a choice is needed or wrong, or when the amount is above what
   * remains without an override.
   */
  choose(db: Db, grant: GrantOnFund): Promise<FundChoice | null>;
  /**
   * Commits the grant on its fund in the decision's transaction: locks the fund, checks again,
   * records the movement, moves the totals; returns the analytic code for the ledger and the mails
   * to deliver after the commit (the 80 % warning). Null when no fund pays the aid.
   */
  commit(
    trx: Db,
    grant: GrantOnFund & { decisionId: string; by: string },
    now: Date,
  ): Promise<{ fundId: string; analyticCode: string; mails: string[] } | null>;
}
