import type { Knex } from 'knex';
import type { Logger } from '../logger';
import type { Clock } from '../shared/clock';
import type { JobRun, JobRunRepository } from './repository';

/** A batch job: a thin shell around one service method that takes a period and can run again safely. */
export interface JobDefinition<S> {
  name: string;
  description: string;
  /** node-cron expression, Paris time. */
  schedule: string;
  /** The period a run covers ("2026-11-23" for a daily job): one successful run per period. */
  periodKey(now: Date): string;
  run(services: S, period: string, now: Date): Promise<Record<string, number>>;
}

export type RunOutcome = { status: 'succeeded'; run: JobRun; counts: Record<string, number> } | { status: 'skipped'; reason: string } | { status: 'failed'; error: string };

const STALE_MS = 2 * 3600_000;

/** Runs jobs exclusively per (job, period) through `job_runs`, recording counts, duration and errors. */
export class JobRunner {
  constructor(
    private readonly db: Knex,
    private readonly runs: JobRunRepository,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  async run<S>(job: JobDefinition<S>, services: S, startedBy: string, period?: string): Promise<RunOutcome> {
    const now = this.clock.now();
    const key = period ?? job.periodKey(now);
    const run = await this.runs.claim(this.db, job.name, key, startedBy, now, new Date(now.getTime() - STALE_MS));
    if (!run) {
      const existing = await this.runs.find(this.db, job.name, key);
      const reason = existing?.status === 'succeeded' ? 'déjà exécutée pour cette période' : 'en cours dans un autre processus';
      this.logger.info('job skipped', { job: job.name, period: key, reason });
      return { status: 'skipped', reason };
    }
    const started = Date.now();
    try {
      const counts = await job.run(services, key, now);
      await this.runs.finish(this.db, run.id, 'succeeded', counts, null, this.clock.now());
      this.logger.info('job finished', { job: job.name, period: key, ...counts, durationMs: Date.now() - started });
      return { status: 'succeeded', run, counts };
    } catch (err) {
      const message = (err as Error).message ?? String(err);
      await this.runs.finish(this.db, run.id, 'failed', null, message, this.clock.now());
      this.logger.error('job failed', { job: job.name, period: key, error: message, durationMs: Date.now() - started });
      return { status: 'failed', error: message };
    }
  }

  recent(limit?: number): Promise<JobRun[]> {
    return this.runs.recent(this.db, limit);
  }
}
