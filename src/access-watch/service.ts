import type { Knex } from 'knex';
import type { Logger } from '../logger';
import { associationAdmins } from '../notifications/admins';
import type { Mailer } from '../notifications/mailer';
import { accessAlertMail } from '../notifications/templates';
import type { OrganisationRepository } from '../organisations/repository';
import { monthsBefore, parisDate, parisTime } from '../shared/dates';
import { formatDate } from '../shared/format';
import { urls } from '../urls';
import type { UserRepository } from '../accounts/repository';
import type { AccessWatchRepository } from './repository';

/** Deleted per transaction by the purge, so that no transaction holds millions of rows. */
const PURGE_BATCH = 5_000;

export interface AccessAlert {
  userId: string;
  userName: string;
  organisationName: string;
  records: number;
}

/**
 * The read traces' life after they are written (CNIL recommendation on logging): purged once older
 * than the retention, and watched for unusual volumes — a user reading more distinct records in an
 * hour than the threshold raises one alert to the association's administrators.
 */
export class AccessWatchService {
  private readonly db: Knex;
  private readonly traces: AccessWatchRepository;
  private readonly organisations: OrganisationRepository;
  private readonly users: UserRepository;
  private readonly mailer: Mailer;
  private readonly logger: Logger;
  private readonly baseUrl: string;

  constructor(deps: {
    db: Knex;
    traces: AccessWatchRepository;
    organisations: OrganisationRepository;
    users: UserRepository;
    mailer: Mailer;
    logger: Logger;
    baseUrl: string;
  }) {
    this.db = deps.db;
    this.traces = deps.traces;
    this.organisations = deps.organisations;
    this.users = deps.users;
    this.mailer = deps.mailer;
    this.logger = deps.logger;
    this.baseUrl = deps.baseUrl;
  }

  /** Deletes the traces older than `months` before `now`, a batch per transaction; returns how many went. */
  async purge(now: Date, months: number): Promise<number> {
    const cutoff = monthsBefore(now, months);
    let total = 0;
    for (;;) {
      const deleted = await this.db.transaction((trx) => this.traces.purgeBatch(trx, cutoff, PURGE_BATCH));
      total += deleted;
      if (deleted < PURGE_BATCH) break;
    }
    this.logger.info('access traces purged', { event: 'security.access_log_purged', deleted: total, before: cutoff.toISOString() });
    return total;
  }

  /**
   * The users who read more than `threshold` distinct records between `start` and `end`; each is
   * recorded once per period (a second run finds it already raised) and mailed to the association's
   * active administrators. Returns the new alerts.
   */
  async watch(start: Date, end: Date, threshold: number, now: Date): Promise<AccessAlert[]> {
    const alerts: AccessAlert[] = [];
    const period = `le ${formatDate(parisDate(start))} entre ${parisTime(start)} et ${parisTime(end)}`;
    for (const found of await this.traces.heavyReaders(this.db, start, end, threshold)) {
      const mailIds = await this.db.transaction(async (trx) => {
        if (!(await this.traces.insertAlert(trx, { userId: found.userId, periodStart: start, periodEnd: end, records: found.records, threshold }, now)))
          return null;
        const ids: string[] = [];
        for (const admin of await associationAdmins(trx, this.organisations, this.users)) {
          ids.push(
            await this.mailer.queue(
              trx,
              accessAlertMail(admin.email, admin.firstName, { ...found, period, link: `${this.baseUrl}${urls.user(found.userId)}` }),
            ),
          );
        }
        return ids;
      });
      if (!mailIds) continue;
      await this.mailer.deliver(mailIds);
      this.logger.warn('unusual volume of reads', {
        event: 'security.access_anomaly',
        userId: found.userId,
        records: found.records,
        threshold,
        periodStart: start.toISOString(),
      });
      alerts.push(found);
    }
    return alerts;
  }

  /** The alerts raised about a user, newest first (their account page). */
  alertsFor(userId: string): Promise<Array<{ periodStart: Date; periodEnd: Date; records: number }>> {
    return this.traces.alertsFor(this.db, userId);
  }
}
