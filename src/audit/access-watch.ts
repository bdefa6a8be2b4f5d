import type { Knex } from 'knex';
import type { Logger } from '../logger';
import type { Mailer } from '../notifications/mailer';
import { associationAdmins } from '../notifications/admins';
import { accessAlertMail } from '../notifications/templates';
import { parisDate, parisTime } from '../shared/dates';
import { formatDate } from '../shared/format';
import { urls } from '../urls';

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
  constructor(
    private readonly db: Knex,
    private readonly mailer: Mailer,
    private readonly logger: Logger,
    private readonly baseUrl: string,
  ) {}

  /** Deletes the traces older than `months` before `now`, a batch per transaction; returns how many went. */
  async purge(now: Date, months: number): Promise<number> {
    const cutoff = new Date(now);
    cutoff.setUTCMonth(cutoff.getUTCMonth() - months);
    let total = 0;
    for (;;) {
      const deleted = await this.db.transaction(async (trx) => {
        // the database lets only traces older than this declared cutoff go (see migration 050)
        await trx.raw("select set_config('entraide.access_purge_before', ?, true)", [cutoff.toISOString()]);
        const rows = await trx('access_events')
          .whereIn('id', trx('access_events').where('occurred_at', '<', cutoff).orderBy('occurred_at').limit(PURGE_BATCH).select('id'))
          .delete()
          .returning('id');
        return rows.length;
      });
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
    const heavy = await this.db('access_events as e')
      .where('e.occurred_at', '>=', start)
      .andWhere('e.occurred_at', '<', end)
      .groupBy('e.user_id')
      .havingRaw('count(distinct (e.entity_type, e.entity_id)) > ?', [threshold])
      .select('e.user_id', this.db.raw('count(distinct (e.entity_type, e.entity_id))::int as records'));
    const alerts: AccessAlert[] = [];
    for (const row of heavy as Array<{ user_id: string; records: number }>) {
      const alert = await this.db.transaction(async (trx) => {
        const [inserted] = await trx('access_alerts')
          .insert({ user_id: row.user_id, period_start: start, period_end: end, records: Number(row.records), threshold, created_at: now })
          .onConflict(['user_id', 'period_start'])
          .ignore()
          .returning('id');
        if (!inserted) return null;
        const who = await trx('users as u').join('organisations as o', 'o.id', 'u.organisation_id').where('u.id', row.user_id).first('u.first_name', 'u.last_name', 'o.name as organisation_name');
        const found: AccessAlert = { userId: row.user_id, userName: `${who.first_name} ${who.last_name}`, organisationName: who.organisation_name, records: Number(row.records) };
        const admins = await associationAdmins(trx);
        const period = `le ${formatDate(parisDate(start))} entre ${parisTime(start)} et ${parisTime(end)}`;
        const mailIds: string[] = [];
        for (const admin of admins) {
          mailIds.push(await this.mailer.queue(trx, accessAlertMail(admin.email, admin.firstName, { ...found, period, link: `${this.baseUrl}${urls.user(row.user_id)}` })));
        }
        return { found, mailIds };
      });
      if (!alert) continue;
      await this.mailer.deliver(alert.mailIds);
      this.logger.warn('unusual volume of reads', { event: 'security.access_anomaly', userId: alert.found.userId, records: alert.found.records, threshold, periodStart: start.toISOString() });
      alerts.push(alert.found);
    }
    return alerts;
  }

  /** The alerts raised about a user, newest first (their account page). */
  alertsFor(userId: string): Promise<Array<{ periodStart: Date; periodEnd: Date; records: number }>> {
    return this.db('access_alerts').where({ user_id: userId }).orderBy('period_start', 'desc').limit(20)
      .select('period_start as periodStart', 'period_end as periodEnd', 'records');
  }
}
