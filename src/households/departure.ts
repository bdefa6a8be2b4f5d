import type { AuditService } from '../audit/service';
import type { Db } from '../db/types';
import type { Actor } from '../permissions';
import type { Clock } from '../shared/clock';
import type { HouseholdRepository, Membership } from './repository';

/**
 * A current member leaves a household on a date, in the caller's transaction: the membership ends,
 * the household is touched and the departure audited on the household. The line names neither a
 * reason nor a destination: the household's landlord must not learn of another landlord's household.
 */
export async function recordDeparture(
  trx: Db,
  deps: { households: HouseholdRepository; audit: AuditService; clock: Clock },
  actor: Actor,
  departure: { membership: Membership; organisationId: string | null; member: string; date: string },
): Promise<void> {
  const { membership, date } = departure;
  await deps.households.endMembership(trx, membership.id, date);
  await deps.households.touch(trx, membership.householdId, deps.clock.now());
  await deps.audit.record(trx, actor, {
    entityType: 'household',
    entityId: membership.householdId,
    organisationId: departure.organisationId,
    action: 'member.left',
    before: { member: departure.member },
    after: { toDate: date },
  });
}
