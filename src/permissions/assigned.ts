import type { Db } from '../db/types';
import { isUuid } from '../db/types';
import { NotFoundError } from '../shared/errors';
import { type Actor, can, type Permission } from './index';

/** Whether a record is one of a user's assignments (an adviser's missions' households, requests…). */
export type AssignedCheck = (db: Db, userId: string, recordId: string) => Promise<boolean>;

/**
 * A read reaching only the records assigned to the user, for roles that hold the "…-assigned"
 * permission and not the general one. The area that owns the assignment provides the check (the root passes it), so
 * the area that owns the record does not depend on it.
 */
export class AssignedReach {
  private readonly general: Permission;
  private readonly assigned: Permission;
  private readonly check: AssignedCheck;

  /** Without a check, nothing is assigned to anyone. */
  constructor(deps: { general: Permission; assigned: Permission; check?: AssignedCheck }) {
    this.general = deps.general;
    this.assigned = deps.assigned;
    this.check = deps.check ?? (async () => false);
  }

  /**
   * Null when the actor reads through the general permission (or cannot read at all: the usual
   * scope then answers); every organisation for one of its assignments; not found otherwise.
   */
  async scope(actor: Actor, recordId: string, db: Db): Promise<{ all: true } | null> {
    if (can(actor, this.general) || !can(actor, this.assigned)) return null;
    if (isUuid(recordId) && (await this.check(db, actor.userId, recordId))) return { all: true };
    throw new NotFoundError();
  }
}
