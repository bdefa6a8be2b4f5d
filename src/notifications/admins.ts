import type { Db } from '../db/types';
import type { OrganisationRepository } from '../organisations/repository';
import type { UserRepository } from '../accounts/repository';

/** The association's active administrators: who is told about security alerts and failed jobs. */
export async function associationAdmins(
  db: Db,
  organisations: OrganisationRepository,
  users: UserRepository,
): Promise<Array<{ email: string; firstName: string }>> {
  const association = await organisations.firstAssociation(db);
  return association ? users.activeWithRoles(db, association.id, ['admin']) : [];
}
