import type { Knex } from 'knex';
import { associationAdmins } from '../notifications/admins';
import type { Mailer } from '../notifications/mailer';
import { jobFailedMail } from '../notifications/templates';
import { urls } from '../urls';

/**
 * The hook that tells the association's administrators a batch job failed: one mail per job and
 * day at most (a job every five minutes failing all night sends one mail, not a hundred).
 */
export function jobFailureNotice(knex: Knex, mailer: Mailer, baseUrl: string) {
  return async (job: string, period: string, message: string, at: Date): Promise<void> => {
    const subject = jobFailedMail('', '', { job, period, message, link: '' }).subject;
    const since = new Date(at.getTime() - 24 * 3_600_000);
    if (await knex('mail_outbox').where({ kind: 'job.failed', subject }).where('created_at', '>=', since).first('id')) return;
    const ids = await knex.transaction(async (trx) => {
      const out: string[] = [];
      for (const admin of await associationAdmins(trx)) out.push(await mailer.queue(trx, jobFailedMail(admin.email, admin.firstName, { job, period, message, link: `${baseUrl}${urls.jobs()}` })));
      return out;
    });
    await mailer.deliver(ids);
  };
}
