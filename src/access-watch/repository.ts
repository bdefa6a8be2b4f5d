import type { Db } from '../db/types';

/** The traces' housekeeping and watch: batch purge past a cutoff, heavy readers of a period, the alerts raised. */
export class AccessWatchRepository {
  /** Deletes up to `limit` traces older than the cutoff (the extranet's, and the household space's), declaring it to the database's row check (migrations 050, 077). */
  async purgeBatch(trx: Db, cutoff: Date, limit: number): Promise<number> {
    await trx.raw("select set_config('entraide.access_purge_before', ?, true)", [cutoff.toISOString()]);
    const rows = await trx('access_events')
      .whereIn('id', trx('access_events').where('occurred_at', '<', cutoff).orderBy('occurred_at').limit(limit).select('id'))
      .delete()
      .returning<Array<{ id: string }>>('id');
    // the household space's own read traces (migration 077), kept as long
    const household = await trx('household_access_events')
      .whereIn('id', trx('household_access_events').where('occurred_at', '<', cutoff).orderBy('occurred_at').limit(limit).select('id'))
      .delete()
      .returning<Array<{ id: string }>>('id');
    return rows.length + household.length;
  }

  /** The users who read more than `threshold` distinct records in [start, end), with their name and organisation. */
  async heavyReaders(
    db: Db,
    start: Date,
    end: Date,
    threshold: number,
  ): Promise<Array<{ userId: string; userName: string; organisationName: string; records: number }>> {
    const rows = await db('access_events as e')
      .join('users as u', 'u.id', 'e.user_id')
      .join('organisations as o', 'o.id', 'u.organisation_id')
      .where('e.occurred_at', '>=', start)
      .andWhere('e.occurred_at', '<', end)
      .groupBy('e.user_id', 'u.first_name', 'u.last_name', 'o.name')
      .havingRaw('count(distinct (e.entity_type, e.entity_id)) > ?', [threshold])
      .select<Array<{ user_id: string; first_name: string; last_name: string; organisation_name: string; records: number }>>(
        'e.user_id',
        'u.first_name',
        'u.last_name',
        'o.name as organisation_name',
        db.raw('count(distinct (e.entity_type, e.entity_id))::int as records'),
      );
    return rows.map((r) => ({
      userId: r.user_id,
      userName: `${r.first_name} ${r.last_name}`,
      organisationName: r.organisation_name,
      records: Number(r.records),
    }));
  }

  /** Records an alert once per user and period: false when it was already raised. */
  async insertAlert(trx: Db, a: { userId: string; periodStart: Date; periodEnd: Date; records: number; threshold: number }, now: Date): Promise<boolean> {
    const rows = await trx('access_alerts')
      .insert({ user_id: a.userId, period_start: a.periodStart, period_end: a.periodEnd, records: a.records, threshold: a.threshold, created_at: now })
      .onConflict(['user_id', 'period_start'])
      .ignore()
      .returning<Array<{ id: string }>>('id');
    return rows.length === 1;
  }

  alertsFor(db: Db, userId: string): Promise<Array<{ periodStart: Date; periodEnd: Date; records: number }>> {
    return db('access_alerts')
      .where({ user_id: userId })
      .orderBy('period_start', 'desc')
      .limit(20)
      .select<Array<{ periodStart: Date; periodEnd: Date; records: number }>>('period_start as periodStart', 'period_end as periodEnd', 'records');
  }
}
