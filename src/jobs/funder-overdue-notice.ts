import type { Knex } from 'knex';
import type { UserRepository } from '../accounts/repository';
import type { Db } from '../db/types';
import { associationAdmins } from '../notifications/admins';
import type { Mailer } from '../notifications/mailer';
import { funderUnacknowledgedMail } from '../notifications/templates';
import type { OrganisationRepository } from '../organisations/repository';
import { urls } from '../urls';
import { ACKNOWLEDGEMENT_DUE_HOURS } from '../funder/agreement';

/**
 * Tells the association's administrators, once per file, which files sent to Action Logement
 * still have no acknowledgement 48 hours on: the files are claimed (their notice noted) in the
 * transaction that queues the mails, so a second run mails nothing.
 */
export function funderOverdueNotice(deps: {
  knex: Knex;
  mailer: Mailer;
  organisations: OrganisationRepository;
  users: UserRepository;
  baseUrl: string;
  claimUnacknowledged: (trx: Db, sentBefore: Date, now: Date) => Promise<string[]>;
}) {
  return async (now: Date): Promise<number> => {
    const before = new Date(now.getTime() - ACKNOWLEDGEMENT_DUE_HOURS * 3_600_000);
    const { files, ids } = await deps.knex.transaction(async (trx) => {
      const claimed = await deps.claimUnacknowledged(trx, before, now);
      const out: string[] = [];
      if (claimed.length > 0) {
        for (const admin of await associationAdmins(trx, deps.organisations, deps.users)) {
          out.push(
            await deps.mailer.queue(
              trx,
              funderUnacknowledgedMail(admin.email, admin.firstName, {
                files: claimed,
                hours: ACKNOWLEDGEMENT_DUE_HOURS,
                link: `${deps.baseUrl}${urls.exchanges()}`,
              }),
            ),
          );
        }
      }
      return { files: claimed, ids: out };
    });
    await deps.mailer.deliver(ids);
    return files.length;
  };
}
