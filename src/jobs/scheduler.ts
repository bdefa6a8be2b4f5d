import cron from 'node-cron';
import type { Services } from '../services';
import { JOBS } from './registry';
import type { JobDefinition } from './runner';

export interface Scheduler {
  /** No new run starts; resolves once the runs under way have finished (the caller bounds the wait). */
  stop(): Promise<void>;
  /** How many runs are under way. */
  running(): number;
}

/**
 * Schedules every job (Paris time). Each replica schedules them all: the run's claim on
 * `job_runs` (job, period) lets exactly one execute, the others record that they skipped.
 * A stopping server waits for the runs under way before it closes the database: a run cut off
 * mid-way would only be retried at the next start, and its queries would fail with "aborted".
 */
export function startScheduler(services: Services, jobs: readonly JobDefinition<Services>[] = JOBS): Scheduler {
  const underWay = new Set<Promise<void>>();
  let stopped = false;
  const tasks = jobs.map((job) =>
    cron.schedule(
      job.schedule,
      () => {
        if (stopped) return;
        const run: Promise<void> = services.jobs
          .run(job, services, 'Planificateur')
          .then(() => undefined)
          .catch((err: unknown) => {
            services.logger.error('job crashed', { job: job.name, error: (err as Error).message });
          })
          .finally(() => underWay.delete(run));
        underWay.add(run);
      },
      { timezone: 'Europe/Paris', name: job.name },
    ),
  );
  return {
    stop: async () => {
      stopped = true;
      for (const task of tasks) await task.stop();
      await Promise.all([...underWay]);
    },
    running: () => underWay.size,
  };
}
