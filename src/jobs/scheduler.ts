import cron from 'node-cron';
import type { Services } from '../services';
import { JOBS } from './registry';

/**
 * Schedules every job (Paris time). Each replica schedules them all: the run's claim on
 * `job_runs` (job, period) lets exactly one execute, the others record that they skipped.
 */
export function startScheduler(services: Services): { stop(): void } {
  const tasks = JOBS.map((job) =>
    cron.schedule(
      job.schedule,
      () => {
        services.jobs
          .run(job, services, 'Planificateur')
          .catch((err: unknown) => services.logger.error('job crashed', { job: job.name, error: (err as Error).message }));
      },
      { timezone: 'Europe/Paris', name: job.name },
    ),
  );
  return { stop: () => tasks.forEach((t) => t.stop()) };
}
