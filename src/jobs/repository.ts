import type { Db } from '../db/types';

/** A file a run produced, stored as a blob. */
export interface JobOutput {
  label: string;
  fileName: string;
  blobId: string;
  contentType: string;
  meta?: Record<string, string | number>;
}

export interface JobRun {
  id: string;
  job: string;
  periodKey: string;
  status: 'running' | 'succeeded' | 'failed';
  startedBy: string;
  startedAt: Date;
  finishedAt: Date | null;
  counts: Record<string, number> | null;
  error: string | null;
  attempts: number;
  outputs: JobOutput[];
  skippedCount: number;
  lastSkippedAt: Date | null;
  lastSkippedBy: string | null;
}

/** A row of job_runs (counts and outputs parsed from jsonb). */
interface JobRunRow {
  id: string;
  job: string;
  period_key: string;
  status: JobRun['status'];
  started_by: string;
  started_at: Date;
  finished_at: Date | null;
  counts: JobRun['counts'];
  error: string | null;
  attempts: number;
  outputs: JobOutput[] | null;
  skipped_count: number;
  last_skipped_at: Date | null;
  last_skipped_by: string | null;
}

const toRun = (r: JobRunRow): JobRun => ({
  id: r.id,
  job: r.job,
  periodKey: r.period_key,
  status: r.status,
  startedBy: r.started_by,
  startedAt: r.started_at,
  finishedAt: r.finished_at ?? null,
  counts: r.counts ?? null,
  error: r.error ?? null,
  attempts: r.attempts,
  outputs: r.outputs ?? [],
  skippedCount: r.skipped_count ?? 0,
  lastSkippedAt: r.last_skipped_at ?? null,
  lastSkippedBy: r.last_skipped_by ?? null,
});

/** `job_runs`: one row per (job, period); claiming it is what makes a run exclusive and re-runnable. */
export class JobRunRepository {
  /**
   * Claims the run of a job for a period: a new row, or a failed (or stale running) one taken
   * again. Null when another process holds it or it already succeeded.
   */
  async claim(db: Db, job: string, periodKey: string, startedBy: string, now: Date, staleBefore: Date): Promise<JobRun | null> {
    const inserted = await db('job_runs')
      .insert({ job, period_key: periodKey, status: 'running', started_by: startedBy, started_at: now })
      .onConflict(['job', 'period_key'])
      .ignore()
      .returning<JobRunRow[]>('*');
    const [claimed] = inserted;
    if (claimed) return toRun(claimed);
    const retaken = await db('job_runs')
      .where({ job, period_key: periodKey })
      .where((w) => w.where('status', 'failed').orWhere((s) => s.where('status', 'running').where('started_at', '<', staleBefore)))
      .update({ status: 'running', started_by: startedBy, started_at: now, finished_at: null, error: null, attempts: db.raw('attempts + 1') })
      .returning<JobRunRow[]>('*');
    const [again] = retaken;
    return again ? toRun(again) : null;
  }

  async finish(
    db: Db,
    id: string,
    status: 'succeeded' | 'failed',
    counts: Record<string, number> | null,
    error: string | null,
    now: Date,
    outputs: JobOutput[],
  ): Promise<void> {
    await db('job_runs')
      .where({ id })
      .update({
        status,
        counts: counts ? JSON.stringify(counts) : null,
        error: error?.slice(0, 2000) ?? null,
        finished_at: now,
        outputs: JSON.stringify(outputs),
      });
  }

  /** Another process found the run taken: counted on the run, so the jobs page shows it. */
  async recordSkip(db: Db, job: string, periodKey: string, by: string, now: Date): Promise<JobRun | null> {
    const [row] = await db('job_runs')
      .where({ job, period_key: periodKey })
      .update({ skipped_count: db.raw('skipped_count + 1'), last_skipped_at: now, last_skipped_by: by })
      .returning<JobRunRow[]>('*');
    return row ? toRun(row) : null;
  }

  async findById(db: Db, id: string): Promise<JobRun | null> {
    const row = await db<JobRunRow>('job_runs').where({ id }).first();
    return row ? toRun(row) : null;
  }

  async find(db: Db, job: string, periodKey: string): Promise<JobRun | null> {
    const row = await db<JobRunRow>('job_runs').where({ job, period_key: periodKey }).first();
    return row ? toRun(row) : null;
  }

  /** The newest run of each job. */
  async latestPerJob(db: Db): Promise<JobRun[]> {
    const rows = await db<JobRunRow>('job_runs')
      .distinctOn('job')
      .orderBy([{ column: 'job' }, { column: 'started_at', order: 'desc' }]);
    return rows.map(toRun);
  }

  async recent(db: Db, limit = 50): Promise<JobRun[]> {
    return (await db<JobRunRow>('job_runs').orderBy('started_at', 'desc').limit(limit)).map(toRun);
  }
}
