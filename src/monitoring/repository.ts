import type { Db } from '../db/types';

export interface MonitoringSnapshot {
  jobs: Array<{ job: string; lastSuccess: Date | null; lastDurationSeconds: number | null; failures24h: number }>;
  mailQueue: number;
  mailOldestAgeSeconds: number;
  batchesAwaiting: number;
  funderUnacknowledged: number;
  funderOverdue: number;
  /** when the newest backup copied off-site was taken (null: none recorded) */
  offsiteLatestAt: Date | null;
  /** the restore drills: the last successful one's end and RTO, and whether the last finished one passed (null: none yet) */
  drill: { lastOkAt: Date | null; lastOk: boolean | null; rtoSeconds: number | null };
}

/** Reads, for the metrics, what the other areas' tables say about the running system (counts and dates only). */
export class MonitoringRepository {
  async snapshot(db: Db, now: Date): Promise<MonitoringSnapshot> {
    const day = new Date(now.getTime() - 86_400_000);
    const jobs = await db('job_runs')
      .groupBy('job')
      .orderBy('job')
      .select<Array<{ job: string; last_success: Date | null; failures: string }>>(
        'job',
        db.raw("max(finished_at) filter (where status = 'succeeded') as last_success"),
        db.raw("count(*) filter (where status = 'failed' and started_at >= ?) as failures", [day]),
      );
    const durations = await db('job_runs as r')
      .whereNotNull('r.finished_at')
      .distinctOn('r.job')
      .orderBy([{ column: 'r.job' }, { column: 'r.finished_at', order: 'desc' }])
      .select<Array<{ job: string; seconds: string }>>('r.job', db.raw('extract(epoch from (r.finished_at - r.started_at)) as seconds'));
    const duration = new Map(durations.map((d) => [d.job, Number(d.seconds)]));
    const mail = await db('mail_outbox')
      .whereIn('status', ['pending', 'failed'])
      .first<{ n: string; oldest: Date | null }>(db.raw('count(*) as n'), db.raw('min(created_at) as oldest'));
    const batches = await db('payment_batches').where({ status: 'generated' }).count<{ n: string }[]>('* as n');
    const overdue = new Date(now.getTime() - 48 * 3_600_000);
    const funder = await db('funder_files')
      .where({ direction: 'out', status: 'depose' })
      .first<{ n: string; late: string }>(db.raw('count(*) as n'), db.raw('count(*) filter (where created_at < ?) as late', [overdue]));
    const offsite = await db('backup_offsite_copies').first<{ latest: Date | null } | undefined>(db.raw('max(taken_at) as latest'));
    const lastDrill = await db('restore_drills').whereNotNull('finished_at').orderBy('started_at', 'desc').first<{ ok: boolean } | undefined>('ok');
    const lastOkDrill = await db('restore_drills')
      .where({ ok: true })
      .orderBy('started_at', 'desc')
      .first<{ finished_at: Date; rto_seconds: number | string | null } | undefined>('finished_at', 'rto_seconds');
    return {
      jobs: jobs.map((j) => ({
        job: j.job,
        lastSuccess: j.last_success ?? null,
        lastDurationSeconds: duration.get(j.job) ?? null,
        failures24h: Number(j.failures),
      })),
      mailQueue: Number(mail?.n ?? 0),
      mailOldestAgeSeconds: mail?.oldest ? Math.max(0, (now.getTime() - new Date(mail.oldest).getTime()) / 1000) : 0,
      batchesAwaiting: Number(batches[0]?.n ?? 0),
      funderUnacknowledged: Number(funder?.n ?? 0),
      funderOverdue: Number(funder?.late ?? 0),
      drill: {
        lastOkAt: lastOkDrill ? new Date(lastOkDrill.finished_at) : null,
        lastOk: lastDrill ? lastDrill.ok : null,
        rtoSeconds: lastOkDrill?.rto_seconds == null ? null : Number(lastOkDrill.rto_seconds),
      },
      offsiteLatestAt: offsite?.latest ? new Date(offsite.latest) : null,
    };
  }
}
