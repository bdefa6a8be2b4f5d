import type { Knex } from 'knex';
import { associationAdmins } from '../notifications/admins';
import type { Mailer } from '../notifications/mailer';
import type { MailRepository } from '../notifications/repository';
import { jobFailedMail } from '../notifications/templates';
import type { OrganisationRepository } from '../organisations/repository';
import { urls } from '../urls';
import type { UserRepository } from '../accounts/repository';

/**
 * The hook that tells the association's administrators a batch job failed: one mail per job and
 * day at most (a job every five minutes failing all night sends one mail, not a hundred).
 */
export function jobFailureNotice(
  knex: Knex,
  mailer: Mailer,
  mails: MailRepository,
  organisations: OrganisationRepository,
  users: UserRepository,
  baseUrl: string,
) {
  return async (job: string, period: string, message: string, at: Date): Promise<void> => {
    const subject = jobFailedMail('', '', { job, period, message, link: '' }).subject;
    if (await mails.queuedSince(knex, 'job.failed', subject, new Date(at.getTime() - 24 * 3_600_000))) return;
    const ids = await knex.transaction(async (trx) => {
      const out: string[] = [];
      for (const admin of await associationAdmins(trx, organisations, users)) {
        out.push(await mailer.queue(trx, jobFailedMail(admin.email, admin.firstName, { job, period, message, link: `${baseUrl}${urls.jobs()}` })));
      }
      return out;
    });
    await mailer.deliver(ids);
  };
}
