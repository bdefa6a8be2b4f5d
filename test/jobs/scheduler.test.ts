import cron from 'node-cron';
import { JOBS } from '../../src/jobs/registry';

/**
 * The schedule of every job: a valid cron expression in Paris time, a unique name, and a period
 * key that differs between two consecutive scheduled runs — otherwise the second run would find
 * the first one's claim on job_runs and skip (a job that silently runs once instead of every time).
 */
describe('the job schedules', () => {
  it('are valid, named once each, and give each scheduled run its own period', async () => {
    expect(new Set(JOBS.map((j) => j.name)).size).toBe(JOBS.length);
    for (const job of JOBS) {
      expect({ job: job.name, valid: cron.validate(job.schedule) }).toEqual({ job: job.name, valid: true });
      const task = cron.createTask(job.schedule, () => {}, { timezone: 'Europe/Paris', name: `test-${job.name}` });
      try {
        const runs = task.getNextRuns(4);
        expect(runs).toHaveLength(4);
        const periods = runs.map((at) => job.periodKey(at));
        expect({ job: job.name, distinct: new Set(periods).size }).toEqual({ job: job.name, distinct: 4 });
      } finally {
        await task.destroy();
      }
    }
  });
});
