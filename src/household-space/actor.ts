import type { Request } from 'express';
import type { SystemActor } from '../audit/service';
import { NotFoundError } from '../shared/errors';

/**
 * The person behind a household-space session (no extranet account): opened by their personal
 * link and a one-time code mailed to them. They see what concerns their household, nothing else.
 */
export interface HouseholdActor {
  /** the person the link was made for */
  readonly personId: string;
  /** their household when the session opened (the scope of every read and change) */
  readonly householdId: string;
  /** the landlord owning the household */
  readonly organisationId: string;
  /** "Prénom N." — what the audit trail and the staff read as the author */
  readonly label: string;
  /** the link the session was opened from */
  readonly linkId: string;
}

declare module 'express-serve-static-core' {
  interface Request {
    /** set by the household-space session (routes under /mon-espace), never on extranet routes */
    household?: HouseholdActor;
  }
}

/** The household of a request that went through requireHousehold. */
export function householdActor(req: Request): HouseholdActor {
  if (!req.household) throw new NotFoundError();
  return req.household;
}

/** What the audit trail records as the author of a change made from the household space. */
export function householdAuditActor(actor: HouseholdActor): SystemActor {
  return { userId: null, name: `Ménage — ${actor.label}` };
}
